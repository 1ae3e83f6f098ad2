#include "ui/datasets/class_histogram.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

namespace nw::ui {

ClassHistogram::ClassHistogram(QWidget* parent)
    : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void ClassHistogram::setCounts(const QStringList& names, const std::vector<std::int64_t>& counts) {
    m_names = names;
    m_counts = counts;
    m_counts.resize(std::size_t(names.size()), 0);
    update();
}

void ClassHistogram::setHighlighted(int label) {
    m_highlighted = label;
    update();
}

QRectF ClassHistogram::barArea() const {
    const int text = fontMetrics().height();
    return QRectF(4, 4 + text, width() - 8, height() - 12 - 2 * text);
}

void ClassHistogram::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const int n = int(m_counts.size());
    if (n == 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("No dataset"));
        return;
    }
    const QRectF area = barArea();
    const std::int64_t top =
        std::max<std::int64_t>(1, *std::max_element(m_counts.begin(), m_counts.end()));
    const double slot = area.width() / n;
    const QColor bar = palette().color(QPalette::Highlight);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    p.setFont(small);
    const QFontMetrics fm(small);
    for (int k = 0; k < n; ++k) {
        const double h = area.height() * double(m_counts[std::size_t(k)]) / double(top);
        const QRectF r(area.left() + k * slot + slot * 0.15, area.bottom() - h, slot * 0.7, h);
        QColor fill = bar;
        if (m_highlighted >= 0 && k != m_highlighted) {
            fill.setAlpha(90);
        }
        p.fillRect(r, fill);
        p.setPen(palette().color(QPalette::WindowText));
        const QRectF slotRect(area.left() + k * slot, 0, slot, height());
        p.drawText(
            QRectF(slotRect.left(), r.top() - fm.height() - 1, slot, fm.height()), Qt::AlignCenter,
            fm.elidedText(QString::number(m_counts[std::size_t(k)]), Qt::ElideRight, int(slot)));
        p.drawText(QRectF(slotRect.left(), area.bottom() + 2, slot, fm.height()), Qt::AlignCenter,
                   fm.elidedText(m_names.value(k), Qt::ElideRight, int(slot)));
    }
}

int ClassHistogram::classAt(double x) const {
    const QRectF area = barArea();
    const int n = int(m_counts.size());
    if (n == 0 || x < area.left() || x > area.right()) {
        return -1;
    }
    return std::clamp(int((x - area.left()) / (area.width() / n)), 0, n - 1);
}

void ClassHistogram::mousePressEvent(QMouseEvent* event) {
    const int k = classAt(event->position().x());
    if (k >= 0) {
        emit classClicked(k == m_highlighted ? -1 : k);
    }
}

bool ClassHistogram::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int k = classAt(help->pos().x());
        if (k >= 0) {
            QToolTip::showText(
                help->globalPos(),
                tr("%1: %L2 samples").arg(m_names.value(k)).arg(m_counts[std::size_t(k)]));
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

} // namespace nw::ui
