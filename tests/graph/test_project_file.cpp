// .nwproj reading and writing: lossless round trips of the shipped templates, byte-stable
// output, typed attributes with defaults, malformed and hostile files refused with a message
// naming the file and the field, and atomic saves.
#include "graph/analysis.h"
#include "graph/edit.h"
#include "graph/project_file.h"

#include <QtTest>
#include <sys/stat.h>

using namespace nw::graph;

namespace {

const OpRegistry& registry() {
    static const OpRegistry r = makeCoreRegistry();
    return r;
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

// Every entry of `dir`, hidden ones (a leftover ".net.nwproj.XXXXXX") included.
QStringList entries(const QString& dir) {
    return QDir(dir).entryList(
        QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
}

std::string errorOf(const nw::Status& s) {
    return s.ok() ? std::string() : s.error().message;
}

// A valid minimal document with `extra` top-level members and `nodes` as the node list.
QByteArray doc(const char* extra = "", const char* nodes = "") {
    return QByteArray(R"({"format_version": 1, "graph": {"nodes": [)") + nodes + "]}" +
           (*extra ? ", " : "") + extra + "}";
}

QByteArray node(const QByteArray& members) {
    return doc("", (R"({"id": "a", "op": "Dense", )" + members + "}").constData());
}

QByteArray training(const char* members) {
    return doc((std::string(R"("training": {)") + members + "}").c_str());
}

nw::Expected<Project> parse(const QByteArray& text, const std::string& sourceName) {
    return parseProject(std::string_view(text.constData(), std::size_t(text.size())), sourceName,
                        registry());
}

// The core ops and "Gate", an op of the plugin "fake-plugin" built by hand (what
// plugins/host makes of a plugin's op): one attribute of every type, one input, one output.
const OpRegistry& pluginRegistry() {
    static const OpRegistry r = [] {
        OpRegistry out = makeCoreRegistry();
        OpSchema s;
        s.name = "Gate";
        s.category = "Fake";
        s.plugin = "fake-plugin";
        s.color = 0x4FA3A5;
        s.attrs = {AttrSpec::integer("groups", 4, 1, 64, "Groups."),
                   AttrSpec::real("scale", 1.0, 0.0, 10.0, "Scale."),
                   AttrSpec::boolean("learn", true, "Learned."),
                   AttrSpec::choice("mode", "fast", {"fast", "exact"}, "Mode."),
                   AttrSpec::ints("window", {3, 3}, 2, 2, 1, 9, "Window.")};
        s.inputs = {{"input", "[N, ...]"}};
        s.outputs = {{"output", "same shape as the input"}};
        s.infer = [](const InferContext& ctx) -> InferResult {
            return Inferred{{ctx.input(0)}, {}, {}};
        };
        if (auto st = out.add(std::move(s)); !st.ok()) {
            qFatal("cannot add the fake plugin op: %s", st.error().message.c_str());
        }
        return out;
    }();
    return r;
}

// Input -> Gate -> Dense -> Loss, the Gate written without its plugin (as a user might).
const char* kGateProject = R"({"format_version": 1, "name": "gated", "graph": {
    "nodes": [
        {"id": "in", "op": "Input", "attributes": {"shape": [4, 8, 8]}, "position": [10.0, 20.0]},
        {"id": "gate", "op": "Gate", "attributes": {"scale": 2, "window": [5, 7]},
         "position": [30.5, -40.25]},
        {"id": "flat", "op": "Flatten", "position": [50.0, 60.0]},
        {"id": "fc", "op": "Dense", "attributes": {"units": 3}, "position": [70.0, 80.0]},
        {"id": "loss", "op": "Loss", "position": [90.0, 100.0]}],
    "edges": [{"from": "in", "to": "gate"}, {"from": "gate", "to": "flat"},
              {"from": "flat", "to": "fc"}, {"from": "fc", "to": "loss"}]}})";

const Problem* problemAt(const GraphAnalysis& a, const char* nodeId, const char* field) {
    auto it = std::find_if(a.problems.begin(), a.problems.end(), [&](const Problem& p) {
        return p.nodeId == nodeId && p.field == field;
    });
    return it == a.problems.end() ? nullptr : &*it;
}

Project sampleProject() {
    auto p = readProject(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj", registry());
    if (!p) {
        qFatal("cannot read the sample: %s", p.error().message.c_str());
    }
    return *p;
}

} // namespace

class TestProjectFile : public QObject {
    Q_OBJECT

private slots:
    void roundTrip_data();
    void roundTrip();
    void checkpointMinutes();
    void precision();
    void frozenNodesAndInitialWeights();
    void laterAttributesWrittenOnlyOffTheirDefault();
    void serializedBytesMatchFile_data() { roundTrip_data(); }
    void serializedBytesMatchFile();
    void attributeNumbersFollowTheSchema();
    void missingAttributesGetDefaults();
    void minimalFileParses();
    void blocksRoundTrip();
    void pluginOpsRecordTheirPlugin();
    void missingPluginOpensAndSavesUnchanged();
    void pluginKeyFollowsTheLoadedOp();
    void malformed_data();
    void malformed();
    void refusedPaths();
    void tooLargeFile();
    void writeCreatesFile();
    void writeReplacesExistingFile();
    void writeUnderAFileFails();
    void failedReplaceKeepsTheOldFile();
};

void TestProjectFile::roundTrip_data() {
    QTest::addColumn<QString>("path");
    QDir dir(NW_SOURCE_DIR "/resources/templates");
    const auto names = dir.entryList({"*.nwproj"}, QDir::Files, QDir::Name);
    QVERIFY(names.size() >= 4);
    for (const auto& name : names) {
        QTest::newRow(qPrintable("templates/" + name)) << dir.filePath(name);
    }
    QTest::newRow("samples/fashion-mnist-cnn.nwproj")
        << QString(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj");
    // Every attribute of the sequence and tensor ops (tests/export/data).
    for (const char* name : {"sequence.nwproj", "tensor_ops.nwproj"}) {
        QTest::newRow(qPrintable(QString("export/data/") + name))
            << QString(NW_SOURCE_DIR "/tests/export/data/") + name;
    }
}

void TestProjectFile::roundTrip() {
    QFETCH(QString, path);
    auto loaded = readProject(path.toStdString(), registry());
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
    QVERIFY(!loaded->graph.nodes().empty());

    auto reparsed = parseProject(serializeProject(*loaded), "memory", registry());
    QVERIFY2(reparsed.ok(), reparsed.ok() ? "" : reparsed.error().message.c_str());
    QVERIFY(*reparsed == *loaded);

    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    auto saved = tmp.filePath("copy.nwproj").toStdString();
    auto status = writeProject(*loaded, saved);
    QVERIFY2(status.ok(), errorOf(status).c_str());
    auto reread = readProject(saved, registry());
    QVERIFY2(reread.ok(), reread.ok() ? "" : reread.error().message.c_str());
    QVERIFY(*reread == *loaded);

    // The comparison can fail: a changed field is noticed.
    Project changed = *reread;
    changed.graph.findNode(changed.graph.nodes().back().id)->position.x += 1;
    QVERIFY(!(changed == *loaded));
}

// training.checkpoint_every_minutes: 10 by default and then not written (files stay as they
// were); any other value is written and read back; out of range is an error naming it.
void TestProjectFile::checkpointMinutes() {
    auto loaded =
        readProject(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj", registry());
    QVERIFY(loaded.ok());
    QCOMPARE(loaded->training.checkpointEveryMinutes, 10.0);
    QVERIFY(serializeProject(*loaded).find("checkpoint_every_minutes") == std::string::npos);
    loaded->training.checkpointEveryMinutes = 2.5;
    const std::string text = serializeProject(*loaded);
    QVERIFY(text.find("\"checkpoint_every_minutes\": 2.5") != std::string::npos);
    auto reparsed = parseProject(text, "memory", registry());
    QVERIFY(reparsed.ok());
    QCOMPARE(reparsed->training.checkpointEveryMinutes, 2.5);
    std::string bad = text;
    bad.replace(bad.find("2.5"), 3, "-1");
    auto refused = parseProject(bad, "memory", registry());
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.find("training.checkpoint_every_minutes") != std::string::npos,
             refused.error().message.c_str());
}

// training.precision: fp32 by default and then not written; tf32 and bf16 are written and
// read back; any other name is an error naming the field and the choices.
void TestProjectFile::precision() {
    auto loaded =
        readProject(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj", registry());
    QVERIFY(loaded.ok());
    QCOMPARE(loaded->training.precision, std::string("fp32"));
    QVERIFY(serializeProject(*loaded).find("precision") == std::string::npos);
    for (const char* p : {"tf32", "bf16"}) {
        loaded->training.precision = p;
        const std::string text = serializeProject(*loaded);
        QVERIFY(text.find("\"precision\": \"" + std::string(p) + "\"") != std::string::npos);
        auto reparsed = parseProject(text, "memory", registry());
        QVERIFY(reparsed.ok());
        QCOMPARE(reparsed->training.precision, std::string(p));
    }
    std::string bad = serializeProject(*loaded);
    bad.replace(bad.find("\"bf16\""), 6, "\"fp16\"");
    auto refused = parseProject(bad, "memory", registry());
    QVERIFY(!refused.ok());
    const std::string& m = refused.error().message;
    QVERIFY2(m.find("training.precision") != std::string::npos &&
                 m.find("bf16") != std::string::npos,
             m.c_str());
}

// The pools' later attributes (ceil_mode, dilation, count_include_pad) are filled in when a file
// lacks them, written only off their defaults (so files from before keep their bytes) and
// read back; at their defaults again, the file is what it was. 4 padding values round-trip.
void TestProjectFile::laterAttributesWrittenOnlyOffTheirDefault() {
    const char* path = NW_SOURCE_DIR "/resources/templates/fashion-mnist-cnn.nwproj";
    auto loaded = readProject(path, registry());
    QVERIFY(loaded.ok());
    const std::string untouched = serializeProject(*loaded);
    QCOMPARE(QByteArray::fromStdString(untouched), readAll(path));
    for (const char* key : {"ceil_mode", "count_include_pad"}) {
        QVERIFY2(untouched.find(key) == std::string::npos, key);
    }
    auto dilations = [](const std::string& text) { // Conv2D's are always written
        std::size_t n = 0;
        for (auto at = text.find("\"dilation\""); at != std::string::npos;
             at = text.find("\"dilation\"", at + 1)) {
            ++n;
        }
        return n;
    };
    Node* pool = nullptr;
    for (const Node& n : loaded->graph.nodes()) {
        if (n.op == "MaxPool2D" && !pool) {
            pool = loaded->graph.findNode(n.id);
        }
    }
    QVERIFY(pool);
    QVERIFY(pool->attrs.at("ceil_mode") == AttrValue(false)); // filled in
    QVERIFY(pool->attrs.at("dilation") == AttrValue(IntList{1, 1}));
    pool->attrs["ceil_mode"] = true;
    pool->attrs["dilation"] = IntList{2, 1};
    pool->attrs["padding"] = IntList{1, 0, 0, 1};
    const std::string text = serializeProject(*loaded);
    QVERIFY(text.find("\"ceil_mode\": true") != std::string::npos);
    QCOMPARE(dilations(text), dilations(untouched) + 1);
    auto reparsed = parseProject(text, "memory", registry());
    QVERIFY2(reparsed.ok(), reparsed.ok() ? "" : reparsed.error().message.c_str());
    QVERIFY(*reparsed == *loaded);
    QCOMPARE(serializeProject(*reparsed), text); // byte-stable
    Node* back = reparsed->graph.findNode(pool->id);
    back->attrs["ceil_mode"] = false;
    back->attrs["dilation"] = IntList{1, 1};
    back->attrs["padding"] = IntList{0, 0};
    QCOMPARE(serializeProject(*reparsed), untouched);

    // An AvgPool2D's count_include_pad: false is written, true is not.
    auto avg = parse(doc("", R"({"id": "avg", "op": "AvgPool2D",
                                 "attributes": {"count_include_pad": false}})"),
                     "avg.nwproj");
    QVERIFY2(avg.ok(), avg.ok() ? "" : avg.error().message.c_str());
    const std::string avgText = serializeProject(*avg);
    QVERIFY(avgText.find("\"count_include_pad\": false") != std::string::npos);
    QVERIFY(avgText.find("ceil_mode") == std::string::npos);
    avg->graph.findNode("avg")->attrs["count_include_pad"] = true;
    QVERIFY(serializeProject(*avg).find("count_include_pad") == std::string::npos);
}

// Fine-tuning: "trainable": false on a node and training.initial_weights, each written only
// when set (so files without them keep their bytes) and read back; a trainable that is not a
// boolean is an error naming the node, an empty initial_weights one naming the field.
void TestProjectFile::frozenNodesAndInitialWeights() {
    Project p = sampleProject();
    const std::string untouched = serializeProject(p);
    QVERIFY(untouched.find("\"trainable\"") == std::string::npos);
    QVERIFY(untouched.find("initial_weights") == std::string::npos);
    p.graph.findNode("conv1")->trainable = false;
    p.training.initialWeights = "weights/imported.nwweights";
    const std::string text = serializeProject(p);
    QVERIFY(text.find("\"trainable\": false") != std::string::npos);
    QVERIFY(text.find("\"trainable\": true") == std::string::npos);
    QVERIFY(text.find("\"initial_weights\": \"weights/imported.nwweights\"") != std::string::npos);
    auto reparsed = parseProject(text, "memory", registry());
    QVERIFY2(reparsed.ok(), reparsed.ok() ? "" : reparsed.error().message.c_str());
    QVERIFY(*reparsed == p);
    QVERIFY(!reparsed->graph.findNode("conv1")->trainable);
    QVERIFY(reparsed->graph.findNode("fc1")->trainable);
    QCOMPARE(serializeProject(*reparsed), text); // byte-stable
    // Thawed again: the same bytes as before.
    reparsed->graph.findNode("conv1")->trainable = true;
    reparsed->training.initialWeights.clear();
    QCOMPARE(serializeProject(*reparsed), untouched);
    // "trainable": true in a hand-written file reads (and is then not written).
    auto explicitTrue = parse(node(R"("trainable": true)"), "t.nwproj");
    QVERIFY(explicitTrue.ok());
    QVERIFY(explicitTrue->graph.nodes().front().trainable);

    auto notBool = parse(node(R"("trainable": "no")"), "t.nwproj");
    QVERIFY(!notBool.ok());
    QCOMPARE(QString::fromStdString(notBool.error().message),
             QString("t.nwproj: graph.nodes[0].trainable: node 'a': must be true or false, got "
                     "a string"));
    auto number = parse(node(R"("trainable": 0)"), "t.nwproj");
    QVERIFY(!number.ok());
    QVERIFY2(number.error().message.find("node 'a'") != std::string::npos,
             number.error().message.c_str());
    auto empty = parse(training(R"("initial_weights": "")"), "t.nwproj");
    QVERIFY(!empty.ok());
    QVERIFY2(empty.error().message.find("training.initial_weights: must not be empty") !=
                 std::string::npos,
             empty.error().message.c_str());
    auto notString = parse(training(R"("initial_weights": 3)"), "t.nwproj");
    QVERIFY(!notString.ok());
    QVERIFY2(notString.error().message.find("training.initial_weights: must be a string") !=
                 std::string::npos,
             notString.error().message.c_str());
}

void TestProjectFile::serializedBytesMatchFile() {
    QFETCH(QString, path);
    auto loaded = readProject(path.toStdString(), registry());
    QVERIFY(loaded.ok());
    QByteArray file = readAll(path);
    QByteArray written = QByteArray::fromStdString(serializeProject(*loaded));
    if (written != file) {
        const auto a = file.split('\n'), b = written.split('\n');
        for (qsizetype i = 0; i < std::min(a.size(), b.size()); ++i) {
            if (a[i] != b[i]) {
                QFAIL(qPrintable(QString("line %1 differs: file '%2', written '%3'")
                                     .arg(i + 1)
                                     .arg(QString(a[i]), QString(b[i]))));
            }
        }
        QFAIL("the files differ in length");
    }
}

void TestProjectFile::attributeNumbersFollowTheSchema() {
    // BatchNorm's epsilon and momentum are numbers even when written as integers; Dense's
    // units is an integer; a Float written for an Int attribute stays a Float for analyze().
    const char* nodes = R"({"id": "in", "op": "Input", "attributes": {"shape": [4]}},
        {"id": "bn", "op": "BatchNorm", "attributes": {"epsilon": 1, "momentum": 0}},
        {"id": "fc", "op": "Dense", "attributes": {"units": 4.0}},
        {"id": "x", "op": "Unknown", "attributes": {"alpha": 2, "beta": 2.5}})";
    auto p = parse(doc("", nodes), "types.nwproj");
    QVERIFY2(p.ok(), p.ok() ? "" : p.error().message.c_str());
    const AttrMap& bn = p->graph.findNode("bn")->attrs;
    QVERIFY(std::holds_alternative<double>(bn.at("epsilon")));
    QCOMPARE(std::get<double>(bn.at("epsilon")), 1.0);
    QVERIFY(std::holds_alternative<double>(bn.at("momentum")));
    QCOMPARE(std::get<double>(bn.at("momentum")), 0.0);
    QVERIFY(std::holds_alternative<double>(p->graph.findNode("fc")->attrs.at("units")));
    // Without a schema, integers stay integers.
    const AttrMap& x = p->graph.findNode("x")->attrs;
    QCOMPARE(std::get<std::int64_t>(x.at("alpha")), std::int64_t{2});
    QCOMPARE(std::get<double>(x.at("beta")), 2.5);

    auto a = analyze(p->graph, registry());
    auto at = [&](const char* id, const char* field) {
        return std::any_of(a.problems.begin(), a.problems.end(),
                           [&](const Problem& pr) { return pr.nodeId == id && pr.field == field; });
    };
    QVERIFY(!at("bn", "epsilon") && !at("bn", "momentum"));
    QVERIFY(at("fc", "units"));

    // A number written back as a number stays one: "epsilon": 1 is saved as 1.0.
    auto again = parseProject(serializeProject(*p), "again.nwproj", registry());
    QVERIFY(again.ok());
    QVERIFY(*again == *p);
}

void TestProjectFile::missingAttributesGetDefaults() {
    const char* nodes = R"({"id": "conv", "op": "Conv2D", "attributes": {"filters": 8}},
                           {"id": "drop", "op": "Dropout"})";
    auto p = parse(doc("", nodes), "defaults.nwproj");
    QVERIFY2(p.ok(), p.ok() ? "" : p.error().message.c_str());
    const OpSchema* conv = registry().find("Conv2D");
    const AttrMap& attrs = p->graph.findNode("conv")->attrs;
    QCOMPARE(attrs.size(), conv->attrs.size());
    QCOMPARE(std::get<std::int64_t>(attrs.at("filters")), std::int64_t{8});
    QCOMPARE(std::get<IntList>(attrs.at("kernel_size")), (IntList{3, 3}));
    QCOMPARE(std::get<std::string>(attrs.at("padding_mode")), std::string("explicit"));
    QCOMPARE(std::get<bool>(attrs.at("use_bias")), true);
    QCOMPARE(std::get<double>(p->graph.findNode("drop")->attrs.at("rate")), 0.5);
}

void TestProjectFile::minimalFileParses() {
    // The base of the malformed rows is itself fine, so each row fails for its own reason.
    auto p = parse(doc(), "min.nwproj");
    QVERIFY2(p.ok(), p.ok() ? "" : p.error().message.c_str());
    QVERIFY(p->graph.nodes().empty());
    QCOMPARE(p->training.batchSize, std::int64_t{128});
    QVERIFY(parse(node(R"("attributes": {"units": 3})"), "n").ok());
    QVERIFY(parse(training(R"("batch_size": 1, "device": "cuda:0")"), "t").ok());
}

void TestProjectFile::blocksRoundTrip() {
    Project p = sampleProject();
    const std::string plain = serializeProject(p);
    QVERIFY(plain.find("\"groups\": [") == std::string::npos); // no blocks, no field
    auto& g = p.graph;
    QVERIFY(g.nodes().size() >= 3);
    g.setGroups({NodeGroup{"block1", "Stem", {g.nodes()[1].id, g.nodes()[2].id}, true}});
    const std::string text = serializeProject(p);
    auto back = parseProject(text, "blocks", registry());
    QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
    QVERIFY(*back == p);
    QCOMPARE(serializeProject(*back), text); // stable bytes
}

void TestProjectFile::pluginOpsRecordTheirPlugin() {
    auto p = parseProject(kGateProject, "gated.nwproj", pluginRegistry());
    QVERIFY2(p.ok(), p.ok() ? "" : p.error().message.c_str());
    const Node* gate = p->graph.findNode("gate");
    QCOMPARE(gate->plugin, std::string("fake-plugin"));
    QVERIFY(p->graph.findNode("in")->plugin.empty());
    QCOMPARE(gate->attrs.size(), std::size_t{5}); // defaults filled in
    QCOMPARE(std::get<double>(gate->attrs.at("scale")), 2.0);

    auto a = analyze(p->graph, pluginRegistry());
    QVERIFY2(!a.hasErrors(), a.problems.empty() ? "" : a.problems.front().toString().c_str());

    const std::string text = serializeProject(*p);
    const std::string key = "\"plugin\": \"fake-plugin\"";
    auto at = text.find(key);
    QVERIFY2(at != std::string::npos, text.c_str());
    QVERIFY(text.find(key, at + 1) == std::string::npos); // the Gate only
    QVERIFY(text.find("\"plugin\"") == at);               // built-in ops write no key
    QVERIFY(text.find("\"op\": \"Gate\",\n        " + key) != std::string::npos);

    // A node added by an edit records its plugin too.
    auto edit = makeAddNode(p->graph, Node{"gate2", "Gate", {}, {}}, pluginRegistry());
    QVERIFY(edit.ok());
    QCOMPARE(edit->addNodes.front().node.plugin, std::string("fake-plugin"));
}

void TestProjectFile::missingPluginOpensAndSavesUnchanged() {
    auto withPlugin = parseProject(kGateProject, "gated.nwproj", pluginRegistry());
    QVERIFY(withPlugin.ok());
    const std::string text = serializeProject(*withPlugin);

    // Without the plugin: the file opens, the node keeps everything, and saves byte for byte.
    auto without = parseProject(text, "gated.nwproj", registry());
    QVERIFY2(without.ok(), without.ok() ? "" : without.error().message.c_str());
    QVERIFY(*without == *withPlugin);
    QCOMPARE(serializeProject(*without), text);
    const Node* gate = without->graph.findNode("gate");
    QCOMPARE(gate->plugin, std::string("fake-plugin"));
    QCOMPARE(gate->position, (Position{30.5, -40.25}));
    const AttrMap& attrs = gate->attrs; // types from the JSON alone
    QCOMPARE(std::get<std::int64_t>(attrs.at("groups")), std::int64_t{4});
    QCOMPARE(std::get<double>(attrs.at("scale")), 2.0);
    QCOMPARE(std::get<bool>(attrs.at("learn")), true);
    QCOMPARE(std::get<std::string>(attrs.at("mode")), std::string("fast"));
    QCOMPARE(std::get<IntList>(attrs.at("window")), (IntList{5, 7}));
    QCOMPARE(without->graph.edges(), withPlugin->graph.edges());

    auto a = analyze(without->graph, registry());
    QVERIFY(a.hasErrors());
    const Problem* op = problemAt(a, "gate", "op");
    QVERIFY(op);
    QCOMPARE(op->message,
             std::string("op 'Gate' comes from the plugin 'fake-plugin', which is "
                         "not loaded (netwright-cli plugins lists the plugins found)"));

    // Loaded again, it validates.
    auto back = parseProject(serializeProject(*without), "gated.nwproj", pluginRegistry());
    QVERIFY(back.ok());
    QVERIFY(!analyze(back->graph, pluginRegistry()).hasErrors());

    // An unknown op without a plugin keeps the plain message.
    const char* stray = R"({"id": "x", "op": "Mystery"})";
    auto unknown = parse(doc("", stray), "stray.nwproj");
    QVERIFY(unknown.ok());
    auto plainAnalysis = analyze(unknown->graph, registry());
    const Problem* plain = problemAt(plainAnalysis, "x", "op");
    QVERIFY(plain);
    QCOMPARE(plain->message, std::string("unknown op 'Mystery'"));
}

void TestProjectFile::pluginKeyFollowsTheLoadedOp() {
    // A loaded op says where it comes from: a stray key on a built-in op is dropped, and a
    // plugin op's key is corrected.
    const char* nodes = R"({"id": "fc", "op": "Dense", "plugin": "someone-else"},
                           {"id": "gate", "op": "Gate", "plugin": "old-name"})";
    auto p = parseProject(doc("", nodes).toStdString(), "keys.nwproj", pluginRegistry());
    QVERIFY2(p.ok(), p.ok() ? "" : p.error().message.c_str());
    QVERIFY(p->graph.findNode("fc")->plugin.empty());
    QCOMPARE(p->graph.findNode("gate")->plugin, std::string("fake-plugin"));
    const std::string text = serializeProject(*p);
    QVERIFY(text.find("someone-else") == std::string::npos);
    QVERIFY(text.find("old-name") == std::string::npos);
}

void TestProjectFile::malformed_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("fragment"); // expected after "bad.nwproj: "

    QByteArray mlp = readAll(NW_SOURCE_DIR "/resources/templates/mlp.nwproj");
    QVERIFY(mlp.size() > 100);
    QByteArray half = mlp.left(mlp.size() / 2);
    QRandomGenerator random(1234);
    QByteArray noise(4096, '\0');
    for (auto& c : noise) {
        c = static_cast<char>(random.bounded(256));
    }
    const auto row = [](const char* tag, const QByteArray& text, const QString& fragment) {
        QTest::newRow(tag) << text << fragment;
    };
    row("empty file", "", "not valid JSON at line 1, column 1");
    row("whitespace", " \n\n ", "not valid JSON at line 3");
    row("not JSON", "netwright project", "not valid JSON at line 1");
    row("truncated template", half, QString("not valid JSON at line %1").arg(half.count('\n') + 1));
    row("random bytes", noise, "not valid JSON");
    row("NUL bytes", QByteArray(64, '\0'), "not valid JSON");
    row("invalid UTF-8", R"({"format_version": 1, "name": ")" + QByteArray("\xff\xfe") + "\"}",
        "not valid JSON");
    row("top-level array", "[1, 2]", "(top level): must be an object, got an array");
    row("top-level string", "\"net\"", "(top level): must be an object, got a string");
    row("missing format_version", R"({"graph": {"nodes": []}})", "format_version: missing");
    row("format_version newer",
        QString(R"({"format_version": %1, "graph": {"nodes": []}})")
            .arg(kProjectFormatVersion + 1)
            .toUtf8(),
        QString("format_version: the file has format version %1").arg(kProjectFormatVersion + 1));
    row("format_version string", R"({"format_version": "1"})",
        "format_version: must be an integer, got a string");
    row("format_version 0", R"({"format_version": 0})", "format_version: must be in [1, ");
    row("missing graph", R"({"format_version": 1})", "graph: missing");
    row("graph not an object", R"({"format_version": 1, "graph": []})",
        "graph: must be an object, got an array");
    row("nodes not a list", R"({"format_version": 1, "graph": {"nodes": {}}})",
        "graph.nodes: must be a list, got an object");
    row("node not an object", doc("", "1"), "graph.nodes[0]: must be an object, got an integer");
    row("node without id", doc("", R"({"op": "ReLU"})"), "graph.nodes[0].id: missing");
    row("node id empty", doc("", R"({"id": "", "op": "ReLU"})"),
        "graph.nodes[0].id: must not be empty");
    row("node without op", doc("", R"({"id": "a"})"), "graph.nodes[0].op: missing");
    row("second node op null", doc("", R"({"id": "a", "op": "ReLU"}, {"id": "b", "op": null})"),
        "graph.nodes[1].op: must be a string, got a null");
    row("duplicate node id", doc("", R"({"id": "a", "op": "ReLU"}, {"id": "a", "op": "ReLU"})"),
        "graph.nodes[1].id: duplicate node id 'a'");
    row("unknown node field", node(R"("colour": "red")"), "graph.nodes[0].colour: unknown field");
    row("plugin not a string", node(R"("plugin": 3)"),
        "graph.nodes[0].plugin: must be a string, got an integer");
    row("plugin empty", node(R"("plugin": "")"), "graph.nodes[0].plugin: must not be empty");
    row("attributes not an object", node(R"("attributes": [])"),
        "graph.nodes[0].attributes: must be an object, got an array");
    row("attribute of type object", node(R"("attributes": {"units": {"value": 3}})"),
        "graph.nodes[0].attributes.units: must be a number, a string, a boolean or a list of "
        "integers, got an object");
    row("attribute list of strings", node(R"("attributes": {"units": ["3"]})"),
        "graph.nodes[0].attributes.units[0]: must be an integer, got a string");
    row("unsigned beyond int64", node(R"("attributes": {"units": 18446744073709551615})"),
        "graph.nodes[0].attributes.units: must be in [-9223372036854775808, "
        "9223372036854775807], got 18446744073709551615");
    row("seed beyond int64", training(R"("seed": 9223372036854775808)"),
        "training.seed: must be in [0, 9223372036854775807], got 9223372036854775808");
    row("integer beyond uint64", training(R"("batch_size": 100000000000000000000)"),
        "training.batch_size: must be an integer, got a number");
    row("number overflow", training(R"("grad_clip_norm": 1e400)"), "not valid JSON");
    row("NaN literal", training(R"("grad_clip_norm": NaN)"), "not valid JSON");
    row("huge finite number", training(R"("grad_clip_norm": 1e300)"),
        "training.grad_clip_norm: must be in [0, 1e+06], got 1e+300");
    row("huge position", node(R"("position": [1e300, 0])"),
        "graph.nodes[0].position[0]: must be in ");
    row("position not a pair", node(R"("position": [1])"),
        "graph.nodes[0].position: must be [x, y]");
    row("unknown top-level field", doc(R"("extra": 1)"), "extra: unknown field");
    row("bad optimizer type", training(R"("optimizer": {"type": "adagrad"})"),
        "training.optimizer.type: must be one of: sgd, adam, adamw, rmsprop; got \"adagrad\"");
    row("learning_rate 0", training(R"("optimizer": {"type": "sgd", "learning_rate": 0})"),
        "training.optimizer.learning_rate: must be positive");
    row("bad schedule type", training(R"("schedule": {"type": "linear"})"),
        "training.schedule.type: must be one of: constant, step, cosine");
    row("batch_size 0", training(R"("batch_size": 0)"),
        "training.batch_size: must be in [1, 1048576], got 0");
    row("negative checkpoint interval", training(R"("checkpoint_every_steps": -5)"),
        "training.checkpoint_every_steps: must be in [0, 1000000000], got -5");
    row("batch_size fraction", training(R"("batch_size": 32.5)"),
        "training.batch_size: must be an integer, got a number");
    row("device gpu", training(R"("device": "gpu")"),
        "training.device: must be cpu, cuda:N or vulkan:N; got \"gpu\"");
    row("device without index", training(R"("device": "cuda:")"), "training.device: must be");
    row("unknown training field", training(R"("lr": 0.1)"), "training.lr: unknown field");
    row("dataset kind", doc(R"("dataset": {"kind": "s3"})"), "dataset.kind: must be one of: ");
    const auto grouped = [](const char* groups) {
        return QByteArray(R"({"format_version": 1, "graph": {"nodes": [{"id": "a", "op": "ReLU"},)"
                          R"({"id": "b", "op": "ReLU"}], "groups": [)") +
               groups + "]}}";
    };
    row("block of a missing node", grouped(R"({"id": "block1", "name": "B", "nodes": ["x"]})"),
        "graph.groups[0].nodes[0]: no node 'x' in the graph");
    row("block without nodes", grouped(R"({"id": "block1", "name": "B", "nodes": []})"),
        "graph.groups[0].nodes: must be a non-empty list of node ids");
    row("block without name", grouped(R"({"id": "block1", "name": "", "nodes": ["a"]})"),
        "graph.groups[0].name: must not be empty");
    row("node in two blocks",
        grouped(R"({"id": "block1", "name": "B", "nodes": ["a"]},)"
                R"({"id": "block2", "name": "C", "nodes": ["a"]})"),
        "graph.groups[1].nodes[0]: node 'a' is already in a block");
    row("duplicate block id",
        grouped(R"({"id": "block1", "name": "B", "nodes": ["a"]},)"
                R"({"id": "block1", "name": "C", "nodes": ["b"]})"),
        "graph.groups[1].id: duplicate block id 'block1'");
    row("unknown block field", grouped(R"({"id": "b1", "name": "B", "nodes": ["a"], "x": 1})"),
        "graph.groups[0].x: unknown field");
    row("dataset path empty", doc(R"("dataset": {"kind": "idx", "path": ""})"),
        "dataset.path: must not be empty");
    row("normalization sizes",
        doc(R"("dataset": {"kind": "builtin", "name": "mnist", "normalization":
            {"mean": [0.5], "std": [0.5, 0.5]}})"),
        "dataset.normalization: mean and std must have one value per channel");
    row("std zero", doc(R"("dataset": {"kind": "builtin", "name": "mnist", "normalization":
            {"mean": [0.5], "std": [0]}})"),
        "dataset.normalization.std[0]: must be positive");
    row("augmentation not a list", doc(R"("augmentation": {})"),
        "augmentation: must be a list, got an object");
    row("augmentation probability", doc(R"("augmentation": [{"op": "flip", "probability": 2}])"),
        "augmentation[0].probability: must be in [0, 1], got 2");
    row("edge port negative", R"({"format_version": 1, "graph": {"nodes": [], "edges": [
            {"from": "a", "to": "b", "to_port": -1}]}})",
        "graph.edges[0].to_port: must be in [0, 1023], got -1");
    row("edge without from",
        R"({"format_version": 1, "graph": {"nodes": [], "edges": [{"to": "b"}]}})",
        "graph.edges[0].from: missing");
    row("deeply nested arrays", QByteArray(100000, '['), "JSON nested more than 32 levels deep");
    row("deeply nested objects", QByteArray(R"({"a":)").repeated(100000),
        "JSON nested more than 32 levels deep");
    row("deep but complete",
        node(R"("attributes": {"units": )" + QByteArray(40, '[') + QByteArray(40, ']') + "}"),
        "JSON nested more than 32 levels deep");
}

void TestProjectFile::malformed() {
    QFETCH(QByteArray, text);
    QFETCH(QString, fragment);

    QElapsedTimer timer;
    timer.start();
    auto p = parse(text, "bad.nwproj");
    QVERIFY2(timer.elapsed() < 2000, "parsing took longer than 2 s");
    QVERIFY2(!p.ok(), "the file was accepted");
    auto message = QString::fromStdString(p.error().message);
    QVERIFY2(message.startsWith("bad.nwproj: "), qPrintable(message));
    QVERIFY2(message.contains("bad.nwproj: " + fragment),
             qPrintable(message + "\n   expected: " + fragment));
    QCOMPARE(p.error().kind, nw::Error::Kind::User);
}

void TestProjectFile::refusedPaths() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    std::string dir = tmp.path().toStdString();
    auto p = readProject(dir, registry());
    QVERIFY(!p.ok());
    QCOMPARE(p.error().message, dir + ": not a regular file");

    std::string missing = tmp.filePath("missing.nwproj").toStdString();
    p = readProject(missing, registry());
    QVERIFY(!p.ok());
    QCOMPARE(p.error().message, missing + ": no such file");

    std::string empty = tmp.filePath("empty.nwproj").toStdString();
    QVERIFY(writeAll(QString::fromStdString(empty), ""));
    p = readProject(empty, registry());
    QVERIFY(!p.ok());
    QVERIFY2(p.error().message.rfind(empty + ": not valid JSON", 0) == 0,
             p.error().message.c_str());
}

void TestProjectFile::tooLargeFile() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString path = tmp.filePath("huge.nwproj");
    const qint64 size = qint64(65) << 20; // 65 MiB > kMaxProjectFileBytes (64 MiB)
    QVERIFY(qint64(kMaxProjectFileBytes) < size);
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QByteArray chunk(1 << 20, ' ');
        for (int i = 0; i < 65; ++i) {
            QCOMPARE(f.write(chunk), qint64(chunk.size()));
        }
    }
    QCOMPARE(QFileInfo(path).size(), size);
    QElapsedTimer timer;
    timer.start();
    auto p = readProject(path.toStdString(), registry());
    QVERIFY(!p.ok());
    QCOMPARE(p.error().message, path.toStdString() + ": the file is larger than 64 MiB");
    QVERIFY(timer.elapsed() < 2000);

    // The same limit holds for text handed over directly.
    std::string text(std::size_t(size), ' ');
    auto q = parseProject(text, "huge", registry());
    QVERIFY(!q.ok());
    QCOMPARE(q.error().message, std::string("huge: the file is larger than 64 MiB"));
}

void TestProjectFile::writeCreatesFile() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    Project project = sampleProject();
    QString path = tmp.filePath("net.nwproj");
    auto status = writeProject(project, path.toStdString());
    QVERIFY2(status.ok(), errorOf(status).c_str());
    QCOMPARE(entries(tmp.path()), QStringList{"net.nwproj"});
    QCOMPARE(readAll(path), QByteArray::fromStdString(serializeProject(project)));
    struct stat st {};
    QCOMPARE(::stat(path.toLocal8Bit().constData(), &st), 0);
    QCOMPARE(st.st_mode & 07777, mode_t(0644));
}

void TestProjectFile::writeReplacesExistingFile() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString path = tmp.filePath("net.nwproj");
    QVERIFY(writeAll(path, "old contents"));
    QVERIFY(::chmod(path.toLocal8Bit().constData(), 0600) == 0);

    Project project = sampleProject();
    auto status = writeProject(project, path.toStdString());
    QVERIFY2(status.ok(), errorOf(status).c_str());
    QCOMPARE(entries(tmp.path()), QStringList{"net.nwproj"}); // no ".net.nwproj.XXXXXX" left
    QCOMPARE(readAll(path), QByteArray::fromStdString(serializeProject(project)));
    struct stat st {};
    QCOMPARE(::stat(path.toLocal8Bit().constData(), &st), 0);
    QCOMPARE(st.st_mode & 07777, mode_t(0600)); // the replaced file's permissions are kept

    // Saving again gives the same bytes.
    status = writeProject(project, path.toStdString());
    QVERIFY(status.ok());
    QCOMPARE(readAll(path), QByteArray::fromStdString(serializeProject(project)));
    QCOMPARE(entries(tmp.path()), QStringList{"net.nwproj"});
}

void TestProjectFile::writeUnderAFileFails() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString blocker = tmp.filePath("blocker");
    QVERIFY(writeAll(blocker, "not a folder"));
    for (const QString& path : {blocker + "/net.nwproj", tmp.filePath("missing/net.nwproj")}) {
        auto status = writeProject(sampleProject(), path.toStdString());
        QVERIFY2(!status.ok(), qPrintable(path));
        QVERIFY2(status.error().message.rfind(path.toStdString() + ": ", 0) == 0,
                 status.error().message.c_str());
        QCOMPARE(entries(tmp.path()), QStringList{"blocker"});
        QCOMPARE(readAll(blocker), QByteArray("not a folder"));
    }
}

void TestProjectFile::failedReplaceKeepsTheOldFile() {
    // The target is a non-empty folder: the temporary file is written, the rename fails.
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QVERIFY(QDir(tmp.path()).mkdir("net.nwproj"));
    QString kept = tmp.filePath("net.nwproj/keep");
    QVERIFY(writeAll(kept, "precious"));
    QString old = tmp.filePath("old.nwproj");
    QVERIFY(writeAll(old, "old contents"));

    QString path = tmp.filePath("net.nwproj");
    auto status = writeProject(sampleProject(), path.toStdString());
    QVERIFY(!status.ok());
    QVERIFY2(status.error().message.rfind(path.toStdString() + ": ", 0) == 0,
             status.error().message.c_str());
    QCOMPARE(entries(tmp.path()), (QStringList{"net.nwproj", "old.nwproj"}));
    QCOMPARE(entries(path), QStringList{"keep"});
    QCOMPARE(readAll(kept), QByteArray("precious"));
    QCOMPARE(readAll(old), QByteArray("old contents"));
}

QTEST_GUILESS_MAIN(TestProjectFile)
#include "test_project_file.moc"
