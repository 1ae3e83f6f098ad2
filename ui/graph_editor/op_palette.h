#pragma once
// The palette: every op of the OpRegistry, grouped by category, filtered by a search box.
// Drag an op onto the canvas (MIME GraphView::kOpMimeType), or double-click / press Enter to
// add it at the centre of the view (opActivated).

#include <QWidget>

class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace nw::graph {
class OpRegistry;
}

namespace nw::ui {

class OpPalette : public QWidget {
    Q_OBJECT
public:
    // `registry` must outlive the palette.
    explicit OpPalette(const graph::OpRegistry& registry, QWidget* parent = nullptr);

    QLineEdit* searchBox() const { return m_search; }
    QTreeWidget* tree() const { return m_tree; }
    // Shows the ops whose name, category or doc contains `text` (case-insensitive).
    void setFilter(const QString& text);
    // The op names currently shown, in palette order.
    QStringList visibleOps() const;

signals:
    void opActivated(const QString& op);

private:
    void build();

    const graph::OpRegistry& m_registry;
    QLineEdit* m_search;
    QTreeWidget* m_tree;
};

} // namespace nw::ui
