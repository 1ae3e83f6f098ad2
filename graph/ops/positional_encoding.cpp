#include "graph/ops/positional_encoding.h"

#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

#include <cmath>

namespace nw::graph::ops {

std::vector<float> sinusoidalTable(std::int64_t length, std::int64_t channels) {
    std::vector<float> table(static_cast<std::size_t>(length * channels));
    for (std::int64_t t = 0; t < length; ++t) {
        for (std::int64_t c = 0; c < channels; ++c) {
            double angle = double(t) / std::pow(10000.0, double(c - c % 2) / double(channels));
            table[static_cast<std::size_t>(t * channels + c)] =
                static_cast<float>(c % 2 == 0 ? std::sin(angle) : std::cos(angle));
        }
    }
    return table;
}

OpSchema positionalEncodingSchema() {
    OpSchema s;
    s.name = "PositionalEncoding";
    s.category = "Sequence";
    s.doc = "Adds a position-dependent vector to each step of a sequence [N, T, C].";
    s.notes = "Input and output `[N, T, C]`. `sinusoidal`: the Transformer paper's fixed table, "
              "`sin(t / 10000^(2i/C))` on channel `2i` and `cos` of the same angle on channel "
              "`2i + 1`; no parameters. `learned`: parameter `position [T, C]`, initialised "
              "N(0, 0.02²) (BERT's and GPT-2's position tables), one row per step of this "
              "graph's fixed T. Parameters: 0 or `T·C`. FLOPs: `T·C` (one add per element).";
    s.attrs = {
        AttrSpec::choice("kind", "sinusoidal", {"sinusoidal", "learned"},
                         "A fixed sine/cosine table or a learned one."),
    };
    s.inputs = {{"input", "[N, T, C]"}};
    s.outputs = {{"output", "[N, T, C]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto e = requireRank(x, 3, "[N, T, C]")) {
            return *e;
        }
        auto n = elementsOf(x);
        if (!n) {
            return n.error();
        }
        Inferred out;
        out.outputs = {x};
        out.cost.flops = *n;
        return out;
    };
    // position [T, C] when learned.
    s.params = [](const InferContext& ctx) {
        if (ctx.s("kind") != "learned") {
            return std::vector<ParamSpec>{};
        }
        const Shape& x = ctx.input(0);
        return std::vector<ParamSpec>{{"position", {x[1], x[2]}, Init::SmallNormal}};
    };
    return s;
}

} // namespace nw::graph::ops
