#pragma once
// Exporting a trained model, the whole pipeline shared by `netwright-cli export` and the
// IDE's Deploy mode: the project and its weights (a weights file or a tracked run's last
// checkpoint), then ONNX (checked by the ONNX checker and shape inference) or the inference
// bundle (optionally INT8, calibrated on training samples), written atomically and verified
// against the training engine on a reference batch of test samples. Plain C++, no Qt.

#include "base/expected.h"
#include "engine/core/backend_registry.h"
#include "graph/op_registry.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nw::app {

enum class ExportFormat { Onnx, Bundle };

struct ExportRequest {
    std::string project;  // the .nwproj file; its folder resolves the dataset's paths
    std::string weights;  // a .nwweights file (train --save-weights), or
    std::int64_t run = 0; // a tracked run: its last checkpoint and the graph it trained
    std::string db;       // the experiment database for `run` (default: as `runs`)
    ExportFormat format = ExportFormat::Onnx;
    std::string output;
    bool int8 = false;               // bundle only: INT8 post-training quantisation
    std::int64_t calibration = 1000; // training samples for the INT8 activation ranges
    std::int64_t samples = 64;       // reference batch size
    int threads = 0;                 // CPU threads (0: every core)
    std::string device = "cpu";      // where the engine computes the reference outputs
    std::string reference; // ONNX: also write the reference batch as <reference>.json etc.
    // The ops the project may use (the built-in ones and the plugins'); null: the built-in.
    const graph::OpRegistry* registry = nullptr;
};

// One output of the exported model against the engine's.
struct VerificationRow {
    std::string output;
    double maxAbs = 0;
    double maxRel = 0; // max |a - b| / max(|b|, 1e-3)
    std::int64_t sameTop1 = -1; // INT8: reference samples whose top class the engine's is
    std::int64_t samples = 0;
    // Import: max |a - b| / max |b|, the error against the output's scale, which decides
    // PASS there (a deep network's near-zero outputs make maxRel measure rounding); -1: unset.
    double scaleRel = -1;
};

// Top-1 test accuracy of the f32 and the INT8 bundle.
struct AccuracyChange {
    std::int64_t samples = 0;
    std::string split; // e.g. "fashion-mnist/test"
    double f32 = 0;
    double int8 = 0;
    double points() const { return 100.0 * (int8 - f32); }
};

struct ExportReport {
    ExportFormat format = ExportFormat::Onnx;
    std::string output;
    std::vector<std::string> summary; // what was written, in order ("wrote ...", "ONNX
                                      // checker: passed", "INT8: ...", ...)
    std::string referenceSource;      // "64 test samples of ..., normalised as in training"
    std::string verificationTitle;    // "the engine against the bundle (libnetwright_rt)"
    double tolerance = 0;             // largest absolute error allowed; 0 for INT8
    std::vector<VerificationRow> rows;
    std::optional<AccuracyChange> accuracy; // INT8 bundles
    std::string accuracyNote;               // why the accuracy was not measured
    std::vector<std::string> notes;         // e.g. "the project has changed since run 3"
    std::vector<std::string> warnings;      // e.g. INT8 losing more than 0.5 points
    bool verified = true; // false: the file was written but differs from the engine by more
                          // than `tolerance` (a bug to report)
};

// Messages while it works ("calibrating INT8 ranges on 1000 training samples", ...).
using ExportProgress = std::function<void(const std::string&)>;

// User errors name the file, run, node or field; nothing is written when the model cannot be
// exported. A file is written (atomically) before verification, so `verified` false still
// leaves it in place.
// `backends` opens request.device for the engine's reference outputs.
Expected<ExportReport> exportModel(const ExportRequest& request,
                                   const engine::BackendRegistry& backends,
                                   const ExportProgress& progress = {});

// The report as netwright-cli prints it (notes and warnings excluded: they go to stderr).
std::string formatReport(const ExportReport& report);

} // namespace nw::app
