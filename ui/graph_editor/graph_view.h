#pragma once
// The canvas view: pan (middle button, or Space + drag), zoom (wheel and pinch, limited to
// [kMinZoom, kMaxZoom], around the cursor), fit-to-view, rubber-band selection, arrow keys to
// nudge the selection, Del to delete, Tab for the quick-add popup, and drops of ops dragged
// from the palette. Over a read-only scene (GraphScene::setReadOnly) only panning, zooming,
// fitting and selecting remain.

#include "base/expected.h"

#include <QGraphicsView>

namespace nw::ui {

class GraphScene;
class Minimap;

class GraphView : public QGraphicsView {
    Q_OBJECT
public:
    // MIME type of an op dragged from the palette; the payload is the op name in UTF-8.
    static constexpr const char* kOpMimeType = "application/x-netwright-op";
    static constexpr double kMinZoom = 0.15;
    static constexpr double kMaxZoom = 3.0;

    explicit GraphView(GraphScene* scene, QWidget* parent = nullptr);

    GraphScene* graphScene() const { return m_scene; }
    Minimap* minimap() const { return m_minimap; }
    double zoom() const { return transform().m11(); }
    // Scales by `factor` around `viewPos` (viewport coordinates), clamped to the limits.
    void zoomBy(double factor, QPointF viewPos);
    void setZoom(double zoom);
    // Shows the whole graph; when that would make text unreadable, the zoom stays at
    // `minReadableZoom` and the view shows the top of the graph (where data enters).
    void fitToGraph(double minReadableZoom = 0.7);

    // What a palette drop does: adds `op` centred at `scenePos`, selects it, returns its id.
    Expected<QString> dropOp(const QString& op, QPointF scenePos);

signals:
    // Tab was pressed over the canvas at `scenePos`: open the quick-add popup there.
    void quickAddRequested(QPointF scenePos, QPoint globalPos);
    void message(const QString& text);

protected:
    void wheelEvent(QWheelEvent* event) override;
    bool viewportEvent(QEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    bool focusNextPrevChild(bool next) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    GraphScene* m_scene;
    Minimap* m_minimap;
    bool m_spaceHeld = false;
    bool m_panning = false;
    QPoint m_panLast;
};

} // namespace nw::ui
