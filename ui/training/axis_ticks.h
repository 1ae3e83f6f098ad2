#pragma once
// Axis ticks for the metric charts: "nice" numbers (1, 2 or 5 times a power of ten, as
// plotting libraries choose them) and short SI labels ("4.6k", "0.25", "1.2M").

#include <QString>
#include <vector>

namespace nw::ui {

struct AxisTicks {
    double min = 0;
    double max = 1;
    double step = 0.2;
    std::vector<double> values; // min, min + step, ..., max
};

// Ticks covering [lo, hi] (lo <= hi) with at most about `maxTicks` intervals. The range is
// widened to whole steps, so it never crosses 0 or 1 unless the data does: a loss in
// [0.21, 0.9] gets [0.2, 1.0], an accuracy in [0.5, 0.99] gets [0.5, 1.0].
AxisTicks niceTicks(double lo, double hi, int maxTicks = 5);

// `value` with at most three significant digits and an SI suffix from k up: 4610 -> "4.61k",
// 4600 -> "4.6k", 0.25 -> "0.25", 1.5e6 -> "1.5M", 0 -> "0".
QString siLabel(double value);

} // namespace nw::ui
