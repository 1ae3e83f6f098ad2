#include "ui/graph_editor/node_item.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <cmath>

namespace nw::ui {

namespace {

constexpr double kRadius = 6;

} // namespace

NodeItem::NodeItem(const NodeView& view, const EditorStyle& style)
    : m_view(view)
    , m_style(style) {
    setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
    setAcceptHoverEvents(true);
    setCacheMode(DeviceCoordinateCache);
    updateToolTip();
}

QRectF NodeItem::boundingRect() const {
    const double m = CardGeometry::kPortRadius + 3;
    return CardGeometry::rect().adjusted(-m, -m, m, m);
}

void NodeItem::setView(const NodeView& view) {
    if (view == m_view) {
        return;
    }
    m_view = view;
    updateToolTip();
    update();
}

void NodeItem::setDiff(DiffStatus status, const QStringList& details) {
    if (status == m_diff && details == m_diffDetails) {
        return;
    }
    m_diff = status;
    m_diffDetails = details;
    updateToolTip();
    updateOpacity();
    update();
}

void NodeItem::updateOpacity() {
    setOpacity(m_diff == DiffStatus::Unchanged && !isSelected() ? m_style.diffDimmedOpacity
               : m_diff == DiffStatus::Removed && !isSelected() ? m_style.diffGhostOpacity
                                                                : 1.0);
}

void NodeItem::updateToolTip() {
    const QString label = QString::fromLatin1(EditorStyle::diffLabel(m_diff));
    if (label.isEmpty()) {
        QStringList lines;
        if (m_view.frozen) {
            lines << tr("%1 is frozen: its parameters are not trained").arg(m_view.id);
        }
        if (!m_view.problems.isEmpty()) {
            lines << m_view.problems;
        }
        setToolTip(lines.join(QLatin1Char('\n')));
        return;
    }
    QStringList lines{QStringLiteral("%1 (%2): %3").arg(m_view.id, m_view.op, label)};
    lines << m_diffDetails;
    setToolTip(lines.join(QLatin1Char('\n')));
}

QPointF NodeItem::inputPortPos(int port) const {
    return mapToScene(CardGeometry::inputPort(port, m_view.inputs));
}

QPointF NodeItem::outputPortPos(int port) const {
    return mapToScene(CardGeometry::outputPort(port, m_view.outputs));
}

int NodeItem::inputPortAt(QPointF scenePos) const {
    for (int i = 0; i < m_view.inputs; ++i) {
        if (QLineF(inputPortPos(i), scenePos).length() <= CardGeometry::kPortHitRadius) {
            return i;
        }
    }
    return -1;
}

int NodeItem::outputPortAt(QPointF scenePos) const {
    for (int i = 0; i < m_view.outputs; ++i) {
        if (QLineF(outputPortPos(i), scenePos).length() <= CardGeometry::kPortHitRadius) {
            return i;
        }
    }
    return -1;
}

void NodeItem::setConnectionHighlight(bool active, const QSet<int>& compatible) {
    if (active == m_highlight && compatible == m_compatible) {
        return;
    }
    m_highlight = active;
    m_compatible = compatible;
    update();
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
    if (change == ItemPositionChange && m_snap && scene()) {
        QPointF p = value.toPointF();
        const double g = CardGeometry::kGrid;
        return QPointF(std::round(p.x() / g) * g, std::round(p.y() / g) * g);
    }
    if (change == ItemPositionHasChanged) {
        emit moved();
    }
    if (change == ItemSelectedHasChanged && m_diff != DiffStatus::None) {
        updateOpacity();
    }
    return QGraphicsObject::itemChange(change, value);
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    const QRectF card = CardGeometry::rect();
    const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
    const bool marked = m_diff == DiffStatus::Added || m_diff == DiffStatus::Removed ||
                        m_diff == DiffStatus::Changed;
    if (lod < 0.35) { // far out (overview of a large graph): plain blocks, no text or sockets
        painter->fillRect(card, m_style.card);
        painter->fillRect(QRectF(0, 0, card.width(), CardGeometry::kHeaderHeight), m_view.header);
        if (!m_view.problems.isEmpty() || isSelected() || marked) {
            const QColor colour = isSelected() ? m_style.selection
                                  : marked     ? m_style.diffColor(m_diff)
                                               : m_style.error;
            const bool dashed = m_diff == DiffStatus::Removed && !isSelected();
            painter->setPen(QPen(colour, 3 / lod, dashed ? Qt::DashLine : Qt::SolidLine));
            painter->drawRect(card);
        }
        return;
    }
    painter->setRenderHint(QPainter::Antialiasing);

    // Card and header.
    QPainterPath body;
    body.addRoundedRect(card, kRadius, kRadius);
    painter->setPen(Qt::NoPen);
    painter->fillPath(body, m_style.card);
    painter->save();
    painter->setClipPath(body);
    painter->fillRect(QRectF(0, 0, card.width(), CardGeometry::kHeaderHeight), m_view.header);
    painter->restore();

    // Outline: red when invalid, the selection colour when selected.
    const bool invalid = !m_view.problems.isEmpty();
    QPen outline(m_style.cardBorder, 1);
    if (invalid) {
        outline = QPen(m_style.error, 2.5);
    }
    if (marked) { // the difference stays visible on a selected card (selection ring below)
        outline = QPen(m_style.diffColor(m_diff), 3,
                       m_diff == DiffStatus::Removed ? Qt::DashLine : Qt::SolidLine);
    } else if (isSelected()) {
        outline = QPen(m_style.selection, 2.5);
    }
    painter->setPen(outline);
    painter->setBrush(Qt::NoBrush);
    painter->drawRoundedRect(card, kRadius, kRadius);
    if (invalid && isSelected()) { // keep the error visible on a selected card
        painter->setPen(QPen(m_style.error, 1.5, Qt::DashLine));
        painter->drawRoundedRect(card.adjusted(-4, -4, 4, 4), kRadius + 3, kRadius + 3);
    }
    if (marked && isSelected()) {
        painter->setPen(QPen(m_style.selection, 2));
        painter->drawRoundedRect(card.adjusted(-5, -5, 5, 5), kRadius + 4, kRadius + 4);
    }

    {
        QFont font = painter->font();
        font.setPixelSize(13);
        font.setBold(true);
        painter->setFont(font);
        painter->setPen(m_style.headerText);
        const QRectF head(10, 0, card.width() - 20, CardGeometry::kHeaderHeight);
        QFontMetricsF fm(font);
        painter->drawText(head, Qt::AlignVCenter | Qt::AlignLeft,
                          fm.elidedText(m_view.id, Qt::ElideRight, head.width() * 0.6));
        font.setBold(false);
        font.setPixelSize(11);
        painter->setFont(font);
        painter->drawText(head, Qt::AlignVCenter | Qt::AlignRight, m_view.op);

        const QRectF line1(10, CardGeometry::kHeaderHeight + 3, card.width() - 20, 18);
        const QRectF line2 = line1.translated(0, 17);
        const double badge = paintBadge(painter, line1);
        font.setPixelSize(12);
        painter->setFont(font);
        painter->setPen(invalid ? m_style.error : m_style.cardText);
        const QRectF shapeRect = line1.adjusted(0, 0, badge > 0 ? -badge - 6 : 0, 0);
        painter->drawText(
            shapeRect, Qt::AlignVCenter | Qt::AlignLeft,
            QFontMetricsF(font).elidedText(
                invalid && m_view.shape == QLatin1String("?") ? tr("invalid") : m_view.shape,
                Qt::ElideRight, shapeRect.width()));
        font.setPixelSize(11);
        painter->setFont(font);
        if (m_diff == DiffStatus::Changed && !m_diffDetails.isEmpty()) {
            QString text = m_diffDetails.first();
            if (m_diffDetails.size() > 1) {
                text += tr(" (+%1 more)").arg(m_diffDetails.size() - 1);
            }
            font.setBold(true);
            painter->setFont(font);
            painter->setPen(m_style.cardText);
            painter->drawText(line2, Qt::AlignVCenter | Qt::AlignLeft,
                              QFontMetricsF(font).elidedText(text, Qt::ElideRight, line2.width()));
        } else {
            const double lock = m_view.frozen ? paintFrozen(painter, line2) : 0;
            painter->setFont(font);
            painter->setPen(m_style.cardSubtleText);
            const QRectF paramsRect = line2.adjusted(0, 0, lock > 0 ? -lock - 6 : 0, 0);
            painter->drawText(
                paramsRect, Qt::AlignVCenter | Qt::AlignLeft,
                QFontMetricsF(font).elidedText(m_view.params, Qt::ElideRight, paramsRect.width()));
        }
    }
    paintPorts(painter);
}

double NodeItem::paintBadge(QPainter* painter, const QRectF& line) const {
    const QString label = QString::fromLatin1(EditorStyle::diffLabel(m_diff));
    if (label.isEmpty()) {
        return 0;
    }
    QFont font = painter->font();
    font.setPixelSize(10);
    font.setBold(true);
    const QFontMetricsF fm(font);
    const double width = fm.horizontalAdvance(label) + 12;
    const double height = fm.height() + 2;
    const QRectF pill(line.right() - width, line.center().y() - height / 2, width, height);
    painter->save();
    painter->setPen(Qt::NoPen);
    painter->setBrush(m_style.diffColor(m_diff));
    painter->drawRoundedRect(pill, height / 2, height / 2);
    painter->setFont(font);
    painter->setPen(m_diff == DiffStatus::Changed ? m_style.diffChangedBadgeText
                                                  : m_style.diffBadgeText);
    painter->drawText(pill, Qt::AlignCenter, label);
    painter->restore();
    return width;
}

double NodeItem::paintFrozen(QPainter* painter, const QRectF& line) const {
    QFont font = painter->font();
    font.setPixelSize(11);
    font.setBold(true);
    const QFontMetricsF fm(font);
    const QString label = tr("frozen");
    const double text = fm.horizontalAdvance(label);
    // The lock: a 8x6 body under a 5-wide shackle, vertically centred on the line.
    const double bodyW = 8, bodyH = 6, shackle = 5;
    const double width = bodyW + 4 + text;
    const double left = line.right() - width;
    const double top = line.center().y() - (bodyH + shackle) / 2 + 1;
    painter->save();
    painter->setPen(QPen(m_style.frozen, 1.4));
    painter->setBrush(Qt::NoBrush);
    QPainterPath arc;
    arc.moveTo(left + 1.5, top + shackle);
    arc.lineTo(left + 1.5, top + 2.5);
    arc.arcTo(QRectF(left + 1.5, top, bodyW - 3, 5), 180, -180);
    arc.lineTo(left + bodyW - 1.5, top + shackle);
    painter->drawPath(arc);
    painter->setPen(Qt::NoPen);
    painter->setBrush(m_style.frozen);
    painter->drawRoundedRect(QRectF(left, top + shackle, bodyW, bodyH), 1.2, 1.2);
    painter->setFont(font);
    painter->setPen(m_style.frozen);
    painter->drawText(QRectF(left + bodyW + 4, line.top(), text + 1, line.height()),
                      Qt::AlignVCenter | Qt::AlignLeft, label);
    painter->restore();
    return width;
}

void NodeItem::paintPorts(QPainter* painter) const {
    const double r = CardGeometry::kPortRadius;
    for (int i = 0; i < m_view.inputs; ++i) {
        QColor ring = m_style.edge;
        QColor fill = m_style.portFill;
        double radius = r;
        if (m_highlight) {
            bool ok = m_compatible.contains(i);
            ring = ok ? m_style.portCompatible : m_style.portIncompatible;
            fill = ok ? m_style.portCompatible.lighter(160) : m_style.portFill;
            radius = ok ? r + 2 : r - 1;
        }
        painter->setPen(QPen(ring, 2));
        painter->setBrush(fill);
        painter->drawEllipse(CardGeometry::inputPort(i, m_view.inputs), radius, radius);
    }
    for (int i = 0; i < m_view.outputs; ++i) {
        painter->setPen(QPen(m_view.header, 2));
        painter->setBrush(m_view.header.lighter(130));
        painter->drawEllipse(CardGeometry::outputPort(i, m_view.outputs), r, r);
    }
}

} // namespace nw::ui
