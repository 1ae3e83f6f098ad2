#include "ui/experiments/run_comparison.h"

#include "ui/experiments/graph_diff_view.h"
#include "ui/training/metric_chart.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
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

// Values up to this many characters are shown as they are; longer JSON lists and objects
// are summarised ("3 steps: horizontal_flip, pad_crop, …"), the full value in the tooltip.
constexpr int kShortValue = 32;
// Columns share the table's width (stretched), but none narrower than this (pixels).
constexpr int kMinimumColumnWidth = 90;

// One element of a JSON list in a summary: an augmentation step's "op", a scalar as written,
// "{…}" / "[…]" for anything nested.
QString elementSummary(const QJsonValue& v) {
    if (v.isObject()) {
        const QJsonValue op = v.toObject().value(QStringLiteral("op"));
        return op.isString() ? op.toString() : QStringLiteral("{…}");
    }
    if (v.isArray()) {
        return QStringLiteral("[…]");
    }
    if (v.isString()) {
        return v.toString();
    }
    return v.toVariant().toString();
}

// The cell text for a parameter's raw value (a string, or JSON as the store keeps it).
QString summariseValue(const QString& raw) {
    if (raw.size() <= kShortValue) {
        return raw;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(raw.toUtf8());
    QStringList names;
    if (doc.isArray()) {
        const QJsonArray list = doc.array();
        bool steps = !list.isEmpty();
        for (const auto& v : list) {
            steps = steps && v.isObject() && v.toObject().value(QStringLiteral("op")).isString();
            if (names.size() < 2) {
                names << elementSummary(v);
            }
        }
        if (list.size() > 2) {
            names << QStringLiteral("…");
        }
        const bool one = list.size() == 1;
        const QString count =
            (steps ? (one ? RunComparison::tr("%1 step") : RunComparison::tr("%1 steps"))
                   : (one ? RunComparison::tr("%1 item") : RunComparison::tr("%1 items")))
                .arg(list.size());
        return count + QStringLiteral(": ") + names.join(QStringLiteral(", "));
    }
    if (doc.isObject()) {
        const QStringList keys = doc.object().keys();
        names = keys.mid(0, 2);
        if (keys.size() > 2) {
            names << QStringLiteral("…");
        }
        return QStringLiteral("{") + names.join(QStringLiteral(", ")) + QStringLiteral("}");
    }
    return raw; // long plain text: the view elides it
}

// The tooltip: the full value, JSON indented so that a long list reads one entry a line.
QString fullValue(const QString& raw) {
    const QJsonDocument doc = QJsonDocument::fromJson(raw.toUtf8());
    if (doc.isNull()) {
        return raw;
    }
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
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
    // The runs' columns share the width, so that a long value (elided, in full in its tooltip)
    // never pushes another run's column off-screen.
    m_params->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_params->horizontalHeader()->setMinimumSectionSize(kMinimumColumnWidth);
    m_params->setTextElideMode(Qt::ElideRight);
    m_params->setWordWrap(false);
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
            if (it == m_runs[col].params.end()) {
                m_params->setItem(int(row), int(col), new QTableWidgetItem(QStringLiteral("—")));
                continue;
            }
            const QString raw = QString::fromStdString(it->second);
            auto* item = new QTableWidgetItem(summariseValue(raw));
            item->setToolTip(fullValue(raw));
            m_params->setItem(int(row), int(col), item);
        }
    }
    m_params->setHorizontalHeaderLabels(columns);
    m_params->setVerticalHeaderLabels(rows);
}

} // namespace nw::ui
