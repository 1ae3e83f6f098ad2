#pragma once
// The cases of the cross-backend op harness (test_op_harness.cpp), shared with the coverage
// test (test_op_coverage.cpp), which fails when a registered op has no gradient case or no
// forward case here.
//
// A forward case is a tiny graph Input -> op -> Loss with hand-computed values: given
// inputs and parameters, the prediction (the Loss node's input) and optionally the loss. A
// gradient case is a small graph Input -> probe (a layer with parameters) -> op -> ... ->
// Loss whose backward is checked against central finite differences on the CPU, and against
// the CPU on every other backend.

#include "graph/graph.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace nw::testing {

using Attrs = graph::AttrMap;

// Builds graphs by chaining nodes: each add() connects the previous node to the new one.
class Chain {
public:
    explicit Chain(graph::IntList inputShape) { add("Input", {{"shape", inputShape}}); }
    Chain& add(const std::string& op, Attrs attrs = {}, std::vector<std::string> extraInputs = {}) {
        std::string id = m_graph.uniqueId(op);
        m_graph.addNode({id, op, std::move(attrs), {}});
        if (!m_last.empty()) {
            m_graph.addEdge({{m_last, 0}, {id, 0}});
        }
        int port = 1;
        for (const auto& from : extraInputs) {
            m_graph.addEdge({{from, 0}, {id, port++}});
        }
        m_last = id;
        return *this;
    }
    // Adds a node fed from `from` without making it the chain's end.
    std::string branch(const std::string& from, const std::string& op, Attrs attrs = {}) {
        std::string id = m_graph.uniqueId(op);
        m_graph.addNode({id, op, std::move(attrs), {}});
        m_graph.addEdge({{from, 0}, {id, 0}});
        return id;
    }
    const std::string& last() const { return m_last; }
    const std::string& first() const { return m_graph.nodes().front().id; }
    graph::Graph graph() const { return m_graph; }

private:
    graph::Graph m_graph;
    std::string m_last;
};

inline Attrs conv(std::int64_t filters, graph::IntList k = {3, 3}, graph::IntList pad = {1, 1}) {
    return {{"filters", filters}, {"kernel_size", k}, {"padding", pad}};
}
inline const Attrs kMse{{"loss", std::string("mse")}};

struct ForwardCase {
    std::string name;
    std::vector<std::string> ops; // the ops this case checks
    graph::Graph graph;
    std::int64_t batch = 1;
    bool training = false;    // a training forward (batch statistics, dropout)
    std::vector<float> input; // [batch, ...] row-major
    // Every parameter and state tensor, in the plan's order (nodes in topological order,
    // each node's in its schema's declaration order), row-major.
    std::vector<std::vector<float>> params;
    std::vector<float> targets;    // class labels (as floats) or values like the prediction
    std::vector<float> prediction; // expected; empty: `check` decides
    double loss = -1;              // expected mean loss; < 0: not checked
    double tolerance = 1e-5;       // relative to max(1, |expected|)
    // A property of the prediction instead of exact values (dropout): an empty string when
    // it holds, else what is wrong.
    std::function<std::string(const std::vector<float>& input, const std::vector<float>& out)>
        check;
};

struct GradientCase {
    std::string name;
    std::vector<std::string> ops; // the ops whose backward this case checks
    graph::Graph graph;
    // The input, [3, ...] row-major (token ids); empty: a seeded N(0, 1) draw.
    std::vector<float> input = {};
};

// Input [3] -> Dense (4), and a Constant "token" [2] before it, through a Concat into a Dense
// "head" (2) -> Loss (mse): a learned token before the patches, as ViT's; `frozenToken`
// freezes the token.
graph::Graph tokenGraph(bool frozenToken);

std::vector<ForwardCase> forwardCases();
std::vector<GradientCase> gradientCases();

// MultiHeadAttention's cases (attention_cases.cpp).
void addAttentionForwardCases(std::vector<ForwardCase>& out);
void addAttentionGradientCases(std::vector<GradientCase>& out);

// Embedding's, PositionalEncoding's, SequencePool's, MatMul's and Transpose's
// (sequence_cases.cpp).
void addSequenceForwardCases(std::vector<ForwardCase>& out);
void addSequenceGradientCases(std::vector<GradientCase>& out);

// Pad's and LRN's (pad_lrn_cases.cpp).
void addPadLrnForwardCases(std::vector<ForwardCase>& out);
void addPadLrnGradientCases(std::vector<GradientCase>& out);

// Slice's (slice_cases.cpp).
void addSliceForwardCases(std::vector<ForwardCase>& out);
void addSliceGradientCases(std::vector<GradientCase>& out);

// MaxPool2D's and AvgPool2D's ceil_mode, asymmetric padding, dilation and
// count_include_pad (pool_cases.cpp).
void addPoolForwardCases(std::vector<ForwardCase>& out);
void addPoolGradientCases(std::vector<GradientCase>& out);

// LSTM's and GRU's (recurrent_cases.cpp).
void addRecurrentForwardCases(std::vector<ForwardCase>& out);
void addRecurrentGradientCases(std::vector<GradientCase>& out);

// Graphs with frozen nodes (fine-tuning), one per op with parameters (frozen_cases.cpp).
void addFrozenGradientCases(std::vector<GradientCase>& out);

} // namespace nw::testing
