#pragma once
// The one-node mappers of the ONNX import (internal to graph/onnx), one function per ONNX op:
// import_layers.cpp (the ops with weights or windows), import_slice.cpp (Slice, Split),
// import_tensor_ops.cpp (the rest);
// mapNode() (import_mapping.cpp) holds the table of them. Each returns mapped(), why not, or
// unknownInput() (import_state.h).

#include "graph/onnx/import_state.h"

#include <string>
#include <vector>

namespace nw::graph::onnx_import {

inline Why fail(std::string why) {
    return why;
}
// Input `i` as an activation in `ref`, or why it is none.
Why activationInput(const MapContext& c, int i, int& ref);
// Input `i` as an activation in `ref` and its shape in `shape`, or why not (unknownInput()
// when the shape is unknown).
Why shapedInput(const MapContext& c, int i, int& ref, Shape& shape);
// Constant input `i` as a Constant node beside an activation of shape `like`: its dims are
// one sample's (a rank one below `like`'s, or a leading 1 dropped), learned when it is a tensor
// initializer; or why not.
Why constantInput(MapContext& c, int i, const Shape& like, int& ref);
// Inputs 0 and 1 as activations with their shapes, or why not.
Why shapedInputs(const MapContext& c, int& a, Shape& sa, int& b, Shape& sb);
// The anchor's output 0 is planned node `ref`.
Why done(MapContext& c, int ref);
// Outputs past the first are optional in these ops; one in use has no Netwright equivalent.
Why refuseExtraOutputs(const MapContext& c, const char* what);
std::string dimsText(const std::vector<std::int64_t>& dims); // "[1, 2]"

// import_layers.cpp
Why mapConv(MapContext& c);
Why mapPool(MapContext& c, bool isMax);
Why mapGlobalPool(MapContext& c, bool isMax); // GlobalAveragePool, GlobalMaxPool
Why mapBatchNorm(MapContext& c);
Why mapLayerNorm(MapContext& c);
Why mapPad(MapContext& c);
Why mapLrn(MapContext& c);
Why mapGemm(MapContext& c);
Why mapMatMul(MapContext& c);

// import_tensor_ops.cpp
Why mapUnary(MapContext& c, const char* op, AttrMap attrs = {});
Why mapIdentity(MapContext& c);
Why mapDropout(MapContext& c);
Why mapCast(MapContext& c);
Why mapSoftmax(MapContext& c);
Why mapFlatten(MapContext& c);
Why mapReshape(MapContext& c);
Why mapSqueeze(MapContext& c, bool unsqueeze);
Why mapTranspose(MapContext& c);
Why mapJoin(MapContext& c, const char* op, AttrMap attrs); // Concat, Sum
Why mapConcat(MapContext& c);
Why mapAdd(MapContext& c);
Why mapMul(MapContext& c);
Why mapExpand(MapContext& c);
Why mapArithmetic(MapContext& c, char op); // '+', '-', '*', '/' with a constant operand
Why mapReduce(MapContext& c, bool isMax);
Why mapGather(MapContext& c);

// import_slice.cpp
Why mapSlice(MapContext& c);
Why mapSplit(MapContext& c); // one Slice per output in use

} // namespace nw::graph::onnx_import
