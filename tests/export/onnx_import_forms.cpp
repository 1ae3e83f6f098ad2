// The hand-built models of test_onnx_import: forms other exporters write (each with what it
// imports as), forms the import refuses (with a phrase of the reason), and a PyTorch-style CNN.
#include "graph/onnx/model_builder.h"
#include "tests/export/onnx_import_support.h"

namespace nw::testing {

namespace ox = graph::onnx_export;

namespace {

const ForeignForm kForeignForms[] = {
    {"Gemm with transB 0",
     {6},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "B", {6, 4}, r);
         addFloatInit(g, "C", {4}, r);
         addNode(g, "Gemm", "fc", {"x", "B", "C"}, {"fc_out"});
         return std::string("fc_out");
     },
     "x:Input fc:Dense loss:Loss",
     "fc.units=4; fc.use_bias=true",
     false},
    {"MatMul + Add (Linear)",
     {3, 6},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "W", {6, 4}, r);
         addFloatInit(g, "b", {4}, r);
         addNode(g, "MatMul", "/fc/MatMul", {"x", "W"}, {"mm"});
         addNode(g, "Add", "/fc/Add", {"b", "mm"}, {"fc_out"});
         return std::string("fc_out");
     },
     "x:Input fc:Dense loss:Loss",
     "fc.units=4; fc.use_bias=true",
     true},
    {"Conv auto_pad SAME_UPPER",
     {2, 5, 5},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "w", {3, 2, 3, 3}, r);
         auto& n = addNode(g, "Conv", "conv", {"x", "w"}, {"c"});
         addString(n, "auto_pad", "SAME_UPPER");
         addInts(n, "strides", {2, 2});
         addNode(g, "Flatten", "flat", {"c"}, {"f"});
         return std::string("f");
     },
     "x:Input conv:Conv2D flat:Flatten loss:Loss",
     "conv.padding_mode=\"same\"; conv.stride=[2, 2]; conv.use_bias=false; conv.filters=3",
     false},
    {"GlobalAveragePool kept 4-D",
     {3, 4, 4},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addNode(g, "GlobalAveragePool", "gap", {"x"}, {"p"});
         addFloatInit(g, "w", {2, 3, 1, 1}, r);
         addNode(g, "Conv", "proj", {"p", "w"}, {"c"});
         addNode(g, "Flatten", "flat", {"c"}, {"f"});
         return std::string("f");
     },
     "x:Input gap:GlobalAvgPool gap_nchw:Reshape proj:Conv2D flat:Flatten loss:Loss",
     "gap_nchw.shape=[3, 1, 1]; proj.kernel_size=[1, 1]",
     true},
    {"last step by a scalar Gather",
     {5, 3},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "minus1", {}, {-1});
         auto& n = addNode(g, "Gather", "last", {"x", "minus1"}, {"l"});
         addInt(n, "axis", 1);
         return std::string("l");
     },
     "x:Input last:SequencePool loss:Loss",
     "last.mode=\"last\"",
     true},
    {"Dropout with a ratio input, Identity",
     {4},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "ratio", {}, r);
         g.mutable_initializer(0)->set_raw_data(std::string("\x00\x00\x80\x3e", 4)); // 0.25f
         addNode(g, "Dropout", "drop", {"x", "ratio"}, {"d"});
         addNode(g, "Identity", "same", {"d"}, {"i"});
         addNode(g, "Elu", "elu", {"i"}, {"e"});
         return std::string("e");
     },
     "x:Input drop:Dropout elu:ELU loss:Loss",
     "drop.rate=0.25; elu.alpha=1",
     false},
    {"Unsqueeze and Squeeze",
     {4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "axis1", {1}, {1});
         addNode(g, "Unsqueeze", "unsq", {"x", "axis1"}, {"u"});
         addNode(g, "Sigmoid", "sig", {"u"}, {"s"});
         addNode(g, "Squeeze", "sq", {"s", "axis1"}, {"q"});
         return std::string("q");
     },
     "x:Input unsq:Reshape sig:Sigmoid sq:Reshape loss:Loss",
     "unsq.shape=[1, 4]; sq.shape=[4]",
     false},
    {"ReduceMean over H and W, kept",
     {3, 4, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "ReduceMean", "mean", {"x"}, {"m"});
         addInts(n, "axes", {2, 3});
         addNode(g, "Flatten", "flat", {"m"}, {"f"});
         return std::string("f");
     },
     "x:Input mean:GlobalAvgPool mean_keep:Reshape flat:Flatten loss:Loss",
     "",
     false},
    {"BatchNormalization's momentum",
     {3, 2, 2},
     [](onnx::GraphProto& g, std::mt19937& r) {
         for (const char* p : {"s", "b", "m", "v"}) {
             addFloatInit(g, p, {3}, r);
         }
         auto& n = addNode(g, "BatchNormalization", "bn", {"x", "s", "b", "m", "v"}, {"n"});
         addFloat(n, "momentum", 0.9f);
         addFloat(n, "epsilon", 1e-3f);
         addNode(g, "LeakyRelu", "act", {"n"}, {"a"});
         addNode(g, "Flatten", "flat", {"a"}, {"f"});
         return std::string("f");
     },
     "x:Input bn:BatchNorm act:LeakyReLU flat:Flatten loss:Loss",
     "bn.momentum=0.1; bn.epsilon=0.001; act.alpha=0.01",
     false},
    {"Softmax before opset 13, on the last axis",
     {4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addNode(g, "Softmax", "sm", {"x"}, {"s"});
         addNode(g, "Tanh", "t", {"s"}, {"o"});
         return std::string("o");
     },
     "x:Input sm:Softmax t:Tanh loss:Loss",
     "sm.axis=1",
     true,
     11},
};

const Refusal kRefusals[] = {
    {"AveragePool count_include_pad 0 with padding",
     {1, 4, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "AveragePool", "avg", {"x"}, {"a"});
         addInts(n, "kernel_shape", {3, 3});
         addInts(n, "pads", {1, 1, 1, 1});
         return std::string("a");
     },
     "node 'avg' (AveragePool): count_include_pad = 0"},
    {"asymmetric Conv pads",
     {1, 4, 4},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "w", {2, 1, 3, 3}, r);
         auto& n = addNode(g, "Conv", "conv", {"x", "w"}, {"c"});
         addInts(n, "pads", {0, 0, 2, 2});
         return std::string("c");
     },
     "node 'conv' (Conv): pads [0, 0, 2, 2] are asymmetric"},
    {"Transpose of the batch",
     {3, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "Transpose", "t", {"x"}, {"y0"});
         addInts(n, "perm", {1, 0, 2});
         return std::string("y0");
     },
     "node 't' (Transpose): perm [1, 0, 2] moves the batch axis"},
    {"Flatten at axis 2",
     {3, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "Flatten", "f", {"x"}, {"y0"});
         addInt(n, "axis", 2);
         return std::string("y0");
     },
     "node 'f' (Flatten): axis 2 merges the batch"},
    {"Reshape that changes the batch",
     {4, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "shape", {2}, {-1, 4});
         addNode(g, "Reshape", "r", {"x", "shape"}, {"y0"});
         return std::string("y0");
     },
     "node 'r' (Reshape): the target shape [-1, 4] does not keep the batch"},
    {"Gemm with alpha",
     {4},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "B", {2, 4}, r);
         auto& n = addNode(g, "Gemm", "fc", {"x", "B"}, {"y0"});
         addFloat(n, "alpha", 2.0f);
         addInt(n, "transB", 1);
         return std::string("y0");
     },
     "node 'fc' (Gemm): transA, alpha or beta differ"},
    {"Softmax before opset 13 on a middle axis",
     {3, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addNode(g, "Softmax", "sm", {"x"}, {"s"});
         addNode(g, "Relu", "relu", {"s"}, {"o"});
         return std::string("o");
     },
     "node 'sm' (Softmax): before opset 13",
     12},
    {"an op downstream of a refused one is still listed",
     {4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addNode(g, "HardSwish", "hs", {"x"}, {"h"});
         addNode(g, "Relu", "relu", {"h"}, {"r"});
         addNode(g, "Clip", "relu6", {"r"}, {"c"});
         return std::string("c");
     },
     "cannot import 2 nodes: node 'hs' (HardSwish): Netwright has no HardSwish op yet; node "
     "'relu6' (Clip): Netwright has no Clip op yet (nor ReLU6)"},
};

} // namespace

std::span<const ForeignForm> foreignFormCases() {
    return kForeignForms;
}

std::span<const Refusal> refusalCases() {
    return kRefusals;
}

onnx::ModelProto pytorchStyleCnn(bool foldedByHand) {
    onnx::ModelProto m = emptyModel(18);
    m.set_producer_name("pytorch");
    m.set_producer_version("2.1.0");
    onnx::GraphProto& g = *m.mutable_graph();
    g.set_name("main_graph");
    std::mt19937 rng(5);
    addFloatInit(g, "conv.weight", {4, 1, 3, 3}, rng);
    addFloatInit(g, "conv.bias", {4}, rng);
    addFloatInit(g, "fc.weight", {5, 36}, rng);
    addFloatInit(g, "fc.bias", {5}, rng);
    ox::ModelBuilder::setBatchedType(*g.add_input(), "x", std::vector<std::int64_t>{1, 6, 6});
    g.mutable_input(0)
        ->mutable_type()
        ->mutable_tensor_type()
        ->mutable_shape()
        ->mutable_dim(0)
        ->set_dim_param("batch_size");
    auto& conv = addNode(g, "Conv", "/conv/Conv", {"x", "conv.weight", "conv.bias"},
                         {"/conv/Conv_output_0"});
    addInts(conv, "kernel_shape", {3, 3});
    addInts(conv, "pads", {1, 1, 1, 1});
    addInts(conv, "strides", {1, 1});
    addNode(g, "Relu", "/relu/Relu", {"/conv/Conv_output_0"}, {"/relu/Relu_output_0"});
    auto& pool =
        addNode(g, "MaxPool", "/pool/MaxPool", {"/relu/Relu_output_0"}, {"/pool/MaxPool_output_0"});
    addInts(pool, "kernel_shape", {2, 2});
    addInts(pool, "strides", {2, 2});
    if (foldedByHand) {
        addInt64Init(g, "flat_shape", {2}, {0, -1});
        addNode(g, "Reshape", "/Reshape", {"/pool/MaxPool_output_0", "flat_shape"},
                {"/Reshape_output_0"});
    } else {
        addNode(g, "Shape", "/Shape", {"/pool/MaxPool_output_0"}, {"/Shape_output_0"});
        addIntConstant(g, "/Constant", {}, {0});
        auto& gather = addNode(g, "Gather", "/Gather", {"/Shape_output_0", "/Constant_output_0"},
                               {"/Gather_output_0"});
        addInt(gather, "axis", 0);
        addIntConstant(g, "/Constant_1", {1}, {0});
        addNode(g, "Unsqueeze", "/Unsqueeze", {"/Gather_output_0", "/Constant_1_output_0"},
                {"/Unsqueeze_output_0"});
        addIntConstant(g, "/Constant_2", {1}, {-1});
        auto& concat =
            addNode(g, "Concat", "/Concat", {"/Unsqueeze_output_0", "/Constant_2_output_0"},
                    {"/Concat_output_0"});
        addInt(concat, "axis", 0);
        addNode(g, "Reshape", "/Reshape", {"/pool/MaxPool_output_0", "/Concat_output_0"},
                {"/Reshape_output_0"});
    }
    auto& gemm = addNode(g, "Gemm", "/fc/Gemm", {"/Reshape_output_0", "fc.weight", "fc.bias"},
                         {foldedByHand ? "logits" : "/fc/Gemm_output_0"});
    addInt(gemm, "transB", 1);
    if (!foldedByHand) {
        auto& sm = addNode(g, "Softmax", "/softmax/Softmax", {"/fc/Gemm_output_0"}, {"probs"});
        addInt(sm, "axis", 1);
    }
    ox::ModelBuilder::setBatchedType(*g.add_output(), foldedByHand ? "logits" : "probs",
                                     std::vector<std::int64_t>{5});
    return m;
}

} // namespace nw::testing
