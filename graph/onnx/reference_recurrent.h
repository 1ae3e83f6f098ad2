#pragma once
// The reference interpreter's ONNX LSTM and GRU (reference_runner.cpp calls it): the forms
// the exporter writes (recurrent_mapping.cpp) — layout 0, no sequence_lens, zero initial
// state, the default activations, direction forward, reverse or bidirectional.

#include "base/expected.h"
#include "graph/onnx/reference_runner.h"

#include <array>
#include <onnx/onnx_pb.h>
#include <vector>

namespace nw::graph::onnx_export {

// Inputs X [T, N, C], W [D, G·H, C], R [D, G·H, H] and optionally B [D, 2·G·H] (nullptr or
// absent: zero). Returns Y [T, D, N, H] and Y_h [D, N, H].
Expected<std::array<Value, 2>> runRecurrent(const onnx::NodeProto& node,
                                            const std::vector<const Value*>& inputs);

} // namespace nw::graph::onnx_export
