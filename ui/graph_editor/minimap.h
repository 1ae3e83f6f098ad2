#pragma once
// The minimap: a small overview of the whole graph in a corner of the canvas, with the
// visible area outlined. Click or drag in it to move the view there.

#include <QWidget>

namespace nw::ui {

class GraphView;

class Minimap : public QWidget {
    Q_OBJECT
public:
    // A child of `view`, kept in its bottom-right corner.
    explicit Minimap(GraphView* view);

    // Repositions the minimap in the view's corner; hidden when the graph is empty or when
    // switched off.
    void reposition();
    // On by default; a small canvas (the Experiments mode's graph difference) switches it off.
    void setSwitchedOn(bool on);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    // Scene rect shown and the scale from scene to minimap pixels.
    QRectF sceneArea() const;
    QTransform toMap() const;
    void centreViewAt(QPoint pos);

    GraphView* m_view;
    bool m_on = true;
};

} // namespace nw::ui
