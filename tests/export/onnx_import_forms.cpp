// The hand-built models of test_onnx_import: forms other exporters write (each with what it
// imports as), forms the import refuses (with a phrase of the reason), and a PyTorch-style CNN.
#include "graph/onnx/model_builder.h"
#include "tests/export/onnx_import_support.h"

#include <cstring>

namespace nw::testing {

namespace ox = graph::onnx_export;

namespace {

// addFloatInit's U(-0.5, 0.5) values times `scale`: weights large enough to drive the
// activations after them past their kinks.
void addScaledInit(onnx::GraphProto& g, const std::string& name, std::vector<std::int64_t> dims,
                   std::mt19937& r, float scale) {
    addFloatInit(g, name, std::move(dims), r);
    auto& t = *g.mutable_initializer(g.initializer_size() - 1);
    std::vector<float> v(t.raw_data().size() / sizeof(float));
    std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
    for (float& x : v) {
        x *= scale;
    }
    t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
}

// Gemm (transB 1) of `in` with a weight [units, features] scaled by `scale` and a bias.
void addGemm(onnx::GraphProto& g, std::mt19937& r, const std::string& name, const std::string& in,
             std::int64_t features, std::int64_t units, float scale, const std::string& out) {
    addScaledInit(g, name + ".w", {units, features}, r, scale);
    addFloatInit(g, name + ".b", {units}, r);
    addInt(addNode(g, "Gemm", name, {in, name + ".w", name + ".b"}, {out}), "transB", 1);
}

const ForeignForm kForeignForms[] = {
    {"MaxPool3d and BatchNorm3d over [N, C, D, H, W] (separable 2-D pools, Reshapes)",
     {2, 4, 4, 4},
     [](onnx::GraphProto& g, std::mt19937& r) {
         auto& pool = addNode(g, "MaxPool", "pool", {"x"}, {"p"});
         addInts(pool, "kernel_shape", {2, 2, 2});
         addInts(pool, "strides", {2, 2, 2});
         for (const char* name : {"bn.s", "bn.b", "bn.m"}) {
             addFloatInit(g, name, {2}, r);
         }
         ox::ModelBuilder(g).floatInitializer("bn.v", std::vector<std::int64_t>{2},
                                              std::vector<float>{0.5f, 2.0f});
         addNode(g, "BatchNormalization", "bn", {"p", "bn.s", "bn.b", "bn.m", "bn.v"}, {"y0"});
         return std::string("y0");
     },
     "x:Input pool_planes:Reshape pool_hw:MaxPool2D pool_depth:Reshape pool:MaxPool2D "
     "pool_3d:Reshape bn_2d:Reshape bn:BatchNorm bn_3d:Reshape loss:Loss",
     "pool_planes.shape=[8, 4, 4]; pool_depth.shape=[2, 4, 4]; pool.kernel_size=[2, 1]; "
     "pool_3d.shape=[2, 2, 2, 2]; bn_2d.shape=[2, 4, 2]",
     false},
    {"Integer Div, which truncates (x · 1/c, then a Cast to int32)",
     {4},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& t = *g.add_initializer();
         t.set_name("three");
         t.set_data_type(onnx::TensorProto::INT32);
         t.add_dims(1);
         t.add_int32_data(3);
         addNode(g, "Div", "div", {"x", "three"}, {"y0"});
         return std::string("y0");
     },
     "x:Input div_scale:Scale div:Cast loss:Loss",
     "div_scale.shape=[1]; div_scale.use_shift=false; div.to=\"int32\"",
     false},
    {"ReduceMean over a middle axis and ReduceMax over the first (Transpose, pools, Reshapes)",
     {2, 3, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& mean = addNode(g, "ReduceMean", "mean", {"x"}, {"m"});
         addInts(mean, "axes", {2});
         addInt(mean, "keepdims", 0);
         auto& top = addNode(g, "ReduceMax", "top", {"m"}, {"y0"});
         addInts(top, "axes", {1});
         return std::string("y0");
     },
     "x:Input mean_order:Transpose mean_window:Reshape mean:GlobalAvgPool mean_2:Reshape "
     "top:SequencePool top_keep:Reshape loss:Loss",
     "mean_order.perm=[0, 1, 3, 2]; mean_window.shape=[8, 3, 1]; top.mode=\"max\"",
     true},
    {"Gather of the channels [2, 0, 1] (BGR to RGB: Slices and a Concat), Sum with a constant",
     {3, 2, 2},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addInt64Init(g, "order", {3}, {2, 0, 1});
         addInt(addNode(g, "Gather", "rgb", {"x", "order"}, {"c"}), "axis", 1);
         addFloatInit(g, "bias", {3, 1, 1}, r);
         addNode(g, "Sum", "plus", {"c", "bias"}, {"y0"});
         return std::string("y0");
     },
     "x:Input rgb_part0:Slice rgb_part1:Slice rgb:Concat plus:Scale loss:Loss",
     "rgb_part0.start=2; rgb_part0.end=3; rgb_part1.start=0; rgb_part1.end=2; rgb.axis=1",
     true},
    {"A training-mode Dropout of ratio 0 (the identity) and a Gather of one step, dropping it",
     {3, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         ox::ModelBuilder(g).scalar("zero", 0.0f);
         onnx::TensorProto& on = *g.add_initializer();
         on.set_name("on");
         on.set_data_type(onnx::TensorProto::BOOL);
         on.add_int32_data(1);
         addNode(g, "Dropout", "drop", {"x", "zero", "on"}, {"d"});
         addIntConstant(g, "first", {}, {0});
         addInt(addNode(g, "Gather", "step", {"d", "first_output_0"}, {"y0"}), "axis", 1);
         return std::string("y0");
     },
     "x:Input step_part0:Slice step:Reshape loss:Loss",
     "step_part0.start=0; step_part0.end=1; step.shape=[4]",
     false},
    {"Clip to [-1, 2], to [-inf, 6] and to [0.5, inf] (HardSigmoid, ReLU and frozen Scales)",
     {6},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addGemm(g, r, "fc1", "x", 6, 8, 8.0f, "h1");
         ox::ModelBuilder b(g);
         b.scalar("lo", -1.0f);
         b.scalar("hi", 2.0f);
         b.scalar("six", 6.0f);
         b.scalar("half", 0.5f);
         addNode(g, "Clip", "both", {"h1", "lo", "hi"}, {"c1"});
         addGemm(g, r, "fc2", "c1", 8, 8, 4.0f, "h2");
         addNode(g, "Clip", "upper", {"h2", "", "six"}, {"c2"});
         addGemm(g, r, "fc3", "c2", 8, 4, 1.0f, "h3");
         addNode(g, "Clip", "lower", {"h3", "half"}, {"y0"});
         return std::string("y0");
     },
     "x:Input fc1:Dense both_unit:HardSigmoid both:Scale fc2:Dense upper_flip:Scale "
     "upper_relu:ReLU upper:Scale fc3:Dense lower_shift:Scale lower_relu:ReLU lower:Scale "
     "loss:Loss",
     "both_unit.alpha=0.333333; both.shape=[1]; upper.use_shift=true",
     true},
    {"Conv1d, BatchNorm1d and MaxPool1d over [N, C, T] (the 2-D ops between Reshapes)",
     {2, 8},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "w", {3, 2, 3}, r);
         addFloatInit(g, "b", {3}, r);
         addInts(addNode(g, "Conv", "conv", {"x", "w", "b"}, {"c"}), "pads", {1, 1});
         for (const char* p : {"bn.s", "bn.b", "bn.m"}) {
             addFloatInit(g, p, {3}, r);
         }
         ox::ModelBuilder(g).floatInitializer("bn.v", std::vector<std::int64_t>{3},
                                              std::vector<float>{0.5f, 1.0f, 2.0f});
         addNode(g, "BatchNormalization", "bn", {"c", "bn.s", "bn.b", "bn.m", "bn.v"}, {"n"});
         auto& pool = addNode(g, "MaxPool", "pool", {"n"}, {"y0"});
         addInts(pool, "kernel_shape", {2});
         addInts(pool, "strides", {2});
         return std::string("y0");
     },
     "x:Input conv_2d:Reshape conv:Conv2D bn:BatchNorm pool:MaxPool2D pool_1d:Reshape loss:Loss",
     "conv.kernel_size=[1, 3]; conv.padding=[0, 1]; pool.kernel_size=[1, 2]; "
     "pool_1d.shape=[3, 4]",
     false},
    {"Normalisation (Sub and Div fused), a constant factor, a LayerScale, Sub of activations",
     {3, 4, 4},
     [](onnx::GraphProto& g, std::mt19937& r) {
         ox::ModelBuilder b(g);
         b.floatInitializer("mean", std::vector<std::int64_t>{3, 1, 1},
                            std::vector<float>{0.485f, 0.456f, 0.406f});
         b.floatInitializer("std", std::vector<std::int64_t>{1, 3, 1, 1},
                            std::vector<float>{0.229f, 0.224f, 0.225f});
         addNode(g, "Sub", "sub", {"x", "mean"}, {"centred"});
         addNode(g, "Div", "div", {"centred", "std"}, {"normal"});
         addFloatInit(g, "w", {2, 3, 1, 1}, r);
         addNode(g, "Conv", "conv", {"normal", "w"}, {"c"});
         b.scalar("half", 0.5f);
         addNode(g, "Mul", "half_of", {"half", "c"}, {"h"});
         addFloatInit(g, "gamma", {4}, r);
         addNode(g, "Mul", "layer_scale", {"h", "gamma"}, {"s"});
         addNode(g, "Sub", "minus", {"s", "c"}, {"y0"});
         return std::string("y0");
     },
     "x:Input sub:Scale conv:Conv2D half_of:Scale layer_scale:Scale minus_negate:Scale "
     "minus:Add loss:Loss",
     "sub.shape=[3, 1, 1]; sub.use_scale=true; sub.use_shift=true; half_of.shape=[1]; "
     "half_of.use_shift=false; layer_scale.shape=[4]; minus_negate.use_shift=false",
     true},
    {"Gemm with alpha and beta (scaled into Dense's weights and bias)",
     {4},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "B", {4, 3}, r);
         addFloatInit(g, "C", {3}, r);
         auto& n = addNode(g, "Gemm", "fc", {"x", "B", "C"}, {"y0"});
         addFloat(n, "alpha", 2.0f);
         addFloat(n, "beta", -0.5f);
         return std::string("y0");
     },
     "x:Input fc:Dense loss:Loss",
     "fc.units=3",
     true},
    {"Clip(0, 6), HardSwish, HardSigmoid (PyTorch's MobileNet)",
     {6},
     [](onnx::GraphProto& g, std::mt19937& r) {
         // Weights of ±4 over 6 inputs of N(0, 1): pre-activations of about ±10.
         addGemm(g, r, "fc1", "x", 6, 8, 8.0f, "h1");
         ox::ModelBuilder(g).scalar("zero", 0.0f);
         ox::ModelBuilder(g).scalar("six", 6.0f);
         addNode(g, "Clip", "relu6", {"h1", "zero", "six"}, {"r"});
         addGemm(g, r, "fc2", "r", 8, 8, 2.0f, "h2");
         addNode(g, "HardSwish", "hswish", {"h2"}, {"s"});
         addGemm(g, r, "fc3", "s", 8, 4, 4.0f, "h3");
         auto& n = addNode(g, "HardSigmoid", "hsig", {"h3"}, {"o"});
         addFloat(n, "alpha", 1.0f / 6);
         addFloat(n, "beta", 0.5f);
         return std::string("o");
     },
     "x:Input fc1:Dense relu6:ReLU6 fc2:Dense hswish:HardSwish fc3:Dense hsig:HardSigmoid "
     "loss:Loss",
     "hsig.alpha=0.166667; hsig.beta=0.5",
     true},
    {"Clip(0) as ReLU, HardSigmoid's defaults",
     {6},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addGemm(g, r, "fc1", "x", 6, 8, 8.0f, "h1");
         ox::ModelBuilder(g).scalar("zero", 0.0f);
         addNode(g, "Clip", "relu", {"h1", "zero"}, {"r"});
         addGemm(g, r, "fc2", "r", 8, 4, 1.0f, "h2");
         addNode(g, "HardSigmoid", "hsig", {"h2"}, {"o"});
         return std::string("o");
     },
     "x:Input fc1:Dense relu:ReLU fc2:Dense hsig:HardSigmoid loss:Loss",
     "hsig.alpha=0.2; hsig.beta=0.5",
     true},
    {"Clip(0, 6) by attributes before opset 11",
     {6},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addGemm(g, r, "fc", "x", 6, 8, 8.0f, "h");
         auto& n = addNode(g, "Clip", "relu6", {"h"}, {"c"});
         addFloat(n, "min", 0.0f);
         addFloat(n, "max", 6.0f);
         return std::string("c");
     },
     "x:Input fc:Dense relu6:ReLU6 loss:Loss",
     "",
     true,
     10},
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
    {"Pad constant (pads and constant_value inputs)",
     {2, 3, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "pads", {8}, {0, 0, 1, 0, 0, 0, 2, 1});
         ox::ModelBuilder(g).scalar("fill", 0.25f);
         addNode(g, "Pad", "pad", {"x", "pads", "fill"}, {"p"});
         addNode(g, "Flatten", "flat", {"p"}, {"f"});
         return std::string("f");
     },
     "x:Input pad:Pad flat:Flatten loss:Loss",
     "pad.padding=[1, 2, 0, 1]; pad.mode=\"constant\"; pad.value=0.25",
     true},
    {"Pad reflect",
     {2, 3, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "pads", {8}, {0, 0, 2, 1, 0, 0, 1, 3});
         addString(addNode(g, "Pad", "pad", {"x", "pads"}, {"p"}), "mode", "reflect");
         addNode(g, "Flatten", "flat", {"p"}, {"f"});
         return std::string("f");
     },
     "x:Input pad:Pad flat:Flatten loss:Loss",
     "pad.padding=[2, 1, 1, 3]; pad.mode=\"reflect\"",
     true},
    {"Pad edge over the axes H and W (opset 18)",
     {2, 3, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "pads", {4}, {1, 0, 2, 3}); // begin H, W, end H, W
         addInt64Init(g, "axes", {2}, {-2, 3});
         addString(addNode(g, "Pad", "pad", {"x", "pads", "", "axes"}, {"p"}), "mode", "edge");
         addNode(g, "Flatten", "flat", {"p"}, {"f"});
         return std::string("f");
     },
     "x:Input pad:Pad flat:Flatten loss:Loss",
     "pad.padding=[1, 2, 0, 3]; pad.mode=\"edge\"",
     true,
     18},
    {"Pad by attributes before opset 11",
     {2, 3, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "Pad", "pad", {"x"}, {"p"});
         addInts(n, "pads", {0, 0, 0, 2, 0, 0, 1, 0});
         addFloat(n, "value", -1.5f);
         addNode(g, "Flatten", "flat", {"p"}, {"f"});
         return std::string("f");
     },
     "x:Input pad:Pad flat:Flatten loss:Loss",
     "pad.padding=[0, 1, 2, 0]; pad.value=-1.5",
     true,
     10},
    {"LRN (AlexNet's form)",
     {6, 3, 3},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "w", {8, 6, 1, 1}, r);
         addNode(g, "Conv", "conv", {"x", "w"}, {"c"});
         auto& n = addNode(g, "LRN", "lrn", {"c"}, {"l"});
         addInt(n, "size", 5);
         addFloat(n, "alpha", 0.5f);
         addFloat(n, "beta", 0.75f);
         addFloat(n, "bias", 2.0f);
         addNode(g, "Flatten", "flat", {"l"}, {"f"});
         return std::string("f");
     },
     "x:Input conv:Conv2D lrn:LRN flat:Flatten loss:Loss",
     "lrn.size=5; lrn.alpha=0.5; lrn.beta=0.75; lrn.bias=2",
     true},
    {"LRN's defaults",
     {3, 2, 2},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt(addNode(g, "LRN", "lrn", {"x"}, {"l"}), "size", 3);
         addNode(g, "Flatten", "flat", {"l"}, {"f"});
         return std::string("f");
     },
     "x:Input lrn:LRN flat:Flatten loss:Loss",
     "lrn.size=3; lrn.alpha=0.0001; lrn.beta=0.75; lrn.bias=1",
     true},
    {"squeeze-and-excitation Mul (a gate [N, C, 1, 1])",
     {4, 3, 3},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addNode(g, "GlobalAveragePool", "gap", {"x"}, {"p"});
         addFloatInit(g, "w1", {2, 4, 1, 1}, r);
         addFloatInit(g, "b1", {2}, r);
         addNode(g, "Conv", "squeeze", {"p", "w1", "b1"}, {"s"});
         addNode(g, "Relu", "relu", {"s"}, {"sr"});
         addFloatInit(g, "w2", {4, 2, 1, 1}, r);
         addFloatInit(g, "b2", {4}, r);
         addNode(g, "Conv", "excite", {"sr", "w2", "b2"}, {"e"});
         addNode(g, "Sigmoid", "gate", {"e"}, {"gt"});
         addNode(g, "Mul", "scale", {"x", "gt"}, {"m"});
         addNode(g, "Flatten", "flat", {"m"}, {"f"});
         return std::string("f");
     },
     "x:Input gap:GlobalAvgPool gap_nchw:Reshape squeeze:Conv2D relu:ReLU excite:Conv2D "
     "gate:Sigmoid scale:Mul flat:Flatten loss:Loss",
     "gap_nchw.shape=[4, 1, 1]; squeeze.kernel_size=[1, 1]",
     true},
    {"Mul of two equal shapes (a gated unit), the gate first",
     {6},
     [](onnx::GraphProto& g, std::mt19937&) {
         addNode(g, "Sigmoid", "sig", {"x"}, {"s"});
         addNode(g, "Tanh", "act", {"x"}, {"t"});
         addNode(g, "Mul", "gated", {"s", "t"}, {"y0"});
         return std::string("y0");
     },
     "x:Input sig:Sigmoid act:Tanh gated:Mul loss:Loss",
     "",
     true},
    {"GlobalMaxPool kept 4-D",
     {3, 4, 4},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addNode(g, "GlobalMaxPool", "gmp", {"x"}, {"p"});
         addFloatInit(g, "w", {2, 3, 1, 1}, r);
         addNode(g, "Conv", "proj", {"p", "w"}, {"c"});
         addNode(g, "Flatten", "flat", {"c"}, {"f"});
         return std::string("f");
     },
     "x:Input gmp:GlobalMaxPool gmp_nchw:Reshape proj:Conv2D flat:Flatten loss:Loss",
     "gmp_nchw.shape=[3, 1, 1]; proj.kernel_size=[1, 1]",
     true},
    {"ReduceMax over H and W, kept",
     {3, 4, 4},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "ReduceMax", "max", {"x"}, {"m"});
         addInts(n, "axes", {2, 3});
         addNode(g, "Flatten", "flat", {"m"}, {"f"});
         return std::string("f");
     },
     "x:Input max:GlobalMaxPool max_keep:Reshape flat:Flatten loss:Loss",
     "max_keep.shape=[3, 1, 1]",
     true},
    // The pools' forms: the reference interpreter runs each, the engine must agree.
    {"MaxPool ceil_mode (torchvision's SqueezeNet and GoogLeNet)",
     {2, 8, 8},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "MaxPool", "pool", {"x"}, {"p"});
         addInts(n, "kernel_shape", {3, 3});
         addInts(n, "strides", {2, 2});
         addInt(n, "ceil_mode", 1);
         addNode(g, "Flatten", "flat", {"p"}, {"f"});
         return std::string("f");
     },
     "x:Input pool:MaxPool2D flat:Flatten loss:Loss",
     "pool.ceil_mode=true; pool.kernel_size=[3, 3]; pool.padding=[0, 0]",
     true},
    {"AveragePool count_include_pad 0 with pads (ONNX's default)",
     {2, 5, 5},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "AveragePool", "avg", {"x"}, {"a"});
         addInts(n, "kernel_shape", {3, 3});
         addInts(n, "pads", {1, 1, 1, 1});
         addNode(g, "Flatten", "flat", {"a"}, {"f"});
         return std::string("f");
     },
     "x:Input avg:AvgPool2D flat:Flatten loss:Loss",
     "avg.count_include_pad=false; avg.padding=[1, 1]; avg.stride=[1, 1]",
     true},
    {"AveragePool ceil_mode with pads counted (PyTorch's default)",
     {2, 6, 6},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "AveragePool", "avg", {"x"}, {"a"});
         addInts(n, "kernel_shape", {3, 3});
         addInts(n, "strides", {2, 2});
         addInts(n, "pads", {1, 1, 1, 1});
         addInt(n, "ceil_mode", 1);
         addInt(n, "count_include_pad", 1);
         addNode(g, "Flatten", "flat", {"a"}, {"f"});
         return std::string("f");
     },
     "x:Input avg:AvgPool2D flat:Flatten loss:Loss",
     "avg.ceil_mode=true; avg.count_include_pad=true; avg.padding=[1, 1]",
     true},
    {"MaxPool asymmetric pads",
     {2, 6, 7},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "MaxPool", "pool", {"x"}, {"p"});
         addInts(n, "kernel_shape", {3, 3});
         addInts(n, "strides", {2, 2});
         addInts(n, "pads", {1, 0, 1, 1}); // top, left, bottom, right
         addNode(g, "Flatten", "flat", {"p"}, {"f"});
         return std::string("f");
     },
     "x:Input pool:MaxPool2D flat:Flatten loss:Loss",
     "pool.padding=[1, 1, 0, 1]",
     true},
    {"MaxPool asymmetric pads with ceil_mode",
     {3, 7, 7},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "MaxPool", "pool", {"x"}, {"p"});
         addInts(n, "kernel_shape", {3, 3});
         addInts(n, "strides", {2, 2});
         addInts(n, "pads", {1, 0, 0, 1});
         addInt(n, "ceil_mode", 1);
         addNode(g, "Flatten", "flat", {"p"}, {"f"});
         return std::string("f");
     },
     "x:Input pool:MaxPool2D flat:Flatten loss:Loss",
     "pool.padding=[1, 0, 0, 1]; pool.ceil_mode=true",
     true},
    {"AveragePool asymmetric pads with ceil_mode, padding not counted",
     {2, 7, 7},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "AveragePool", "avg", {"x"}, {"a"});
         addInts(n, "kernel_shape", {3, 2});
         addInts(n, "strides", {2, 2});
         addInts(n, "pads", {0, 1, 1, 0});
         addInt(n, "ceil_mode", 1);
         addNode(g, "Flatten", "flat", {"a"}, {"f"});
         return std::string("f");
     },
     "x:Input avg:AvgPool2D flat:Flatten loss:Loss",
     "avg.padding=[0, 1, 1, 0]; avg.ceil_mode=true; avg.count_include_pad=false",
     true},
    {"MaxPool dilations with ceil_mode",
     {2, 8, 8},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "MaxPool", "pool", {"x"}, {"p"});
         addInts(n, "kernel_shape", {2, 3});
         addInts(n, "strides", {2, 1});
         addInts(n, "dilations", {2, 2});
         addInts(n, "pads", {1, 1, 1, 1});
         addInt(n, "ceil_mode", 1);
         addNode(g, "Flatten", "flat", {"p"}, {"f"});
         return std::string("f");
     },
     "x:Input pool:MaxPool2D flat:Flatten loss:Loss",
     "pool.dilation=[2, 2]; pool.ceil_mode=true; pool.stride=[2, 1]",
     true},
    {"AveragePool auto_pad SAME_UPPER (TensorFlow)",
     {2, 5, 5},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "AveragePool", "avg", {"x"}, {"a"});
         addInts(n, "kernel_shape", {2, 2});
         addInts(n, "strides", {2, 2});
         addString(n, "auto_pad", "SAME_UPPER");
         addNode(g, "Flatten", "flat", {"a"}, {"f"});
         return std::string("f");
     },
     "x:Input avg:AvgPool2D flat:Flatten loss:Loss",
     "avg.padding=[0, 1, 0, 1]; avg.count_include_pad=false",
     true},
    {"MaxPool auto_pad SAME_LOWER",
     {2, 6, 6},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "MaxPool", "pool", {"x"}, {"p"});
         addInts(n, "kernel_shape", {3, 3});
         addInts(n, "strides", {2, 2});
         addString(n, "auto_pad", "SAME_LOWER");
         addNode(g, "Flatten", "flat", {"p"}, {"f"});
         return std::string("f");
     },
     "x:Input pool:MaxPool2D flat:Flatten loss:Loss",
     "pool.padding=[1, 0, 1, 0]",
     true},
};

const Refusal kRefusals[] = {
    {"AveragePool with dilations beyond the input",
     {1, 3, 3},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "AveragePool", "avg", {"x"}, {"a"});
         addInts(n, "kernel_shape", {2, 2});
         addInts(n, "dilations", {3, 3});
         return std::string("a");
     },
     "node 'avg' (AveragePool): as AvgPool2D: kernel_size: the window (4 with dilation) is "
     "larger than the padded input",
     19},
    {"MaxPool pads as large as the kernel",
     {1, 6, 6},
     [](onnx::GraphProto& g, std::mt19937&) {
         auto& n = addNode(g, "MaxPool", "pool", {"x"}, {"p"});
         addInts(n, "kernel_shape", {3, 3});
         addInts(n, "pads", {0, 0, 3, 0});
         return std::string("p");
     },
     "node 'pool' (MaxPool): as MaxPool2D: padding: padding (3) must be below the window's span "
     "(3)"},
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
    {"Gemm with transA",
     {4},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "B", {2, 4}, r);
         auto& n = addNode(g, "Gemm", "fc", {"x", "B"}, {"y0"});
         addInt(n, "transA", 1);
         return std::string("y0");
     },
     "node 'fc' (Gemm): transA = 1 transposes the activation"},
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
         addNode(g, "Softplus", "sp", {"x"}, {"h"});
         addNode(g, "Relu", "relu", {"h"}, {"r"});
         ox::ModelBuilder(g).scalar("big", 1000.0f);
         ox::ModelBuilder(g).scalar("bigger", 1001.0f);
         addNode(g, "Clip", "clip", {"r", "big", "bigger"}, {"c"});
         return std::string("c");
     },
     "cannot import 2 nodes: node 'sp' (Softplus): Netwright has no Softplus op; node "
     "'clip' (Clip): clips to [1000, 1001], which maps as HardSigmoid only where its alpha"},
    {"Clip with a computed bound",
     {4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addNode(g, "Relu", "relu", {"x"}, {"r"});
         addNode(g, "Clip", "clip", {"x", "r"}, {"c"});
         return std::string("c");
     },
     "node 'clip' (Clip): its min is not a constant scalar"},
    {"Pad of the channels",
     {2, 3, 3},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "pads", {8}, {0, 1, 0, 0, 0, 0, 1, 1});
         addNode(g, "Pad", "pad", {"x", "pads"}, {"p"});
         return std::string("p");
     },
     "node 'pad' (Pad): pads [0, 1, 0, 0, 0, 0, 1, 1] pad the batch or the channels"},
    {"Pad by negative pads",
     {2, 3, 3},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "pads", {8}, {0, 0, -1, 0, 0, 0, 0, 0});
         addNode(g, "Pad", "pad", {"x", "pads"}, {"p"});
         return std::string("p");
     },
     "node 'pad' (Pad): pads [0, 0, -1, 0, 0, 0, 0, 0] are negative"},
    {"Pad wrap",
     {2, 3, 3},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
         addString(addNode(g, "Pad", "pad", {"x", "pads"}, {"p"}), "mode", "wrap");
         return std::string("p");
     },
     "node 'pad' (Pad): mode 'wrap' has no Netwright equivalent"},
    {"Pad of a 3-D tensor",
     {3, 5},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "pads", {6}, {0, 0, 1, 0, 0, 1});
         addNode(g, "Pad", "pad", {"x", "pads"}, {"p"});
         return std::string("p");
     },
     "node 'pad' (Pad): expects [N, C, H, W], got [N, 3, 5]"},
    {"Pad reflect by the whole width",
     {1, 3, 3},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt64Init(g, "pads", {8}, {0, 0, 0, 3, 0, 0, 0, 0});
         addString(addNode(g, "Pad", "pad", {"x", "pads"}, {"p"}), "mode", "reflect");
         return std::string("p");
     },
     "reflect padding needs each pad below its dimension: left 3 is not below W = 3"},
    {"LRN of an even size",
     {4, 2, 2},
     [](onnx::GraphProto& g, std::mt19937&) {
         addInt(addNode(g, "LRN", "lrn", {"x"}, {"l"}), "size", 4);
         return std::string("l");
     },
     "node 'lrn' (LRN): size 4 is not odd"},
    {"Div of a constant by an activation",
     {4},
     [](onnx::GraphProto& g, std::mt19937&) {
         ox::ModelBuilder(g).scalar("one", 1.0f);
         addNode(g, "Div", "inv", {"one", "x"}, {"y0"});
         return std::string("y0");
     },
     "node 'inv' (Div): divides the constant [] by an activation; Netwright has no reciprocal"},
    {"Add of a constant that varies along the batch",
     {4},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "k", {2, 4}, r);
         addNode(g, "Add", "add", {"x", "k"}, {"y0"});
         return std::string("y0");
     },
     "node 'add' (Add): the constant [2, 4] varies along the batch axis of [N, 4]"},
    {"Div of two activations",
     {4},
     [](onnx::GraphProto& g, std::mt19937&) {
         addNode(g, "Relu", "relu", {"x"}, {"r"});
         addNode(g, "Div", "div", {"x", "r"}, {"y0"});
         return std::string("y0");
     },
     "node 'div' (Div): divides [N, 4] by [N, 4]: Netwright divides by constants only"},
    {"Mul of inputs of different ranks",
     {2, 3, 3},
     [](onnx::GraphProto& g, std::mt19937&) {
         addNode(g, "GlobalAveragePool", "gap", {"x"}, {"p"});
         addNode(g, "Flatten", "flat", {"p"}, {"f"});
         addNode(g, "Mul", "m", {"x", "f"}, {"y0"});
         return std::string("y0");
     },
     "node 'm' (Mul): multiplies [N, 2, 3, 3] by [N, 2]: numpy's broadcasting"},
    {"Mul of shapes that do not broadcast",
     {2, 3, 3},
     [](onnx::GraphProto& g, std::mt19937& r) {
         addFloatInit(g, "w", {3, 2, 1, 1}, r);
         addNode(g, "Conv", "conv", {"x", "w"}, {"c"});
         addNode(g, "Mul", "m", {"x", "c"}, {"y0"});
         return std::string("y0");
     },
     "node 'm' (Mul): shape mismatch: input 'a' is [N, 2, 3, 3] but input 'b' is [N, 3, 3, "
     "3]; dimension 1 is 2 against 3"},
};

} // namespace

std::span<const ForeignForm> foreignFormCases() {
    static const std::vector<ForeignForm> all = [] {
        std::vector<ForeignForm> v(std::begin(kForeignForms), std::end(kForeignForms));
        const auto more = sliceFormCases();
        v.insert(v.end(), more.begin(), more.end());
        return v;
    }();
    return all;
}

std::span<const Refusal> refusalCases() {
    static const std::vector<Refusal> all = [] {
        std::vector<Refusal> v(std::begin(kRefusals), std::end(kRefusals));
        const auto more = sliceRefusalCases();
        v.insert(v.end(), more.begin(), more.end());
        return v;
    }();
    return all;
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
