#pragma once
// A block on the canvas (graph::NodeGroup). Expanded: a titled frame behind its member cards,
// with a button that collapses it. Collapsed: one card in place of the members, showing the
// block's name and node count and its exposed ports (the edges crossing its boundary) as
// sockets, which the scene attaches those edges to; dragging it moves every member. Like
// NodeItem it only shows the document: clicks become requests the scene turns into edits.

#include "ui/graph_editor/editor_style.h"

#include <QGraphicsObject>
#include <QString>

namespace nw::ui {

struct GroupView {
    QString id;
    QString name;
    int nodeCount = 0;
    QString params;  // "384 params" (the members' total), shown on the collapsed card
    int inputs = 0;  // exposed input ports
    int outputs = 0; // exposed output ports
    bool collapsed = false;
    QRectF members; // scene rectangle around the member cards
    bool operator==(const GroupView&) const = default;
};

class GroupItem : public QGraphicsObject {
    Q_OBJECT
public:
    enum { Type = UserType + 3 };
    static constexpr double kMargin = 10;      // frame around the member cards
    static constexpr double kTitleHeight = 22; // title bar above them

    GroupItem(const GroupView& view, const EditorStyle& style);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    const QString& id() const { return m_view.id; }
    const GroupView& view() const { return m_view; }
    void setView(const GroupView& view);

    // Socket centres of the collapsed card, in scene coordinates.
    QPointF inputPortPos(int port) const;
    QPointF outputPortPos(int port) const;
    // The collapse / expand button, in item coordinates.
    QRectF toggleRect() const;

signals:
    void toggleRequested(const QString& id);
    // The title was clicked: select the members (expanded) or the card (collapsed).
    void selectRequested(const QString& id);
    void renameRequested(const QString& id);
    // The collapsed card was dragged by `delta` scene units and released.
    void dragFinished(const QString& id, QPointF delta);

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) override;

private:
    QRectF frameRect() const; // item coordinates
    void placeFromView();

    GroupView m_view;
    const EditorStyle& m_style;
    QPointF m_pressPos;
};

} // namespace nw::ui
