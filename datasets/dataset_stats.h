#pragma once
// Summary statistics of a dataset's sample values, for `dataset info` and the browser.

#include "datasets/dataset.h"

#include <vector>

namespace nw::datasets {

struct DatasetStats {
    std::int64_t samples = 0; // samples read
    double min = 0.0;         // smallest value over every element
    double max = 0.0;         // largest
    // Per channel (sampleShape()[0] entries: C for [C, H, W], F for [F]): mean and
    // population standard deviation over every sample and position.
    std::vector<double> mean;
    std::vector<double> std;
};

// Reads every sample of `dataset` (not normalised, not augmented). Accumulates in double.
DatasetStats computeStats(const Dataset& dataset);

} // namespace nw::datasets
