#pragma once
// Classification metrics over host copies of a prediction.

#include <cstdint>
#include <span>
#include <vector>

namespace nw::engine {

// Samples of `logits` [n, classes] whose true label is among the k highest scores.
std::int64_t countTopK(std::span<const float> logits, std::span<const std::int32_t> labels,
                       std::int64_t classes, int k);

// The highest-scoring class of one row of logits (the first on ties) and its softmax
// probability.
struct TopClass {
    std::int32_t index = 0;
    float confidence = 0;
};
TopClass topClass(std::span<const float> row);

struct ClassMetrics {
    double precision = 0;     // 0 when the class was never predicted
    double recall = 0;        // 0 when the class has no samples
    double f1 = 0;            // 0 when precision + recall is 0
    std::int64_t support = 0; // samples whose true label is the class
};

struct ClassificationReport {
    std::int64_t classes = 0;
    // counts[truth * classes + predicted]
    std::vector<std::int64_t> confusion;
    std::vector<ClassMetrics> perClass;
    std::int64_t total = 0;
    std::int64_t correct = 0; // the trace
    std::int64_t at(std::int64_t truth, std::int64_t predicted) const {
        return confusion[static_cast<std::size_t>(truth * classes + predicted)];
    }
};

// The confusion matrix and per-class precision / recall / F1 of (labels, predictions), both
// in [0, classes); pairs outside that range are skipped.
ClassificationReport classificationReport(std::span<const std::int32_t> labels,
                                          std::span<const std::int32_t> predictions,
                                          std::int64_t classes);

} // namespace nw::engine
