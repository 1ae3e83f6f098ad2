#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema reshapeSchema() {
    OpSchema s;
    s.name = "Reshape";
    s.category = "Shape";
    s.doc = "Gives each sample a new shape with the same number of elements. One entry may "
            "be -1 and is then inferred.";
    s.notes = "Input `[N, ...]`. Output `[N, shape...]`. At most one entry may be −1 (inferred: "
              "`E` divided by the product of the others, which must divide `E`); 0 is an error; "
              "otherwise the element counts must match. Parameters: 0. FLOPs: 0.";
    s.attrs = {AttrSpec::ints("shape", {-1}, 1, 7, -1, 1 << 24,
                              "New shape of one sample, without the batch dimension.")};
    s.inputs = {{"input", "[N, ...]"}};
    s.outputs = {{"output", "[N, shape...]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        auto in = elementsOf(ctx.input(0));
        if (!in) {
            return in.error();
        }
        IntList target = ctx.ints("shape");
        int inferred = -1;
        std::int64_t known = 1;
        for (std::size_t i = 0; i < target.size(); ++i) {
            if (target[i] == 0) {
                return fail("shape", "element " + std::to_string(i) + " is 0");
            }
            if (target[i] == -1) {
                if (inferred >= 0) {
                    return fail("shape", "only one element may be -1");
                }
                inferred = static_cast<int>(i);
                continue;
            }
            auto next = checkedMul(known, target[i]);
            if (!next) {
                return fail("shape", "shape has too many elements");
            }
            known = *next;
        }
        if (inferred >= 0) {
            if (*in % known != 0) {
                return fail("shape", "cannot reshape " + ctx.input(0).toString() + " (" +
                                         std::to_string(*in) + " elements per sample) to " +
                                         attrValueToString(target));
            }
            target[static_cast<std::size_t>(inferred)] = *in / known;
        } else if (known != *in) {
            return fail("shape", "cannot reshape " + ctx.input(0).toString() + " (" +
                                     std::to_string(*in) + " elements per sample) to " +
                                     attrValueToString(target) + " (" + std::to_string(known) +
                                     " elements)");
        }
        return Inferred{{Shape::batched(target)}, {}, {}};
    };
    return s;
}

} // namespace nw::graph::ops
