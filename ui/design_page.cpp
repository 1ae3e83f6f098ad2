#include "ui/design_page.h"

#include "app/project_document.h"
#include "graph/summary.h"

#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QSplitter>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace nw::ui {

namespace {

QString shapesText(const std::vector<graph::Shape>& shapes, const std::string& op) {
    if (shapes.empty()) {
        return op == "Loss" ? QStringLiteral("—") : QStringLiteral("?");
    }
    QStringList parts;
    for (const auto& s : shapes) {
        parts << QString::fromStdString(s.toString());
    }
    return parts.join(QStringLiteral(", "));
}

} // namespace

DesignPage::DesignPage(app::ProjectDocument& document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_layers(new QTreeWidget(this))
    , m_problems(new QListWidget(this)) {
    m_layers->setColumnCount(5);
    m_layers->setHeaderLabels(
        {tr("Node"), tr("Op"), tr("Output shape"), tr("Parameters"), tr("FLOPs")});
    m_layers->setRootIsDecorated(false);
    m_layers->setAlternatingRowColors(true);
    m_layers->setUniformRowHeights(true);
    m_layers->header()->setStretchLastSection(false);
    m_layers->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_layers->header()->setSectionResizeMode(2, QHeaderView::Stretch);

    auto* problemsBox = new QWidget(this);
    auto* problemsLayout = new QVBoxLayout(problemsBox);
    problemsLayout->setContentsMargins(0, 0, 0, 0);
    problemsLayout->addWidget(new QLabel(tr("Problems"), problemsBox));
    problemsLayout->addWidget(m_problems);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_layers);
    splitter->addWidget(problemsBox);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(&m_document, &app::ProjectDocument::changed, this, &DesignPage::refresh);
    refresh();
}

void DesignPage::refresh() {
    const auto& analysis = m_document.analysis();
    auto summary = graph::summarize(m_document.project().graph, analysis);

    m_layers->clear();
    for (const auto& row : summary.rows) {
        auto* item = new QTreeWidgetItem(m_layers);
        item->setText(0, QString::fromStdString(row.node));
        item->setText(1, QString::fromStdString(row.op));
        item->setText(2, shapesText(row.outputs, row.op));
        item->setText(3, QString::fromStdString(graph::formatCount(row.params)));
        item->setText(4, QString::fromStdString(graph::formatCount(row.flops)));
        item->setTextAlignment(3, Qt::AlignRight | Qt::AlignVCenter);
        item->setTextAlignment(4, Qt::AlignRight | Qt::AlignVCenter);
        const auto* info = analysis.info(row.node);
        if (info && !info->valid) {
            item->setForeground(0, palette().brush(QPalette::Disabled, QPalette::Text));
        }
    }

    m_problems->clear();
    for (const auto& p : analysis.problems) {
        bool isError = p.severity == graph::Problem::Severity::Error;
        auto icon = style()->standardIcon(isError ? QStyle::SP_MessageBoxCritical
                                                  : QStyle::SP_MessageBoxWarning);
        auto* item = new QListWidgetItem(icon, QString::fromStdString(p.toString()), m_problems);
        item->setData(Qt::UserRole, QString::fromStdString(p.nodeId));
    }
    if (analysis.problems.empty()) {
        new QListWidgetItem(tr("No problems: the graph is valid."), m_problems);
    }
}

} // namespace nw::ui
