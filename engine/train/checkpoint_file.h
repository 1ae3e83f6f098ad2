#pragma once
// The checkpoint file (.nwckpt): everything a Trainer needs to continue a run exactly where
// it stopped — the model's parameters, the optimizer's state tensors and step count, the
// global step, the running sums of the current epoch and the early-stopping state. The
// random numbers need no state of their own: they are counter-based, so the seed, the global
// step and the epoch determine every shuffle and dropout mask from here on.
//
// Layout (little-endian, engine/train/binary_io.h's envelope): signature "NWCKPT\0\0", u32
// format version; TrainerProgress's fields (i64 seed, i64 step, f64 epochLossSum, i64
// epochCorrect, i64 epochSamples, i64 epochSteps, f64 bestMonitored, i64
// epochsWithoutImprovement); the weights file's entries (engine/train/weights_file.h); i64
// optimizer steps, u32 optimizer kind, u32 state tensor count, per tensor i64 element count
// and f32 data; then the CRC-32 of everything before it. Written atomically.

#include "base/expected.h"
#include "engine/plan/model_params.h"
#include "engine/train/optimizer.h"

#include <cstdint>
#include <filesystem>
#include <limits>

namespace nw::engine {

inline constexpr std::uint32_t kCheckpointFormatVersion = 1;

// Where a run stands between two steps.
struct TrainerProgress {
    // The run's seed: Trainer::loadCheckpoint refuses a checkpoint of another seed.
    std::uint64_t seed = 0;
    std::int64_t step = 0;   // global steps done
    double epochLossSum = 0; // sums over the current epoch's steps so far
    std::int64_t epochCorrect = 0;
    std::int64_t epochSamples = 0;
    std::int64_t epochSteps = 0;
    double bestMonitored = std::numeric_limits<double>::infinity(); // early stopping
    std::int64_t epochsWithoutImprovement = 0;
};

Status saveCheckpoint(Backend& backend, const ModelParams& params, const Optimizer& optimizer,
                      const TrainerProgress& progress, const std::filesystem::path& path);

// Loads into the model's parameters and the optimizer (both set up as for a fresh run of the
// same project) and returns the progress. A corrupt, truncated or foreign file, or one saved
// from another graph or optimizer, is a user error naming the file.
Expected<TrainerProgress> loadCheckpoint(Backend& backend, ModelParams& params,
                                         Optimizer& optimizer, const std::filesystem::path& path);

} // namespace nw::engine
