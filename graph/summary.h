#pragma once
// The per-layer model summary (like Keras' model.summary or torchinfo), built from an
// analysis: one row per node in topological order, and totals.

#include "graph/analysis.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nw::graph {

struct SummaryRow {
    std::string node;
    std::string op;
    std::vector<Shape> outputs; // empty when the node could not be inferred
    std::int64_t params = 0;    // learnable (the op's trainable parameters), frozen or not
    bool frozen = false;        // Node::trainable is false: `params` are not trained
    std::int64_t flops = 0;     // per sample, forward
    std::string device;         // where it runs ("cuda:0", "cpu"); empty: not placed
};

struct ModelSummary {
    std::vector<SummaryRow> rows;
    // totals.trainableParams counts the nodes that train; the frozen nodes' learnable
    // parameters are frozenParams; totals.nonTrainableParams is state (running statistics).
    OpCost totals;
    std::int64_t frozenParams = 0;
    // fp32 bytes of every output tensor for one sample (activations kept for backward).
    std::int64_t activationBytesPerSample = 0;
    std::int64_t parameterBytes = 0; // fp32, trainable and non-trainable
};

ModelSummary summarize(const Graph& graph, const GraphAnalysis& analysis);

// "421,834"
std::string formatCount(std::int64_t n);
// "12.5 MFLOPs", "843 FLOPs"
std::string formatFlops(std::int64_t flops);
// "1.6 MiB"
std::string formatBytes(std::int64_t bytes);
// "843", "12.5K", "1.2M", "3.4B"
std::string formatCompactCount(std::int64_t n);
// "421.8K trainable", or with frozen nodes "1.2M trainable, 10.3M frozen"
std::string formatParameterSplit(const ModelSummary& summary);

// The summary as a fixed-width text table with a totals footer.
std::string formatSummaryTable(const ModelSummary& summary);

} // namespace nw::graph
