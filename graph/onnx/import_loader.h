#pragma once
// Reading an ONNX file for import: the protobuf, its external data and its opset.

#include "base/expected.h"

#include <cstdint>
#include <filesystem>
#include <onnx/onnx_pb.h>
#include <string>
#include <vector>

namespace nw::graph::onnx_import {

struct LoadedModel {
    onnx::ModelProto model; // external data read into raw_data; opset >= kMinOpset
    std::int64_t opset = 0; // of the default domain
    std::vector<std::string> notes;
};

// Parses `file`, reads every EXTERNAL tensor (initializers and Constant nodes' values) from
// its "location" relative to the file's folder, and upgrades an opset below kMinOpset to
// kUpgradeOpset. Errors name the file (and the side file, for external data).
Expected<LoadedModel> loadModel(const std::filesystem::path& file);

} // namespace nw::graph::onnx_import
