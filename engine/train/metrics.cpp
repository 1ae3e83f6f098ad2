#include "engine/train/metrics.h"

#include <algorithm>
#include <cmath>

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

TopClass topClass(std::span<const float> row) {
    TopClass top;
    if (row.empty()) {
        return top;
    }
    for (std::size_t j = 1; j < row.size(); ++j) {
        if (row[j] > row[static_cast<std::size_t>(top.index)]) {
            top.index = static_cast<std::int32_t>(j);
        }
    }
    const double best = row[static_cast<std::size_t>(top.index)];
    double sum = 0;
    for (float v : row) {
        sum += std::exp(static_cast<double>(v) - best);
    }
    top.confidence = static_cast<float>(1.0 / sum);
    return top;
}

ClassificationReport classificationReport(std::span<const std::int32_t> labels,
                                          std::span<const std::int32_t> predictions,
                                          std::int64_t classes) {
    ClassificationReport r;
    r.classes = std::max<std::int64_t>(classes, 0);
    r.confusion.assign(static_cast<std::size_t>(r.classes * r.classes), 0);
    r.perClass.resize(static_cast<std::size_t>(r.classes));
    const std::size_t n = std::min(labels.size(), predictions.size());
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t t = labels[i], p = predictions[i];
        if (t < 0 || t >= r.classes || p < 0 || p >= r.classes) {
            continue;
        }
        ++r.confusion[static_cast<std::size_t>(t * r.classes + p)];
        ++r.total;
        r.correct += t == p ? 1 : 0;
    }
    for (std::int64_t c = 0; c < r.classes; ++c) {
        std::int64_t predicted = 0, actual = 0;
        for (std::int64_t o = 0; o < r.classes; ++o) {
            predicted += r.at(o, c);
            actual += r.at(c, o);
        }
        auto& m = r.perClass[static_cast<std::size_t>(c)];
        const double tp = static_cast<double>(r.at(c, c));
        m.support = actual;
        m.precision = predicted > 0 ? tp / static_cast<double>(predicted) : 0;
        m.recall = actual > 0 ? tp / static_cast<double>(actual) : 0;
        m.f1 =
            m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
    }
    return r;
}

} // namespace nw::engine
