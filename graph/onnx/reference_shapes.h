#pragma once
// The reference interpreter's integer side and its slicing (internal to graph/onnx): the
// shape arithmetic exporters write in front of Reshape and Slice (PyTorch: Shape -> Gather ->
// Div -> Unsqueeze -> Concat), evaluated on int64 tensors so that integer division truncates
// as ONNX's does, and Slice and Split of float tensors.

#include "base/expected.h"
#include "graph/onnx/reference_runner.h"

#include <cstdint>
#include <map>
#include <onnx/onnx_pb.h>
#include <string>
#include <vector>

namespace nw::graph::onnx_export {

// Int64 tensors of a run by value name: their elements, row-major, and (where known) dims; a
// tensor with no entry in the dims map is 1-D.
using IntValues = std::map<std::string, std::vector<std::int64_t>>;

// Runs `n` on integers when it is a Constant, a Shape, or shape arithmetic with every input an
// int64 tensor (Identity, Cast, Gather, Unsqueeze, Squeeze, Concat, Add, Sub, Mul, Div, Slice,
// Reshape): its output goes into `ints` and `intDims`, or into `values` for a float Constant
// or a Cast to float. false: `n` is none of these, the float ops run it.
Expected<bool> runIntegerNode(const onnx::NodeProto& n, IntValues& ints, IntValues& intDims,
                              std::map<std::string, Value>& values);

// Slice of a float tensor (opset 10 on): starts, ends, axes and steps as int64 inputs (from
// `ints`, or integral floats in `in`), with ONNX's clamping.
Expected<Value> runSlice(const onnx::NodeProto& n, const std::vector<const Value*>& in,
                         const IntValues& ints);

// Split of a float tensor along `axis` into the node's outputs: sizes from the input `split`
// (opset 13 on), the attribute `split` (before), or equal parts (num_outputs in opset 18, else
// the number of outputs; the last part smaller when they do not divide).
Expected<std::vector<Value>> runSplit(const onnx::NodeProto& n, const std::vector<const Value*>& in,
                                      const IntValues& ints);

} // namespace nw::graph::onnx_export
