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
    std::int64_t params = 0;    // trainable
    std::int64_t flops = 0;     // per sample, forward
    std::string device;         // where it runs ("cuda:0", "cpu"); empty: not placed
};

struct ModelSummary {
    std::vector<SummaryRow> rows;
    OpCost totals;
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

// The summary as a fixed-width text table with a totals footer.
std::string formatSummaryTable(const ModelSummary& summary);

} // namespace nw::graph
