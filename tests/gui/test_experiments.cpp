// The Experiments mode, offscreen, over a store the test fills itself (NETWRIGHT_DB points
// into a temporary folder): the table lists the runs, sorts and filters them; selecting two
// compares them (overlaid curves, the hyper-parameter that differs, the graph difference on a
// read-only canvas and as a list); rename, tag, note and delete; "Open project" hands over the
// run's snapshot. NW_EXPERIMENTS_SCREENSHOT=PATH saves a picture of the graph difference.
#include "engine/tracking/store.h"
#include "graph/graph_diff.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "ui/experiments/experiments_page.h"
#include "ui/experiments/graph_diff_view.h"
#include "ui/experiments/run_comparison.h"
#include "ui/experiments/runs_model.h"
#include "ui/graph_editor/edge_item.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/graph_view.h"
#include "ui/graph_editor/node_item.h"
#include "ui/theme.h"
#include "ui/training/metric_chart.h"

#include <QApplication>
#include <QCheckBox>
#include <QFile>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

using namespace nw;
using nw::ui::DiffStatus;
using nw::ui::GraphDiffView;
using nw::ui::RunsModel;

class TestExperiments : public QObject {
    Q_OBJECT
private slots:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        m_db = m_dir->filePath(QStringLiteral("experiments.db"));
        qputenv("NETWRIGHT_DB", m_db.toUtf8());
        auto store = tracking::ExperimentStore::open(m_db.toStdString());
        QVERIFY(store.ok());
        m_first = addRun(**store, "baseline", "0.001", 0.80);
        m_second = addRun(**store, "faster", "0.01", 0.90);
    }

    void listsRunsSortedAndFiltered() {
        ui::ExperimentsPage page;
        page.reload();
        QCOMPARE(page.model()->rowCount(), 2);
        QCOMPARE(page.proxy()->rowCount(), 2);
        // The first look compares the newest run with the one before it.
        QCOMPARE(page.selectedRuns(), (QList<qint64>{m_first, m_second}));
        page.table()->sortByColumn(RunsModel::BestTestAccuracy, Qt::DescendingOrder);
        QCOMPARE(page.proxy()->index(0, RunsModel::Name).data().toString(),
                 QStringLiteral("faster"));
        QCOMPARE(page.proxy()->index(0, RunsModel::BestTestAccuracy).data().toString(),
                 QStringLiteral("90.00%"));
        QCOMPARE(page.proxy()->index(1, RunsModel::LearningRate).data().toString(),
                 QStringLiteral("0.001"));
        QCOMPARE(page.proxy()->index(0, RunsModel::Status).data().toString(),
                 QStringLiteral("completed"));
        page.filterEdit()->setText(QStringLiteral("BASE"));
        QCOMPARE(page.proxy()->rowCount(), 1);
        QCOMPARE(page.proxy()->index(0, RunsModel::Name).data().toString(),
                 QStringLiteral("baseline"));
        page.filterEdit()->clear();
        QCOMPARE(page.proxy()->rowCount(), 2);
    }

    // While the page is shown it polls the store: a run another connection (another process:
    // netwright-cli train) inserts appears after a poll interval, its status and best metrics
    // update in place, the user's selection and sort survive (no model reset); hidden, the
    // page stops polling.
    void pollsTheStoreLive() {
        ui::ExperimentsPage page;
        page.show();
        QVERIFY(page.pollTimer()->isActive());
        QCOMPARE(page.pollTimer()->interval(), ui::ExperimentsPage::kPollMilliseconds);
        QCOMPARE(page.model()->rowCount(), 2);
        page.table()->sortByColumn(RunsModel::Name, Qt::AscendingOrder);
        page.selectRuns({m_first});
        QSignalSpy resets(page.model(), &QAbstractItemModel::modelReset);

        auto other = tracking::ExperimentStore::open(m_db.toStdString());
        QVERIFY(other.ok());
        tracking::RunRecord r;
        r.name = "cli-run";
        r.projectJson = projectJson("cli-project", 10);
        r.projectPath = "/projects/cli.nwproj";
        auto id = (*other)->createRun(r);
        QVERIFY(id.ok());
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 3,
                                  ui::ExperimentsPage::kPollMilliseconds * 3);
        const int row = page.model()->rowOf(*id);
        QVERIFY(row >= 0);
        QCOMPARE(page.model()->index(row, RunsModel::Status).data().toString(),
                 QStringLiteral("running"));
        QCOMPARE(page.selectedRuns(), (QList<qint64>{m_first}));
        // Sorted by name: baseline, cli-run, faster.
        QCOMPARE(page.proxy()->index(1, RunsModel::Name).data().toString(),
                 QStringLiteral("cli-run"));

        std::vector<tracking::MetricPoint> points{{"test/accuracy", 20, 0, 0.75, 0}};
        QVERIFY((*other)->appendMetrics(*id, points).ok());
        QVERIFY((*other)->finishRun(*id, "completed").ok());
        QTRY_COMPARE_WITH_TIMEOUT(
            page.model()->index(page.model()->rowOf(*id), RunsModel::Status).data().toString(),
            QStringLiteral("completed"), ui::ExperimentsPage::kPollMilliseconds * 3);
        QCOMPARE(page.model()
                     ->index(page.model()->rowOf(*id), RunsModel::BestTestAccuracy)
                     .data()
                     .toString(),
                 QStringLiteral("75.00%"));
        QCOMPARE(page.selectedRuns(), (QList<qint64>{m_first}));
        QCOMPARE(resets.count(), 0);

        // Deleted elsewhere: the row goes; the selection of the others stays.
        QVERIFY((*other)->deleteRun(m_second).ok());
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 2,
                                  ui::ExperimentsPage::kPollMilliseconds * 3);
        QCOMPARE(page.selectedRuns(), (QList<qint64>{m_first}));
        QCOMPARE(resets.count(), 0);

        page.hide();
        QVERIFY(!page.pollTimer()->isActive());
    }

    void comparesTheSelection() {
        ui::ExperimentsPage page;
        page.reload();
        page.selectRuns({m_first, m_second});
        QCOMPARE(page.selectedRuns(), (QList<qint64>{m_first, m_second}));
        auto* comparison = page.comparison();
        QCOMPARE(comparison->lossChart()->curveCount(), 2);
        QCOMPARE(comparison->lossChart()->storedCount(0), 10);
        QCOMPARE(comparison->accuracyChart()->storedCount(1), 1);

        QTableWidget* params = comparison->parameterTable();
        QCOMPARE(params->columnCount(), 2);
        QCOMPARE(params->rowCount(), 1); // only the learning rate differs
        QCOMPARE(params->verticalHeaderItem(0)->text(),
                 QStringLiteral("training.optimizer.learning_rate"));
        QCOMPARE(params->item(0, 0)->text(), QStringLiteral("0.001"));
        QCOMPARE(params->item(0, 1)->text(), QStringLiteral("0.01"));
        comparison->findChild<QCheckBox*>()->setChecked(true); // show all
        QCOMPARE(params->rowCount(), 3);

        // The graph difference of the two runs: the Dense layer's width.
        QTreeWidget* graph = comparison->graphDiff();
        QCOMPARE(graph->topLevelItemCount(), 1);
        QTreeWidgetItem* changed = graph->topLevelItem(0);
        QCOMPARE(changed->text(0), QStringLiteral("Changed nodes"));
        QCOMPARE(changed->child(0)->text(0), QStringLiteral("fc"));
        QCOMPARE(changed->child(0)->child(0)->text(0), QStringLiteral("units: 10 -> 20"));
        GraphDiffView* canvas = comparison->graphDiffView();
        QCOMPARE(canvas->state(), GraphDiffView::State::Different);
        QCOMPARE(canvas->summary(), QStringLiteral("Nodes: 0 added, 0 removed, 1 changed"));
        QCOMPARE(canvas->scene()->nodeItem(QStringLiteral("fc"))->diffStatus(),
                 DiffStatus::Changed);
        page.selectRuns({m_first});
        QCOMPARE(graph->topLevelItemCount(), 0); // one run: nothing to compare
        QCOMPARE(canvas->state(), GraphDiffView::State::Empty);
        QCOMPARE(canvas->scene()->nodeItemCount(), 0);
        QCOMPARE(params->rowCount(), 3); // one run: all its parameters
    }

    // Long values (an augmentation list as the store keeps it: JSON) are summarised, the
    // full value in the tooltip; at 1024 px both runs' columns fit the table's width.
    void longValuesKeepBothColumnsInView() {
        auto store = tracking::ExperimentStore::open(m_db.toStdString());
        QVERIFY(store.ok());
        const std::string flipCrop =
            "[{\"op\":\"horizontal_flip\",\"probability\":0.5},"
            "{\"op\":\"pad_crop\",\"params\":{\"padding\":4,\"fill\":\"reflect\"}},"
            "{\"op\":\"color_jitter\",\"params\":{\"brightness\":0.2,\"contrast\":0.2,"
            "\"saturation\":0.2,\"hue\":0.05}}]";
        const std::string cutout = "[{\"op\":\"random_rotation\",\"params\":{\"degrees\":15}},"
                                   "{\"op\":\"cutout\",\"params\":{\"size\":8,\"count\":2}},"
                                   "{\"op\":\"vertical_flip\",\"probability\":0.25},"
                                   "{\"op\":\"gaussian_noise\",\"params\":{\"stddev\":0.01}}]";
        const qint64 a = addRunWithProject(**store, "aug-a", projectJson("aug-a", 10));
        const qint64 b = addRunWithProject(**store, "aug-b", projectJson("aug-b", 10));
        QVERIFY((*store)->setParams(a, {{"augmentation", flipCrop}}).ok());
        QVERIFY((*store)->setParams(b, {{"augmentation", cutout}}).ok());

        ui::ExperimentsPage page;
        page.resize(1024, 768);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.selectRuns({a, b});
        QTableWidget* params = page.comparison()->parameterTable();
        QCOMPARE(params->columnCount(), 2);
        QCOMPARE(params->rowCount(), 1);
        QCOMPARE(params->verticalHeaderItem(0)->text(), QStringLiteral("augmentation"));
        QCOMPARE(params->item(0, 0)->text(),
                 QStringLiteral("3 steps: horizontal_flip, pad_crop, …"));
        QCOMPARE(params->item(0, 1)->text(), QStringLiteral("4 steps: random_rotation, cutout, …"));
        // The tooltip holds the full value (indented JSON).
        QCOMPARE(QJsonDocument::fromJson(params->item(0, 0)->toolTip().toUtf8()),
                 QJsonDocument::fromJson(QByteArray::fromStdString(flipCrop)));
        QCOMPARE(QJsonDocument::fromJson(params->item(0, 1)->toolTip().toUtf8()),
                 QJsonDocument::fromJson(QByteArray::fromStdString(cutout)));

        // Both columns lie inside the table's viewport, and the table inside the page.
        QApplication::processEvents();
        const int viewport = params->viewport()->width();
        QVERIFY(viewport > 0);
        for (int col = 0; col < 2; ++col) {
            QVERIFY2(params->columnViewportPosition(col) >= 0, qPrintable(QString::number(col)));
            QVERIFY2(
                params->columnViewportPosition(col) + params->columnWidth(col) <= viewport,
                qPrintable(QStringLiteral("column %1 ends at %2, the viewport at %3")
                               .arg(col)
                               .arg(params->columnViewportPosition(col) + params->columnWidth(col))
                               .arg(viewport)));
        }
        QVERIFY(params->columnWidth(0) <= viewport / 2 + 1);
        QVERIFY(params->mapTo(&page, QPoint(params->width(), 0)).x() <= page.width());
        QVERIFY(!params->horizontalScrollBar()->isVisible());
    }

    void graphDiffAddsRemovesAndRewires() {
        const auto registry = graph::makeCoreRegistry();
        auto before = graph::parseProject(projectJson("a", 10), "a", registry);
        std::string text = projectJson("b", 10);
        // b: a Dropout between flatten and fc, and no more direct flatten -> fc edge.
        auto replace = [&text](const std::string& from, const std::string& to) {
            text.replace(text.find(from), from.size(), to);
        };
        replace("{\"id\": \"loss\"", "{\"id\": \"drop\", \"op\": \"Dropout\"},{\"id\": \"loss\"");
        replace("{\"from\": \"flatten\", \"to\": \"fc\"}",
                "{\"from\": \"flatten\", \"to\": \"drop\"},{\"from\": \"drop\", \"to\": \"fc\"}");
        auto after = graph::parseProject(text, "b", registry);
        QVERIFY2(before.ok(), before.ok() ? "" : before.error().message.c_str());
        QVERIFY2(after.ok(), after.ok() ? "" : after.error().message.c_str());
        const auto diff = graph::diffGraphs(before->graph, after->graph);
        QCOMPARE(diff.addedNodes, std::vector<std::string>{"drop"});
        QVERIFY(diff.removedNodes.empty());
        QVERIFY(diff.changedNodes.empty());
        QCOMPARE(diff.addedEdges.size(), 2u);
        QCOMPARE(diff.removedEdges.size(), 1u);
        QCOMPARE(graph::edgeToString(diff.removedEdges[0]), std::string("flatten:0 -> fc:0"));
        const auto back = graph::diffGraphs(after->graph, before->graph);
        QCOMPARE(back.removedNodes, std::vector<std::string>{"drop"});
        QVERIFY(graph::diffGraphs(before->graph, before->graph).empty());
    }

    void graphDiffOnTheCanvas() {
        // Older run: input -> flatten -> drop -> fc(10) -> loss. Newer run: drop gone,
        // fc(20), a ReLU "act" added: input -> flatten -> fc(20) -> act -> loss.
        auto store = tracking::ExperimentStore::open(m_db.toStdString());
        QVERIFY(store.ok());
        const qint64 older = addRunWithProject(**store, "older", olderProject());
        const qint64 newer = addRunWithProject(**store, "newer", newerProject());
        ui::ExperimentsPage page;
        page.resize(1200, 900);
        page.reload();
        page.selectRuns({older, newer});
        auto* comparison = page.comparison();
        comparison->tabs()->setCurrentIndex(1);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        GraphDiffView* diff = comparison->graphDiffView();
        QCOMPARE(diff->state(), GraphDiffView::State::Different);
        QCOMPARE(
            diff->summary(),
            QStringLiteral("Nodes: 1 added, 1 removed, 1 changed · Edges: 3 added, 3 removed"));
        QVERIFY(diff->view()->isVisible());

        // The union of both graphs, every item marked.
        ui::GraphScene* scene = diff->scene();
        QCOMPARE(scene->nodeItemCount(), 6);
        QCOMPARE(scene->edgeItemCount(), 7);
        auto node = [scene](const char* id) { return scene->nodeItem(QString::fromLatin1(id)); };
        QVERIFY(node("act") && node("drop") && node("fc") && node("input"));
        QCOMPARE(node("act")->diffStatus(), DiffStatus::Added);
        QCOMPARE(node("drop")->diffStatus(), DiffStatus::Removed);
        QCOMPARE(node("fc")->diffStatus(), DiffStatus::Changed);
        QCOMPARE(node("fc")->diffDetails(), QStringList{QStringLiteral("units: 10 -> 20")});
        QVERIFY(node("fc")->toolTip().contains(QStringLiteral("units: 10 -> 20")));
        QCOMPARE(node("input")->diffStatus(), DiffStatus::Unchanged);
        QCOMPARE(node("loss")->diffStatus(), DiffStatus::Unchanged);
        QVERIFY(node("input")->opacity() < 1.0); // unchanged: dimmed
        QCOMPARE(node("act")->opacity(), 1.0);
        // Positions: the newer snapshot's; the removed node where the older one had it.
        QCOMPARE(node("act")->pos(), QPointF(0, 360));
        QCOMPARE(node("drop")->pos(), QPointF(300, 180));
        // Cards show the shapes of the run they come from, never an error.
        QCOMPARE(node("fc")->view().shape, QStringLiteral("[N, 20]"));
        QCOMPARE(node("drop")->view().shape, QStringLiteral("[N, 16]"));
        QVERIFY(node("fc")->view().problems.isEmpty());
        auto edge = [scene](const char* from, const char* to) {
            return scene->edgeItem({{from, 0}, {to, 0}});
        };
        QCOMPARE(edge("flatten", "fc")->diffStatus(), DiffStatus::Added);
        QCOMPARE(edge("fc", "act")->diffStatus(), DiffStatus::Added);
        QCOMPARE(edge("flatten", "drop")->diffStatus(), DiffStatus::Removed);
        QCOMPARE(edge("fc", "loss")->diffStatus(), DiffStatus::Removed);
        QCOMPARE(edge("input", "flatten")->diffStatus(), DiffStatus::Unchanged);
        // Fitted: every card in sight.
        const QRectF visible =
            diff->view()->mapToScene(diff->view()->viewport()->rect()).boundingRect();
        for (const char* id : {"input", "drop", "act", "loss"}) {
            QVERIFY2(visible.contains(node(id)->sceneBoundingRect()), id);
        }

        // The list beside it: selecting a row selects and centres its node.
        QTreeWidget* list = diff->list();
        QCOMPARE(list->topLevelItemCount(), 4);
        QTreeWidgetItem* removed = list->topLevelItem(1);
        QCOMPARE(removed->text(0), QStringLiteral("Removed nodes"));
        list->setCurrentItem(removed->child(0));
        QCOMPARE(scene->selectedNodeIds(), QStringList{QStringLiteral("drop")});
        const QPointF centre = diff->view()->mapToScene(diff->view()->viewport()->rect().center());
        QVERIFY(QLineF(centre, node("drop")->sceneBoundingRect().center()).length() < 20);
        QTreeWidgetItem* detail = list->topLevelItem(2)->child(0)->child(0);
        QCOMPARE(detail->text(0), QStringLiteral("units: 10 -> 20"));
        list->setCurrentItem(detail); // a change stands for its node
        QCOMPARE(scene->selectedNodeIds(), QStringList{QStringLiteral("fc")});
        QTreeWidgetItem* edges = list->topLevelItem(3);
        list->setCurrentItem(edges->child(0)); // "+ flatten:0 -> fc:0"
        QVERIFY(edge("flatten", "fc")->isSelected());
        scene->selectNodes({QStringLiteral("act")}); // and the canvas selects the row
        QCOMPARE(list->currentItem()->text(0), QStringLiteral("act"));

        // Read-only: nothing moves, nothing is deleted, nothing is dropped.
        QVERIFY(scene->isReadOnly());
        QVERIFY(!(node("act")->flags() & QGraphicsItem::ItemIsMovable));
        QVERIFY(scene->deleteSelection().ok());
        QTest::keyClick(diff->view(), Qt::Key_Delete);
        QTest::keyClick(diff->view(), Qt::Key_Right);
        QCOMPARE(scene->nodeItemCount(), 6);
        QCOMPARE(node("act")->pos(), QPointF(0, 360));
        QVERIFY(!diff->view()->dropOp(QStringLiteral("Dense"), QPointF(600, 600)).ok());
        QVERIFY(!scene->dropConnection({"input", 0}, node("act")->inputPortPos(0)).ok());
        QCOMPARE(scene->nodeItemCount(), 6);
        QCOMPARE(scene->edgeItemCount(), 7);
        const QPoint press = diff->view()->mapFromScene(node("loss")->sceneBoundingRect().center());
        QTest::mousePress(diff->view()->viewport(), Qt::LeftButton, {}, press);
        QTest::mouseMove(diff->view()->viewport(), press + QPoint(80, 40));
        QTest::mouseRelease(diff->view()->viewport(), Qt::LeftButton, {}, press + QPoint(80, 40));
        QCOMPARE(node("loss")->pos(), QPointF(0, 480));

        // The dark theme keeps the marks, in its own colours.
        scene->setEditorStyle(ui::EditorStyle::darkTheme());
        QCOMPARE(node("drop")->diffStatus(), DiffStatus::Removed);
        QVERIFY(scene->editorStyle().diffColor(DiffStatus::Added) !=
                ui::EditorStyle::light().diffColor(DiffStatus::Added));
    }

    void identicalGraphsShowNoDifferences() {
        auto store = tracking::ExperimentStore::open(m_db.toStdString());
        QVERIFY(store.ok());
        const qint64 again = addRunWithProject(**store, "again", projectJson("again", 10));
        ui::ExperimentsPage page;
        page.reload();
        page.selectRuns({m_first, again}); // both trained fc with 10 units
        GraphDiffView* diff = page.comparison()->graphDiffView();
        QCOMPARE(diff->state(), GraphDiffView::State::Identical);
        QCOMPARE(diff->summary(), QStringLiteral("No graph differences"));
        QCOMPARE(diff->list()->topLevelItemCount(), 1);
        QCOMPARE(diff->list()->topLevelItem(0)->text(0),
                 QStringLiteral("No differences: the same graph"));
        QCOMPARE(diff->scene()->nodeItemCount(), 0);
        QVERIFY(!diff->view()->isVisibleTo(diff));
    }

    void graphDiffScreenshot() {
        const QString out = qEnvironmentVariable("NW_EXPERIMENTS_SCREENSHOT");
        if (out.isEmpty()) {
            QSKIP("set NW_EXPERIMENTS_SCREENSHOT=PATH to save a picture of the graph difference");
        }
        // NW_SCREENSHOT_THEME=dark for the dark theme.
        QVERIFY(ui::applyTheme(*qApp, qEnvironmentVariable("NW_SCREENSHOT_THEME", "light")));
        QFile file(QStringLiteral(":/templates/mlp.nwproj"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const std::string before = file.readAll().toStdString();
        const auto registry = graph::makeCoreRegistry();
        auto project = graph::parseProject(before, "mlp", registry);
        QVERIFY(project.ok());
        // The newer run: wider first layers, a dropout inserted after relu1 (the layers below
        // it moved down), fc3 and relu3 gone (fc4 and loss moved up into the gap).
        graph::Graph& g = project->graph;
        g.findNode("fc1")->attrs["units"] = std::int64_t{512};
        g.findNode("fc2")->attrs["units"] = std::int64_t{192};
        QVERIFY(g.removeNode("fc3"));
        QVERIFY(g.removeNode("relu3"));
        QVERIFY(g.removeEdge({{"relu1", 0}, {"fc2", 0}}));
        for (const char* id : {"fc2", "relu2"}) {
            g.findNode(id)->position.y += 100;
        }
        for (const char* id : {"fc4", "loss"}) {
            g.findNode(id)->position.y -= 100;
        }
        QVERIFY(g.addNode({"dropout", "Dropout", {}, {0, 400}}));
        g.addEdge({{"relu1", 0}, {"dropout", 0}});
        g.addEdge({{"dropout", 0}, {"fc2", 0}});
        g.addEdge({{"relu2", 0}, {"fc4", 0}});
        auto store = tracking::ExperimentStore::open(m_db.toStdString());
        QVERIFY(store.ok());
        const qint64 a = addRunWithProject(**store, "mlp", before);
        const qint64 b = addRunWithProject(**store, "mlp-wider", graph::serializeProject(*project));
        ui::ExperimentsPage page;
        page.reload();
        page.selectRuns({a, b});
        GraphDiffView* diff = page.comparison()->graphDiffView();
        diff->setParent(nullptr); // on its own, at a size where the cards read well
        diff->resize(1280, 900);
        diff->show();
        QVERIFY(QTest::qWaitForWindowExposed(diff));
        QTest::qWait(100);
        diff->fitToView();
        QTest::qWait(100);
        const bool saved = diff->grab().save(out, "PNG");
        diff->setParent(page.comparison()); // the page deletes it
        QVERIFY(saved);
    }

    void renamesTagsNotesAndDeletes() {
        ui::ExperimentsPage page;
        page.reload();
        QVERIFY(page.renameRun(m_first, QStringLiteral("renamed")).ok());
        QVERIFY(page.setTags(m_first, {QStringLiteral("best"), QStringLiteral(" paper ")}).ok());
        QVERIFY(page.setNotes(m_first, QStringLiteral("lower learning rate")).ok());
        const int row = page.model()->rowOf(m_first);
        QCOMPARE(page.model()->index(row, RunsModel::Name).data().toString(),
                 QStringLiteral("renamed"));
        QCOMPARE(page.model()->index(row, RunsModel::Tags).data().toString(),
                 QStringLiteral("best, paper"));
        QCOMPARE(page.model()->index(row, RunsModel::Name).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("lower learning rate"));
        page.filterEdit()->setText(QStringLiteral("paper")); // tags are filterable
        QCOMPARE(page.proxy()->rowCount(), 1);

        QVERIFY(page.deleteRuns({m_second}).ok());
        QCOMPARE(page.model()->rowCount(), 1);
        auto store = tracking::ExperimentStore::open(m_db.toStdString());
        QVERIFY(store.ok());
        QVERIFY(!(*store)->run(m_second).ok());
        QVERIFY(!page.renameRun(m_second, QStringLiteral("gone")).ok());
    }

    void opensTheSnapshot() {
        ui::ExperimentsPage page;
        page.reload();
        QSignalSpy opened(&page, &ui::ExperimentsPage::openSnapshot);
        page.selectRuns({m_second});
        const auto buttons = page.findChildren<QPushButton*>();
        auto open = std::find_if(buttons.begin(), buttons.end(), [](QPushButton* b) {
            return b->text() == QStringLiteral("Open project");
        });
        QVERIFY(open != buttons.end());
        QVERIFY((*open)->isEnabled());
        (*open)->click();
        QCOMPARE(opened.count(), 1);
        QVERIFY(opened.first().at(0).toString().contains(QStringLiteral("faster-project")));
        QCOMPARE(opened.first().at(1).toString(), QStringLiteral("/projects/faster.nwproj"));
    }

private:
    // A valid project whose Dense layer has `units` outputs.
    static std::string projectJson(const std::string& name, int units) {
        return "{\"format_version\": 1, \"name\": \"" + name +
               "\", \"graph\": {\"nodes\": ["
               "{\"id\": \"input\", \"op\": \"Input\", \"attributes\": {\"shape\": "
               "[1, 4, 4]}},"
               "{\"id\": \"flatten\", \"op\": \"Flatten\"},"
               "{\"id\": \"fc\", \"op\": \"Dense\", \"attributes\": {\"units\": " +
               std::to_string(units) +
               "}},"
               "{\"id\": \"loss\", \"op\": \"Loss\"}],"
               "\"edges\": [{\"from\": \"input\", \"to\": \"flatten\"},"
               "{\"from\": \"flatten\", \"to\": \"fc\"},"
               "{\"from\": \"fc\", \"to\": \"loss\"}]}}";
    }

    // The older and newer snapshots of graphDiffOnTheCanvas(), with positions.
    static std::string graphJson(const std::string& nodes, const std::string& edges) {
        return "{\"format_version\": 1, \"name\": \"diff\", \"graph\": {\"nodes\": [" + nodes +
               "], \"edges\": [" + edges + "]}}";
    }
    static std::string olderProject() {
        return graphJson(
            "{\"id\": \"input\", \"op\": \"Input\", \"attributes\": {\"shape\": [1, 4, 4]},"
            " \"position\": [0, 0]},"
            "{\"id\": \"flatten\", \"op\": \"Flatten\", \"position\": [0, 120]},"
            "{\"id\": \"drop\", \"op\": \"Dropout\", \"position\": [300, 180]},"
            "{\"id\": \"fc\", \"op\": \"Dense\", \"attributes\": {\"units\": 10},"
            " \"position\": [0, 240]},"
            "{\"id\": \"loss\", \"op\": \"Loss\", \"position\": [0, 360]}",
            "{\"from\": \"input\", \"to\": \"flatten\"}, {\"from\": \"flatten\", \"to\": \"drop\"},"
            "{\"from\": \"drop\", \"to\": \"fc\"}, {\"from\": \"fc\", \"to\": \"loss\"}");
    }
    static std::string newerProject() {
        return graphJson(
            "{\"id\": \"input\", \"op\": \"Input\", \"attributes\": {\"shape\": [1, 4, 4]},"
            " \"position\": [0, 0]},"
            "{\"id\": \"flatten\", \"op\": \"Flatten\", \"position\": [0, 120]},"
            "{\"id\": \"fc\", \"op\": \"Dense\", \"attributes\": {\"units\": 20},"
            " \"position\": [0, 240]},"
            "{\"id\": \"act\", \"op\": \"ReLU\", \"position\": [0, 360]},"
            "{\"id\": \"loss\", \"op\": \"Loss\", \"position\": [0, 480]}",
            "{\"from\": \"input\", \"to\": \"flatten\"}, {\"from\": \"flatten\", \"to\": \"fc\"},"
            "{\"from\": \"fc\", \"to\": \"act\"}, {\"from\": \"act\", \"to\": \"loss\"}");
    }

    static qint64 addRunWithProject(tracking::ExperimentStore& store, const std::string& name,
                                    const std::string& json) {
        tracking::RunRecord r;
        r.name = name;
        r.projectJson = json;
        r.projectPath = "/projects/" + name + ".nwproj";
        auto id = store.createRun(r);
        if (!id) {
            return 0;
        }
        (void)store.finishRun(*id, "completed");
        return *id;
    }

    static qint64 addRun(tracking::ExperimentStore& store, const std::string& name,
                         const std::string& lr, double accuracy) {
        tracking::RunRecord r;
        r.name = name;
        r.projectJson = projectJson(name + "-project", lr == "0.001" ? 10 : 20);
        r.projectPath = "/projects/" + name + ".nwproj";
        auto id = store.createRun(r);
        if (!id) {
            return 0;
        }
        (void)store.setParams(*id, {{"training.optimizer.learning_rate", lr},
                                    {"training.optimizer.type", "adam"},
                                    {"training.batch_size", "16"}});
        std::vector<tracking::MetricPoint> points;
        for (int step = 1; step <= 10; ++step) {
            points.push_back({"train/loss", step, 0, 2.0 / step, 0});
        }
        points.push_back({"test/accuracy", 10, 0, accuracy, 0});
        (void)store.appendMetrics(*id, points);
        (void)store.finishRun(*id, "completed");
        return *id;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_db;
    qint64 m_first = 0, m_second = 0;
};

QTEST_MAIN(TestExperiments)
#include "test_experiments.moc"
