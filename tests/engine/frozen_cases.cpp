// Fine-tuning's gradient cases: graphs with frozen nodes (graph::Node::trainable false). A
// frozen node's kernel gets undefined parameter gradients and must compute only its input
// gradient, which the trainable probe before it checks against finite differences (on the
// CPU) and against the CPU (elsewhere). One row per op with parameters, plugin ops included.
#include "tests/engine/op_cases.h"

namespace nw::testing {

namespace {

using graph::IntList;

// `c`'s graph with the nodes `frozen` (ids) set trainable = false.
graph::Graph freezing(const Chain& c, const std::vector<std::string>& frozen) {
    graph::Graph g = c.graph();
    for (const auto& id : frozen) {
        g.findNode(id)->trainable = false;
    }
    return g;
}

} // namespace

void addFrozenGradientCases(std::vector<GradientCase>& out) {
    // probe (trains) -> op (frozen) -> Loss: the op's input gradient reaches the probe.
    auto row = [&out](std::string name, std::string op, IntList shape, const std::string& probe,
                      Attrs probeAttrs, Attrs attrs) {
        Chain c(std::move(shape));
        c.add(probe, std::move(probeAttrs)).add(op, std::move(attrs));
        std::string frozen = c.last();
        c.add("Loss", kMse);
        out.push_back({std::move(name), {std::move(op)}, freezing(c, {frozen})});
    };
    row("Dense frozen", "Dense", {6}, "Dense", {{"units", 5}}, {{"units", 4}});
    row("Conv2D frozen", "Conv2D", {2, 5, 5}, "Conv2D", conv(3), conv(4));
    row("Conv3D frozen", "Conv3D", {2, 3, 4, 4}, "Conv3D",
        {{"filters", std::int64_t{3}}, {"kernel_size", IntList{2, 2, 2}}},
        {{"filters", std::int64_t{2}}, {"kernel_size", IntList{2, 2, 2}}});
    row("BatchNorm frozen", "BatchNorm", {2, 4, 4}, "Conv2D", conv(3), {});
    row("LayerNorm frozen", "LayerNorm", {5}, "Dense", {{"units", 6}}, {});
    row("PositionalEncoding learned frozen", "PositionalEncoding", {3, 4}, "Dense", {{"units", 5}},
        {{"kind", std::string("learned")}});
    row("MultiHeadAttention frozen", "MultiHeadAttention", {4, 6}, "LayerNorm", {}, {{"heads", 2}});
    row("Scale frozen", "Scale", {2, 4, 4}, "Conv2D", conv(3), {{"shape", IntList{3, 1, 1}}});
    // A fixed table concatenated before a trained Dense's output: no gradient for it.
    out.push_back({"Constant frozen", {"Constant"}, tokenGraph(true)});
    for (const char* op : {"LSTM", "GRU"}) {
        row(std::string(op) + " frozen", op, {4, 3}, "Dense", {{"units", 3}},
            {{"hidden_size", 3}, {"output", std::string("last")}});
    }
    row("LearnedSwish frozen (plugin)", "LearnedSwish", {2, 3, 3}, "Conv2D", conv(3), {});
    row("SqueezeExcite frozen (plugin)", "SqueezeExcite", {2, 3, 3}, "Conv2D", conv(4),
        {{"reduction", std::int64_t{2}}});

    // A frozen backbone: nothing before the head trains, so backward stops at the head.
    {
        Chain c({2, 5, 5});
        c.add("Conv2D", conv(3));
        std::string conv1 = c.last();
        c.add("ReLU").add("Conv2D", conv(2));
        std::string conv2 = c.last();
        c.add("Flatten").add("Dense", {{"units", 3}}).add("Loss", kMse);
        out.push_back({"frozen backbone", {"Conv2D", "Dense"}, freezing(c, {conv1, conv2})});
    }
    // Frozen, trainable, frozen: the middle one's gradient passes the frozen head.
    {
        Chain c({6});
        c.add("Dense", {{"units", 5}});
        std::string first = c.last();
        c.add("Tanh").add("Dense", {{"units", 4}}).add("Tanh").add("Dense", {{"units", 3}});
        std::string head = c.last();
        c.add("Loss", kMse);
        out.push_back({"Dense between frozen", {"Dense"}, freezing(c, {first, head})});
    }
    // A frozen Embedding first: its backward never runs (nothing before it trains).
    {
        Chain c({4});
        c.add("Embedding", {{"vocabulary", 5}, {"dimension", 3}});
        std::string embedding = c.last();
        c.add("Dense", {{"units", 2}}).add("Loss", kMse);
        out.push_back({"Embedding frozen",
                       {"Embedding"},
                       freezing(c, {embedding}),
                       {0, 3, 2, 3, 4, 1, 1, 0, 2, 2, 3, 4}});
    }
}

} // namespace nw::testing
