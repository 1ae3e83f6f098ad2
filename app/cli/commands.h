#pragma once
// The netwright-cli subcommands. Each returns the process exit status:
// 0 success, 2 a user error (bad file, invalid graph, bad argument), 1 an internal failure.

#include "engine/core/backend_registry.h"
#include "graph/op_registry.h"
#include "plugins/host/plugin_host.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nw::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUser = 2;

// Checks a project file; lists every problem (errors and warnings) with node and field.
int runValidate(const std::string& file, bool json, const graph::OpRegistry& registry);

// Prints the per-layer table and totals, or one JSON object with --json.
// With `device`, each row also says where it runs on that device (the CPU for an op the
// device's backend lacks, with the reason).
int runSummary(const std::string& file, bool json, const std::string& device,
               const graph::OpRegistry& registry, const engine::BackendRegistry& backends);

// Lists the plugins loaded (name, version, file, ops) and those refused (file, reason), or
// with --json one object: sdk_version, search_path, loaded, refused.
int runPlugins(const plugins::PluginSet& plugins, bool json);

// Lists the ops (the built-in ones, then the plugins') (name, category, the doc's first sentence),
// or with --markdown prints the op reference generated from their schemas (docs/ops.md).
int runOps(bool markdown, const graph::OpRegistry& registry);

// Options shared by train, eval and bench; unset values come from the project file.
struct RunOptions {
    std::string project;
    std::optional<std::int64_t> epochs;
    std::optional<std::int64_t> batch;
    std::optional<double> learningRate;
    std::optional<std::uint64_t> seed;
    // A device id ("cpu", "cuda:0"); unset: the project's training.device. Checked against
    // the backend registry: a wrong one names the devices this machine has.
    std::optional<std::string> device;
    int threads = 0; // 0: every core
    // "fp32", "tf32", "bf16"; unset: the project's training.precision.
    std::optional<std::string> precision;
    std::int64_t maxSteps = 0;
    bool json = false;
    std::string saveWeights; // train: write the trained weights here
    // train: fine-tune from this weights file (replaces training.initial_weights)
    std::optional<std::string> initWeights;
    std::string weights;     // eval: read the weights from here
    std::int64_t steps = 50; // bench: timed steps
    std::int64_t inferBatch = 256;
    bool profile = false; // bench: per-kernel device time of the training steps
    // bench: nodes to freeze (trainable = false) on top of the project's, to time fine-tuning
    std::vector<std::string> freeze;
    // train: experiment tracking (app/cli/train_tracking.h)
    std::string db;                     // the experiment database; empty: NETWRIGHT_DB or XDG
    std::string name;                   // the run's name; empty: the project's
    std::optional<std::int64_t> resume; // continue this stopped or crashed run
    // Steps between checkpoints (0: every epoch only); unset: the project's
    // training.checkpoint_every_steps.
    std::optional<std::int64_t> checkpointEvery;
    // Minutes between checkpoints by time (0: off); unset: training.checkpoint_every_minutes.
    std::optional<double> checkpointEveryMinutes;
    std::int64_t stopAfter = 0; // request a stop (resumable) after this global step
    bool noTrack = false;       // train untracked: no database, no run recorded, no checkpoints
    // Data-parallel training over MPI: this process is one rank of the mpirun / srun job
    // (engine/distributed). Rank 0 records, checkpoints and prints; the others stay quiet but
    // for errors, prefixed with their rank.
    bool distributed = false;
    bool syncBatchNorm = false; // --sync-batch-norm: statistics over the global batch
    double bucketMb = 25;       // --bucket-mb: gradient allreduce bucket size
};

// Trains the project (or resumes a run) and records it in the experiment database; a live
// progress line on a terminal, with --json a final JSON object. SIGINT/SIGTERM stop the run
// at the next step boundary, resumable. With --no-track nothing is recorded (only
// --save-weights keeps the result); a database that cannot be opened or written (read-only)
// is a user error that suggests it.
int runTrain(const RunOptions& options, const graph::OpRegistry& registry,
             const engine::BackendRegistry& backends);
// Evaluates saved weights on the test split.
int runEval(const RunOptions& options, const graph::OpRegistry& registry,
            const engine::BackendRegistry& backends);
// Times training and inference steps on preloaded data (warm-up excluded).
int runBench(const RunOptions& options, const graph::OpRegistry& registry,
             const engine::BackendRegistry& backends);

// netwright-cli devices [--json]: the compute devices this machine has (id, name, driver,
// memory) and the known backends it lacks, with the reason.
int runDevices(const engine::BackendRegistry& backends, bool json);

// Options of `export`: PROJECT --weights FILE --format onnx|bundle -o OUT.
struct ExportCliOptions {
    std::string project;
    std::string weights;  // a .nwweights file (train --save-weights)
    std::int64_t run = 0; // or a tracked run: its last checkpoint and its graph
    std::string db;       // the experiment database for --run (default: as `runs`)
    std::string format = "onnx";
    std::string output;
    std::string reference;     // non-empty: write the reference batch as <reference>.json etc.
    std::int64_t samples = 64; // reference batch size
    int threads = 0;
    bool int8 = false;               // bundle: INT8 post-training quantisation
    std::int64_t calibration = 1000; // training samples the INT8 ranges are calibrated on
    std::string device = "cpu";      // where the engine computes the reference outputs
};

struct ImportCliOptions {
    std::string model;   // the .onnx file
    std::string output;  // the .nwproj to write
    std::string weights; // the .nwweights to write; empty: beside the project
    std::int64_t samples = 8;
    std::string input;             // a TensorProto batch to verify on instead (--input)
    std::string writeOutput;       // where the engine's output on it goes (--write-output)
    std::vector<double> mean, std; // the input normalisation (--mean, --std)
};

// Imports an ONNX model as a project and its weights (app/export/model_import.h), verified
// against graph/onnx's reference interpreter on random samples: exit 2 on a model that does
// not import (every unmapped node named), 1 when the engine's output differs by more than
// 1e-4 relative (the files are written).
int runImport(const ImportCliOptions& options, const graph::OpRegistry& registry,
              const engine::BackendRegistry& backends);

// Exports to ONNX (runs the ONNX checker and shape inference) or to an inference bundle,
// and verifies the file against the engine on a reference batch (exit 1 when an output
// differs by more than 1e-4). docs/export.md.
int runExport(const ExportCliOptions& options, const graph::OpRegistry& registry,
              const engine::BackendRegistry& backends);

// netwright-cli infer MODEL INPUT...: top-k classes of images (PNG/JPEG) or IDX samples.
struct InferOptions {
    std::string model; // .nwbundle, or .onnx exported by netwright-cli export
    std::vector<std::string> inputs;
    int top = 3;
    int threads = 0;
    bool json = false;
};
int runInfer(const InferOptions& options);

// netwright-cli bench-infer MODEL --batch B: latency and throughput of a bundle.
struct BenchInferOptions {
    std::string model;
    std::int64_t batch = 1;
    std::int64_t runs = 0; // 0: as many as fit in about two seconds
    int threads = 0;
    bool json = false;
};
int runBenchInfer(const BenchInferOptions& options);

// netwright-cli generate PROJECT (--weights FILE | --run ID) --prompt TEXT: text from a
// trained language model (a text corpus project), streamed to stdout as it is drawn.
struct GenerateOptions {
    std::string project;
    std::string weights;
    std::int64_t run = 0;
    std::string db;
    std::string prompt;
    std::int64_t tokens = 200;
    double temperature = 1.0;
    int topK = 0;
    std::uint64_t seed = 0;
    std::optional<std::string> device;
    int threads = 0;
};
int runGenerate(const GenerateOptions& options, const graph::OpRegistry& registry,
                const engine::BackendRegistry& backends);

// netwright-cli runs: the experiment database (app/cli/runs_commands.cpp).
struct RunsOptions {
    std::string db; // empty: NETWRIGHT_DB or the XDG default
    std::vector<std::int64_t> ids;
    std::string tag;
    bool json = false;
};
int runRunsList(const RunsOptions& options);
int runRunsShow(const RunsOptions& options);
int runRunsCompare(const RunsOptions& options);
int runRunsExportCsv(const RunsOptions& options);
int runRunsTag(const RunsOptions& options);
int runRunsDelete(const RunsOptions& options);

} // namespace nw::cli
