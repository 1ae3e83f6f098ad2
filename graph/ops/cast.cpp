#include "base/number_formats.h"
#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema castSchema() {
    OpSchema s;
    s.name = "Cast";
    s.category = "Tensor";
    s.doc = "Rounds each value to the nearest one a narrower number format holds (float16, "
            "bfloat16, the float8 and float4 formats, integers of 2 to 32 bits), as ONNX's Cast "
            "to "
            "that format and back computes; the tensor stays float32. Backward passes the "
            "gradient straight through.";
    s.notes = "Ties go to even. `saturate` (the float8 formats): values beyond the largest "
              "finite one, and infinities, become it instead of inf or NaN. float8e8m0 holds "
              "powers of two only: `round_mode` picks one (up, down, nearest, as ONNX). The "
              "integers truncate toward zero and are 0 outside their range, as onnx's "
              "reference casts. Output: the input's shape. Parameters: 0. FLOPs: `E`.";
    std::vector<std::string> formats;
    for (int k = 0; k <= static_cast<int>(NumberFormat::UInt32); ++k) {
        formats.emplace_back(numberFormatName(static_cast<NumberFormat>(k)));
    }
    s.attrs = {
        AttrSpec::choice("to", "float16", formats, "The number format the values are rounded to."),
        AttrSpec::boolean("saturate", true,
                          "Float8 formats: clip to the largest finite value (ONNX's default)."),
        AttrSpec::choice("round_mode", "up", {"up", "down", "nearest"},
                         "float8e8m0: which power of two a value between two becomes."),
    };
    s.inputs = {{"input", "[N, ...]"}};
    s.outputs = {{"output", "same shape as the input"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        auto n = elementsOf(ctx.input(0));
        if (!n) {
            return n.error();
        }
        Inferred out;
        out.outputs = {ctx.input(0)};
        out.cost.flops = *n;
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
