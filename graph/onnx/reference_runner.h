#pragma once
// A small reference interpreter for the ONNX models exportModel() writes, so an export can
// verify itself in-process (Debian has no ONNX Runtime). It reads the ModelProto — not our
// graph — and runs it with plain loops, accumulating in double: only the ONNX ops and the
// attribute forms the exporter emits (docs/export.md), anything else is an internal error.
// It is a check, not a runtime: no speed, no broadcasting beyond a scalar operand or a
// trailing block (a bias [C] or a table [T, C] added to [N, T, C]).

#include "base/expected.h"

#include <cstdint>
#include <map>
#include <onnx/onnx_pb.h>
#include <string>
#include <vector>

namespace nw::graph::onnx_export {

// A dense row-major f32 tensor on the host.
struct Value {
    std::vector<std::int64_t> dims;
    std::vector<float> data;
};

// Runs `model` on `input` (bound to the graph's only input) and returns every graph output
// by name.
Expected<std::map<std::string, Value>> runModel(const onnx::ModelProto& model, Value input);

} // namespace nw::graph::onnx_export
