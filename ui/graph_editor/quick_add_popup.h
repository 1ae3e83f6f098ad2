#pragma once
// The quick-add popup (Blender's Shift+A, here Tab): a search field over the op names at the
// cursor; type to filter, Up/Down to choose, Enter to add, Esc to close.

#include <QFrame>

class QLineEdit;
class QListWidget;

namespace nw::graph {
class OpRegistry;
}

namespace nw::ui {

class QuickAddPopup : public QFrame {
    Q_OBJECT
public:
    explicit QuickAddPopup(const graph::OpRegistry& registry, QWidget* parent = nullptr);

    QLineEdit* searchBox() const { return m_search; }
    QListWidget* list() const { return m_list; }
    // Shows the popup with its top-left at `globalPos`, empty search, focus in the field.
    void popup(QPoint globalPos);
    // Emits chosen() for the current row, if any, and closes.
    void accept();

signals:
    void chosen(const QString& op);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void filter(const QString& text);

    QLineEdit* m_search;
    QListWidget* m_list;
};

} // namespace nw::ui
