#include "ui/graph_editor/quick_add_popup.h"

#include "graph/op_registry.h"

#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QVBoxLayout>

namespace nw::ui {

QuickAddPopup::QuickAddPopup(const graph::OpRegistry& registry, QWidget* parent)
    : QFrame(parent, Qt::Popup)
    , m_search(new QLineEdit(this))
    , m_list(new QListWidget(this)) {
    setFrameShape(QFrame::StyledPanel);
    m_search->setPlaceholderText(tr("Add layer…"));
    for (const auto* schema : registry.all()) {
        auto* item = new QListWidgetItem(QString::fromStdString(schema->name), m_list);
        item->setToolTip(QString::fromStdString(schema->category + ": " + schema->doc));
        item->setData(Qt::UserRole, QString::fromStdString(schema->category));
    }
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_search);
    layout->addWidget(m_list);
    resize(240, 300);
    m_search->installEventFilter(this);
    connect(m_search, &QLineEdit::textChanged, this, &QuickAddPopup::filter);
    connect(m_search, &QLineEdit::returnPressed, this, &QuickAddPopup::accept);
    connect(m_list, &QListWidget::itemActivated, this, &QuickAddPopup::accept);
}

void QuickAddPopup::popup(QPoint globalPos) {
    m_search->clear();
    filter(QString());
    move(globalPos);
    show();
    m_search->setFocus();
}

void QuickAddPopup::filter(const QString& text) {
    QListWidgetItem* first = nullptr;
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem* item = m_list->item(i);
        const bool match =
            item->text().contains(text.trimmed(), Qt::CaseInsensitive) ||
            item->data(Qt::UserRole).toString().contains(text.trimmed(), Qt::CaseInsensitive);
        item->setHidden(!match);
        if (match && !first) {
            first = item;
        }
    }
    // Prefer an op whose name starts with the text ("re" -> ReLU before Reshape? first match).
    for (int i = 0; i < m_list->count() && !text.isEmpty(); ++i) {
        QListWidgetItem* item = m_list->item(i);
        if (!item->isHidden() && item->text().startsWith(text.trimmed(), Qt::CaseInsensitive)) {
            first = item;
            break;
        }
    }
    m_list->setCurrentItem(first);
}

void QuickAddPopup::accept() {
    QListWidgetItem* item = m_list->currentItem();
    const QString op = item && !item->isHidden() ? item->text() : QString();
    hide();
    if (!op.isEmpty()) {
        emit chosen(op);
    }
}

bool QuickAddPopup::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_search && event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Down || key->key() == Qt::Key_Up) {
            const int step = key->key() == Qt::Key_Down ? 1 : -1;
            int row = m_list->currentRow();
            for (int i = row + step; i >= 0 && i < m_list->count(); i += step) {
                if (!m_list->item(i)->isHidden()) {
                    m_list->setCurrentRow(i);
                    break;
                }
            }
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            hide();
            return true;
        }
    }
    return QFrame::eventFilter(watched, event);
}

} // namespace nw::ui
