// The hand-built Slice and Split models of test_onnx_import (see onnx_import_support.h): the
// bounds ONNX allows (negative, INT64_MAX, an axes input, the batch axis kept whole), the sizes
// of Split in each opset's form, torchvision's ShuffleNet v2 unit with its shape arithmetic,
// and the forms the import refuses.
#include "tests/export/onnx_import_support.h"

#include <limits>

namespace nw::testing {

namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// Slice of `in` by int64 initializers "<name>.starts", ... (axes and steps left out when empty).
void addSlice(onnx::GraphProto& g, const std::string& name, const std::string& in,
              std::vector<std::int64_t> starts, std::vector<std::int64_t> ends,
              std::vector<std::int64_t> axes, std::vector<std::int64_t> steps,
              const std::string& out) {
    const auto n = static_cast<std::int64_t>(starts.size());
    addInt64Init(g, name + ".starts", {n}, std::move(starts));
    addInt64Init(g, name + ".ends", {n}, std::move(ends));
    std::vector<std::string> inputs{in, name + ".starts", name + ".ends"};
    if (!axes.empty() || !steps.empty()) {
        inputs.push_back(axes.empty() ? "" : name + ".axes");
        if (!axes.empty()) {
            addInt64Init(g, name + ".axes", {n}, std::move(axes));
        }
    }
    if (!steps.empty()) {
        addInt64Init(g, name + ".steps", {n}, std::move(steps));
        inputs.push_back(name + ".steps");
    }
    addNode(g, "Slice", name, inputs, {out});
}

// Gather of element `index` of the 1-D int64 `shape` (a scalar index: a scalar result).
std::string dimOf(onnx::GraphProto& g, const std::string& shape, std::int64_t index,
                  const std::string& name) {
    addIntConstant(g, name + "_i", {}, {index});
    addInt(addNode(g, "Gather", name, {shape, name + "_i_output_0"}, {name + "_v"}), "axis", 0);
    return name + "_v";
}

// `scalar` as a 1-D tensor of one element (Unsqueeze with the axes input [0], opset 13 on).
std::string unsqueezed(onnx::GraphProto& g, const std::string& scalar) {
    addInt64Init(g, scalar + "_axes", {1}, {0});
    addNode(g, "Unsqueeze", scalar + "_u", {scalar, scalar + "_axes"}, {scalar + "_u"});
    return scalar + "_u";
}

const ForeignForm kForms[] = {
    {"Slice from a negative start to INT64_MAX on an axes input",
     {6, 2, 2},
     [](onnx::GraphProto& g, std::mt19937&) {
         addSlice(g, "s", "x", {-4}, {kMax}, {1}, {}, "c");
         addNode(g, "Flatten", "flat", {"c"}, {"f"});
         return std::string("f");
     },
     "x:Input s:Slice flat:Flatten loss:Loss",
     "s.axis=1; s.start=2; s.end=6",
     true},
    {"Slice to a negative end without axes, the batch and the last axis whole",
     {5, 3},
     [](onnx::GraphProto& g, std::mt19937&) {
         addSlice(g, "s", "x", {0, 1, -7}, {kMax, -1, 3}, {}, {}, "c");
         addNode(g, "Flatten", "flat", {"c"}, {"f"});
         return std::string("f");
     },
     "x:Input s:Slice flat:Flatten loss:Loss",
     "s.axis=1; s.start=1; s.end=4",
     true},
    {"Slice on a negative axis with steps of 1, H of [N, C, H, W]",
     {2, 5, 3},
     [](onnx::GraphProto& g, std::mt19937&) {
         addSlice(g, "s", "x", {1}, {-1}, {-2}, {1}, "c");
         addNode(g, "Flatten", "flat", {"c"}, {"f"});
         return std::string("f");
     },
     "x:Input s:Slice flat:Flatten loss:Loss",
     "s.axis=-2; s.start=1; s.end=4",
     true},
    {"ShuffleNet v2's unit: chunk(2) and the channel shuffle as torch.onnx writes them",
     {4, 3, 3},
     [](onnx::GraphProto& g, std::mt19937& r) {
         // x.chunk(2, dim=1): the bounds from the Shape, (C + 1) / 2 and its double.
         addNode(g, "Shape", "shape", {"x"}, {"sh"});
         addInt64Init(g, "one", {1}, {1});
         addInt64Init(g, "two", {1}, {2});
         addInt64Init(g, "zero", {1}, {0});
         addInt(addNode(g, "Gather", "channels", {"sh", "one"}, {"ch"}), "axis", 0);
         addNode(g, "Add", "plus1", {"ch", "one"}, {"c1"});
         addNode(g, "Div", "half", {"c1", "two"}, {"hf"});
         addNode(g, "Mul", "end1", {"hf", "one"}, {"e1"});
         addNode(g, "Mul", "end2", {"hf", "two"}, {"e2"});
         addNode(g, "Slice", "a", {"x", "zero", "e1", "one"}, {"xa"});
         addNode(g, "Slice", "b", {"x", "e1", "e2", "one"}, {"xb"});
         addFloatInit(g, "w", {2, 2, 1, 1}, r);
         addNode(g, "Conv", "conv", {"xb", "w"}, {"cb"});
         addNode(g, "Relu", "relu", {"cb"}, {"rb"});
         addInt(addNode(g, "Concat", "cat", {"xa", "rb"}, {"j"}), "axis", 1);
         // channel_shuffle(j, 2): view(N, 2, C / 2, H, W), transpose(1, 2), view(N, C, H, W).
         addNode(g, "Shape", "shape2", {"j"}, {"sj"});
         const std::string n = dimOf(g, "sj", 0, "n"), c = dimOf(g, "sj", 1, "c");
         const std::string h = dimOf(g, "sj", 2, "h"), w = dimOf(g, "sj", 3, "w");
         addIntConstant(g, "groups", {}, {2});
         addNode(g, "Div", "per_group", {c, "groups_output_0"}, {"cpg"});
         addInt(addNode(g, "Cast", "cast", {"cpg"}, {"cpgi"}), "to", 7);
         const std::string un = unsqueezed(g, n), uc = unsqueezed(g, c);
         const std::string ucpg = unsqueezed(g, "cpgi"), uh = unsqueezed(g, h);
         const std::string uw = unsqueezed(g, w);
         addInt(addNode(g, "Concat", "shape5", {un, "two", ucpg, uh, uw}, {"s5"}), "axis", 0);
         addNode(g, "Reshape", "r5", {"j", "s5"}, {"j5"});
         addInts(addNode(g, "Transpose", "t", {"j5"}, {"t5"}), "perm", {0, 2, 1, 3, 4});
         addInt(addNode(g, "Concat", "shape4", {un, uc, uh, uw}, {"s4"}), "axis", 0);
         addNode(g, "Reshape", "r4", {"t5", "s4"}, {"j4"});
         addNode(g, "Flatten", "flat", {"j4"}, {"f"});
         return std::string("f");
     },
     "x:Input a:Slice b:Slice conv:Conv2D relu:ReLU cat:Concat r5:Reshape t:Transpose "
     "r4:Reshape flat:Flatten loss:Loss",
     "a.start=0; a.end=2; b.start=2; b.end=4; r5.shape=[2, 2, 3, 3]; "
     "t.perm=[0, 2, 1, 3, 4]; r4.shape=[4, 3, 3]",
     true},
    {"Split by a sizes input (opset 13 on)",
     {5, 2},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "sizes", {2}, {2, 3});
         addInt(addNode(g, "Split", "split", {"x", "sizes"}, {"p", "q"}), "axis", 1);
         addNode(g, "Relu", "relu", {"q"}, {"rq"});
         addInt(addNode(g, "Concat", "cat", {"rq", "p"}, {"j"}), "axis", 1);
         addNode(g, "Flatten", "flat", {"j"}, {"f"});
         return std::string("f");
     },
     "x:Input split_0:Slice split_1:Slice relu:ReLU cat:Concat flat:Flatten loss:Loss",
     "split_0.start=0; split_0.end=2; split_1.start=2; split_1.end=5",
     true},
    {"Split into num_outputs parts (opset 18), the middle one unused",
     {6, 2},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "Split", "split", {"x"}, {"p", "q", "s"});
         addInt(n, "axis", -2);
         addInt(n, "num_outputs", 3);
         addNode(g, "Add", "add", {"p", "s"}, {"a"});
         addNode(g, "Flatten", "flat", {"a"}, {"f"});
         return std::string("f");
     },
     "x:Input split_0:Slice split_2:Slice add:Add flat:Flatten loss:Loss",
     "split_0.axis=-2; split_0.end=2; split_2.start=4; split_2.end=6",
     true,
     18},
    {"Split by the attribute sizes (opset 11)",
     {3, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "Split", "split", {"x"}, {"p", "q"});
         addInt(n, "axis", 2);
         addInts(n, "split", {1, 3});
         addInt(addNode(g, "Concat", "cat", {"q", "p"}, {"j"}), "axis", 2);
         addNode(g, "Flatten", "flat", {"j"}, {"f"});
         return std::string("f");
     },
     "x:Input split_0:Slice split_1:Slice cat:Concat flat:Flatten loss:Loss",
     "split_0.axis=2; split_0.end=1; split_1.start=1; split_1.end=4",
     true,
     11},
};

const Refusal kRefusals[] = {
    {"Slice with step 2",
     {4, 2},
     [](onnx::GraphProto& g, std::mt19937&) {
         addSlice(g, "s", "x", {0}, {4}, {1}, {2}, "y0");
         return std::string("y0");
     },
     "node 's' (Slice): steps [2] on [N, 4, 2]: Netwright's Slice takes step 1 only"},
    {"Slice of the batch",
     {4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addSlice(g, "s", "x", {1}, {kMax}, {0}, {}, "y0");
         return std::string("y0");
     },
     "node 's' (Slice): slices the batch axis"},
    {"Slice of two axes",
     {4, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addSlice(g, "s", "x", {1, 1}, {3, 3}, {1, 2}, {}, "y0");
         return std::string("y0");
     },
     "node 's' (Slice): slices axes 1 and 2 of [N, 4, 4]; Netwright's Slice takes one axis"},
    {"Slice that keeps nothing",
     {4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addSlice(g, "s", "x", {3}, {1}, {1}, {}, "y0");
         return std::string("y0");
     },
     "node 's' (Slice): keeps nothing of axis 1 of [N, 4]"},
    {"Split of the batch axis",
     {4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addNode(g, "Split", "split", {"x"}, {"p", "q"});
         addNode(g, "Add", "add", {"p", "q"}, {"y0"});
         return std::string("y0");
     },
     "node 'split' (Split): axis 0 is the batch axis"},
    {"Split sizes that do not cover the axis",
     {5},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "sizes", {2}, {2, 2});
         addInt(addNode(g, "Split", "split", {"x", "sizes"}, {"p", "q"}), "axis", 1);
         addNode(g, "Add", "add", {"p", "q"}, {"y0"});
         return std::string("y0");
     },
     "node 'split' (Split): the sizes [2, 2] do not split axis 1 of [N, 5]"},
};

} // namespace

std::span<const ForeignForm> sliceFormCases() {
    return kForms;
}

std::span<const Refusal> sliceRefusalCases() {
    return kRefusals;
}

} // namespace nw::testing
