#include "ui/training/metric_chart.h"

#include <QCategoryAxis>
#include <QChart>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <limits>

namespace nw::ui {

MetricChart::MetricChart(const QString& title, const QString& xTitle, QWidget* parent)
    : QChartView(new QChart(), parent)
    , m_xAxis(new QValueAxis(this)) {
    chart()->setTitle(title);
    chart()->legend()->setAlignment(Qt::AlignBottom);
    chart()->setMargins(QMargins(4, 4, 4, 4));
    m_xAxis->setTitleText(xTitle);
    m_xAxis->setLabelFormat(QStringLiteral("%.0f"));
    m_xAxis->setTickType(QValueAxis::TicksDynamic);
    chart()->addAxis(m_xAxis, Qt::AlignBottom);
    rebuildValueAxis();
    applyTicks(niceTicks(0, 10, 5), niceTicks(0, 1, 5)); // an empty chart: plain round ticks
    setRenderHint(QPainter::Antialiasing);
    setRubberBand(QChartView::RectangleRubberBand);
    setMinimumSize(260, 180);
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(100);
    connect(&m_refreshTimer, &QTimer::timeout, this, &MetricChart::refresh);
}

int MetricChart::addCurve(const QString& name, QColor color, bool dashed) {
    auto* series = new QLineSeries(this);
    series->setName(name);
    QPen pen(color);
    pen.setWidthF(dashed ? 2.0 : 1.5);
    if (dashed) {
        pen.setStyle(Qt::DashLine);
    }
    series->setPen(pen);
    chart()->addSeries(series);
    series->attachAxis(m_xAxis);
    series->attachAxis(m_yAxis);
    const int index = int(m_curves.size());
    connect(series, &QLineSeries::hovered, this,
            [this, index](const QPointF& p, bool state) { onHovered(index, p, state); });
    m_curves.push_back({name, series, {}, dashed});
    return index;
}

void MetricChart::setTitle(const QString& title) {
    chart()->setTitle(title);
}

QString MetricChart::title() const {
    return chart()->title();
}

void MetricChart::setCurveName(int curve, const QString& name) {
    Curve& c = m_curves[std::size_t(curve)];
    c.name = name;
    c.series->setName(name);
}

void MetricChart::append(int curve, double x, double y) {
    if (!std::isfinite(y)) {
        return;
    }
    m_curves[std::size_t(curve)].points.emplace_back(x, y);
    scheduleRefresh();
}

void MetricChart::breakCurve(int curve) {
    Curve& c = m_curves[std::size_t(curve)];
    if (!c.points.empty() && (c.breaks.empty() || c.breaks.back() != c.points.size())) {
        c.breaks.push_back(c.points.size());
    }
}

void MetricChart::setStepSpan(double first, double last) {
    m_spanFirst = first;
    m_spanLast = last;
    scheduleRefresh();
}

QLineSeries* MetricChart::segmentSeries(int curve, std::size_t i) {
    Curve& c = m_curves[std::size_t(curve)];
    if (i == 0) {
        return c.series;
    }
    while (c.more.size() < i) {
        auto* series = new QLineSeries(this);
        series->setName(c.name);
        series->setPen(c.series->pen());
        chart()->addSeries(series);
        series->attachAxis(m_xAxis);
        series->attachAxis(m_yAxis);
        for (QLegendMarker* marker : chart()->legend()->markers(series)) {
            marker->setVisible(false);
        }
        connect(series, &QLineSeries::hovered, this,
                [this, curve](const QPointF& p, bool state) { onHovered(curve, p, state); });
        c.more.push_back(series);
    }
    return c.more[i - 1];
}

void MetricChart::clearPoints() {
    for (auto& c : m_curves) {
        c.points.clear();
        c.points.shrink_to_fit();
        c.series->clear();
        c.breaks.clear();
        for (QLineSeries* s : c.more) {
            chart()->removeSeries(s);
            delete s;
        }
        c.more.clear();
    }
    m_spanFirst = 0;
    m_spanLast = -1;
    refresh();
}

void MetricChart::clearCurves() {
    clearPoints();
    for (auto& c : m_curves) {
        chart()->removeSeries(c.series);
        delete c.series;
    }
    m_curves.clear();
    refresh();
}

void MetricChart::setSmoothing(double weight) {
    m_smoothing = std::clamp(weight, 0.0, 0.99);
    refresh();
}

void MetricChart::setLogScale(bool on) {
    if (m_log != on) {
        m_log = on;
        rebuildValueAxis();
        refresh();
    }
}

qsizetype MetricChart::storedCount(int curve) const {
    return qsizetype(m_curves[std::size_t(curve)].points.size());
}

qsizetype MetricChart::displayedCount(int curve) const {
    const Curve& c = m_curves[std::size_t(curve)];
    qsizetype n = c.series->count();
    for (const QLineSeries* s : c.more) {
        n += s->count();
    }
    return n;
}

int MetricChart::segmentCount(int curve) const {
    return 1 + int(m_curves[std::size_t(curve)].more.size());
}

QList<QPointF> MetricChart::displayedSegment(int curve, int segment) const {
    const Curve& c = m_curves[std::size_t(curve)];
    return (segment == 0 ? c.series : c.more[std::size_t(segment - 1)])->points();
}

void MetricChart::scheduleRefresh() {
    if (!m_refreshTimer.isActive()) {
        m_refreshTimer.start();
    }
}

void MetricChart::rebuildValueAxis() {
    if (m_yAxis) {
        for (auto& c : m_curves) {
            c.series->detachAxis(m_yAxis);
            for (QLineSeries* s : c.more) {
                s->detachAxis(m_yAxis);
            }
        }
        chart()->removeAxis(m_yAxis);
        delete m_yAxis;
    }
    if (m_log) {
        auto* axis = new QLogValueAxis(this);
        axis->setLabelFormat(QStringLiteral("%.3g"));
        axis->setMinorTickCount(-1);
        m_yAxis = axis;
    } else { // labels at nice values, written the short SI way (applyTicks)
        auto* axis = new QCategoryAxis(this);
        axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
        m_yAxis = axis;
    }
    chart()->addAxis(m_yAxis, Qt::AlignLeft);
    for (auto& c : m_curves) {
        c.series->attachAxis(m_yAxis);
        for (QLineSeries* s : c.more) {
            s->attachAxis(m_yAxis);
        }
    }
}

std::vector<QPointF> MetricChart::downsample(const std::vector<QPointF>& points, int maxPoints) {
    const std::size_t n = points.size();
    if (n <= std::size_t(maxPoints) || maxPoints < 4) {
        return points;
    }
    const std::size_t buckets = std::size_t(maxPoints) / 2;
    std::vector<QPointF> out;
    out.reserve(buckets * 2 + 2);
    out.push_back(points.front());
    for (std::size_t b = 0; b < buckets; ++b) {
        const std::size_t begin = 1 + b * (n - 2) / buckets, end = 1 + (b + 1) * (n - 2) / buckets;
        if (begin >= end) {
            continue;
        }
        auto [lo, hi] = std::minmax_element(
            points.begin() + std::ptrdiff_t(begin), points.begin() + std::ptrdiff_t(end),
            [](const QPointF& a, const QPointF& c) { return a.y() < c.y(); });
        if (lo > hi) {
            std::swap(lo, hi);
        }
        out.push_back(*lo);
        if (hi != lo) {
            out.push_back(*hi);
        }
    }
    out.push_back(points.back());
    return out;
}

void MetricChart::refresh() {
    m_refreshTimer.stop();
    double xMin = std::numeric_limits<double>::max(), xMax = std::numeric_limits<double>::lowest();
    double yMin = xMin, yMax = xMax;
    for (std::size_t ci = 0; ci < m_curves.size(); ++ci) {
        Curve& c = m_curves[ci];
        // Each segment on its own: smoothed from its own first point, downsampled, drawn by
        // its own series so that no line joins it to the previous one.
        std::vector<std::size_t> starts{0};
        starts.insert(starts.end(), c.breaks.begin(), c.breaks.end());
        starts.push_back(c.points.size());
        for (std::size_t seg = 0; seg + 1 < starts.size(); ++seg) {
            const std::vector<QPointF> points(c.points.begin() + std::ptrdiff_t(starts[seg]),
                                              c.points.begin() + std::ptrdiff_t(starts[seg + 1]));
            std::vector<QPointF> smoothed;
            if (m_smoothing > 0 && points.size() > 2) {
                smoothed.reserve(points.size());
                double ema = points.front().y();
                for (const QPointF& p : points) {
                    ema = m_smoothing * ema + (1 - m_smoothing) * p.y();
                    smoothed.emplace_back(p.x(), ema);
                }
            }
            std::vector<QPointF> shown =
                downsample(smoothed.empty() ? points : smoothed, kDisplayPoints);
            if (m_log) {
                std::erase_if(shown, [](const QPointF& p) { return p.y() <= 0; });
            }
            for (const QPointF& p : shown) {
                xMin = std::min(xMin, p.x());
                xMax = std::max(xMax, p.x());
                yMin = std::min(yMin, p.y());
                yMax = std::max(yMax, p.y());
            }
            QLineSeries* series = segmentSeries(int(ci), seg);
            series->setPointsVisible(c.dashed || shown.size() < 40); // a lone point shows
            series->replace(QList<QPointF>(shown.begin(), shown.end()));
        }
    }
    if (xMin > xMax || chart()->isZoomed()) { // a zoomed view stays where the user put it
        return;
    }
    if (m_spanFirst <= m_spanLast) { // the run's step span, shared with its other charts
        xMin = std::min(xMin, m_spanFirst);
        xMax = std::max(xMax, m_spanLast);
    }
    if (xMax - xMin < 4) { // a few points: keep them off the edges
        const double mid = (xMin + xMax) / 2;
        xMin = mid - 2;
        xMax = mid + 2;
    }
    // Whole steps on x (so an epoch's point at the last step is not clipped), nice values on
    // y that stay inside the data's natural bounds: [0.2, 1.0], never -0.01 or 1.01.
    AxisTicks x = niceTicks(xMin, xMax, 6);
    x.step = std::max(1.0, x.step);
    x.min = std::floor(xMin / x.step) * x.step;
    x.max = std::ceil(xMax / x.step) * x.step;
    if (x.max - xMax < 0.25 * x.step) { // a point on the right edge would be half drawn
        x.max += x.step;
    }
    applyTicks(x, niceTicks(yMin, yMax, 5));
    if (m_log) {
        m_yAxis->setRange(yMin * 0.9, yMax * 1.1);
    }
}

void MetricChart::applyTicks(const AxisTicks& x, const AxisTicks& y) {
    m_xAxis->setRange(x.min, x.max);
    m_xAxis->setTickAnchor(x.min);
    m_xAxis->setTickInterval(x.step);
    auto* axis = qobject_cast<QCategoryAxis*>(m_yAxis);
    if (!axis) {
        return; // the log axis keeps its own ticks
    }
    for (const QString& label : axis->categoriesLabels()) {
        axis->remove(label);
    }
    axis->setStartValue(y.min - y.step); // the first category ends at y.min, its label there
    for (double v : y.values) {
        axis->append(siLabel(v), v);
    }
    axis->setRange(y.min, y.max);
}

QStringList MetricChart::valueAxisLabels() const {
    auto* axis = qobject_cast<QCategoryAxis*>(m_yAxis);
    return axis ? axis->categoriesLabels() : QStringList();
}

void MetricChart::mouseDoubleClickEvent(QMouseEvent* event) {
    chart()->zoomReset();
    refresh();
    QChartView::mouseDoubleClickEvent(event);
}

void MetricChart::onHovered(int curve, const QPointF& point, bool state) {
    if (!state) {
        QToolTip::hideText();
        return;
    }
    m_readout = QStringLiteral("%1 · %2 %3: %4")
                    .arg(m_curves[std::size_t(curve)].name, m_xAxis->titleText())
                    .arg(point.x(), 0, 'f', 0)
                    .arg(point.y(), 0, 'g', 5);
    QToolTip::showText(QCursor::pos(), m_readout, this);
}

} // namespace nw::ui
