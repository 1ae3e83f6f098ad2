// graph::analyze() as a validator: every problem names the right node and field, errors do
// not cascade downstream, and the shipped templates and sample are clean.
#include "graph/analysis.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"

#include <QtTest>
#include <algorithm>

using namespace nw::graph;

Q_DECLARE_METATYPE(nw::graph::Graph)

namespace {

const OpRegistry& registry() {
    static const OpRegistry r = makeCoreRegistry();
    return r;
}

void add(Graph& g, std::string id, std::string op, AttrMap attrs = {}) {
    if (!g.addNode({id, std::move(op), std::move(attrs), {}})) {
        qFatal("test graph: cannot add node '%s'", id.c_str());
    }
}

void link(Graph& g, const std::string& from, const std::string& to, int toPort = 0,
          int fromPort = 0) {
    g.addEdge({{from, fromPort}, {to, toPort}});
}

// input [N, 8] -> fc (Dense 4) -> loss: a valid graph that the rows below break.
Graph chain() {
    Graph g;
    add(g, "input", "Input", {{"shape", IntList{8}}});
    add(g, "fc", "Dense", {{"units", 4}});
    add(g, "loss", "Loss");
    link(g, "input", "fc");
    link(g, "fc", "loss");
    return g;
}

// input [N, 8] -> a (Dense 64), b (Dense 32) -> add -> fc -> loss.
Graph mismatchedAdd() {
    Graph g;
    add(g, "input", "Input", {{"shape", IntList{8}}});
    add(g, "a", "Dense", {{"units", 64}});
    add(g, "b", "Dense", {{"units", 32}});
    add(g, "add", "Add");
    add(g, "fc", "Dense", {{"units", 10}});
    add(g, "loss", "Loss");
    link(g, "input", "a");
    link(g, "input", "b");
    link(g, "a", "add", 0);
    link(g, "b", "add", 1);
    link(g, "add", "fc");
    link(g, "fc", "loss");
    return g;
}

struct ProblemCase {
    const char* tag;
    Graph graph;
    Problem::Severity severity;
    const char* node;
    const char* field;
    QStringList fragments; // each must appear in the message
};

std::vector<ProblemCase> problemCases() {
    using S = Problem::Severity;
    std::vector<ProblemCase> cases;
    // A row whose graph is chain() changed by `edit`.
    auto edited = [&cases](const char* tag, S severity, const char* node, const char* field,
                           QStringList fragments, auto edit) {
        Graph g = chain();
        edit(g);
        cases.push_back({tag, std::move(g), severity, node, field, std::move(fragments)});
    };
    edited("unknown op", S::Error, "mystery", "op", {"unknown op 'Conv4D'"},
           [](Graph& g) { add(g, "mystery", "Conv4D"); });
    edited("unknown attribute", S::Error, "fc", "unitz", {"unknown attribute of Dense"},
           [](Graph& g) { g.findNode("fc")->attrs["unitz"] = std::int64_t{4}; });
    edited("attribute out of range", S::Error, "fc", "units", {"must be in [1, 1048576], got 0"},
           [](Graph& g) { g.findNode("fc")->attrs["units"] = std::int64_t{0}; });
    edited("wrong attribute type", S::Error, "fc", "use_bias", {"must be a boolean", "string"},
           [](Graph& g) { g.findNode("fc")->attrs["use_bias"] = std::string("yes"); });
    edited("unconnected input", S::Error, "fc", "input", {"not connected"}, [](Graph& g) {
        g.removeEdge({{"input", 0}, {"fc", 0}});
    });
    edited("two edges into one port", S::Error, "fc", "input",
           {"more than one incoming edge", "'input2'"}, [](Graph& g) {
               add(g, "input2", "Input", {{"shape", IntList{8}}});
               link(g, "input2", "fc");
           });
    edited("edge to a missing node", S::Error, "fc", "edges", {"missing node 'ghost'"},
           [](Graph& g) { link(g, "fc", "ghost"); });
    edited("edge from a missing node", S::Error, "loss", "edges", {"missing node 'ghost'"},
           [](Graph& g) { link(g, "ghost", "loss"); });
    edited("output port out of range", S::Error, "fc", "edges", {"has 1 output port,", "no port 1"},
           [](Graph& g) {
               g.removeEdge({{"fc", 0}, {"loss", 0}});
               link(g, "fc", "loss", 0, 1);
           });
    edited("edge out of Loss", S::Error, "loss", "edges", {"has 0 output ports"}, [](Graph& g) {
        add(g, "after", "ReLU");
        link(g, "loss", "after");
    });
    edited("input port out of range", S::Error, "fc", "edges", {"no input port 1"},
           [](Graph& g) { link(g, "input", "fc", 1); });
    edited("self loop", S::Error, "r", "edges", {"cycle: r -> r"}, [](Graph& g) {
        add(g, "r", "ReLU");
        link(g, "r", "r");
    });
    cases.push_back({"shape mismatch at Add",
                     mismatchedAdd(),
                     S::Error,
                     "add",
                     "in 1",
                     {"[N, 64]", "[N, 32]"}});
    edited("no Input node", S::Error, "", "", {"no Input node"},
           [](Graph& g) { g.removeNode("input"); });
    edited("no Loss node", S::Warning, "", "", {"no Loss node"},
           [](Graph& g) { g.removeNode("loss"); });
    edited("two Loss nodes", S::Error, "loss2", "op", {"2 Loss nodes"}, [](Graph& g) {
        add(g, "loss2", "Loss");
        link(g, "fc", "loss2");
    });
    edited("unused output", S::Warning, "dangling", "output", {"not used"}, [](Graph& g) {
        add(g, "dangling", "Dense");
        link(g, "input", "dangling");
    });
    return cases;
}

const Problem* findProblem(const GraphAnalysis& a, std::string_view node, std::string_view field) {
    auto it = std::find_if(a.problems.begin(), a.problems.end(),
                           [&](const Problem& p) { return p.nodeId == node && p.field == field; });
    return it == a.problems.end() ? nullptr : &*it;
}

QString describe(const GraphAnalysis& a) {
    QStringList lines;
    for (const auto& p : a.problems) {
        lines << QString::fromStdString(p.toString());
    }
    return lines.join("\n");
}

std::vector<std::string> projectFiles() {
    std::vector<std::string> files;
    QDir templates(NW_SOURCE_DIR "/resources/templates");
    for (const auto& name : templates.entryList({"*.nwproj"}, QDir::Files, QDir::Name)) {
        files.push_back(templates.filePath(name).toStdString());
    }
    files.push_back(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj");
    return files;
}

} // namespace

class TestValidation : public QObject {
    Q_OBJECT

private slots:
    void baseGraphIsValid();
    void problems_data();
    void problems();
    void problemStrings();
    void cycleReportsEveryNode();
    void errorsDoNotCascade_data();
    void errorsDoNotCascade();
    void missingLossIsOnlyAWarning();
    void everyLossNodeIsBlamed();
    void duplicateIdsAreRefused();
    void shippedProjectsAreClean_data();
    void shippedProjectsAreClean();
    void sampleParameterCounts();
};

void TestValidation::baseGraphIsValid() {
    for (const Graph& g : {chain(), [] {
                               Graph m = mismatchedAdd();
                               m.findNode("b")->attrs["units"] = std::int64_t{64};
                               return m;
                           }()}) {
        auto a = analyze(g, registry());
        QVERIFY2(a.problems.empty(), qPrintable(describe(a)));
        QCOMPARE(a.order.size(), g.nodes().size());
    }
}

void TestValidation::problems_data() {
    QTest::addColumn<Graph>("graph");
    QTest::addColumn<bool>("isError");
    QTest::addColumn<QString>("node");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QStringList>("fragments");
    for (const auto& c : problemCases()) {
        QTest::newRow(c.tag) << c.graph << (c.severity == Problem::Severity::Error)
                             << QString(c.node) << QString(c.field) << c.fragments;
    }
}

void TestValidation::problems() {
    QFETCH(Graph, graph);
    QFETCH(bool, isError);
    QFETCH(QString, node);
    QFETCH(QString, field);
    QFETCH(QStringList, fragments);

    auto a = analyze(graph, registry());
    const Problem* p = findProblem(a, node.toStdString(), field.toStdString());
    QVERIFY2(p, qPrintable("no problem at node '" + node + "', field '" + field + "' in:\n" +
                           describe(a)));
    QCOMPARE(p->severity == Problem::Severity::Error, isError);
    QCOMPARE(a.hasErrors(), isError);
    auto message = QString::fromStdString(p->message);
    for (const auto& fragment : fragments) {
        QVERIFY2(message.contains(fragment), qPrintable(message + " lacks " + fragment));
    }
}

void TestValidation::problemStrings() {
    Problem p{Problem::Severity::Error, "conv1", "kernel_size", "must be in [1, 255], got 0"};
    QCOMPARE(p.toString(), std::string("node 'conv1', field 'kernel_size': must be in [1, 255], "
                                       "got 0"));
    Problem graphWide{Problem::Severity::Error, "", "", "the graph has no Input node"};
    QCOMPARE(graphWide.toString(), std::string("graph: the graph has no Input node"));

    int checked = 0;
    for (const auto& c : problemCases()) {
        for (const auto& problem : analyze(c.graph, registry()).problems) {
            auto text = QString::fromStdString(problem.toString());
            if (!problem.nodeId.empty()) {
                QVERIFY2(text.contains(QString::fromStdString("node '" + problem.nodeId + "'")),
                         qPrintable(text));
            }
            if (!problem.field.empty()) {
                QVERIFY2(text.contains(QString::fromStdString("field '" + problem.field + "'")),
                         qPrintable(text));
            }
            QVERIFY2(text.endsWith(QString::fromStdString(problem.message)), qPrintable(text));
            ++checked;
        }
    }
    QVERIFY(checked >= int(problemCases().size()));
}

void TestValidation::cycleReportsEveryNode() {
    // input -> add:0; add -> r1 -> r2 -> add:1 (the cycle); r2 -> loss (behind the cycle).
    Graph g;
    add(g, "input", "Input", {{"shape", IntList{8}}});
    add(g, "add", "Add");
    add(g, "r1", "ReLU");
    add(g, "r2", "ReLU");
    add(g, "loss", "Loss");
    link(g, "input", "add", 0);
    link(g, "add", "r1");
    link(g, "r1", "r2");
    link(g, "r2", "add", 1);
    link(g, "r2", "loss");

    auto a = analyze(g, registry());
    // The path in the message follows the edges, starting at any node of the cycle.
    const QStringList rotations = {"add -> r1 -> r2 -> add", "r1 -> r2 -> add -> r1",
                                   "r2 -> add -> r1 -> r2"};
    for (const char* id : {"add", "r1", "r2"}) {
        const Problem* p = findProblem(a, id, "edges");
        QVERIFY2(p, qPrintable(QString(id) + " not reported in:\n" + describe(a)));
        auto message = QString::fromStdString(p->message);
        QVERIFY2(message.contains("cycle"), qPrintable(message));
        QVERIFY2(std::any_of(rotations.begin(), rotations.end(),
                             [&](const QString& r) { return message.contains(r); }),
                 qPrintable(message));
    }
    QCOMPARE(a.errorCount(), std::size_t(3)); // no cycle error for loss, no cascade
    QVERIFY(!findProblem(a, "loss", "edges"));
    QCOMPARE(a.order, std::vector<std::string>{"input"});
    QVERIFY(!a.info("loss") || !a.info("loss")->valid);
}

void TestValidation::errorsDoNotCascade_data() {
    QTest::addColumn<QString>("op");
    QTest::addColumn<QString>("attr");
    QTest::addColumn<QString>("field"); // the one expected error, at node "bad"

    QTest::newRow("attribute out of range") << "Conv2D"
                                            << "kernel_size"
                                            << "kernel_size";
    QTest::newRow("unknown attribute") << "Conv2D"
                                       << "size"
                                       << "size";
    QTest::newRow("inference failure") << "Dense"
                                       << ""
                                       << "input";
    QTest::newRow("unknown op") << "Conv4D"
                                << ""
                                << "op";
}

void TestValidation::errorsDoNotCascade() {
    QFETCH(QString, op);
    QFETCH(QString, attr);
    QFETCH(QString, field);

    // input [1, 28, 28] -> bad -> relu -> flatten -> fc -> loss
    Graph g;
    add(g, "input", "Input", {{"shape", IntList{1, 28, 28}}});
    AttrMap attrs;
    if (!attr.isEmpty()) {
        attrs[attr.toStdString()] = IntList{0, 3};
    }
    add(g, "bad", op.toStdString(), attrs);
    add(g, "relu", "ReLU");
    add(g, "flatten", "Flatten");
    add(g, "fc", "Dense", {{"units", 10}});
    add(g, "loss", "Loss");
    link(g, "input", "bad");
    link(g, "bad", "relu");
    link(g, "relu", "flatten");
    link(g, "flatten", "fc");
    link(g, "fc", "loss");

    auto a = analyze(g, registry());
    QVERIFY2(a.problems.size() == 1, qPrintable(describe(a)));
    QCOMPARE(a.problems[0].nodeId, std::string("bad"));
    QCOMPARE(QString::fromStdString(a.problems[0].field), field);
    for (const char* id : {"bad", "relu", "flatten", "fc", "loss"}) {
        const NodeInfo* info = a.info(id);
        QVERIFY2(!info || (!info->valid && info->outputs.empty()), id);
    }
    QVERIFY(a.info("input") && a.info("input")->valid);
}

void TestValidation::missingLossIsOnlyAWarning() {
    Graph g = chain();
    QVERIFY(g.removeNode("loss"));
    auto a = analyze(g, registry());
    QCOMPARE(a.errorCount(), std::size_t(0));
    QVERIFY(!a.hasErrors());
    QVERIFY(findProblem(a, "", ""));
    QCOMPARE(findProblem(a, "", "")->severity, Problem::Severity::Warning);
    QVERIFY(a.info("fc") && a.info("fc")->valid);
}

void TestValidation::everyLossNodeIsBlamed() {
    Graph g = chain();
    add(g, "loss2", "Loss");
    link(g, "fc", "loss2");
    auto a = analyze(g, registry());
    QCOMPARE(a.errorCount(), std::size_t(2));
    for (const char* id : {"loss", "loss2"}) {
        const Problem* p = findProblem(a, id, "op");
        QVERIFY2(p && p->severity == Problem::Severity::Error, qPrintable(describe(a)));
    }
}

void TestValidation::duplicateIdsAreRefused() {
    // The Graph keeps ids unique, so a duplicate can only come from a file, where the reader
    // refuses it with the path of the second node.
    Graph g = chain();
    QVERIFY(!g.addNode({"fc", "ReLU", {}, {}}));
    QVERIFY(!g.addNode({"", "ReLU", {}, {}}));
    QCOMPARE(g.nodes().size(), std::size_t(3));
    QCOMPARE(g.findNode("fc")->op, std::string("Dense"));

    const char* text = R"({"format_version": 1, "graph": {"nodes": [
        {"id": "a", "op": "Input"}, {"id": "a", "op": "ReLU"}]}})";
    auto project = parseProject(text, "dup.nwproj", registry());
    QVERIFY(!project.ok());
    QCOMPARE(project.error().message,
             std::string("dup.nwproj: graph.nodes[1].id: duplicate node id 'a'"));
}

void TestValidation::shippedProjectsAreClean_data() {
    QTest::addColumn<QString>("path");
    auto files = projectFiles();
    QVERIFY(files.size() >= 5); // four templates and the sample
    for (const auto& f : files) {
        QTest::newRow(f.substr(f.find("resources/")).c_str()) << QString::fromStdString(f);
    }
}

void TestValidation::shippedProjectsAreClean() {
    QFETCH(QString, path);
    auto project = readProject(path.toStdString(), registry());
    QVERIFY2(project.ok(), project.ok() ? "" : project.error().message.c_str());
    auto a = analyze(project->graph, registry());
    QVERIFY2(a.problems.empty(), qPrintable(describe(a)));
    QCOMPARE(a.order.size(), project->graph.nodes().size());
    for (const auto& node : project->graph.nodes()) {
        QVERIFY2(a.info(node.id) && a.info(node.id)->valid, node.id.c_str());
    }
    QVERIFY(a.totals.trainableParams > 0);
}

void TestValidation::sampleParameterCounts() {
    auto project =
        readProject(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj", registry());
    QVERIFY(project.ok());
    auto a = analyze(project->graph, registry());
    QVERIFY(!a.hasErrors());
    const std::pair<const char*, std::int64_t> expected[] = {
        {"conv1", 1 * 32 * 9 + 32},      // 320
        {"bn1", 2 * 32},                 // 64
        {"conv2", 32 * 64 * 9 + 64},     // 18496
        {"bn2", 2 * 64},                 // 128
        {"fc1", 64 * 7 * 7 * 128 + 128}, // 3136*128 + 128 = 401536
        {"fc2", 128 * 10 + 10},          // 1290
        {"input", 0},
        {"relu1", 0},
        {"pool1", 0},
        {"pool2", 0},
        {"flatten", 0},
        {"loss", 0},
    };
    for (const auto& [id, params] : expected) {
        QVERIFY2(a.info(id), id);
        QCOMPARE(a.info(id)->cost.trainableParams, params);
    }
    // 320 + 64 + 18496 + 128 + 401536 + 1290
    QCOMPARE(a.totals.trainableParams, std::int64_t{421834});
    // running mean and variance of bn1 (2*32) and bn2 (2*64)
    QCOMPARE(a.totals.nonTrainableParams, std::int64_t{192});
    QCOMPARE(a.info("flatten")->outputs.at(0).toString(), std::string("[N, 3136]"));
}

QTEST_GUILESS_MAIN(TestValidation)
#include "test_validation.moc"
