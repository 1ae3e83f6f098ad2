#pragma once
// A Netwright project: the graph plus everything needed to train it — the dataset, the
// augmentation pipeline and the training configuration. Saved as a .nwproj file
// (graph/project_file.h); every field is documented in docs/project-format.md.

#include "graph/attribute.h"
#include "graph/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nw::graph {

struct DatasetRef {
    // "builtin" (a catalog name such as "fashion-mnist"), "idx", "cifar", "image_folder", "csv",
    // "text" (a corpus for language models)
    std::string kind = "builtin";
    std::string name = "fashion-mnist"; // for builtin
    std::string path;                   // for the others; relative to the project file
    double validationSplit = 0.0;       // fraction of the training split held out, [0, 0.9]
    // Text corpora (kind "text", built-in "fortunes"): tokens per sample, in [1, 65536].
    std::int64_t sequenceLength = 128;
    // Per-channel input normalisation, x' = (x / 255 - mean) / std. Empty: none.
    std::vector<double> mean;
    std::vector<double> std;
    friend bool operator==(const DatasetRef&, const DatasetRef&) = default;
};

// One step of the augmentation pipeline: an op name ("horizontal_flip"), the probability
// it is applied to a sample, and its parameters.
struct AugmentationStep {
    std::string op;
    double probability = 1.0;
    AttrMap params;
    friend bool operator==(const AugmentationStep&, const AugmentationStep&) = default;
};

struct OptimizerConfig {
    std::string type = "adam"; // sgd, adam, adamw, rmsprop
    double learningRate = 1e-3;
    double momentum = 0.9; // sgd, rmsprop
    bool nesterov = false; // sgd
    double beta1 = 0.9;    // adam, adamw
    double beta2 = 0.999;  // adam, adamw
    double epsilon = 1e-8;
    double weightDecay = 0.0;
    friend bool operator==(const OptimizerConfig&, const OptimizerConfig&) = default;
};

struct ScheduleConfig {
    std::string type = "constant"; // constant, step, cosine
    std::int64_t warmupSteps = 0;  // linear warm-up from 0 before the schedule
    std::int64_t stepSize = 1;     // step: epochs between decays
    double gamma = 0.1;            // step: decay factor
    double minLearningRate = 0.0;  // cosine: floor
    friend bool operator==(const ScheduleConfig&, const ScheduleConfig&) = default;
};

struct TrainingConfig {
    OptimizerConfig optimizer;
    ScheduleConfig schedule;
    std::int64_t batchSize = 128;
    std::int64_t epochs = 5;
    std::uint64_t seed = 42;
    std::string device = "cpu"; // cpu, cuda:0, vulkan:0
    // The arithmetic of matrix products and convolutions: "fp32", "tf32" (NVIDIA tensor
    // cores) or "bf16" (bf16 products, fp32 accumulation and fp32 master weights). Tensors
    // stay fp32 either way; the device refuses what it cannot do. Written only when not fp32.
    std::string precision = "fp32";
    double gradClipNorm = 0.0;              // 0: no clipping
    std::int64_t earlyStoppingPatience = 0; // epochs without improvement; 0: off
    // Checkpoint policy of a tracked run: every N steps as well; 0: at the end of each epoch
    // (always) and on stop.
    std::int64_t checkpointEverySteps = 0;
    // And after every this many minutes of a run (0: off), so that a crash costs at most
    // that much training. The project file writes it only when it is not the default.
    static constexpr double kDefaultCheckpointMinutes = 10.0;
    double checkpointEveryMinutes = kDefaultCheckpointMinutes;
    // Fine-tuning: a weights file (.nwweights) a fresh run starts from, relative to the project
    // file; every tensor whose node id, name and shape match is loaded, the others keep their
    // initialiser. A resumed run uses its checkpoint instead. Empty: none; written only when set.
    std::string initialWeights;
    friend bool operator==(const TrainingConfig&, const TrainingConfig&) = default;
};

struct Project {
    std::string name;
    std::string description;
    Graph graph;
    DatasetRef dataset;
    std::vector<AugmentationStep> augmentation;
    TrainingConfig training;
    friend bool operator==(const Project&, const Project&) = default;
};

} // namespace nw::graph
