#include "ui/graph_editor/op_palette.h"

#include "graph/op_registry.h"
#include "ui/attr_editor.h"
#include "ui/graph_editor/graph_view.h"

#include <QHeaderView>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMimeData>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace nw::ui {

namespace {

constexpr int kOpRole = Qt::UserRole;

// A tree whose op rows drag out as GraphView::kOpMimeType.
class OpTree : public QTreeWidget {
public:
    using QTreeWidget::QTreeWidget;

protected:
    QStringList mimeTypes() const override { return {GraphView::kOpMimeType}; }
    QMimeData* mimeData(const QList<QTreeWidgetItem*>& items) const override {
        if (items.isEmpty() || items.front()->data(0, kOpRole).toString().isEmpty()) {
            return nullptr;
        }
        auto* mime = new QMimeData;
        mime->setData(GraphView::kOpMimeType, items.front()->data(0, kOpRole).toString().toUtf8());
        return mime;
    }
};

} // namespace

OpPalette::OpPalette(const graph::OpRegistry& registry, QWidget* parent)
    : QWidget(parent)
    , m_registry(registry)
    , m_search(new QLineEdit(this))
    , m_tree(new OpTree(this)) {
    m_search->setPlaceholderText(tr("Search layers…"));
    m_search->setClearButtonEnabled(true);
    m_tree->setHeaderHidden(true);
    m_tree->setRootIsDecorated(true);
    m_tree->setDragEnabled(true);
    m_tree->setDragDropMode(QAbstractItemView::DragOnly);
    m_tree->setIndentation(12);
    m_tree->setUniformRowHeights(true);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);
    layout->addWidget(m_search);
    layout->addWidget(m_tree);

    connect(m_search, &QLineEdit::textChanged, this, &OpPalette::setFilter);
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        const QString op = item->data(0, kOpRole).toString();
        if (!op.isEmpty()) {
            emit opActivated(op);
        }
    });
    // Enter in the search box adds the first match.
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        const QStringList ops = visibleOps();
        if (!ops.isEmpty()) {
            emit opActivated(ops.front());
        }
    });
    build();
}

void OpPalette::build() {
    for (const auto& category : m_registry.categories()) {
        auto* group = new QTreeWidgetItem(m_tree, {QString::fromStdString(category)});
        group->setFlags(Qt::ItemIsEnabled);
        QFont bold = group->font(0);
        bold.setBold(true);
        group->setFont(0, bold);
        for (const auto* schema : m_registry.all()) {
            if (schema->category != category) {
                continue;
            }
            auto* item = new QTreeWidgetItem(group, {QString::fromStdString(schema->name)});
            item->setData(0, kOpRole, QString::fromStdString(schema->name));
            item->setToolTip(0, docToHtml(schema->doc));
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
        }
    }
    m_tree->expandAll();
}

void OpPalette::setFilter(const QString& text) {
    const QString needle = text.trimmed();
    for (int g = 0; g < m_tree->topLevelItemCount(); ++g) {
        QTreeWidgetItem* group = m_tree->topLevelItem(g);
        int shown = 0;
        for (int i = 0; i < group->childCount(); ++i) {
            QTreeWidgetItem* item = group->child(i);
            const bool match = needle.isEmpty() ||
                               item->text(0).contains(needle, Qt::CaseInsensitive) ||
                               group->text(0).contains(needle, Qt::CaseInsensitive) ||
                               item->toolTip(0).contains(needle, Qt::CaseInsensitive);
            item->setHidden(!match);
            shown += match ? 1 : 0;
        }
        group->setHidden(shown == 0);
    }
}

QStringList OpPalette::visibleOps() const {
    QStringList ops;
    for (int g = 0; g < m_tree->topLevelItemCount(); ++g) {
        QTreeWidgetItem* group = m_tree->topLevelItem(g);
        for (int i = 0; i < group->childCount(); ++i) {
            if (!group->isHidden() && !group->child(i)->isHidden()) {
                ops << group->child(i)->data(0, kOpRole).toString();
            }
        }
    }
    return ops;
}

} // namespace nw::ui
