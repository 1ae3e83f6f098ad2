// Reversible graph edits (graph/edit.h): every edit undoes exactly, invalid requests are
// refused with a message naming the node or field, and the helpers the editor relies on
// (connection checks, layered layout, copy/paste fragments) behave.
#include "graph/analysis.h"
#include "graph/connection.h"
#include "graph/edit.h"
#include "graph/fragment.h"
#include "graph/graph_diff.h"
#include "graph/group.h"
#include "graph/layout.h"
#include "graph/op_registry.h"
#include "graph/summary.h"

#include <QtTest>
#include <functional>

using namespace nw::graph;

namespace {

const OpRegistry& registry() {
    static const OpRegistry r = makeCoreRegistry();
    return r;
}

// input -> conv1 -> relu1 -> flatten -> fc -> loss, plus an unconnected Dense "spare".
Graph chain() {
    Graph g;
    auto add = [&g](std::string id, std::string op, double y) {
        auto edit = makeAddNode(g, Node{id, op, {}, {0, y}}, registry());
        if (!edit || !edit->apply(g)) {
            qFatal("cannot build the test graph at '%s'", id.c_str());
        }
    };
    add("input", "Input", 0);
    add("conv1", "Conv2D", 100);
    add("relu1", "ReLU", 200);
    add("flatten", "Flatten", 300);
    add("fc", "Dense", 400);
    add("loss", "Loss", 500);
    add("spare", "Dense", 600);
    g.findNode("fc")->attrs["units"] = std::int64_t{10};
    const char* links[][2] = {{"input", "conv1"},
                              {"conv1", "relu1"},
                              {"relu1", "flatten"},
                              {"flatten", "fc"},
                              {"fc", "loss"}};
    for (auto& l : links) {
        g.addEdge({{l[0], 0}, {l[1], 0}});
    }
    return g;
}

// chain() with conv1 and relu1 grouped as block1 "Feature".
Graph chainWithBlock() {
    Graph g = chain();
    auto edit = makeGroup(g, {"relu1", "conv1"}, "Feature");
    if (!edit || !edit->apply(g)) {
        qFatal("cannot group the test graph");
    }
    return g;
}

using EditFactory = std::function<nw::Expected<GraphEdit>(const Graph&)>;

} // namespace

Q_DECLARE_METATYPE(EditFactory)

class TestEdits : public QObject {
    Q_OBJECT
private slots:
    void inverseRestoresTheGraph_data() {
        QTest::addColumn<EditFactory>("make");
        QTest::newRow("add node") << EditFactory([](const Graph& g) {
            return makeAddNode(g, Node{"bn1", "BatchNorm", {}, {40, 40}}, registry());
        });
        QTest::newRow("remove node with its edges")
            << EditFactory([](const Graph& g) { return makeRemoveNodes(g, {"relu1"}); });
        QTest::newRow("remove several nodes") << EditFactory([](const Graph& g) {
            return makeRemoveNodes(g, {"flatten", "input", "loss"});
        });
        QTest::newRow("connect") << EditFactory([](const Graph& g) {
            return makeConnect(g, {"flatten", 0}, {"spare", 0}, registry());
        });
        QTest::newRow("reconnect a used input") << EditFactory([](const Graph& g) {
            return makeConnect(g, {"spare", 0}, {"loss", 0}, registry());
        });
        QTest::newRow("disconnect") << EditFactory([](const Graph& g) {
            return makeDisconnect(g, Edge{{"conv1", 0}, {"relu1", 0}});
        });
        QTest::newRow("set attribute") << EditFactory([](const Graph& g) {
            return makeSetAttribute(g, "conv1", "kernel_size", IntList{5, 5}, registry());
        });
        QTest::newRow("move nodes") << EditFactory([](const Graph& g) {
            return makeMoveNodes(g, {{"conv1", {10, 20}}, {"fc", {-5, 7}}});
        });
        QTest::newRow("freeze nodes") << EditFactory([](const Graph& g) {
            return makeSetTrainable(g, {"conv1", "fc", "conv1"}, false);
        });
        QTest::newRow("insert fragment") << EditFactory([](const Graph& g) {
            auto frag = prepareFragment(g, extractFragment(g, {"conv1", "relu1"}), {30, 30});
            return makeInsertFragment(g, frag);
        });
        QTest::newRow("group") << EditFactory([](const Graph& g) {
            return makeGroup(g, {"fc", "flatten"}, "Head");
        });
        QTest::newRow("ungroup") << EditFactory(
            [](const Graph&) { return makeUngroup(chainWithBlock(), "block1"); });
        QTest::newRow("rename block") << EditFactory(
            [](const Graph&) { return makeRenameGroup(chainWithBlock(), "block1", "Stem"); });
        QTest::newRow("collapse block") << EditFactory(
            [](const Graph&) { return makeSetGroupCollapsed(chainWithBlock(), "block1", true); });
        QTest::newRow("remove a grouped node") << EditFactory([](const Graph&) {
            return makeRemoveNodes(chainWithBlock(), {"conv1", "relu1"});
        });
        QTest::newRow("insert a block twice") << EditFactory([](const Graph&) {
            Graph g = chainWithBlock();
            auto frag = prepareFragment(g, extractFragment(g, {"conv1", "relu1"}), {30, 30});
            return makeInsertFragment(g, frag);
        });
    }

    void inverseRestoresTheGraph() {
        QFETCH(EditFactory, make);
        const QString row = QTest::currentDataTag();
        const bool onBlock =
            row.contains("block") || row.contains("ungroup") || row.contains("grouped");
        const Graph original = onBlock ? chainWithBlock() : chain();
        Graph g = original;
        auto edit = make(g);
        QVERIFY2(edit.ok(), edit.ok() ? "" : edit.error().message.c_str());
        QVERIFY(!edit->empty());
        QVERIFY(edit->apply(g).ok());
        QVERIFY(g != original);
        const Graph edited = g;
        QVERIFY(edit->inverted().apply(g).ok());
        QVERIFY(g == original);
        // Redo after undo gives the edited graph again.
        QVERIFY(edit->apply(g).ok());
        QVERIFY(g == edited);
        QCOMPARE(edit->inverted().inverted(), *edit);
    }

    // Fine-tuning: freezing and thawing nodes is an edit like the others; the graph diff says
    // so and the summary counts the frozen nodes' parameters apart.
    void freezingNodes() {
        Graph g = chain();
        auto unknown = makeSetTrainable(g, {"conv1", "nope"}, false);
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().message, std::string("node 'nope' does not exist"));
        auto unchanged = makeSetTrainable(g, {"conv1"}, true); // already trainable
        QVERIFY(unchanged.ok() && unchanged->empty());

        auto freeze = makeSetTrainable(g, {"conv1"}, false);
        QVERIFY(freeze.ok());
        QCOMPARE(freeze->trainable.size(), std::size_t{1});
        const Graph before = g;
        QVERIFY(freeze->apply(g).ok());
        QVERIFY(!g.findNode("conv1")->trainable);
        QVERIFY(g.findNode("fc")->trainable);
        QVERIFY(!freeze->apply(g).ok()); // stale: conv1 is frozen already
        QVERIFY(!g.findNode("conv1")->trainable);

        const GraphDiff diff = diffGraphs(before, g);
        QCOMPARE(diff.changedNodes.size(), std::size_t{1});
        QCOMPARE(diff.changedNodes[0].id, std::string("conv1"));
        QCOMPARE(diff.changedNodes[0].details,
                 std::vector<std::string>{"trainable: true -> false"});

        // conv1 (Conv2D, default 32 filters of 3 x 3 over the input's channels) is frozen.
        g.findNode("input")->attrs["shape"] = IntList{1, 8, 8};
        const auto analysis = analyze(g, registry());
        const ModelSummary s = summarize(g, analysis);
        const std::int64_t convParams = analysis.info("conv1")->cost.trainableParams;
        QVERIFY(convParams > 0);
        QCOMPARE(s.frozenParams, convParams);
        QCOMPARE(s.totals.trainableParams, analysis.totals.trainableParams - convParams);
        QCOMPARE(s.parameterBytes,
                 4 * (analysis.totals.trainableParams + analysis.totals.nonTrainableParams));
        const std::string table = formatSummaryTable(s);
        QVERIFY2(table.find("conv1 (frozen)") != std::string::npos, table.c_str());
        QVERIFY2(table.find("Frozen parameters:        " + formatCount(convParams)) !=
                     std::string::npos,
                 table.c_str());
        QCOMPARE(formatParameterSplit(s), formatCompactCount(s.totals.trainableParams) +
                                              " trainable, " + formatCompactCount(convParams) +
                                              " frozen");
        QCOMPARE(formatCompactCount(843), std::string("843"));
        QCOMPARE(formatCompactCount(12'500), std::string("12.5K"));
        QCOMPARE(formatCompactCount(1'234'567), std::string("1.2M"));
        QCOMPARE(formatCompactCount(10'300'000), std::string("10.3M"));
        QCOMPARE(formatCompactCount(999'999), std::string("1.0M"));
        const std::string untouched = formatSummaryTable(summarize(before, analysis));
        QVERIFY(untouched.find("Frozen") == std::string::npos);
        QVERIFY(untouched.find("(frozen)") == std::string::npos);
    }

    void removingANodeRemovesItsEdges() {
        Graph g = chain();
        auto edit = makeRemoveNodes(g, {"relu1"});
        QVERIFY(edit.ok());
        QCOMPARE(edit->removeEdges.size(), std::size_t{2});
        QVERIFY(edit->apply(g).ok());
        QVERIFY(!g.findNode("relu1"));
        for (const auto& e : g.edges()) {
            QVERIFY(e.from.node != "relu1" && e.to.node != "relu1");
        }
    }

    void aStaleEditFailsAndChangesNothing() {
        Graph g = chain();
        auto edit = makeRemoveNodes(g, {"conv1"});
        QVERIFY(edit->apply(g).ok());
        const Graph after = g;
        auto again = edit->apply(g);
        QVERIFY(!again.ok());
        QVERIFY(g == after);
    }

    void connectRefusesImpossibleEdges_data() {
        QTest::addColumn<QString>("from");
        QTest::addColumn<int>("fromPort");
        QTest::addColumn<QString>("to");
        QTest::addColumn<int>("toPort");
        QTest::addColumn<QString>("message");
        QTest::newRow("self loop") << "fc" << 0 << "fc" << 0 << "cannot feed itself";
        QTest::newRow("cycle") << "fc" << 0 << "conv1" << 0 << "cycle";
        QTest::newRow("no such output") << "fc" << 3 << "spare" << 0 << "no output port 3";
        QTest::newRow("no such input") << "fc" << 0 << "spare" << 1 << "no input port 1";
        QTest::newRow("missing node") << "ghost" << 0 << "spare" << 0 << "'ghost'";
        QTest::newRow("duplicate") << "conv1" << 0 << "relu1" << 0 << "already connected";
    }

    void connectRefusesImpossibleEdges() {
        QFETCH(QString, from);
        QFETCH(int, fromPort);
        QFETCH(QString, to);
        QFETCH(int, toPort);
        QFETCH(QString, message);
        Graph g = chain();
        auto edit =
            makeConnect(g, {from.toStdString(), fromPort}, {to.toStdString(), toPort}, registry());
        QVERIFY(!edit.ok());
        QVERIFY2(QString::fromStdString(edit.error().message).contains(message),
                 edit.error().message.c_str());
    }

    void reconnectReplacesTheOldEdge() {
        Graph g = chain();
        auto edit = makeConnect(g, {"spare", 0}, {"loss", 0}, registry());
        QVERIFY(edit->apply(g).ok());
        int feeding = 0;
        for (const auto& e : g.edges()) {
            feeding += e.to.node == "loss" ? 1 : 0;
        }
        QCOMPARE(feeding, 1);
        QCOMPARE(g.edges()[4], (Edge{{"spare", 0}, {"loss", 0}})); // kept its place
    }

    void setAttributeRefusesInvalidValues() {
        Graph g = chain();
        auto bad = makeSetAttribute(g, "conv1", "filters", std::int64_t{0}, registry());
        QVERIFY(!bad.ok());
        QVERIFY(QString::fromStdString(bad.error().message).contains("'filters'"));
        auto wrongType = makeSetAttribute(g, "conv1", "filters", 2.5, registry());
        QVERIFY(!wrongType.ok());
        auto unknown = makeSetAttribute(g, "conv1", "colour", std::int64_t{1}, registry());
        QVERIFY(!unknown.ok());
        auto same = makeSetAttribute(g, "conv1", "filters", std::int64_t{32}, registry());
        QVERIFY(same.ok() && same->empty());
    }

    void checkConnectionComparesShapes() {
        Graph g = chain();
        auto analysis = analyze(g, registry());
        // Dense output [N, 10] cannot feed a Conv2D, which needs [N, C, H, W].
        g.addNode(Node{"conv2", "Conv2D", {}, {}});
        analysis = analyze(g, registry());
        auto refused = checkConnection(g, analysis, {"fc", 0}, {"conv2", 0}, registry());
        QVERIFY(refused.has_value());
        QVERIFY2(QString::fromStdString(*refused).contains("[N, 10]"), refused->c_str());
        QVERIFY(!checkConnection(g, analysis, {"relu1", 0}, {"conv2", 0}, registry()));
        auto upstream = upstreamOf(g, "fc");
        QVERIFY(upstream.contains("input") && !upstream.contains("loss"));
        QVERIFY(checkConnection(g, analysis, {"fc", 0}, {"conv1", 0}, registry(), &upstream));
    }

    void layoutLayersAChainTopToBottom() {
        Graph g = chain();
        for (const auto& n : g.nodes()) {
            g.findNode(n.id)->position = {0, 0};
        }
        QVERIFY(needsLayout(g));
        auto pos = layeredLayout(g);
        QCOMPARE(pos.size(), g.nodes().size());
        QVERIFY(pos["input"].y < pos["conv1"].y);
        QVERIFY(pos["fc"].y < pos["loss"].y);
        QCOMPARE(pos["spare"].y, pos["input"].y); // a source starts at the top
        QVERIFY(pos["spare"].x != pos["input"].x);
        auto moved = makeMoveNodes(g, pos);
        QVERIFY(moved->apply(g).ok());
        QVERIFY(!needsLayout(g));
        // A column 100 units apart is the user's choice; 40 apart, the cards overlap.
        for (std::size_t i = 0; i < g.nodes().size(); ++i) {
            g.findNode(g.nodes()[i].id)->position = {0, 100.0 * static_cast<double>(i)};
        }
        QVERIFY(!needsLayout(g));
        g.findNode("spare")->position = {150, 440};
        QVERIFY(needsLayout(g));
        g.findNode("spare")->position = {210, 440};
        QVERIFY(!needsLayout(g));
    }

    void fragmentsRoundTripAndRename() {
        Graph g = chain();
        Graph frag = extractFragment(g, {"conv1", "relu1", "fc"});
        QCOMPARE(frag.nodes().size(), std::size_t{3});
        QCOMPARE(frag.edges().size(), std::size_t{1}); // only conv1 -> relu1 is internal
        auto text = fragmentToJson(frag);
        auto back = fragmentFromJson(text, registry());
        QVERIFY(back.ok());
        QVERIFY(*back == frag);
        Graph ready = prepareFragment(g, *back, {50, 0});
        QCOMPARE(ready.nodes()[0].id, std::string("conv2"));
        QCOMPARE(ready.nodes()[1].id, std::string("relu2"));
        QCOMPARE(ready.edges()[0], (Edge{{"conv2", 0}, {"relu2", 0}}));
        QCOMPARE(ready.nodes()[0].position.x, 50.0);
        QVERIFY(!fragmentFromJson("{ not json", registry()).ok());
    }

    void groupingKeepsGraphOrderAndExposesBoundaryPorts() {
        Graph g = chainWithBlock();
        QCOMPARE(g.groups().size(), std::size_t{1});
        const NodeGroup& block = g.groups().front();
        QCOMPARE(block.id, std::string("block1"));
        QCOMPARE(block.nodes, (std::vector<std::string>{"conv1", "relu1"}));
        QVERIFY(!block.collapsed);
        QCOMPARE(groupOf(g, "relu1"), &block);
        QVERIFY(!groupOf(g, "fc"));
        auto ports = groupPorts(g, block);
        QCOMPARE(ports.inputs, (std::vector<PortRef>{{"conv1", 0}}));
        QCOMPARE(ports.outputs, (std::vector<PortRef>{{"relu1", 0}}));
        // The engine's view is unchanged: analysis ignores blocks.
        QCOMPARE(analyze(g, registry()).problems.size(),
                 analyze(chain(), registry()).problems.size());
    }

    void groupEditsRefuseBadRequests_data() {
        QTest::addColumn<EditFactory>("make");
        QTest::addColumn<QString>("message");
        QTest::newRow("nothing selected")
            << EditFactory([](const Graph& g) { return makeGroup(g, {}, "B"); }) << "select";
        QTest::newRow("unknown node")
            << EditFactory([](const Graph& g) { return makeGroup(g, {"ghost"}, "B"); })
            << "'ghost'";
        QTest::newRow("already grouped") << EditFactory([](const Graph& g) {
            return makeGroup(g, {"conv1", "fc"}, "B");
        }) << "already in block 'Feature'";
        QTest::newRow("empty name")
            << EditFactory([](const Graph& g) { return makeGroup(g, {"fc"}, ""); }) << "name";
        QTest::newRow("rename to nothing")
            << EditFactory([](const Graph& g) { return makeRenameGroup(g, "block1", ""); })
            << "name";
        QTest::newRow("ungroup unknown")
            << EditFactory([](const Graph& g) { return makeUngroup(g, "block9"); }) << "'block9'";
    }

    void groupEditsRefuseBadRequests() {
        QFETCH(EditFactory, make);
        QFETCH(QString, message);
        auto edit = make(chainWithBlock());
        QVERIFY(!edit.ok());
        QVERIFY2(QString::fromStdString(edit.error().message).contains(message),
                 edit.error().message.c_str());
    }

    void blocksTravelInFragments() {
        Graph g = chainWithBlock();
        Graph frag = extractFragment(g, {"conv1", "relu1"});
        QCOMPARE(frag.groups().size(), std::size_t{1});
        QVERIFY(extractFragment(g, {"conv1"}).groups().empty()); // a partial block is not copied
        auto back = fragmentFromJson(fragmentToJson(frag), registry());
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
        QVERIFY(*back == frag);
        Graph ready = prepareFragment(g, *back, {0, 0});
        QCOMPARE(ready.groups().front().id, std::string("block2"));
        QCOMPARE(ready.groups().front().nodes, (std::vector<std::string>{"conv2", "relu2"}));
        QCOMPARE(ready.groups().front().name, std::string("Feature"));
    }
};

QTEST_MAIN(TestEdits)
#include "test_edits.moc"
