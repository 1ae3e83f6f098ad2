#pragma once
// GraphDiffView: the difference between two runs' graphs (their stored project snapshots),
// drawn by the editor's own canvas items on a read-only canvas: the union of both graphs
// (graph::diffUnion(): positions from the newer snapshot, removed nodes where the older one
// had them), each card and edge marked added, removed (ghosted, dashed), changed (with its
// attribute changes) or unchanged (dimmed). Above it a legend and the counts; beside it the
// difference as a list, where selecting a row selects and centres its node (or edge).

#include <QWidget>
#include <memory>
#include <string>

class QLabel;
class QStackedWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace nw::app {
class ProjectDocument;
}

namespace nw::graph {
struct GraphDiff;
}

namespace nw::ui {

class GraphScene;
class GraphView;

class GraphDiffView : public QWidget {
    Q_OBJECT
public:
    enum class State {
        Empty,     // nothing to compare (not two runs)
        Error,     // a snapshot could not be read
        Identical, // "No graph differences"
        Different,
    };

    explicit GraphDiffView(QWidget* parent = nullptr);
    ~GraphDiffView() override;

    // Compares two project snapshots (project file JSON), `before` the older run's;
    // `title` names the runs ("#1 baseline → #2 faster").
    void compare(const std::string& before, const std::string& after, const QString& title);
    // Shows `message` and an empty canvas and list.
    void clear(const QString& message);

    State state() const { return m_state; }
    // "Nodes: 1 added, 1 removed, 1 changed · Edges: 2 added, 1 removed" (the edge part only
    // when edges differ), "No graph differences", or the message of clear() or of an error.
    QString summary() const;
    // Top-level items "Added nodes", "Removed nodes", "Changed nodes", "Edges" (empty ones
    // left out); one "No differences" item when the graphs match; empty when nothing is
    // compared. Node rows hold the node id in Qt::UserRole.
    QTreeWidget* list() const { return m_list; }
    GraphScene* scene() const { return m_scene; }
    GraphView* view() const { return m_view; }
    // Shows the whole union on the canvas (done on show and after each comparison).
    void fitToView();

protected:
    void showEvent(QShowEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void fillList(const graph::GraphDiff& diff);
    void selectRow(QTreeWidgetItem* row);
    void selectRowOfCanvas();
    void updateLegend();

    std::unique_ptr<app::ProjectDocument> m_document;
    GraphScene* m_scene;
    GraphView* m_view;
    QTreeWidget* m_list;
    QLabel* m_title;
    QLabel* m_summary;
    QLabel* m_legend;
    QLabel* m_placeholder;
    QStackedWidget* m_stack;
    State m_state = State::Empty;
    bool m_selecting = false; // list and canvas selection following each other
};

} // namespace nw::ui
