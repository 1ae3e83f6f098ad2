#pragma once
// The built-in op schemas, one factory per op (graph/ops/<op>.cpp).

#include "graph/op_schema.h"

namespace nw::graph::ops {

OpSchema inputSchema();
OpSchema denseSchema();
OpSchema conv2dSchema();
OpSchema conv3dSchema();
OpSchema maxPool2dSchema();
OpSchema avgPool2dSchema();
OpSchema globalAvgPoolSchema();
OpSchema globalMaxPoolSchema();
OpSchema batchNormSchema();
OpSchema layerNormSchema();
OpSchema lrnSchema();
OpSchema dropoutSchema();
OpSchema reluSchema();
OpSchema leakyReluSchema();
OpSchema eluSchema();
OpSchema relu6Schema();
OpSchema hardSigmoidSchema();
OpSchema hardSwishSchema();
OpSchema geluSchema();
OpSchema sigmoidSchema();
OpSchema tanhSchema();
OpSchema softmaxSchema();
OpSchema flattenSchema();
OpSchema reshapeSchema();
OpSchema padSchema();
OpSchema sliceSchema();
OpSchema addSchema();
OpSchema mulSchema();
OpSchema scaleSchema();
OpSchema castSchema();
OpSchema constantSchema();
OpSchema concatSchema();
OpSchema lossSchema();
OpSchema embeddingSchema();
OpSchema positionalEncodingSchema();
OpSchema sequencePoolSchema();
OpSchema matMulSchema();
OpSchema transposeSchema();
OpSchema multiHeadAttentionSchema();
OpSchema lstmSchema();
OpSchema gruSchema();

} // namespace nw::graph::ops
