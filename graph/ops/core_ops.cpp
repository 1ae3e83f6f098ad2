#include "graph/ops/core_ops.h"

#include "graph/op_registry.h"

#include <stdexcept>

namespace nw::graph {

// The explicit list of built-in ops, in palette order.
void registerCoreOps(OpRegistry& registry) {
    using namespace ops;
    OpSchema (*const factories[])() = {
        inputSchema,         denseSchema,     conv2dSchema,    conv3dSchema,
        maxPool2dSchema,     avgPool2dSchema, globalAvgPoolSchema,
        globalMaxPoolSchema, batchNormSchema, layerNormSchema,
        lrnSchema,           dropoutSchema,   reluSchema,
        leakyReluSchema,     eluSchema,       relu6Schema,
        hardSigmoidSchema,   hardSwishSchema, geluSchema,
        sigmoidSchema,       tanhSchema,      softmaxSchema,
        flattenSchema,       reshapeSchema,   padSchema,
        sliceSchema,         addSchema,       mulSchema,
        scaleSchema,         castSchema,      constantSchema,
        concatSchema,        embeddingSchema, positionalEncodingSchema,
        sequencePoolSchema,  matMulSchema,    transposeSchema,
        lstmSchema,          gruSchema,       multiHeadAttentionSchema,
        lossSchema,
    };
    for (auto* factory : factories) {
        auto status = registry.add(factory());
        if (!status) {
            // A malformed built-in schema is a programming error caught by every test run.
            throw std::logic_error(status.error().message);
        }
    }
}

} // namespace nw::graph
