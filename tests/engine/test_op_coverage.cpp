// Op coverage: every registered op is handled (add) or refused with a stated reason
// (unsupported) by every backend and every exporter, and has rows in the cross-backend
// harness. Deleting an op's line from any of those lists makes this test fail, naming the op.
// The example plugin's ops (plugins/examples) are loaded and held to the same rule.
// (The op reference in docs/ops.md is checked against the schemas by test_op_reference.)
#include "app/backends.h"
#include "engine/bundle/quantize.h"
#include "engine/bundle/writer.h"
#include "graph/onnx/op_mapping.h"
#include "graph/op_registry.h"
#include "tests/engine/op_cases.h"

#include <QtTest>
#include <set>

using namespace nw;

namespace {

QString joined(const std::vector<std::string>& names) {
    QStringList out;
    for (const auto& n : names) {
        out << QString::fromStdString(n);
    }
    return out.join(QStringLiteral(", "));
}

// The ops named by the cases' `ops` lists.
template <class Cases>
std::set<std::string> opsOf(const Cases& cases) {
    std::set<std::string> out;
    for (const auto& c : cases) {
        out.insert(c.ops.begin(), c.ops.end());
    }
    return out;
}

// The built-in ops, the example plugin's, and the backends that run them.
const app::Registries& registries() {
    static const auto r = app::loadRegistries({{NW_EXAMPLE_PLUGIN}, {}});
    return *r;
}

} // namespace

class TestOpCoverage : public QObject {
    Q_OBJECT
private slots:
    void everyBackendCoversEveryOp() {
        const auto& ops = registries().ops;
        QCOMPARE(registries().plugins->loaded().size(), std::size_t(1));
        const auto& backends = registries().backends;
        const auto devices = backends.availableDevices();
        QVERIFY(!devices.empty());
        for (const auto& d : devices) {
            auto backend = backends.openBackend(d.id);
            QVERIFY2(backend.ok(), backend.ok() ? "" : backend.error().message.c_str());
            auto missing = (*backend)->opCoverage().missing(ops);
            QVERIFY2(missing.empty(),
                     qPrintable(QStringLiteral("%1 says nothing of: %2")
                                    .arg(QString::fromStdString(d.id), joined(missing))));
            // An unsupported op states why (the plan repeats it when it places the node).
            for (const auto& op : (*backend)->opCoverage().named()) {
                QVERIFY((*backend)->opCoverage().supports(op) ||
                        !(*backend)->opCoverage().unsupportedReason(op).empty());
            }
        }
    }

    void everyExporterCoversEveryOp() {
        const auto& ops = registries().ops;
        auto onnx = graph::onnx_export::makeOnnxEmitterTable(&ops);
        QVERIFY2(onnx.missing(ops).empty(),
                 qPrintable("the ONNX exporter says nothing of: " + joined(onnx.missing(ops))));
        auto bundle = bundle::makeBundleEmitterTable(&ops);
        QVERIFY2(bundle.missing(ops).empty(),
                 qPrintable("the bundle writer says nothing of: " + joined(bundle.missing(ops))));
        // INT8 quantisation works on the layers the writer emits: each must be in its table.
        auto int8 = bundle::makeInt8LayerTable();
        for (const auto* schema : ops.all()) {
            const auto* emitter = bundle.find(schema->name);
            if (!emitter) {
                continue;
            }
            for (const auto& layer : emitter->layers) {
                QVERIFY2(int8.covers(layer),
                         qPrintable(QStringLiteral("%1 becomes a '%2' layer, which the INT8 "
                                                   "quantiser says nothing of")
                                        .arg(QString::fromStdString(schema->name),
                                             QString::fromStdString(layer))));
            }
        }
    }

    void everyOpHasHarnessRows() {
        const auto& ops = registries().ops;
        const auto forward = opsOf(testing::forwardCases());
        const auto gradients = opsOf(testing::gradientCases());
        std::vector<std::string> noForward, noGradient;
        for (const auto* schema : ops.all()) {
            if (!forward.count(schema->name)) {
                noForward.push_back(schema->name);
            }
            if (!gradients.count(schema->name)) {
                noGradient.push_back(schema->name);
            }
        }
        QVERIFY2(noForward.empty(), qPrintable("no forward case for: " + joined(noForward)));
        QVERIFY2(noGradient.empty(), qPrintable("no gradient case for: " + joined(noGradient)));
        // Every case's ops are real ops and appear in its graph.
        for (const auto& c : testing::forwardCases()) {
            for (const auto& op : c.ops) {
                QVERIFY2(ops.find(op), op.c_str());
            }
        }
    }

    // The tables are explicit lists: a second line for one op is a programming error.
    void aTableRefusesAnOpListedTwice() {
        graph::OpTable<int> t;
        t.add("Dense", 1);
        QVERIFY_THROWS_EXCEPTION(std::logic_error, t.add("Dense", 2));
        QVERIFY_THROWS_EXCEPTION(std::logic_error, t.unsupported("Dense", "no"));
        t.unsupported("Conv2D", "not yet");
        QCOMPARE(t.unsupportedReason("Conv2D"), std::string("not yet"));
        QVERIFY(!t.supports("Conv2D") && t.covers("Conv2D") && !t.find("Conv2D"));
        auto ops = graph::makeCoreRegistry();
        auto missing = t.missing(ops);
        QCOMPARE(missing.size(), ops.all().size() - 2);
    }
};

QTEST_GUILESS_MAIN(TestOpCoverage)
#include "test_op_coverage.moc"
