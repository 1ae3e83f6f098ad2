#pragma once
// export --format bundle --int8: calibrates the f32 bundle on training samples, quantises it
// (engine/bundle/quantize.h) and measures what INT8 costs in test accuracy.

#include "app/export/model_export.h"
#include "base/expected.h"
#include "datasets/catalog.h"
#include "engine/bundle/format.h"
#include "engine/bundle/quantize.h"
#include "graph/project.h"

#include <optional>
#include <string>

namespace nw::app {

struct Int8Export {
    bundle::Bundle bundle;
    bundle::QuantizeSummary summary;
    std::int64_t calibrated = 0; // training samples the ranges came from
    std::string calibrationSource;
};

// The project's dataset as the export opened it (once), or why it could not.
using OpenedDataset = Expected<datasets::DatasetSplits>;

// Calibrates on the first `samples` of the training split in a seeded shuffle (the
// project's seed), normalised as in training, without augmentation.
Expected<Int8Export> quantizeForExport(const bundle::Bundle& fp32, const graph::Project& project,
                                       const OpenedDataset& dataset, std::int64_t samples);

// Top-1 accuracy of both bundles on the project's test split (else its validation split);
// nullopt with a note in `why` when the project has neither.
Expected<std::optional<AccuracyChange>>
compareAccuracy(const bundle::Bundle& fp32, const bundle::Bundle& int8,
                const graph::Project& project, const OpenedDataset& dataset, std::string& why);

} // namespace nw::app
