#include "datasets/dataset_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nw::datasets {

DatasetStats computeStats(const Dataset& dataset) {
    DatasetStats st;
    const Dims shape = dataset.sampleShape();
    const std::int64_t channels = shape.empty() ? 1 : shape[0];
    const std::int64_t numel = dataset.sampleNumel();
    const std::int64_t plane = numel / std::max<std::int64_t>(channels, 1);
    std::vector<double> sum(std::size_t(channels), 0.0);
    std::vector<double> sumSq(std::size_t(channels), 0.0);
    std::vector<float> sample(static_cast<std::size_t>(numel));
    st.min = std::numeric_limits<double>::infinity();
    st.max = -std::numeric_limits<double>::infinity();
    for (std::int64_t i = 0, n = dataset.size(); i < n; ++i) {
        dataset.readSample(i, sample);
        for (std::int64_t c = 0; c < channels; ++c) {
            double s = 0.0;
            double s2 = 0.0;
            for (std::int64_t k = c * plane; k < (c + 1) * plane; ++k) {
                const double v = sample[std::size_t(k)];
                s += v;
                s2 += v * v;
                st.min = std::min(st.min, v);
                st.max = std::max(st.max, v);
            }
            sum[std::size_t(c)] += s;
            sumSq[std::size_t(c)] += s2;
        }
        ++st.samples;
    }
    if (st.samples == 0) {
        st.min = st.max = 0.0;
    }
    const double count = double(st.samples) * double(plane);
    for (std::int64_t c = 0; c < channels; ++c) {
        const double m = count > 0 ? sum[std::size_t(c)] / count : 0.0;
        const double var = count > 0 ? sumSq[std::size_t(c)] / count - m * m : 0.0;
        st.mean.push_back(m);
        st.std.push_back(std::sqrt(std::max(var, 0.0)));
    }
    return st;
}

} // namespace nw::datasets
