#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema padSchema() {
    OpSchema s;
    s.name = "Pad";
    s.category = "Shape";
    s.doc = "Pads the height and width of [N, C, H, W]: with a constant, by reflection about "
            "the border (without repeating it) or by repeating the border.";
    s.notes = "Input `[N, C, H, W]`. Output `[N, C, H + top + bottom, W + left + right]`. "
              "`constant` fills with `value`; `reflect` mirrors about the first and last row "
              "and column without repeating them (`[1, 2, 3]` padded by 2 on the left: "
              "`[3, 2, 1, 2, 3]`) and needs each pad below its dimension; `edge` repeats the "
              "first and last row and column. Corners follow from padding the rows, then the "
              "columns. Parameters: 0. FLOPs: 0 (a copy).";
    s.attrs = {
        AttrSpec::ints("padding", {1, 1, 1, 1}, 4, 4, 0, 1024,
                       "Rows and columns added: top, bottom, left, right."),
        AttrSpec::choice("mode", "constant", {"constant", "reflect", "edge"},
                         "constant: fill with value; reflect: mirror about the border; edge: "
                         "repeat the border."),
        AttrSpec::real("value", 0.0, -1e9, 1e9, "The fill of constant mode."),
    };
    s.inputs = {{"input", "[N, C, H, W]"}};
    s.outputs = {{"output", "[N, C, H', W']"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto e = requireRank(x, 4, "[N, C, H, W]")) {
            return *e;
        }
        const auto& p = ctx.ints("padding");
        if (ctx.s("mode") == "reflect") {
            const char* side[] = {"top", "bottom", "left", "right"};
            for (int k = 0; k < 4; ++k) {
                const std::int64_t dim = x[2 + k / 2];
                if (p[std::size_t(k)] >= dim) {
                    return fail("padding", std::string("reflect padding needs each pad below its "
                                                       "dimension: ") +
                                               side[k] + " " + std::to_string(p[std::size_t(k)]) +
                                               " is not below " + (k < 2 ? "H = " : "W = ") +
                                               std::to_string(dim) + " of " + x.toString());
                }
            }
        }
        Shape y = Shape::batched({x[1], x[2] + p[0] + p[1], x[3] + p[2] + p[3]});
        auto n = elementsOf(y, "padding");
        if (!n) {
            return n.error();
        }
        Inferred out;
        out.outputs = {y};
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
