#pragma once
// One sample instead of a batch (internal to graph/onnx): a model whose input has a fixed first
// axis that is no batch (an op reads across it, or the input has a single axis) imports as a
// project that takes the whole input as one sample, through a rewrite of the model with a
// leading axis of 1 on every activation (import_lift.cpp).

#include "base/expected.h"

#include <cstdint>
#include <onnx/onnx_pb.h>

namespace nw::graph::onnx_import {

// The graph's one input that is no initializer; null when there are none or several.
const onnx::ValueInfoProto* soleInput(const onnx::ModelProto& model);

// Whether the model's one input has a fixed first dimension (a number, not a symbol).
bool hasFixedFirstAxis(const onnx::ModelProto& model);

// `model` (of default-domain `opset`) with a leading axis of 1 on its input, its output and
// every value between; an error naming the node when an op has its batch first.
Expected<onnx::ModelProto> liftToOneSample(const onnx::ModelProto& model, std::int64_t opset);

} // namespace nw::graph::onnx_import
