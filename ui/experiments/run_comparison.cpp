#include "ui/experiments/run_comparison.h"

#include "graph/graph_diff.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "ui/training/metric_chart.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <set>

namespace nw::ui {

namespace {

QColor runColor(std::size_t i) {
    static const QColor palette[] = {QColor(0x4c, 0x8b, 0xf5), QColor(0xe8, 0x71, 0x1c),
                                     QColor(0x2e, 0xa0, 0x4f), QColor(0xc0, 0x39, 0x2b),
                                     QColor(0x8e, 0x44, 0xad), QColor(0x7f, 0x8c, 0x8d)};
    return palette[i % std::size(palette)];
}

} // namespace

RunComparison::RunComparison(QWidget* parent)
    : QWidget(parent)
    , m_loss(new MetricChart(tr("Training loss"), tr("step"), this))
    , m_accuracy(new MetricChart(tr("Test accuracy"), tr("step"), this))
    , m_params(new QTableWidget(this))
    , m_graphDiff(new QTreeWidget(this))
    , m_showAll(new QCheckBox(tr("Show all parameters"), this)) {
    auto* charts = new QSplitter(Qt::Horizontal, this);
    charts->addWidget(m_loss);
    charts->addWidget(m_accuracy);
    auto* paramsArea = new QWidget(this);
    auto* paramsLayout = new QVBoxLayout(paramsArea);
    paramsLayout->setContentsMargins(0, 0, 0, 0);
    paramsLayout->addWidget(m_showAll);
    paramsLayout->addWidget(m_params);
    m_params->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_params->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_graphDiff->setHeaderHidden(true);
    auto* tabs = new QTabWidget(this);
    tabs->addTab(paramsArea, tr("Hyper-parameters"));
    tabs->addTab(m_graphDiff, tr("Graph"));
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(charts);
    split->addWidget(tabs);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 1);
    (new QHBoxLayout(this))->addWidget(split);
    connect(m_showAll, &QCheckBox::toggled, this, &RunComparison::fillParameters);
}

void RunComparison::setRuns(tracking::ExperimentStore& store, const std::vector<RunRow>& runs) {
    m_runs = runs;
    m_loss->clearCurves();
    m_accuracy->clearCurves();
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto& r = runs[i].run;
        const QString label =
            QStringLiteral("#%1 %2").arg(r.id).arg(QString::fromStdString(r.name));
        const int loss = m_loss->addCurve(label, runColor(i));
        if (auto points = store.metrics(r.id, "train/loss")) {
            for (const auto& p : *points) {
                m_loss->append(loss, double(p.step), p.value);
            }
        }
        const int acc = m_accuracy->addCurve(label, runColor(i), true);
        if (auto points = store.metrics(r.id, "test/accuracy")) {
            for (const auto& p : *points) {
                m_accuracy->append(acc, double(p.step), p.value);
            }
        }
    }
    m_loss->refresh();
    m_accuracy->refresh();
    fillParameters();
    fillGraphDiff();
}

void RunComparison::fillGraphDiff() {
    m_graphDiff->clear();
    if (m_runs.size() != 2) {
        return;
    }
    static const graph::OpRegistry registry = graph::makeCoreRegistry();
    auto before = graph::parseProject(m_runs[0].run.projectJson, "run", registry);
    auto after = graph::parseProject(m_runs[1].run.projectJson, "run", registry);
    if (!before || !after) {
        new QTreeWidgetItem(
            m_graphDiff,
            {tr("Cannot read a run's project: %1")
                 .arg(QString::fromStdString((before ? after.error() : before.error()).message))});
        return;
    }
    const graph::GraphDiff diff = graph::diffGraphs(before->graph, after->graph);
    auto section = [this](const QString& title, const std::vector<std::string>& lines) {
        if (lines.empty()) {
            return static_cast<QTreeWidgetItem*>(nullptr);
        }
        auto* item = new QTreeWidgetItem(m_graphDiff, {title});
        for (const auto& l : lines) {
            new QTreeWidgetItem(item, {QString::fromStdString(l)});
        }
        item->setExpanded(true);
        return item;
    };
    section(tr("Added nodes"), diff.addedNodes);
    section(tr("Removed nodes"), diff.removedNodes);
    if (!diff.changedNodes.empty()) {
        auto* changed = new QTreeWidgetItem(m_graphDiff, {tr("Changed nodes")});
        for (const auto& c : diff.changedNodes) {
            auto* node = new QTreeWidgetItem(changed, {QString::fromStdString(c.id)});
            for (const auto& d : c.details) {
                new QTreeWidgetItem(node, {QString::fromStdString(d)});
            }
        }
        m_graphDiff->expandAll();
    }
    std::vector<std::string> edges;
    for (const auto& e : diff.addedEdges) {
        edges.push_back("+ " + graph::edgeToString(e));
    }
    for (const auto& e : diff.removedEdges) {
        edges.push_back("- " + graph::edgeToString(e));
    }
    section(tr("Edges"), edges);
    if (diff.empty()) {
        new QTreeWidgetItem(m_graphDiff, {tr("No differences: the same graph")});
    }
}

void RunComparison::fillParameters() {
    std::set<std::string> keys;
    for (const auto& r : m_runs) {
        for (const auto& [k, v] : r.params) {
            keys.insert(k);
        }
    }
    std::vector<std::string> shown;
    for (const auto& k : keys) {
        std::set<std::string> values;
        for (const auto& r : m_runs) {
            auto it = r.params.find(k);
            values.insert(it == r.params.end() ? std::string("\x01") : it->second);
        }
        if (m_showAll->isChecked() || m_runs.size() == 1 || values.size() > 1) {
            shown.push_back(k);
        }
    }
    m_params->clear();
    m_params->setRowCount(int(shown.size()));
    m_params->setColumnCount(int(m_runs.size()));
    QStringList columns, rows;
    for (const auto& r : m_runs) {
        columns << QStringLiteral("#%1 %2").arg(r.run.id).arg(QString::fromStdString(r.run.name));
    }
    for (std::size_t row = 0; row < shown.size(); ++row) {
        rows << QString::fromStdString(shown[row]);
        for (std::size_t col = 0; col < m_runs.size(); ++col) {
            auto it = m_runs[col].params.find(shown[row]);
            m_params->setItem(int(row), int(col),
                              new QTableWidgetItem(it == m_runs[col].params.end()
                                                       ? QStringLiteral("—")
                                                       : QString::fromStdString(it->second)));
        }
    }
    m_params->setHorizontalHeaderLabels(columns);
    m_params->setVerticalHeaderLabels(rows);
}

} // namespace nw::ui
