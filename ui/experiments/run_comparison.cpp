#include "ui/experiments/run_comparison.h"

#include "ui/experiments/graph_diff_view.h"
#include "ui/training/metric_chart.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
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
    , m_graphDiff(new GraphDiffView(this))
    , m_tabs(new QTabWidget(this))
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
    m_tabs->addTab(paramsArea, tr("Hyper-parameters"));
    m_tabs->addTab(m_graphDiff, tr("Graph"));
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(charts);
    split->addWidget(m_tabs);
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

QTreeWidget* RunComparison::graphDiff() const {
    return m_graphDiff->list();
}

void RunComparison::fillGraphDiff() {
    if (m_runs.size() != 2) {
        m_graphDiff->clear(tr("Select two runs to see how their graphs differ."));
        return;
    }
    auto label = [](const tracking::RunRecord& r) {
        return QStringLiteral("#%1 %2").arg(r.id).arg(QString::fromStdString(r.name));
    };
    const bool ordered = m_runs[0].run.id < m_runs[1].run.id; // the older run first
    const auto& older = m_runs[ordered ? 0 : 1].run;
    const auto& newer = m_runs[ordered ? 1 : 0].run;
    m_graphDiff->compare(older.projectJson, newer.projectJson,
                         tr("%1 → %2").arg(label(older), label(newer)));
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
