#pragma once
// The checkpoint file (.nwckpt): everything a Trainer needs to continue a run exactly where
// it stopped — the model's parameters, the optimizer's state tensors and step count, the
// global step, the running sums of the current epoch and the early-stopping state. The
// random numbers need no state of their own: they are counter-based, so the seed, the global
// step and the epoch determine every shuffle and dropout mask from here on.
//
// Layout (little-endian, engine/train/binary_io.h's envelope): signature "NWCKPT\0\0", u32
// format version; (version 2) the owner: string run UUID, i64 run id, string graph hash (all
// empty/0 when the checkpoint was saved outside a tracked run); TrainerProgress's fields (i64 seed,
// i64 step, f64 epochLossSum, i64 epochCorrect, i64 epochSamples, i64 epochSteps, f64
// bestMonitored, i64 epochsWithoutImprovement); the weights file's entries
// (engine/train/weights_file.h); i64 optimizer steps, u32 optimizer kind, u32 state tensor count,
// per tensor i64 element count and f32 data; then the CRC-32 of everything before it. Written
// atomically. Version 1 (no owner) is still read.

#include "base/expected.h"
#include "engine/plan/model_params.h"
#include "engine/train/optimizer.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

namespace nw::engine {

inline constexpr std::uint32_t kCheckpointFormatVersion = 2;

// The tracked run a checkpoint belongs to (engine/tracking checks it before loading one for a
// run). An empty runUuid: no owner recorded (a version-1 file or an untracked save).
struct CheckpointOwner {
    std::string runUuid; // the run's UUID in its experiment store (32 hex digits)
    std::int64_t runId = 0;
    std::string graphHash; // SHA-256 of the graph's JSON, as the store records it
};

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
                      const TrainerProgress& progress, const std::filesystem::path& path,
                      const CheckpointOwner& owner = {});

// The owner recorded in a checkpoint (empty for a version-1 file). A corrupt or foreign file
// is a user error naming it.
Expected<CheckpointOwner> readCheckpointOwner(const std::filesystem::path& path);
// Writes `from` again as `to` (atomically; `to` may equal `from`) with `owner` recorded.
Status writeCheckpointWithOwner(const std::filesystem::path& from, const CheckpointOwner& owner,
                                const std::filesystem::path& to);

// Loads into the model's parameters and the optimizer (both set up as for a fresh run of the
// same project) and returns the progress. A corrupt, truncated or foreign file, or one saved
// from another graph or optimizer, is a user error naming the file.
Expected<TrainerProgress> loadCheckpoint(Backend& backend, ModelParams& params,
                                         Optimizer& optimizer, const std::filesystem::path& path);

} // namespace nw::engine
