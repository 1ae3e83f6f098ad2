#pragma once
// The augmentation pipeline: the project's `augmentation` list (op, probability, params),
// checked against declared op specs and applied to one sample at a time, deterministically.
//
// Every random choice for a sample is a pure function of (seed, epoch, sample index): the
// CounterRng(seed, stream) where stream mixes streamId("augment"), the epoch and the index.
// So a seed gives the same variants on every run, thread and worker count. Step k draws
// "is it applied" from element 16 k and its parameters from elements 16 k + 1 ... 16 k + 15;
// per-pixel noise of step k comes from elements (k + 1) << 40 on.

#include "base/expected.h"
#include "datasets/dataset.h"
#include "graph/attribute.h"
#include "graph/project.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace nw::datasets {

// One augmentation op as the project file names it, with its typed parameters (the same
// AttrSpec the graph ops use: type, default, range, doc).
struct AugmentOpSpec {
    std::string name;
    std::string doc;
    std::vector<graph::AttrSpec> params;
    // The probability a new step of this op starts with, by convention: 0.5 where the op
    // itself is not random (flips), as torchvision's and Keras's flips; 1 where the
    // randomness is in its parameters (torchvision's RandomRotation, RandomResizedCrop,
    // ColorJitter, ...); 0.5 for random_erasing, as torchvision's RandomErasing.
    double defaultProbability = 1.0;
};

// Every op the pipeline knows, in a fixed order: horizontal_flip, vertical_flip, rotation,
// affine, random_resized_crop, pad_crop, color_jitter, gaussian_noise, gaussian_blur,
// cutout, random_erasing.
const std::vector<AugmentOpSpec>& augmentationOps();
const AugmentOpSpec* findAugmentationOp(std::string_view name);

// A validated pipeline. Cheap to copy; immutable, so apply() may run on several threads.
class AugmentationPipeline {
public:
    // Checks every step: a known op, probability in [0, 1], known parameters of the declared
    // type within range, and min <= max pairs. Errors are user errors naming the field:
    // "augmentation[2].params.degrees: must be in [0, 180], got 400". The first call turns
    // OpenCV's own thread pool off for the process (cv::setNumThreads(1)): see the .cpp.
    static Expected<AugmentationPipeline> create(const std::vector<graph::AugmentationStep>& steps);

    AugmentationPipeline() = default;
    bool empty() const { return m_steps.empty(); }
    std::size_t size() const { return m_steps.size(); }

    // Checks that samples of `shape` can be augmented: [C, H, W] with C 1 or 3 (an empty
    // pipeline accepts any shape). `dataset` names the data in the message.
    Status checkShape(const Dims& shape, const std::string& dataset) const;

    // Augments one sample in place. sample: [C, H, W] floats in [0, 1], C 1 or 3 (see
    // checkShape()); the result keeps the shape and stays in [0, 1].
    void apply(std::span<float> sample, const Dims& shape, std::uint64_t seed, std::uint64_t epoch,
               std::int64_t index) const;

private:
    struct Step {
        int op = 0; // index into augmentationOps()
        double probability = 1.0;
        std::vector<double> p; // parameter values in the op's declared order
    };
    std::vector<Step> m_steps;
};

} // namespace nw::datasets
