// The Experiments mode, offscreen, over a store the test fills itself (NETWRIGHT_DB points
// into a temporary folder): the table lists the runs, sorts and filters them; selecting two
// compares them (overlaid curves, the hyper-parameter that differs); rename, tag, note and
// delete; "Open project" hands over the run's snapshot.
#include "engine/tracking/store.h"
#include "graph/graph_diff.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "ui/experiments/experiments_page.h"
#include "ui/experiments/run_comparison.h"
#include "ui/experiments/runs_model.h"
#include "ui/training/metric_chart.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

using namespace nw;
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
        page.selectRuns({m_first});
        QCOMPARE(graph->topLevelItemCount(), 0); // one run: nothing to compare
        QCOMPARE(params->rowCount(), 3);         // one run: all its parameters
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
