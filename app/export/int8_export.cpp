#include "app/export/int8_export.h"

#include "datasets/catalog.h"
#include "datasets/data_loader.h"
#include "engine/bundle/runtime/model.h"

#include <algorithm>

namespace nw::app {

namespace {

constexpr std::int64_t kBatch = 256;

Expected<std::unique_ptr<datasets::DataLoader>>
loaderFor(std::shared_ptr<datasets::Dataset> split, const graph::Project& project, bool shuffle) {
    datasets::LoaderOptions lo;
    lo.batchSize = std::min(kBatch, std::max<std::int64_t>(1, split->size()));
    lo.shuffle = shuffle;
    lo.seed = project.training.seed;
    lo.mean = project.dataset.mean;
    lo.std = project.dataset.std;
    auto loader = datasets::DataLoader::create(split, lo);
    if (loader) {
        (*loader)->startEpoch(0);
    }
    return loader;
}

Status checkFits(const datasets::Dataset& split, const bundle::Bundle& b) {
    std::int64_t per = 1;
    for (auto d : b.header.inputShape) {
        per *= d;
    }
    if (split.sampleNumel() != per) {
        return Error::user(split.name() + ": its samples do not fit the model's input");
    }
    return Status::success();
}

} // namespace

Expected<Int8Export> quantizeForExport(const bundle::Bundle& fp32, const graph::Project& project,
                                       const OpenedDataset& splits, std::int64_t samples) {
    if (!splits) {
        return Error::user("INT8 calibration needs the project's training data: " +
                           splits.error().message);
    }
    if (!splits->train || splits->train->size() == 0) {
        return Error::user("INT8 calibration needs training samples; the dataset has none");
    }
    if (auto st = checkFits(*splits->train, fp32); !st) {
        return st.error();
    }
    auto model = rt::Model::fromBundle(fp32, "the f32 bundle");
    if (!model) {
        return model.error();
    }
    auto loader = loaderFor(splits->train, project, true);
    if (!loader) {
        return loader.error();
    }
    Int8Export result;
    std::vector<bundle::TensorRange> ranges;
    while (result.calibrated < samples) {
        auto batch = (*loader)->next();
        if (!batch) {
            break; // fewer training samples than asked for
        }
        std::int64_t take = std::min(batch->size, samples - result.calibrated);
        if (auto st = (*model)->observe(batch->inputs.data(), take, ranges); !st) {
            return st.error();
        }
        result.calibrated += take;
    }
    result.calibrationSource =
        std::to_string(result.calibrated) + " training samples of " + splits->train->name();
    auto q = bundle::quantizeBundle(fp32, ranges, &result.summary);
    if (!q) {
        return q.error();
    }
    result.bundle = std::move(*q);
    return result;
}

Expected<std::optional<AccuracyChange>>
compareAccuracy(const bundle::Bundle& fp32, const bundle::Bundle& int8,
                const graph::Project& project, const OpenedDataset& splits, std::string& why) {
    if (!splits) {
        return splits.error();
    }
    auto split = splits->test ? splits->test : splits->validation;
    if (!split || split->size() == 0) {
        why = "the dataset has no test or validation split";
        return std::optional<AccuracyChange>{};
    }
    if (auto st = checkFits(*split, fp32); !st) {
        return st.error();
    }
    auto a = rt::Model::fromBundle(fp32, "the f32 bundle");
    auto b = rt::Model::fromBundle(int8, "the INT8 bundle");
    if (!a || !b) {
        return a ? b.error() : a.error();
    }
    auto loader = loaderFor(split, project, false);
    if (!loader) {
        return loader.error();
    }
    std::int64_t classes = 1;
    for (auto d : fp32.header.outputShape()) {
        classes *= d;
    }
    AccuracyChange change;
    change.split = split->name();
    std::int64_t rightA = 0, rightB = 0;
    std::vector<float> outA, outB;
    while (auto batch = (*loader)->next()) {
        outA.resize(std::size_t(batch->size * classes));
        outB.resize(outA.size());
        if (auto st = (*a)->run(batch->inputs.data(), batch->size, outA.data()); !st) {
            return st.error();
        }
        if (auto st = (*b)->run(batch->inputs.data(), batch->size, outB.data()); !st) {
            return st.error();
        }
        for (std::int64_t i = 0; i < batch->size; ++i) {
            auto top = [&](const std::vector<float>& o) {
                auto row = o.begin() + i * classes;
                return std::int32_t(std::max_element(row, row + classes) - row);
            };
            rightA += top(outA) == batch->labels[std::size_t(i)];
            rightB += top(outB) == batch->labels[std::size_t(i)];
        }
        change.samples += batch->size;
    }
    if (change.samples == 0) {
        why = split->name() + " yielded no samples";
        return std::optional<AccuracyChange>{};
    }
    change.f32 = double(rightA) / double(change.samples);
    change.int8 = double(rightB) / double(change.samples);
    return std::optional<AccuracyChange>{change};
}

} // namespace nw::app
