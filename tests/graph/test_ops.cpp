// Shape inference, parameter and FLOP counts of every built-in op, and the attribute checks.
// Every expected number is worked out by hand in the comment of its row, from the op's
// definition (FLOPs: a multiply-add counts 2; per sample, forward only).
#include "graph/analysis.h"
#include "graph/op_registry.h"
#include "graph/ops/core_ops.h"

#include <QtTest>
#include <cmath>
#include <limits>
#include <set>

using namespace nw::graph;

using Shapes = std::vector<Shape>;
Q_DECLARE_METATYPE(nw::graph::AttrMap)
Q_DECLARE_METATYPE(nw::graph::AttrValue)
Q_DECLARE_METATYPE(Shapes)

namespace {

// [N, dims...]
Shape N(std::vector<std::int64_t> dims) {
    return Shape::batched(std::move(dims));
}

struct InferCase {
    const char* tag;
    const char* op;
    AttrMap attrs; // overrides of the schema's defaults
    Shapes inputs;
    Shapes outputs;
    OpCost cost; // trainable, non-trainable, FLOPs
};

// One or more rows for every op in graph/ops/core_ops.h.
// clang-format off
std::vector<InferCase> inferCases() {
    return {
        {"Input default", "Input", {}, {}, {N({1, 28, 28})}, {0, 0, 0}},
        {"Input vector", "Input", {{"shape", IntList{784}}}, {}, {N({784})}, {0, 0, 0}},
        // W: 784*128 = 100352, b: 128 -> 100480; FLOPs 2*784*128 + 128 = 200704 + 128.
        {"Dense", "Dense", {{"units", 128}}, {N({784})}, {N({128})}, {100480, 0, 200832}},
        // W: 20*5 = 100; FLOPs 2*20*5 = 200.
        {"Dense no bias", "Dense", {{"units", 5}, {"use_bias", false}}, {N({20})}, {N({5})},
         {100, 0, 200}},
        // Over the last axis of [N, 10, 64]: W 64*32 = 2048, +32 = 2080;
        // FLOPs 10 rows * (2*64*32 + 32) = 10*4128 = 41280.
        {"Dense sequence", "Dense", {{"units", 32}}, {N({10, 64})}, {N({10, 32})},
         {2080, 0, 41280}},
        // rank 5 [N, 2, 3, 4, 6]: 2*3*4 = 24 rows; W 6*2 = 12; FLOPs 24*(2*6*2) = 576.
        {"Dense rank 5 no bias", "Dense", {{"units", 2}, {"use_bias", false}},
         {N({2, 3, 4, 6})}, {N({2, 3, 4, 2})}, {12, 0, 576}},
        // 28 + 2 - 3 + 1 = 28. W: 32*1*3*3 = 288, +32 bias = 320.
        // MACs 288*28*28 = 225792 -> 451584, + bias 32*784 = 25088 -> 476672.
        {"Conv2D same-size", "Conv2D", {{"filters", 32}, {"padding", IntList{1, 1}}},
         {N({1, 28, 28})}, {N({32, 28, 28})}, {320, 0, 476672}},
        // 32 - 5 + 1 = 28. W: 16*3*5*5 = 1200, +16 = 1216.
        // MACs 1200*784 = 940800 -> 1881600, + bias 16*784 = 12544 -> 1894144.
        {"Conv2D valid", "Conv2D", {{"filters", 16}, {"kernel_size", IntList{5, 5}}},
         {N({3, 32, 32})}, {N({16, 28, 28})}, {1216, 0, 1894144}},
        // (32 + 2 - 3) / 2 + 1 = 15 + 1 = 16. W: 8*3*9 = 216, +8 = 224.
        // MACs 216*16*16 = 55296 -> 110592, + bias 8*256 = 2048 -> 112640.
        {"Conv2D stride 2", "Conv2D",
         {{"filters", 8}, {"stride", IntList{2, 2}}, {"padding", IntList{1, 1}}},
         {N({3, 32, 32})}, {N({8, 16, 16})}, {224, 0, 112640}},
        // H: (10 - 3) / 1 + 1 = 8; W: (12 + 4 - 5) / 2 + 1 = 5 + 1 = 6.
        // W: 4*2*3*5 = 120, +4 = 124. MACs 120*8*6 = 5760 -> 11520, + bias 4*48 = 192.
        {"Conv2D explicit asymmetric", "Conv2D",
         {{"filters", 4}, {"kernel_size", IntList{3, 5}}, {"stride", IntList{1, 2}},
          {"padding", IntList{0, 2}}},
         {N({2, 10, 12})}, {N({4, 8, 6})}, {124, 0, 11712}},
        // same, stride 2: ceil(15 / 2) = 8. W: 8*3*9 = 216, +8 = 224.
        // MACs 216*8*8 = 13824 -> 27648, + bias 8*64 = 512 -> 28160.
        {"Conv2D same stride 2", "Conv2D",
         {{"filters", 8}, {"stride", IntList{2, 2}}, {"padding_mode", "same"}},
         {N({3, 15, 15})}, {N({8, 8, 8})}, {224, 0, 28160}},
        // same, stride 1, 5x5 kernel keeps 7x7. W: 2*1*25 = 50, +2 = 52.
        // MACs 50*49 = 2450 -> 4900, + bias 2*49 = 98 -> 4998.
        {"Conv2D same stride 1", "Conv2D",
         {{"filters", 2}, {"kernel_size", IntList{5, 5}}, {"padding_mode", "same"}},
         {N({1, 7, 7})}, {N({2, 7, 7})}, {52, 0, 4998}},
        // dilation 2: effective kernel 2*(3-1)+1 = 5; 10 - 5 + 1 = 6. W: 9, +1 = 10.
        // MACs 9*36 = 324 -> 648, + bias 36 -> 684.
        {"Conv2D dilation 2", "Conv2D", {{"filters", 1}, {"dilation", IntList{2, 2}}},
         {N({1, 10, 10})}, {N({1, 6, 6})}, {10, 0, 684}},
        // groups 4: each filter sees 8/4 = 2 channels. W: 16*2*9 = 288, +16 = 304.
        // MACs 288*36 = 10368 -> 20736, + bias 16*36 = 576 -> 21312.
        {"Conv2D groups 4", "Conv2D",
         {{"filters", 16}, {"groups", 4}, {"padding", IntList{1, 1}}},
         {N({8, 6, 6})}, {N({16, 6, 6})}, {304, 0, 21312}},
        // depthwise, no bias: W: 32*1*9 = 288. MACs 288*14*14 = 56448 -> 112896.
        {"Conv2D depthwise no bias", "Conv2D",
         {{"filters", 32}, {"groups", 32}, {"padding", IntList{1, 1}}, {"use_bias", false}},
         {N({32, 14, 14})}, {N({32, 14, 14})}, {288, 0, 112896}},
        // 1x1, no bias: W: 2*4 = 8. MACs 8*25 = 200 -> 400.
        {"Conv2D 1x1 no bias", "Conv2D",
         {{"filters", 2}, {"kernel_size", IntList{1, 1}}, {"use_bias", false}},
         {N({4, 5, 5})}, {N({2, 5, 5})}, {8, 0, 400}},
        // 2x2 / 2: 28 -> 14. FLOPs 32*14*14*2*2 = 32*196*4 = 25088.
        {"MaxPool2D default", "MaxPool2D", {}, {N({32, 28, 28})}, {N({32, 14, 14})},
         {0, 0, 25088}},
        // (15 + 2 - 3) / 2 + 1 = 8. FLOPs 16*8*8*3*3 = 9216.
        {"MaxPool2D 3x3 pad 1", "MaxPool2D",
         {{"kernel_size", IntList{3, 3}}, {"padding", IntList{1, 1}}},
         {N({16, 15, 15})}, {N({16, 8, 8})}, {0, 0, 9216}},
        // 28 -> 14. FLOPs 6*14*14*4 = 4704.
        {"AvgPool2D default", "AvgPool2D", {}, {N({6, 28, 28})}, {N({6, 14, 14})},
         {0, 0, 4704}},
        // 3x3 / 1 over 5x5: 3x3 out. FLOPs 1*3*3*3*3 = 81.
        {"AvgPool2D 3x3 stride 1", "AvgPool2D",
         {{"kernel_size", IntList{3, 3}}, {"stride", IntList{1, 1}}},
         {N({1, 5, 5})}, {N({1, 3, 3})}, {0, 0, 81}},
        // ceil_mode: ceil((15 - 2) / 2) + 1 = 8 (floor: 7). FLOPs 4*8*8*4 = 1024.
        {"MaxPool2D ceil_mode", "MaxPool2D", {{"ceil_mode", true}}, {N({4, 15, 15})},
         {N({4, 8, 8})}, {0, 0, 1024}},
        // 8 x 8 by 3, stride 2, pad 1: ceil((8 + 2 - 3) / 2) + 1 = 5 (floor: 4); the 5th
        // window starts at 4 * 2 = 8 < 8 + 1, inside the input: kept. FLOPs 1*5*5*9 = 225.
        {"MaxPool2D ceil_mode padded", "MaxPool2D",
         {{"kernel_size", IntList{3, 3}}, {"padding", IntList{1, 1}}, {"ceil_mode", true}},
         {N({1, 8, 8})}, {N({1, 5, 5})}, {0, 0, 225}},
        // 3 x 3 by 2, stride 2, pad 1: ceil((3 + 2 - 2) / 2) + 1 = 3, but the 3rd would start
        // at 2 * 2 = 4 >= 3 + 1, in the end padding: dropped, 2 (PyTorch's and ONNX's rule).
        {"MaxPool2D ceil_mode drops a window in the padding", "MaxPool2D",
         {{"padding", IntList{1, 1}}, {"ceil_mode", true}}, {N({1, 3, 3})}, {N({1, 2, 2})},
         {0, 0, 16}},
        // Dilation 2 spans 2*(3-1)+1 = 5: H (10 - 5) / 1 + 1 = 6; W (10 - 3) / 1 + 1 = 8.
        // FLOPs 2*6*8*3*2 = 576.
        {"MaxPool2D dilation", "MaxPool2D",
         {{"kernel_size", IntList{3, 2}}, {"stride", IntList{1, 1}}, {"dilation", IntList{2, 2}}},
         {N({2, 10, 10})}, {N({2, 6, 8})}, {0, 0, 576}},
        // [top, bottom, left, right] = [1, 0, 0, 1]: H (8 + 1 - 3) / 2 + 1 = 4; W the same.
        // FLOPs 3*4*4*9 = 432.
        {"AvgPool2D asymmetric padding", "AvgPool2D",
         {{"kernel_size", IntList{3, 3}}, {"padding", IntList{1, 0, 0, 1}}},
         {N({3, 8, 8})}, {N({3, 4, 4})}, {0, 0, 432}},
        // count_include_pad changes no shape; ceil with top 1 bottom 1 left 0 right 0:
        // H ceil((6 + 2 - 3) / 2) + 1 = 4, W ceil((6 - 3) / 2) + 1 = 3. FLOPs 4*3*9 = 108.
        {"AvgPool2D ceil_mode count_include_pad false", "AvgPool2D",
         {{"kernel_size", IntList{3, 3}},
          {"padding", IntList{1, 1, 0, 0}},
          {"ceil_mode", true},
          {"count_include_pad", false}},
         {N({1, 6, 6})}, {N({1, 4, 3})}, {0, 0, 108}},
        // FLOPs 64*7*7 = 3136.
        {"GlobalAvgPool", "GlobalAvgPool", {}, {N({64, 7, 7})}, {N({64})}, {0, 0, 3136}},
        // FLOPs 64*7*7 = 3136.
        {"GlobalMaxPool", "GlobalMaxPool", {}, {N({64, 7, 7})}, {N({64})}, {0, 0, 3136}},
        // scale+shift 2*32 = 64, running mean+var 2*32 = 64; FLOPs 2*32*28*28 = 2*25088.
        {"BatchNorm rank 4", "BatchNorm", {}, {N({32, 28, 28})}, {N({32, 28, 28})},
         {64, 64, 50176}},
        // 2*100 each; FLOPs 2*100.
        {"BatchNorm rank 2", "BatchNorm", {}, {N({100})}, {N({100})}, {200, 200, 200}},
        // last dim 64: 2*64 = 128; FLOPs 5*10*64 = 3200.
        {"LayerNorm last dim", "LayerNorm", {}, {N({10, 64})}, {N({10, 64})}, {128, 0, 3200}},
        // last two dims 5*6 = 30: 2*30 = 60; FLOPs 5*4*5*6 = 600.
        {"LayerNorm two dims", "LayerNorm", {{"normalized_dims", 2}}, {N({4, 5, 6})},
         {N({4, 5, 6})}, {60, 0, 600}},
        // (2*5 + 4) per element: 14*16*7*7 = 14*784 = 10976.
        {"LRN default", "LRN", {}, {N({16, 7, 7})}, {N({16, 7, 7})}, {0, 0, 10976}},
        // size 3: (2*3 + 4)*2*3*3 = 10*18 = 180.
        {"LRN size 3", "LRN", {{"size", 3}, {"alpha", 0.5}}, {N({2, 3, 3})}, {N({2, 3, 3})},
         {0, 0, 180}},
        {"Dropout", "Dropout", {{"rate", 0.25}}, {N({128})}, {N({128})}, {0, 0, 0}},
        // 1 FLOP per element: 32*28*28 = 25088.
        {"ReLU", "ReLU", {}, {N({32, 28, 28})}, {N({32, 28, 28})}, {0, 0, 25088}},
        // 2 per element: 2*100.
        {"LeakyReLU", "LeakyReLU", {{"alpha", 0.2}}, {N({100})}, {N({100})}, {0, 0, 200}},
        // 3 per element: 3*100.
        {"ELU", "ELU", {}, {N({100})}, {N({100})}, {0, 0, 300}},
        // 2 per element (max, min): 2*100.
        {"ReLU6", "ReLU6", {}, {N({4, 5, 5})}, {N({4, 5, 5})}, {0, 0, 200}},
        // 4 per element (mul, add, max, min): 4*10.
        {"HardSigmoid", "HardSigmoid", {{"alpha", 1.0 / 6}}, {N({10})}, {N({10})}, {0, 0, 40}},
        // 5 per element (HardSigmoid's 4, then the product): 5*10.
        {"HardSwish", "HardSwish", {}, {N({10})}, {N({10})}, {0, 0, 50}},
        // 8 per element: 8*100.
        {"GELU", "GELU", {{"approximate", "tanh"}}, {N({100})}, {N({100})}, {0, 0, 800}},
        // 4 per element: 4*10.
        {"Sigmoid", "Sigmoid", {}, {N({10})}, {N({10})}, {0, 0, 40}},
        {"Tanh", "Tanh", {}, {N({10})}, {N({10})}, {0, 0, 40}},
        // 4 per element: 4*10; 4*3*4 = 48.
        {"Softmax last axis", "Softmax", {}, {N({10})}, {N({10})}, {0, 0, 40}},
        {"Softmax axis 1", "Softmax", {{"axis", 1}}, {N({3, 4})}, {N({3, 4})}, {0, 0, 48}},
        // 64*7*7 = 3136.
        {"Flatten", "Flatten", {}, {N({64, 7, 7})}, {N({3136})}, {0, 0, 0}},
        // 784 = 1*28*28.
        {"Reshape explicit", "Reshape", {{"shape", IntList{1, 28, 28}}}, {N({784})},
         {N({1, 28, 28})}, {0, 0, 0}},
        // 64*7*7 = 3136; 3136 / 49 = 64.
        {"Reshape -1 first", "Reshape", {{"shape", IntList{-1, 49}}}, {N({64, 7, 7})},
         {N({64, 49})}, {0, 0, 0}},
        // default [-1]: 2*3 = 6.
        {"Reshape default", "Reshape", {}, {N({2, 3})}, {N({6})}, {0, 0, 0}},
        // default 1 on every side: 5 + 2 = 7, 6 + 2 = 8.
        {"Pad default", "Pad", {}, {N({3, 5, 6})}, {N({3, 7, 8})}, {0, 0, 0}},
        // H 5 + 1 + 2 = 8, W 6 + 3 + 4 = 13.
        {"Pad constant", "Pad", {{"padding", IntList{1, 2, 3, 4}}, {"value", -1.0}},
         {N({3, 5, 6})}, {N({3, 8, 13})}, {0, 0, 0}},
        // reflect up to dim - 1: H 5 + 4 + 4 = 13, W 6 + 5 + 5 = 16.
        {"Pad reflect", "Pad", {{"padding", IntList{4, 4, 5, 5}}, {"mode", "reflect"}},
         {N({2, 5, 6})}, {N({2, 13, 16})}, {0, 0, 0}},
        // edge may exceed the dimension: 1 + 1024 + 0 = 1025, 1 + 0 + 3 = 4.
        {"Pad edge", "Pad", {{"padding", IntList{1024, 0, 0, 3}}, {"mode", "edge"}},
         {N({1, 1, 1})}, {N({1, 1025, 4})}, {0, 0, 0}},
        // default: axis 1, [0, 1): the first channel.
        {"Slice default", "Slice", {}, {N({4, 5, 6})}, {N({1, 5, 6})}, {0, 0, 0}},
        // ShuffleNet's second half of 116 channels: 116 - 58 = 58.
        {"Slice channels", "Slice", {{"start", 58}, {"end", 116}}, {N({116, 28, 28})},
         {N({58, 28, 28})}, {0, 0, 0}},
        // axis -1 of [N, 3, 10] is axis 2: 7 - 2 = 5; the whole axis is a slice too.
        {"Slice negative axis", "Slice", {{"axis", -1}, {"start", 2}, {"end", 7}},
         {N({3, 10})}, {N({3, 5})}, {0, 0, 0}},
        {"Slice whole axis", "Slice", {{"axis", 2}, {"start", 0}, {"end", 4}}, {N({2, 4})},
         {N({2, 4})}, {0, 0, 0}},
        // one add per element: 64.
        {"Add 2 inputs", "Add", {}, {N({64}), N({64})}, {N({64})}, {0, 0, 64}},
        // two adds per element: 2*8*4*4 = 256.
        {"Add 3 inputs", "Add", {}, {N({8, 4, 4}), N({8, 4, 4}), N({8, 4, 4})},
         {N({8, 4, 4})}, {0, 0, 256}},
        // one product per output element: 8*4*4 = 128.
        {"Mul same shape", "Mul", {}, {N({8, 4, 4}), N({8, 4, 4})}, {N({8, 4, 4})}, {0, 0, 128}},
        // a squeeze-and-excitation gate: 16*7*7 = 784.
        {"Mul channel gate", "Mul", {}, {N({16, 7, 7}), N({16, 1, 1})}, {N({16, 7, 7})},
         {0, 0, 784}},
        // each input broadcasts along a dimension of its own: [N, 3, 1, 5] * [N, 1, 4, 1]
        // -> [N, 3, 4, 5], 60.
        {"Mul both broadcast", "Mul", {}, {N({3, 1, 5}), N({1, 4, 1})}, {N({3, 4, 5})},
         {0, 0, 60}},
        // a scale and shift per channel: 2*16 parameters, 2*16*7*7 = 1568 FLOPs.
        {"Scale per channel", "Scale", {{"shape", IntList{16, 1, 1}}}, {N({16, 7, 7})},
         {N({16, 7, 7})}, {32, 0, 1568}},
        // one number for all, scale only: 1 parameter, 60 products.
        {"Scale one value", "Scale", {{"use_shift", false}}, {N({3, 4, 5})}, {N({3, 4, 5})},
         {1, 0, 60}},
        // no inputs: the value [3, 4] for each sample, 12 parameters.
        {"Constant", "Constant", {{"shape", IntList{3, 4}}}, {}, {N({3, 4})}, {12, 0, 0}},
        // [N, 3, 8, 8, 8] by 3x3x3, padding 1: [N, 4, 8, 8, 8]; 4*3*27 + 4 = 328 parameters;
        // FLOPs 2*4*3*27*512 + 4*512 = 333824.
        {"Conv3D", "Conv3D", {{"filters", std::int64_t{4}}, {"padding", IntList{1, 1, 1}}},
         {N({3, 8, 8, 8})}, {N({4, 8, 8, 8})}, {328, 0, 333824}},
        // one rounding per element: 2*3*4 = 24.
        {"Cast", "Cast", {{"to", std::string("float8e4m3fn")}}, {N({2, 3, 4})}, {N({2, 3, 4})},
         {0, 0, 24}},
        // 16 + 32 = 48 channels.
        {"Concat channels", "Concat", {}, {N({16, 8, 8}), N({32, 8, 8})}, {N({48, 8, 8})},
         {0, 0, 0}},
        // last axis: 4 + 5 = 9.
        {"Concat last axis", "Concat", {{"axis", -1}}, {N({3, 4}), N({3, 5})}, {N({3, 9})},
         {0, 0, 0}},
        // 2 + 3 + 5 = 10.
        {"Concat 3 inputs", "Concat", {}, {N({2}), N({3}), N({5})}, {N({10})}, {0, 0, 0}},
        // G = 4, G·H = 64: 64*(8 + 16 + 2) = 1664; FLOPs T * 2*64*(8 + 16 + 1) = 32000.
        {"LSTM sequence", "LSTM", {{"hidden_size", 16}}, {N({10, 8})}, {N({10, 16})},
         {1664, 0, 32000}},
        // G·H = 16, D = 2. Layer 0 reads 3: 2 * 16*(3 + 4 + 2) = 288; layer 1 reads 8:
        // 2 * 16*(8 + 4 + 2) = 448 -> 736. FLOPs 5*2*2*16*(3 + 4 + 1) = 2560, 5*2*2*16*13 =
        // 4160 -> 6720. "last": [N, H·D].
        {"LSTM bidirectional 2 layers last", "LSTM",
         {{"hidden_size", 4}, {"layers", 2}, {"bidirectional", true}, {"output", "last"}},
         {N({5, 3})}, {N({8})}, {736, 0, 6720}},
        // G = 3, G·H = 48: 48*(8 + 16 + 2) = 1248; FLOPs 10 * 2*48*25 = 24000.
        {"GRU last", "GRU", {{"hidden_size", 16}, {"output", "last"}}, {N({10, 8})}, {N({16})},
         {1248, 0, 24000}},
        // G·H = 15, D = 2: 2 * 15*(2 + 5 + 2) = 270; FLOPs 3*2*2*15*(2 + 5 + 1) = 1440.
        {"GRU bidirectional sequence", "GRU", {{"hidden_size", 5}, {"bidirectional", true}},
         {N({3, 2})}, {N({3, 10})}, {270, 0, 1440}},
        // T = 10, C = 8, 2 heads of D = 8 / 2 = 4, E = 8. Params: in 3E*C + 3E = 192 + 24,
        // out C*E + C = 64 + 8 -> 288. FLOPs: projections 2*T*C*3E + 2*T*E*C = 3840 + 1280,
        // q k^T and p v 2 * 2*T*T*E = 3200, biases T*(3E + C) = 320 -> 8640.
        {"MultiHeadAttention", "MultiHeadAttention", {{"heads", 2}}, {N({10, 8})},
         {N({10, 8})}, {288, 0, 8640}},
        // head_dim 5 with 3 heads over C = 4 (no need to divide): E = 15. Params: 3E*C + C*E
        // = 180 + 60 = 240. FLOPs: 2*6*4*45 + 2*6*15*4 = 2160 + 720, 4*36*15 = 2160 -> 5040.
        {"MultiHeadAttention head_dim causal no bias", "MultiHeadAttention",
         {{"heads", 3}, {"head_dim", 5}, {"causal", true}, {"use_bias", false}}, {N({6, 4})},
         {N({6, 4})}, {240, 0, 5040}},
        // no output; 4 FLOPs per prediction element: 4*10, 4*3*4 = 48, 4*1.
        // weight 1000*64 = 64000; a lookup: 0 FLOPs.
        {"Embedding", "Embedding", {{"vocabulary", 1000}, {"dimension", 64}}, {N({12})},
         {N({12, 64})}, {64000, 0, 0}},
        // 10*4 = 40, the padding row included.
        {"Embedding padding", "Embedding",
         {{"vocabulary", 10}, {"dimension", 4}, {"padding_index", 0}}, {N({7})}, {N({7, 4})},
         {40, 0, 0}},
        // one add per element: 10*16 = 160; learned: position 10*16 = 160.
        {"PositionalEncoding sinusoidal", "PositionalEncoding", {}, {N({10, 16})},
         {N({10, 16})}, {0, 0, 160}},
        {"PositionalEncoding learned", "PositionalEncoding", {{"kind", "learned"}},
         {N({10, 16})}, {N({10, 16})}, {160, 0, 160}},
        // mean and max read every element: 10*16 = 160; last copies one step.
        {"SequencePool mean", "SequencePool", {}, {N({10, 16})}, {N({16})}, {0, 0, 160}},
        {"SequencePool max", "SequencePool", {{"mode", "max"}}, {N({10, 16})}, {N({16})},
         {0, 0, 160}},
        {"SequencePool last", "SequencePool", {{"mode", "last"}}, {N({10, 16})}, {N({16})},
         {0, 0, 0}},
        // [4, 3] x [3, 5]: 2*4*3*5 = 120.
        {"MatMul", "MatMul", {}, {N({4, 3}), N({3, 5})}, {N({4, 5})}, {0, 0, 120}},
        // 2 matrices [4, 3] x [3, 5]: 2*2*4*3*5 = 240.
        {"MatMul rank 4", "MatMul", {}, {N({2, 4, 3}), N({2, 3, 5})}, {N({2, 4, 5})},
         {0, 0, 240}},
        {"Transpose default", "Transpose", {}, {N({10, 16})}, {N({16, 10})}, {0, 0, 0}},
        // output axis i is input axis perm[i]: [N, 3, 4, 5] -> [N, 4, 5, 3].
        {"Transpose rank 4", "Transpose", {{"perm", IntList{0, 2, 3, 1}}}, {N({3, 4, 5})},
         {N({4, 5, 3})}, {0, 0, 0}},
        {"Loss softmax_cross_entropy", "Loss", {}, {N({10})}, {}, {0, 0, 40}},
        {"Loss mse", "Loss", {{"loss", "mse"}}, {N({3, 4})}, {}, {0, 0, 48}},
        {"Loss binary_cross_entropy", "Loss", {{"loss", "binary_cross_entropy_with_logits"}},
         {N({1})}, {}, {0, 0, 4}},
    };
}
// clang-format on

const OpRegistry& registry() {
    static const OpRegistry r = makeCoreRegistry();
    return r;
}

// The schema's defaults with `overrides` applied, as analyze() hands them to infer().
AttrMap withDefaults(const OpSchema& schema, const AttrMap& overrides) {
    AttrMap attrs = schema.defaults();
    for (const auto& [name, value] : overrides) {
        attrs[name] = value;
    }
    return attrs;
}

} // namespace

class TestOps : public QObject {
    Q_OBJECT

private slots:
    void everyOpHasInferRows();
    void infer_data();
    void infer();
    void inferErrors_data();
    void inferErrors();
    void analyzeUsesVariadicPorts();
    void weightInitChoosesTheInitializers_data();
    void weightInitChoosesTheInitializers();
    void defaultsPassTheirOwnChecks();
    void attrCheck_data();
    void attrCheck();
};

void TestOps::everyOpHasInferRows() {
    // The ops declared in graph/ops/core_ops.h, one factory each.
    // clang-format off
    const std::vector<OpSchema> declared = {
        ops::inputSchema(),
        ops::denseSchema(),
        ops::conv2dSchema(),
        ops::conv3dSchema(),
        ops::maxPool2dSchema(),
        ops::avgPool2dSchema(),
        ops::globalAvgPoolSchema(),
        ops::batchNormSchema(),
        ops::layerNormSchema(),
        ops::lrnSchema(),
        ops::dropoutSchema(),
        ops::reluSchema(),
        ops::leakyReluSchema(),
        ops::eluSchema(),
        ops::relu6Schema(),
        ops::hardSigmoidSchema(),
        ops::hardSwishSchema(),
        ops::geluSchema(),
        ops::sigmoidSchema(),
        ops::tanhSchema(),
        ops::softmaxSchema(),
        ops::flattenSchema(),
        ops::reshapeSchema(),
        ops::padSchema(),
        ops::sliceSchema(),
        ops::addSchema(),
        ops::concatSchema(),
        ops::lossSchema(),
        ops::globalMaxPoolSchema(),
        ops::mulSchema(),
        ops::scaleSchema(),
        ops::castSchema(),
        ops::constantSchema(),
        ops::embeddingSchema(),
        ops::positionalEncodingSchema(),
        ops::sequencePoolSchema(),
        ops::matMulSchema(),
        ops::transposeSchema(),
        ops::multiHeadAttentionSchema(),
        ops::lstmSchema(),
        ops::gruSchema(),
    };
    // clang-format on
    QCOMPARE(registry().all().size(), declared.size());
    std::set<std::string> covered;
    for (const auto& c : inferCases()) {
        covered.insert(c.op);
    }
    for (const auto& schema : declared) {
        QVERIFY2(registry().find(schema.name), schema.name.c_str());
        QVERIFY2(covered.count(schema.name), ("no infer row for " + schema.name).c_str());
    }
}

void TestOps::infer_data() {
    QTest::addColumn<QString>("op");
    QTest::addColumn<AttrMap>("attrs");
    QTest::addColumn<Shapes>("inputs");
    QTest::addColumn<Shapes>("outputs");
    QTest::addColumn<qint64>("trainable");
    QTest::addColumn<qint64>("nonTrainable");
    QTest::addColumn<qint64>("flops");
    for (const auto& c : inferCases()) {
        QTest::newRow(c.tag) << QString(c.op) << c.attrs << c.inputs << c.outputs
                             << qint64(c.cost.trainableParams) << qint64(c.cost.nonTrainableParams)
                             << qint64(c.cost.flops);
    }
}

void TestOps::infer() {
    QFETCH(QString, op);
    QFETCH(AttrMap, attrs);
    QFETCH(Shapes, inputs);
    QFETCH(Shapes, outputs);
    QFETCH(qint64, trainable);
    QFETCH(qint64, nonTrainable);
    QFETCH(qint64, flops);

    const OpSchema* schema = registry().find(op.toStdString());
    QVERIFY(schema);
    AttrMap all = withDefaults(*schema, attrs);
    for (const auto& spec : schema->attrs) { // the row itself must be a legal node
        auto why = spec.check(all.at(spec.name));
        QVERIFY2(!why, (spec.name + ": " + why.value_or("")).c_str());
    }
    auto result = schema->inferNode(InferContext(all, inputs));
    QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
    QCOMPARE(result->outputs.size(), outputs.size());
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        QCOMPARE(result->outputs[i].toString(), outputs[i].toString());
        QVERIFY(result->outputs[i] == outputs[i]);
    }
    QCOMPARE(qint64(result->cost.trainableParams), trainable);
    QCOMPARE(qint64(result->cost.nonTrainableParams), nonTrainable);
    QCOMPARE(qint64(result->cost.flops), flops);
}

// Dense's and Conv2D's weight_init: PyTorch's U(±1/sqrt(fan_in)) for weight and bias by
// default; He and Glorot draw the weight and start the bias at zero.
void TestOps::weightInitChoosesTheInitializers_data() {
    QTest::addColumn<QString>("op");
    QTest::addColumn<QString>("init");
    QTest::addColumn<int>("weight");
    QTest::addColumn<int>("bias");
    for (const char* op : {"Dense", "Conv2D"}) {
        auto row = [&](const char* init, Init w, Init b) {
            QTest::addRow("%s %s", op, init) << op << init << int(w) << int(b);
        };
        row("pytorch", Init::FanInUniform, Init::FanInUniform);
        row("he_normal", Init::HeNormal, Init::Zeros);
        row("he_uniform", Init::HeUniform, Init::Zeros);
        row("glorot_normal", Init::GlorotNormal, Init::Zeros);
        row("glorot_uniform", Init::GlorotUniform, Init::Zeros);
    }
}

void TestOps::weightInitChoosesTheInitializers() {
    QFETCH(QString, op);
    QFETCH(QString, init);
    QFETCH(int, weight);
    QFETCH(int, bias);
    const OpSchema* schema = registry().find(op.toStdString());
    QVERIFY(schema);
    QCOMPARE(withDefaults(*schema, {}).at("weight_init"), AttrValue(std::string("pytorch")));
    AttrMap all = withDefaults(*schema, {{"weight_init", init.toStdString()}});
    const Shapes inputs{op == "Dense" ? N({20}) : N({3, 8, 8})};
    auto result = schema->inferNode(InferContext(all, inputs));
    QVERIFY(result.ok());
    QCOMPARE(result->params.size(), std::size_t(2));
    QCOMPARE(result->params[0].name, std::string("weight"));
    QCOMPARE(int(result->params[0].init), weight);
    QCOMPARE(result->params[1].name, std::string("bias"));
    QCOMPARE(int(result->params[1].init), bias);
}

void TestOps::inferErrors_data() {
    QTest::addColumn<QString>("op");
    QTest::addColumn<AttrMap>("attrs");
    QTest::addColumn<Shapes>("inputs");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QStringList>("fragments"); // each must appear in the message

    QTest::newRow("Conv2D rank 2")
        << "Conv2D" << AttrMap{} << Shapes{N({784})} << "input" << QStringList{"4-D", "[N, 784]"};
    QTest::newRow("Dense rank 4") << "Dense" << AttrMap{} << Shapes{N({64, 7, 7})} << "input"
                                  << QStringList{"[N, 64, 7, 7]", "Flatten"};
    QTest::newRow("Dense rank 1") << "Dense" << AttrMap{} << Shapes{N({})} << "input"
                                  << QStringList{"[N, ..., features]"};
    QTest::newRow("Embedding rank 3") << "Embedding" << AttrMap{} << Shapes{N({4, 2})} << "input"
                                      << QStringList{"[N, T]", "[N, 4, 2]"};
    QTest::newRow("Embedding padding beyond vocabulary")
        << "Embedding" << AttrMap{{"vocabulary", 10}, {"padding_index", 10}} << Shapes{N({4})}
        << "padding_index" << QStringList{"10", "vocabulary of 10"};
    QTest::newRow("PositionalEncoding rank 2")
        << "PositionalEncoding" << AttrMap{} << Shapes{N({16})} << "input"
        << QStringList{"[N, T, C]", "[N, 16]"};
    QTest::newRow("SequencePool rank 4") << "SequencePool" << AttrMap{} << Shapes{N({2, 3, 4})}
                                         << "input" << QStringList{"[N, T, C]", "[N, 2, 3, 4]"};
    QTest::newRow("MatMul a rank 2")
        << "MatMul" << AttrMap{} << Shapes{N({4}), N({4, 2})} << "a" << QStringList{"[N, 4]"};
    QTest::newRow("MatMul rank mismatch")
        << "MatMul" << AttrMap{} << Shapes{N({4, 3}), N({2, 3, 5})} << "b"
        << QStringList{"rank", "[N, 2, 3, 5]"};
    QTest::newRow("MatMul K mismatch") << "MatMul" << AttrMap{} << Shapes{N({4, 3}), N({4, 5})}
                                       << "b" << QStringList{"K = 3", "has 4 rows"};
    QTest::newRow("MatMul leading dims differ")
        << "MatMul" << AttrMap{} << Shapes{N({2, 4, 3}), N({3, 3, 5})} << "b"
        << QStringList{"no broadcasting", "[N, 3, 3, 5]"};
    QTest::newRow("Transpose perm length")
        << "Transpose" << AttrMap{{"perm", IntList{0, 2, 1}}} << Shapes{N({2, 3, 4})} << "perm"
        << QStringList{"3 axes", "[N, 2, 3, 4] 4"};
    QTest::newRow("Transpose not a permutation")
        << "Transpose" << AttrMap{{"perm", IntList{0, 1, 1}}} << Shapes{N({2, 3})} << "perm"
        << QStringList{"not a permutation"};
    QTest::newRow("Transpose moves the batch")
        << "Transpose" << AttrMap{{"perm", IntList{1, 0, 2}}} << Shapes{N({2, 3})} << "perm"
        << QStringList{"batch", "start with 0"};
    QTest::newRow("LSTM rank 2") << "LSTM" << AttrMap{} << Shapes{N({16})} << "input"
                                 << QStringList{"[N, T, C]", "[N, 16]"};
    QTest::newRow("GRU rank 4") << "GRU" << AttrMap{} << Shapes{N({2, 3, 4})} << "input"
                                << QStringList{"[N, T, C]", "[N, 2, 3, 4]"};
    QTest::newRow("MaxPool2D rank 2")
        << "MaxPool2D" << AttrMap{} << Shapes{N({10})} << "input" << QStringList{"[N, 10]"};
    QTest::newRow("GlobalAvgPool rank 3")
        << "GlobalAvgPool" << AttrMap{} << Shapes{N({3, 4})} << "input" << QStringList{"[N, 3, 4]"};
    QTest::newRow("GlobalMaxPool rank 2")
        << "GlobalMaxPool" << AttrMap{} << Shapes{N({3})} << "input" << QStringList{"[N, 3]"};
    QTest::newRow("Pad rank 2") << "Pad" << AttrMap{} << Shapes{N({8})} << "input"
                                << QStringList{"[N, C, H, W]", "[N, 8]"};
    // reflect needs each pad below its dimension: left 3 with W = 3 would repeat the border.
    QTest::newRow("Pad reflect by the dimension")
        << "Pad" << AttrMap{{"padding", IntList{2, 2, 3, 0}}, {"mode", std::string("reflect")}}
        << Shapes{N({1, 4, 3})} << "padding" << QStringList{"left 3", "W = 3", "[N, 1, 4, 3]"};
    QTest::newRow("Pad reflect bottom")
        << "Pad" << AttrMap{{"padding", IntList{0, 4, 0, 0}}, {"mode", std::string("reflect")}}
        << Shapes{N({1, 4, 9})} << "padding" << QStringList{"bottom 4", "H = 4"};
    QTest::newRow("Slice the batch") << "Slice" << AttrMap{{"axis", 0}} << Shapes{N({4})} << "axis"
                                     << QStringList{"axis 0", "non-batch", "[N, 4]"};
    QTest::newRow("Slice axis beyond the rank")
        << "Slice" << AttrMap{{"axis", 3}} << Shapes{N({4, 2})} << "axis"
        << QStringList{"axis 3", "[N, 4, 2]"};
    // -3 of a rank-3 tensor resolves to the batch axis.
    QTest::newRow("Slice negative axis to the batch")
        << "Slice" << AttrMap{{"axis", -3}} << Shapes{N({4, 2})} << "axis"
        << QStringList{"axis -3"};
    QTest::newRow("Slice end past the axis")
        << "Slice" << AttrMap{{"start", 2}, {"end", 9}} << Shapes{N({8, 3})} << "end"
        << QStringList{"end 9", "length 8", "axis 1", "[N, 8, 3]"};
    QTest::newRow("Slice empty") << "Slice" << AttrMap{{"start", 5}, {"end", 5}} << Shapes{N({8})}
                                 << "start" << QStringList{"start 5", "end 5", "empty"};
    QTest::newRow("LRN even size") << "LRN" << AttrMap{{"size", 4}} << Shapes{N({8, 2, 2})}
                                   << "size" << QStringList{"odd", "4"};
    QTest::newRow("LRN rank 2") << "LRN" << AttrMap{} << Shapes{N({16})} << "input"
                                << QStringList{"[N, 16]"};
    QTest::newRow("BatchNorm rank 3")
        << "BatchNorm" << AttrMap{} << Shapes{N({3, 4})} << "input" << QStringList{"[N, 3, 4]"};
    // 5 > 4 + 2*0.
    QTest::newRow("Conv2D kernel > input")
        << "Conv2D" << AttrMap{{"kernel_size", IntList{5, 5}}} << Shapes{N({1, 4, 4})}
        << "kernel_size" << QStringList{"[N, 1, 4, 4]"};
    // dilated kernel 2*(3-1)+1 = 5 > 4.
    QTest::newRow("Conv2D dilated kernel > input")
        << "Conv2D" << AttrMap{{"dilation", IntList{2, 2}}} << Shapes{N({1, 4, 4})} << "kernel_size"
        << QStringList{"5 with dilation", "(4)"};
    // (2 - 3) / 2 + 1 would be 1 with truncating division; the window still does not fit.
    QTest::newRow("Conv2D kernel > input, stride 2")
        << "Conv2D" << AttrMap{{"stride", IntList{2, 2}}} << Shapes{N({1, 2, 2})} << "kernel_size"
        << QStringList{"[N, 1, 2, 2]"};
    QTest::newRow("MaxPool2D window > input")
        << "MaxPool2D" << AttrMap{{"kernel_size", IntList{3, 3}}} << Shapes{N({1, 2, 2})}
        << "kernel_size" << QStringList{"[N, 1, 2, 2]"};
    QTest::newRow("AvgPool2D padding = kernel")
        << "AvgPool2D" << AttrMap{{"padding", IntList{2, 2}}} << Shapes{N({1, 8, 8})} << "padding"
        << QStringList{"below the window's span"};
    QTest::newRow("MaxPool2D right padding = kernel")
        << "MaxPool2D" << AttrMap{{"padding", IntList{0, 0, 1, 2}}} << Shapes{N({1, 8, 8})}
        << "padding" << QStringList{"padding (2)", "window's span (2)"};
    QTest::newRow("MaxPool2D 3 padding values")
        << "MaxPool2D" << AttrMap{{"padding", IntList{1, 1, 1}}} << Shapes{N({1, 8, 8})}
        << "padding" << QStringList{"[top, bottom, left, right]", "[1, 1, 1]"};
    // 2*(3-1)+1 = 5 > 4.
    QTest::newRow("MaxPool2D dilated window > input")
        << "MaxPool2D"
        << AttrMap{{"kernel_size", IntList{3, 3}},
                   {"dilation", IntList{2, 2}},
                   {"stride", IntList{1, 1}}}
        << Shapes{N({1, 4, 4})} << "kernel_size" << QStringList{"5 with dilation", "[N, 1, 4, 4]"};
    QTest::newRow("Conv2D groups vs channels")
        << "Conv2D" << AttrMap{{"filters", 8}, {"groups", 4}} << Shapes{N({6, 8, 8})} << "groups"
        << QStringList{"input channels (6)", "groups (4)"};
    QTest::newRow("Conv2D groups vs filters")
        << "Conv2D" << AttrMap{{"filters", 6}, {"groups", 4}} << Shapes{N({8, 8, 8})} << "groups"
        << QStringList{"filters (6)", "groups (4)"};
    // 784 != 10*10 = 100.
    QTest::newRow("Reshape count mismatch")
        << "Reshape" << AttrMap{{"shape", IntList{10, 10}}} << Shapes{N({784})} << "shape"
        << QStringList{"784", "100", "[10, 10]"};
    // 10 % 3 != 0.
    QTest::newRow("Reshape -1 does not divide")
        << "Reshape" << AttrMap{{"shape", IntList{-1, 3}}} << Shapes{N({10})} << "shape"
        << QStringList{"[N, 10]", "[-1, 3]"};
    QTest::newRow("Reshape two -1") << "Reshape" << AttrMap{{"shape", IntList{-1, -1}}}
                                    << Shapes{N({10})} << "shape" << QStringList{"only one"};
    QTest::newRow("Reshape zero") << "Reshape" << AttrMap{{"shape", IntList{0, 10}}}
                                  << Shapes{N({10})} << "shape" << QStringList{"is 0"};
    QTest::newRow("Add mismatch") << "Add" << AttrMap{} << Shapes{N({64}), N({32})} << "in 1"
                                  << QStringList{"[N, 64]", "[N, 32]"};
    QTest::newRow("Add third mismatch") << "Add" << AttrMap{} << Shapes{N({8}), N({8}), N({8, 1})}
                                        << "in 2" << QStringList{"[N, 8]", "[N, 8, 1]"};
    QTest::newRow("Mul mismatch") << "Mul" << AttrMap{} << Shapes{N({4, 3, 3}), N({2, 1, 1})} << "b"
                                  << QStringList{"[N, 4, 3, 3]", "[N, 2, 1, 1]",
                                                 "dimension 1 is 4 against 2"};
    QTest::newRow("Mul rank mismatch") << "Mul" << AttrMap{} << Shapes{N({4, 3, 3}), N({4})} << "b"
                                       << QStringList{"[N, 4, 3, 3]", "[N, 4]", "same rank"};
    QTest::newRow("Mul batch broadcast") << "Mul" << AttrMap{} << Shapes{N({4}), Shape{{1, 4}}}
                                         << "b" << QStringList{"[N, 4]", "[1, 4]", "batch"};
    QTest::newRow("Scale does not broadcast")
        << "Scale" << AttrMap{{"shape", IntList{3, 1}}} << Shapes{N({4, 5})} << "shape"
        << QStringList{"[3, 1]", "[N, 4, 5]", "dimension 0 is 3 against 4"};
    QTest::newRow("Scale longer than the sample")
        << "Scale" << AttrMap{{"shape", IntList{1, 4, 5}}} << Shapes{N({4, 5})} << "shape"
        << QStringList{"[1, 4, 5]", "more dimensions"};
    QTest::newRow("Scale of nothing")
        << "Scale" << AttrMap{{"use_scale", false}, {"use_shift", false}} << Shapes{N({4})}
        << "use_scale" << QStringList{"does nothing"};
    QTest::newRow("Concat mismatch")
        << "Concat" << AttrMap{} << Shapes{N({16, 8, 8}), N({16, 4, 4})} << "in 1"
        << QStringList{"[N, 16, 8, 8]", "[N, 16, 4, 4]"};
    QTest::newRow("Concat rank mismatch") << "Concat" << AttrMap{} << Shapes{N({4}), N({4, 1})}
                                          << "in 1" << QStringList{"[N, 4]", "[N, 4, 1]"};
    QTest::newRow("Concat batch axis")
        << "Concat" << AttrMap{{"axis", 0}} << Shapes{N({4}), N({4})} << "axis" << QStringList{"0"};
    QTest::newRow("Softmax axis 0") << "Softmax" << AttrMap{{"axis", 0}} << Shapes{N({10})}
                                    << "axis" << QStringList{"axis 0", "[N, 10]"};
    QTest::newRow("Softmax axis beyond rank")
        << "Softmax" << AttrMap{{"axis", 3}} << Shapes{N({10})} << "axis" << QStringList{"axis 3"};
    QTest::newRow("MultiHeadAttention heads do not divide C")
        << "MultiHeadAttention" << AttrMap{{"heads", 3}} << Shapes{N({5, 8})} << "heads"
        << QStringList{"3 heads", "8 features", "head_dim"};
    QTest::newRow("MultiHeadAttention rank 2")
        << "MultiHeadAttention" << AttrMap{} << Shapes{N({8})} << "input"
        << QStringList{"3-D", "[N, T, C]", "[N, 8]"};
    QTest::newRow("LayerNorm crosses batch")
        << "LayerNorm" << AttrMap{{"normalized_dims", 2}} << Shapes{N({10})} << "normalized_dims"
        << QStringList{"[N, 10]"};
    QTest::newRow("Loss softmax_cross_entropy rank 1")
        << "Loss" << AttrMap{} << Shapes{N({})} << "prediction"
        << QStringList{"[N, classes]", "[N, T, classes]", "got [N]"};
    QTest::newRow("Loss one class") << "Loss" << AttrMap{} << Shapes{N({1})} << "prediction"
                                    << QStringList{"at least 2 classes"};
    QTest::newRow("Loss smoothing with mse")
        << "Loss" << AttrMap{{"loss", "mse"}, {"label_smoothing", 0.1}} << Shapes{N({4})}
        << "label_smoothing" << QStringList{"softmax_cross_entropy"};
    // (2^24)^3 = 2^72 elements per sample overflows int64.
    QTest::newRow("Input too many elements")
        << "Input" << AttrMap{{"shape", IntList{1 << 24, 1 << 24, 1 << 24}}} << Shapes{} << "shape"
        << QStringList{"too many elements"};
    // 2^50 * 2^20 = 2^70 weights overflows int64.
    QTest::newRow("Dense weights overflow")
        << "Dense" << AttrMap{{"units", 1 << 20}} << Shapes{N({std::int64_t{1} << 50})} << "units"
        << QStringList{"too large"};
}

void TestOps::inferErrors() {
    QFETCH(QString, op);
    QFETCH(AttrMap, attrs);
    QFETCH(Shapes, inputs);
    QFETCH(QString, field);
    QFETCH(QStringList, fragments);

    const OpSchema* schema = registry().find(op.toStdString());
    QVERIFY(schema);
    auto result = schema->infer(InferContext(withDefaults(*schema, attrs), inputs));
    QVERIFY2(!result.ok(), "inference should have failed");
    QCOMPARE(QString::fromStdString(result.error().field), field);
    auto message = QString::fromStdString(result.error().message);
    for (const auto& fragment : fragments) {
        QVERIFY2(message.contains(fragment), qPrintable(message + " lacks " + fragment));
    }
}

void TestOps::analyzeUsesVariadicPorts() {
    // input [N, 8] -> a, b (Dense 8) ; Add(a, b, input) -> Loss.
    Graph g;
    QVERIFY(g.addNode({"input", "Input", {{"shape", IntList{8}}}, {}}));
    QVERIFY(g.addNode({"a", "Dense", {{"units", 8}}, {}}));
    QVERIFY(g.addNode({"b", "Dense", {{"units", 8}}, {}}));
    QVERIFY(g.addNode({"sum", "Add", {}, {}}));
    QVERIFY(g.addNode({"loss", "Loss", {}, {}}));
    g.addEdge({{"input", 0}, {"a", 0}});
    g.addEdge({{"input", 0}, {"b", 0}});
    g.addEdge({{"a", 0}, {"sum", 0}});
    g.addEdge({{"b", 0}, {"sum", 1}});
    g.addEdge({{"input", 0}, {"sum", 2}});
    g.addEdge({{"sum", 0}, {"loss", 0}});

    auto analysis = analyze(g, registry());
    QVERIFY2(analysis.problems.empty(),
             analysis.problems.empty() ? "" : analysis.problems[0].toString().c_str());
    const NodeInfo* sum = analysis.info("sum");
    QVERIFY(sum && sum->valid);
    QCOMPARE(sum->inputs.size(), std::size_t(3));
    QCOMPARE(sum->cost.flops, 16); // 2 adds * 8 elements
    // Dense 8x8: 64 + 8 = 72 params and 2*64 + 8 = 136 FLOPs, twice.
    QCOMPARE(analysis.totals.trainableParams, 144);
    // 136 + 136 + Add 16 + Loss 4*8 = 32 -> 320.
    QCOMPARE(analysis.totals.flops, 320);
    QCOMPARE(analysis.order.front(), std::string("input"));
    QCOMPARE(analysis.order.back(), std::string("loss"));
}

void TestOps::defaultsPassTheirOwnChecks() {
    QVERIFY(!registry().all().empty());
    for (const OpSchema* schema : registry().all()) {
        AttrMap defaults = schema->defaults();
        QCOMPARE(defaults.size(), schema->attrs.size());
        for (const auto& spec : schema->attrs) {
            std::string where = schema->name + "." + spec.name;
            auto why = spec.check(spec.defaultValue);
            QVERIFY2(!why, (where + ": " + why.value_or("")).c_str());
            QVERIFY2(attrTypeOf(spec.defaultValue) == spec.type, where.c_str());
            QVERIFY2(!spec.doc.empty(), (where + " has no doc").c_str());
        }
        QVERIFY2(!schema->doc.empty(), schema->name.c_str());
    }
}

void TestOps::attrCheck_data() {
    QTest::addColumn<QString>("op");
    QTest::addColumn<QString>("attr");
    QTest::addColumn<AttrValue>("value");
    QTest::addColumn<QString>("refusal"); // fragment of the refusal; empty: accepted

    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    auto row = [](const char* tag, const char* op, const char* attr, AttrValue v,
                  const char* refusal) {
        QTest::newRow(tag) << QString(op) << QString(attr) << v << QString(refusal);
    };
    row("int lower bound", "Conv2D", "filters", std::int64_t{1}, "");
    row("int upper bound", "Conv2D", "filters", std::int64_t{65536}, "");
    row("int below range", "Conv2D", "filters", std::int64_t{0}, "must be in [1, 65536], got 0");
    row("int above range", "Conv2D", "filters", std::int64_t{65537}, "got 65537");
    row("int negative bound", "Concat", "axis", std::int64_t{-8}, "");
    row("int below negative", "Concat", "axis", std::int64_t{-9}, "must be in [-8, 7]");
    row("float inclusive max", "LeakyReLU", "alpha", 10.0, "");
    row("float above max", "LeakyReLU", "alpha", 10.5, "must be in [0, 10], got 10.5");
    row("float exclusive max", "Dropout", "rate", 1.0, "must be in [0, 1)");
    row("float inclusive min", "Dropout", "rate", 0.0, "");
    row("float exclusive min", "BatchNorm", "epsilon", 0.0, "must be in (0, 1]");
    row("float NaN", "Dropout", "rate", nan, "must be in");
    row("float infinity", "LeakyReLU", "alpha", inf, "must be in");
    row("float for int", "Conv2D", "filters", 32.0, "got a number");
    row("int for float", "Dropout", "rate", std::int64_t{0}, "must be a number");
    row("int for bool", "Conv2D", "use_bias", std::int64_t{1}, "must be a boolean");
    row("string for int list", "Conv2D", "kernel_size", std::string("3x3"),
        "must be a list of integers, got a string");
    row("enum ok", "GELU", "approximate", std::string("tanh"), "");
    row("enum bad", "Conv2D", "padding_mode", std::string("valid"),
        "must be one of: explicit, same, got \"valid\"");
    row("enum is case-sensitive", "GELU", "approximate", std::string("TANH"), "one of");
    row("enum bad loss", "Loss", "loss", std::string("cross_entropy"), "one of");
    row("enum wrong type", "Conv2D", "padding_mode", std::int64_t{1}, "must be a string");
    row("list ok", "Conv2D", "kernel_size", IntList{1, 255}, "");
    row("list too short", "Conv2D", "kernel_size", IntList{3}, "must have 2 integers");
    row("list too long", "Conv2D", "kernel_size", IntList{3, 3, 3}, "got 3 ([3, 3, 3])");
    row("list element out of range", "Conv2D", "kernel_size", IntList{0, 3},
        "element 0 must be in [1, 255], got 0");
    row("list element above range", "Conv2D", "stride", IntList{1, 256}, "element 1");
    row("list empty", "Input", "shape", IntList{}, "must have 1 to 7 integers");
    row("list 8 dims", "Input", "shape", IntList{1, 1, 1, 1, 1, 1, 1, 1}, "got 8");
    row("list -1 allowed", "Reshape", "shape", IntList{-1, 3}, "");
    row("list -2 refused", "Reshape", "shape", IntList{-2}, "element 0");
    row("Pad padding of 2", "Pad", "padding", IntList{1, 1}, "must have 4 integers");
    row("Pad padding 1024", "Pad", "padding", IntList{0, 1024, 0, 0}, "");
    row("Pad padding 1025", "Pad", "padding", IntList{0, 0, 1025, 0},
        "element 2 must be in [0, 1024]");
    row("Pad negative", "Pad", "padding", IntList{-1, 0, 0, 0}, "element 0");
    row("Pad mode wrap", "Pad", "mode", std::string("wrap"), "one of: constant, reflect, edge");
    row("Slice negative start", "Slice", "start", std::int64_t{-1}, "must be in [0, ");
    row("Slice end 0", "Slice", "end", std::int64_t{0}, "must be in [1, ");
    row("Slice axis -9", "Slice", "axis", std::int64_t{-9}, "must be in [-8, 7]");
    row("LRN bias 0", "LRN", "bias", 0.0, "must be in (0, 1000]");
    row("LRN size 0", "LRN", "size", std::int64_t{0}, "must be in [1, 255]");
}

void TestOps::attrCheck() {
    QFETCH(QString, op);
    QFETCH(QString, attr);
    QFETCH(AttrValue, value);
    QFETCH(QString, refusal);

    const OpSchema* schema = registry().find(op.toStdString());
    QVERIFY(schema);
    const AttrSpec* spec = schema->findAttr(attr.toStdString());
    QVERIFY(spec);
    auto why = spec->check(value);
    if (refusal.isEmpty()) {
        QVERIFY2(!why, why.value_or("").c_str());
    } else {
        QVERIFY2(why, "value should have been refused");
        QVERIFY2(QString::fromStdString(*why).contains(refusal), why->c_str());
    }
}

QTEST_GUILESS_MAIN(TestOps)
#include "test_ops.moc"
