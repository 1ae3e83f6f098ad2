#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema concatSchema() {
    OpSchema s;
    s.name = "Concat";
    s.category = "Merge";
    s.doc = "Joins two or more tensors along `axis`; every other dimension must match.";
    s.notes = "Inputs `in 0`, `in 1`, … (at least 2), of one rank. `axis` must be an axis of the "
              "inputs and may not resolve to the batch axis 0; every other dimension must match. "
              "Output: the inputs' `axis` dimensions summed. Parameters: 0. FLOPs: 0.";
    s.attrs = {AttrSpec::integer("axis", 1, -8, 7,
                                 "Axis to join along (1 = channels); negative counts from the "
                                 "end. Cannot be the batch axis 0.")};
    s.inputs = {{"in", "Tensors equal in every dimension but `axis`.", true, 2}};
    s.outputs = {{"output", "the joined tensor"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& first = ctx.input(0);
        auto axis = normaliseAxis(ctx.i("axis"), first.rank());
        if (!axis || *axis == 0) {
            return fail("axis", "axis " + std::to_string(ctx.i("axis")) +
                                    " is not a non-batch axis of " + first.toString());
        }
        Shape out = first;
        for (std::size_t i = 1; i < ctx.inputs().size(); ++i) {
            const Shape& x = ctx.inputs()[i];
            std::string port = "in " + std::to_string(i);
            bool compatible = x.rank() == first.rank();
            for (int d = 0; compatible && d < x.rank(); ++d) {
                compatible = d == *axis || x[d] == first[d];
            }
            if (!compatible) {
                return fail(port, "shape mismatch: input '" + port + "' is " + x.toString() +
                                      " but input 'in 0' is " + first.toString() + "; only axis " +
                                      std::to_string(*axis) + " may differ");
            }
            auto joined = checkedAdd(out.dims[static_cast<std::size_t>(*axis)], x[*axis]);
            if (!joined) {
                return fail(port, "joined axis is too large");
            }
            out.dims[static_cast<std::size_t>(*axis)] = *joined;
        }
        if (!out.perSampleElements()) {
            return fail("axis", "joined tensor " + out.toString() + " is too large");
        }
        return Inferred{{out}, {}, {}};
    };
    return s;
}

} // namespace nw::graph::ops
