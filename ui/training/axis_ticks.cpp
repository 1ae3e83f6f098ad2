#include "ui/training/axis_ticks.h"

#include <cmath>

namespace nw::ui {

namespace {

// The nice number (1, 2, 5 or 10 times a power of ten) at least `x`.
double niceStep(double x) {
    const double p = std::pow(10.0, std::floor(std::log10(x)));
    const double f = x / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

} // namespace

AxisTicks niceTicks(double lo, double hi, int maxTicks) {
    AxisTicks t;
    if (!(std::isfinite(lo) && std::isfinite(hi)) || lo > hi) {
        t.values = {0, 0.2, 0.4, 0.6, 0.8, 1};
        return t;
    }
    if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) { // one value: a small range around it
        const double d = std::max(std::abs(hi) * 0.1, 1e-6);
        lo -= d;
        hi += d;
    }
    t.step = niceStep((hi - lo) / std::max(1, maxTicks));
    t.min = std::floor(lo / t.step + 1e-9) * t.step;
    t.max = std::ceil(hi / t.step - 1e-9) * t.step;
    const auto n = static_cast<int>(std::lround((t.max - t.min) / t.step));
    for (int i = 0; i <= n; ++i) {
        double v = t.min + i * t.step;
        t.values.push_back(std::abs(v) < t.step * 1e-9 ? 0.0 : v); // no "-0" or 1e-17
    }
    return t;
}

QString siLabel(double value) {
    static const char* const suffixes[] = {"", "k", "M", "G", "T"};
    if (value == 0 || !std::isfinite(value)) {
        return QString::number(value);
    }
    int k = 0;
    double v = value;
    while (std::abs(v) >= 1000 && k < 4) {
        v /= 1000;
        ++k;
    }
    return QString::number(v, 'g', 3) + QLatin1String(suffixes[k]);
}

} // namespace nw::ui
