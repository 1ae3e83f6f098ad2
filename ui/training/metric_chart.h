#pragma once
// MetricChart: a Qt Charts view of a few metric curves that stays responsive with millions
// of points. Every appended point is kept (a run's whole history); what the chart draws is a
// min/max-per-bucket downsample of at most kDisplayPoints per curve, rebuilt at most ten
// times a second. Smoothing (an exponential moving average, as TensorBoard's slider), a log
// scale for the value axis, a hover read-out and rubber-band zoom (right click zooms out,
// double click resets; a zoomed chart keeps its view while points arrive). A curve can be
// broken into segments (a resumed run's new session is not joined to the old last point),
// and charts of one run can be given one step span so that their step axes agree.

#include "ui/training/axis_ticks.h"

#include <QChartView>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <vector>

class QLineSeries;
class QValueAxis;
class QAbstractAxis;

namespace nw::ui {

class MetricChart : public QChartView {
    Q_OBJECT
public:
    static constexpr int kDisplayPoints = 2000;

    MetricChart(const QString& title, const QString& xTitle, QWidget* parent = nullptr);

    // A new curve; returns its index. `dashed` for per-epoch curves over per-step ones.
    int addCurve(const QString& name, QColor color, bool dashed = false);
    void append(int curve, double x, double y);
    // The chart's title and a curve's name (legend and hover read-out).
    void setTitle(const QString& title);
    QString title() const;
    void setCurveName(int curve, const QString& name);
    QString curveName(int curve) const { return m_curves[std::size_t(curve)].name; }
    // The next point appended to `curve` starts a new segment: no line joins it to the
    // curve's last point (nothing happens while the curve is empty).
    void breakCurve(int curve);
    // The step axis covers at least [first, last] (steps), whatever the curves hold, so that
    // charts of one run given the same span show the same step range; cleared by
    // clearPoints().
    void setStepSpan(double first, double last);
    // Drops every curve's points and segments, and the step span (not the curves'
    // definitions).
    void clearPoints();
    // Removes the curves too.
    void clearCurves();

    // 0 (none) to 0.99 (heavy): the EMA weight of the previous smoothed value.
    void setSmoothing(double weight);
    void setLogScale(bool on);
    bool logScale() const { return m_log; }

    // Points stored / drawn for a curve (tests; the drawn count updates on refresh()).
    qsizetype storedCount(int curve) const;
    qsizetype displayedCount(int curve) const;
    // A curve's segments as drawn (tests; one segment unless breakCurve() was called).
    int segmentCount(int curve) const;
    QList<QPointF> displayedSegment(int curve, int segment) const;
    int curveCount() const { return int(m_curves.size()); }
    // The last hover read-out ("train loss · step 120: 0.4312"), empty before any hover.
    QString readout() const { return m_readout; }
    // Rebuilds the drawn series now (normally done by a timer when points arrive).
    void refresh();
    // The value axis's labels, bottom to top ("0.2", "0.4", ... or "4k", "4.5k"); empty on a
    // log axis (tests).
    QStringList valueAxisLabels() const;
    QValueAxis* stepAxis() const { return m_xAxis; }

    // min/max-per-bucket downsample of `points` (sorted by x) to about `maxPoints` points,
    // keeping the first and last point and every bucket's extremes (spikes stay visible).
    static std::vector<QPointF> downsample(const std::vector<QPointF>& points, int maxPoints);

protected:
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    struct Curve {
        QString name;
        QLineSeries* series = nullptr; // the first segment; in the legend
        std::vector<QPointF> points;
        bool dashed = false;
        std::vector<std::size_t> breaks; // indices in `points` where a segment starts
        std::vector<QLineSeries*> more;  // the later segments' series, owned by the chart
    };
    // The series of segment `i` of `curve` (created on first use, same pen, no legend entry).
    QLineSeries* segmentSeries(int curve, std::size_t i);
    void scheduleRefresh();
    void rebuildValueAxis();
    void applyTicks(const AxisTicks& x, const AxisTicks& y);
    void onHovered(int curve, const QPointF& point, bool state);

    QValueAxis* m_xAxis;
    QAbstractAxis* m_yAxis = nullptr;
    std::vector<Curve> m_curves;
    QTimer m_refreshTimer;
    double m_smoothing = 0;
    bool m_log = false;
    double m_spanFirst = 0, m_spanLast = -1; // none while first > last
    QString m_readout;
};

} // namespace nw::ui
