// The plugin host's reading of declarations (plugins/host/plugin_ops.h), on a plugin
// described in this file through the C ABI, without a shared library: every attribute type
// becomes the AttrSpec the inspector and validation use, shape inference reads the node's
// attributes through the context (lists included) and reports the plugin's failures against
// the field it names, parameters are declared as the plugin says, and a bad declaration is
// refused with the op and the attribute named.
#include "graph/op_registry.h"
#include "plugins/host/plugin_ops.h"

#include <QtTest>
#include <cstring>

using namespace nw;

namespace {

const char* const kModes[] = {"sum", "max"};
const std::int64_t kWindow[] = {3, 3};

nw_attr_decl attr(const char* name, nw_attr_type type) {
    nw_attr_decl a{};
    a.name = name;
    a.type = type;
    a.doc = "doc";
    return a;
}

std::vector<nw_attr_decl> attrs() {
    auto units = attr("units", NW_ATTR_INT);
    units.int_default = 4;
    units.int_min = 1;
    units.int_max = 64;
    auto scale = attr("scale", NW_ATTR_REAL);
    scale.real_default = 0.5;
    scale.real_min = 0;
    scale.real_max = 1;
    auto flag = attr("flag", NW_ATTR_BOOL);
    flag.bool_default = 1;
    auto mode = attr("mode", NW_ATTR_CHOICE);
    mode.choice_default = "max";
    mode.choices = kModes;
    mode.choice_count = 2;
    auto window = attr("window", NW_ATTR_INTS);
    window.ints_default = kWindow;
    window.ints_default_count = 2;
    window.ints_min_length = 2;
    window.ints_max_length = 2;
    window.int_min = 1;
    window.int_max = 9;
    return {units, scale, flag, mode, window};
}

// [C] -> [units * window[0] * window[1]]; fails on "mode" when flag is off and mode is sum.
int infer(nw_infer_ctx* c) {
    std::int64_t window[NW_MAX_RANK];
    const auto n = c->attr_ints(c, "window", window, NW_MAX_RANK);
    if (n != 2 || c->input_count != 1 || c->inputs[0].rank != 1) {
        c->fail(c, "input", "expects [N, C]");
        return 1;
    }
    if (!c->attr_bool(c, "flag") && std::strcmp(c->attr_choice(c, "mode"), "sum") == 0) {
        c->fail(c, "mode", "sum needs the flag");
        return 1;
    }
    nw_shape out{};
    out.rank = 1;
    out.dims[0] = c->attr_int(c, "units") * window[0] * window[1];
    c->set_output(c, 0, &out);
    c->set_flops(c, out.dims[0] * 2);
    nw_param_decl w{};
    w.name = "weight";
    w.shape.rank = 2;
    w.shape.dims[0] = out.dims[0];
    w.shape.dims[1] = c->inputs[0].dims[0];
    w.init = NW_INIT_FAN_IN_UNIFORM;
    w.fan_in = c->inputs[0].dims[0];
    w.fan_out = out.dims[0];
    w.trainable = 1;
    w.decays = 1;
    c->declare_param(c, &w);
    return static_cast<int>(c->attr_real(c, "scale") > 2); // never: scale is in [0, 1]
}

void* create(const nw_kernel_ctx*) {
    static int instance;
    return &instance;
}
void destroy(void*) {}
int run(void*, const nw_kernel_ctx*, const nw_forward_args*) {
    return 0;
}
int back(void*, const nw_kernel_ctx*, const nw_backward_args*) {
    return 0;
}

const nw_port_decl kPorts[] = {{"input", "[N, C]"}};

struct Fixture {
    std::vector<nw_attr_decl> attributes = attrs();
    nw_op_decl op{};
    nw_plugin plugin{};
    Fixture() {
        op.struct_size = sizeof(nw_op_decl);
        op.name = "Windowed";
        op.category = "Test";
        op.color = 0x123456;
        op.doc = "A test op.";
        op.attrs = attributes.data();
        op.attr_count = static_cast<std::uint32_t>(attributes.size());
        op.inputs = kPorts;
        op.input_count = 1;
        op.outputs = kPorts;
        op.output_count = 1;
        op.infer = infer;
        op.cpu = {create, destroy, run, back};
        plugin.struct_size = sizeof(nw_plugin);
        plugin.sdk_version = NW_PLUGIN_SDK_VERSION;
        plugin.name = "test-plugin";
        plugin.version = "0.1";
        plugin.ops = &op;
        plugin.op_count = 1;
    }
};

} // namespace

class TestPluginHost : public QObject {
    Q_OBJECT
private slots:
    void declarationsBecomeSchemas() {
        Fixture f;
        auto ops = plugins::declareOps(f.plugin, "/x/libtest.so");
        QVERIFY2(ops.ok(), ops.ok() ? "" : ops.error().message.c_str());
        QCOMPARE(ops->size(), std::size_t(1));
        const graph::OpSchema& s = ops->front()->schema;
        QCOMPARE(s.name, std::string("Windowed"));
        QCOMPARE(s.plugin, std::string("test-plugin"));
        QCOMPARE(s.color, std::uint32_t(0x123456));
        QCOMPARE(s.attrs.size(), std::size_t(5));
        QCOMPARE(s.findAttr("units")->rangeText(), std::string("[1, 64]"));
        QCOMPARE(std::get<double>(s.findAttr("scale")->defaultValue), 0.5);
        QCOMPARE(std::get<bool>(s.findAttr("flag")->defaultValue), true);
        QCOMPARE(s.findAttr("mode")->choices, (std::vector<std::string>{"sum", "max"}));
        const graph::AttrSpec* window = s.findAttr("window");
        QCOMPARE(window->type, graph::AttrType::IntList);
        QCOMPARE(std::get<graph::IntList>(window->defaultValue), (graph::IntList{3, 3}));
        QVERIFY(window->check(graph::IntList{3}).has_value()); // too short
        QVERIFY(window->check(graph::IntList{3, 10}).has_value());
        QVERIFY(!window->check(graph::IntList{2, 5}).has_value());
    }

    void inferenceReadsTheNodesAttributes() {
        Fixture f;
        auto ops = plugins::declareOps(f.plugin, "/x/libtest.so");
        QVERIFY(ops.ok());
        const graph::OpSchema& s = ops->front()->schema;
        graph::AttrMap a = s.defaults();
        a["units"] = std::int64_t{2};
        a["window"] = graph::IntList{2, 5};
        const std::vector<graph::Shape> in{graph::Shape::batched({7})};
        auto r = s.inferNode(graph::InferContext(a, in));
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->outputs.front(), graph::Shape::batched({20}));
        QCOMPARE(r->cost.flops, std::int64_t(40));
        QCOMPARE(r->cost.trainableParams, std::int64_t(140));
        QCOMPARE(r->params.front().shape, (std::vector<std::int64_t>{20, 7}));
        QCOMPARE(r->params.front().init, graph::Init::FanInUniform);

        a["flag"] = false;
        a["mode"] = std::string("sum");
        auto bad = s.inferNode(graph::InferContext(a, in));
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().field, std::string("mode"));
        QCOMPARE(bad.error().message, std::string("sum needs the flag"));
        const graph::AttrMap defaults = s.defaults();
        const std::vector<graph::Shape> matrix{graph::Shape::batched({2, 3})};
        auto rank = s.inferNode(graph::InferContext(defaults, matrix));
        QVERIFY(!rank.ok());
        QCOMPARE(rank.error().field, std::string("input"));
    }

    void badDeclarationsAreRefused_data() {
        QTest::addColumn<int>("fault");
        QTest::addColumn<QString>("message");
        QTest::newRow("int default out of range") << 0 << "attribute 'units': default 99";
        QTest::newRow("list default too long") << 1 << "attribute 'window'";
        QTest::newRow("choice default not a choice") << 2 << "attribute 'mode': default 'min'";
        QTest::newRow("op name") << 3 << "UpperCamelCase";
        QTest::newRow("no kernel") << 4 << "create, destroy, forward and backward";
        QTest::newRow("two outputs") << 5 << "exactly one output";
    }
    void badDeclarationsAreRefused() {
        QFETCH(int, fault);
        QFETCH(QString, message);
        Fixture f;
        const std::int64_t three[] = {3, 3, 3};
        switch (fault) {
        case 0:
            f.attributes[0].int_default = 99;
            break;
        case 1:
            f.attributes[4].ints_default = three;
            f.attributes[4].ints_default_count = 3;
            break;
        case 2:
            f.attributes[3].choice_default = "min";
            break;
        case 3:
            f.op.name = "windowed op";
            break;
        case 4:
            f.op.cpu.backward = nullptr;
            break;
        case 5:
            f.op.output_count = 2;
            break;
        }
        auto ops = plugins::declareOps(f.plugin, "/x/libtest.so");
        QVERIFY(!ops.ok());
        QVERIFY2(QString::fromStdString(ops.error().message).contains(message),
                 ops.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestPluginHost)
#include "test_plugin_host.moc"
