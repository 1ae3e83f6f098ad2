#pragma once
// How netwright-cli train records a run: the shared recorder lives in
// engine/tracking/tracked_run.h (the IDE's TrainingController uses it too); the CLI adds the
// stop flag its signal handler sets.

#include "engine/tracking/tracked_run.h"

#include <atomic>

namespace nw::cli {

using tracking::flattenProjectParams;
using tracking::RunDescription;
using tracking::TrackedRun;

// Set from a signal handler: the next step boundary requests a stop.
extern std::atomic<bool> g_stopRequested;

} // namespace nw::cli
