#pragma once
// Bringing an ONNX model in, as `netwright-cli import` and the IDE's File > Import ONNX… do:
// graph/onnx's importer turns the model into a project and its weights; the engine compiles
// it on the CPU with those weights; the same random batch then runs through the engine and
// through graph/onnx's reference interpreter on the original model, and the largest error of
// the output is reported against a tolerance. Only then are the weights and the project
// written (each atomically). No Qt.

#include "app/export/model_export.h"
#include "base/expected.h"
#include "engine/core/backend_registry.h"
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
    const graph::OpRegistry* registry = nullptr; // null: the built-in ops
};

struct ImportReport {
    std::filesystem::path project, weights; // what was written
    std::vector<std::string> summary;       // "imported 14 nodes ...", "wrote ..."
    std::vector<std::string> notes;         // the importer's (opset upgrade, dropped Softmax)
    double tolerance = 1e-4;                // largest relative error that passes
    std::vector<VerificationRow> rows;      // the model's output against the engine's
    // Why the output was not compared (the reference interpreter lacks one of the model's
    // ops); empty when it was.
    std::string unverifiedReason;
    bool verified = true; // false: written, but the engine's output differs beyond tolerance
};

// User errors name the file or node (the importer's); nothing is written when the model
// cannot be imported or compiled.
Expected<ImportReport> importModel(const ImportRequest& request,
                                   const engine::BackendRegistry& backends);

// The report as netwright-cli prints it (notes excluded: they go to stderr).
std::string formatImportReport(const ImportReport& report);

} // namespace nw::app
