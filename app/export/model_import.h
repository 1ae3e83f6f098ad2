#pragma once
// Bringing an ONNX model in, as `netwright-cli import` and the IDE's File > Import ONNX… do:
// graph/onnx's importer turns the model into a project and its weights; the engine compiles
// it on the CPU with those weights; the same random batch then runs through the engine and
// through graph/onnx's reference interpreter on the original model, and the largest error of
// the output is reported against a tolerance. Only then are the weights and the project
// written (each atomically); the project's training.initial_weights names the weights file,
// so that training it fine-tunes the imported model. No Qt.

#include "app/export/model_export.h"
#include "base/expected.h"
#include "engine/core/backend_registry.h"
#include "graph/onnx/onnx_import.h"
#include "graph/op_registry.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace nw::app {

struct ImportRequest {
    std::filesystem::path model;   // the .onnx file (its external data beside it)
    std::filesystem::path project; // the .nwproj to write
    // The .nwweights to write; empty: the project's path with the extension .nwweights.
    std::filesystem::path weights;
    std::int64_t samples = 8; // random samples through both, for the verification
    // A batch to verify on instead of random samples: an ONNX TensorProto (.pb) of the
    // model input's shape, its first axis the batch (real data, or what another runtime ran).
    std::filesystem::path input;
    // Where to write the engine's output on that batch, as a TensorProto (.pb), so that
    // another runtime's can be compared with it; empty: not written.
    std::filesystem::path outputValues;
    // The input normalisation x' = (x / 255 - mean) / std the model was trained with, per
    // channel (or one value for all), which ONNX files do not record; it overrides our own
    // exporter's metadata. Empty: from the metadata, or none.
    std::vector<double> mean, std;
    const graph::OpRegistry* registry = nullptr; // null: the built-in ops
};

struct ImportReport {
    std::filesystem::path project, weights; // what was written
    std::filesystem::path input;            // the verification batch's file; empty: random
    std::vector<std::string> summary;       // "imported 14 nodes ...", "wrote ..."
    std::vector<std::string> notes;         // the importer's (opset upgrade, dropped Softmax)
    double tolerance = 1e-4; // largest error, against the output's largest value, that passes
    std::vector<VerificationRow> rows; // the model's output against the engine's
    // Why the output was not compared (the reference interpreter lacks one of the model's
    // ops); empty when it was.
    std::string unverifiedReason;
    bool verified = true; // false: written, but the engine's output differs beyond tolerance
};

// User errors name the file or node (the importer's); nothing is written when the model
// cannot be imported or compiled.
Expected<ImportReport> importModel(const ImportRequest& request,
                                   const engine::BackendRegistry& backends);

// The imported model compiled on the CPU with its weights, run on one batch: `input` holds
// `batch` samples of the Input node's shape; the prediction (the Loss node's input) comes
// back. For the conformance test, which feeds the ONNX tests' own inputs.
Expected<std::vector<float>> runImported(const graph::onnx_import::ImportedModel& imported,
                                         const graph::OpRegistry& registry,
                                         const engine::BackendRegistry& backends,
                                         std::int64_t batch, const std::vector<float>& input);

// The report as netwright-cli prints it (notes excluded: they go to stderr).
std::string formatImportReport(const ImportReport& report);

} // namespace nw::app
