#pragma once
// The netwright-cli subcommands. Each returns the process exit status:
// 0 success, 2 a user error (bad file, invalid graph, bad argument), 1 an internal failure.

#include <cstdint>
#include <optional>
#include <string>

namespace nw::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUser = 2;

// Checks a project file; lists every problem (errors and warnings) with node and field.
int runValidate(const std::string& file, bool json);

// Prints the per-layer table and totals, or one JSON object with --json.
int runSummary(const std::string& file, bool json);

// Options shared by train, eval and bench; unset values come from the project file.
struct RunOptions {
    std::string project;
    std::optional<std::int64_t> epochs;
    std::optional<std::int64_t> batch;
    std::optional<double> learningRate;
    std::optional<std::uint64_t> seed;
    std::string device = "cpu";
    int threads = 0; // 0: every core
    std::int64_t maxSteps = 0;
    bool json = false;
    std::string saveWeights; // train: write the trained weights here
    std::string weights;     // eval: read the weights from here
    std::int64_t steps = 50; // bench: timed steps
    std::int64_t inferBatch = 256;
};

// Trains the project; a live progress line on a terminal, with --json a final JSON object.
int runTrain(const RunOptions& options);
// Evaluates saved weights on the test split.
int runEval(const RunOptions& options);
// Times training and inference steps on preloaded data (warm-up excluded).
int runBench(const RunOptions& options);

} // namespace nw::cli
