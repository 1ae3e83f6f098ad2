#include "engine/train/metrics.h"

namespace nw::engine {

std::int64_t countTopK(std::span<const float> logits, std::span<const std::int32_t> labels,
                       std::int64_t classes, int k) {
    std::int64_t hits = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const float* row = logits.data() + static_cast<std::int64_t>(i) * classes;
        float truth = row[labels[i]];
        // Rank of the true class: how many classes score strictly higher (ties favour it).
        int higher = 0;
        for (std::int64_t j = 0; j < classes && higher < k; ++j) {
            higher += row[j] > truth ? 1 : 0;
        }
        hits += higher < k ? 1 : 0;
    }
    return hits;
}

} // namespace nw::engine
