#include "tests/engine/op_cases.h"

#include <cmath>
#include <tuple>

namespace nw::testing {

namespace {

using graph::IntList;

// Input -> op -> Loss(mse): the prediction is the op's output.
graph::Graph single(IntList inputShape, const std::string& op, Attrs attrs = {}) {
    return Chain(std::move(inputShape)).add(op, std::move(attrs)).add("Loss", kMse).graph();
}

ForwardCase unary(std::string name, const std::string& op, Attrs attrs, std::vector<float> x,
                  std::vector<float> y) {
    ForwardCase c;
    c.name = std::move(name);
    c.ops = {op};
    c.graph = single({std::int64_t(x.size())}, op, std::move(attrs));
    c.input = std::move(x);
    c.targets.assign(c.input.size(), 0.0f);
    c.prediction = std::move(y);
    return c;
}

} // namespace

graph::Graph tokenGraph(bool frozenToken) {
    Chain c({3});
    c.add("Dense", {{"units", 4}});
    graph::Graph g = c.graph();
    g.addNode({"token", "Constant", {{"shape", graph::IntList{2}}}, {}});
    g.findNode("token")->trainable = !frozenToken;
    g.addNode({"joined", "Concat", {}, {}});
    g.addNode({"head", "Dense", {{"units", 2}}, {}});
    g.addNode({"loss", "Loss", kMse, {}});
    g.addEdge({{"token", 0}, {"joined", 0}});
    g.addEdge({{c.last(), 0}, {"joined", 1}});
    g.addEdge({{"joined", 0}, {"head", 0}});
    g.addEdge({{"head", 0}, {"loss", 0}});
    return g;
}

std::vector<ForwardCase> forwardCases() {
    std::vector<ForwardCase> out;
    auto add = [&out](ForwardCase c) { out.push_back(std::move(c)); };

    { // Input -> Loss: the identity, through the backend's own 4-D layout and back.
        ForwardCase c{"Input identity 4-D", {"Input", "Loss"}};
        c.graph = Chain({2, 1, 2}).add("Loss", kMse).graph();
        c.input = {1, 2, 3, 4};
        c.targets = {0, 0, 0, 0};
        c.prediction = {1, 2, 3, 4};
        c.loss = (1 + 4 + 9 + 16) / 4.0;
        add(c);
    }
    { // W = [[1, 2], [-3, 0.5]], b = [0.5, 1], x = [3, 4]: W x + b = [11.5, -6];
      // mse against [10, 1] = (1.5^2 + 7^2) / 2 = 25.625.
        ForwardCase c{"Dense", {"Dense", "Loss"}};
        c.graph = single({2}, "Dense", {{"units", 2}});
        c.input = {3, 4};
        c.params = {{1, 2, -3, 0.5f}, {0.5f, 1}};
        c.targets = {10, 1};
        c.prediction = {11.5f, -6};
        c.loss = 25.625;
        add(c);
    }
    { // The same W and b over the last axis of [1, 2, 2]: rows [3, 4] -> [11.5, -6] and
      // [1, -1] -> [1 - 2 + 0.5, -3 - 0.5 + 1] = [-0.5, -2.5].
        ForwardCase c{"Dense rank 3", {"Dense"}};
        c.graph = single({2, 2}, "Dense", {{"units", 2}});
        c.input = {3, 4, 1, -1};
        c.params = {{1, 2, -3, 0.5f}, {0.5f, 1}};
        c.targets.assign(4, 0.0f);
        c.prediction = {11.5f, -6, -0.5f, -2.5f};
        add(c);
    }
    { // One 2x2 filter [[1, 2], [0, -1]] + 0.5 over 1..9: y = x00 + 2 x01 - x11 + 0.5.
        ForwardCase c{"Conv2D", {"Conv2D"}};
        c.graph = single({1, 3, 3}, "Conv2D", {{"filters", 1}, {"kernel_size", IntList{2, 2}}});
        c.input = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        c.params = {{1, 2, 0, -1}, {0.5f}};
        c.targets.assign(4, 0.0f);
        c.prediction = {0.5f, 2.5f, 6.5f, 8.5f};
        add(c);
    }
    { // Two channels in and out, padding 1, stride 2 (numbers from a direct loop).
        ForwardCase c{"Conv2D padded stride 2", {"Conv2D"}};
        c.graph = single({2, 3, 3}, "Conv2D",
                         {{"filters", 2},
                          {"kernel_size", IntList{2, 2}},
                          {"stride", IntList{2, 2}},
                          {"padding", IntList{1, 1}}});
        c.input = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0.5f, -1, 2, 0, 1, -2, 3, 0, 1};
        c.params = {{1, 0, -1, 2, 0.5f, 1, 0, -1, -1, 1, 0, 0.5f, 2, 0, 1, -0.5f}, {0.25f, -1}};
        c.targets.assign(8, 0.0f);
        c.prediction = {1.75f, 2.25f, 11.25f, 12.75f, -0.75f, -1.5f, 5, 6};
        add(c);
    }
    { // groups = 2: each filter sees its own channel; no bias.
        ForwardCase c{"Conv2D grouped", {"Conv2D"}};
        c.graph = single(
            {2, 3, 3}, "Conv2D",
            {{"filters", 2}, {"kernel_size", IntList{2, 2}}, {"groups", 2}, {"use_bias", false}});
        c.input = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0.5f, -1, 2, 0, 1, -2, 3, 0, 1};
        c.params = {{1, -1, 0.5f, 2, 0, 1, -1, 1}};
        c.targets.assign(8, 0.0f);
        c.prediction = {11, 13.5f, 18.5f, 21, 0, -1, -2, -1};
        add(c);
    }
    const std::vector<float> grid{1, 5, 2, 0, 3, -1, 4, 8, 0, 0, -2, -3, 7, 1, -5, 6};
    {
        ForwardCase c{"MaxPool2D", {"MaxPool2D"}};
        c.graph = single({1, 4, 4}, "MaxPool2D");
        c.input = grid;
        c.targets.assign(4, 0.0f);
        c.prediction = {5, 8, 7, 6};
        add(c);
    }
    {
        ForwardCase c{"AvgPool2D", {"AvgPool2D"}};
        c.graph = single({1, 4, 4}, "AvgPool2D");
        c.input = grid;
        c.targets.assign(4, 0.0f);
        c.prediction = {2, 3.5f, 2, -1};
        add(c);
    }
    { // 3x3 windows, stride 2, one pixel of zero padding counted in the mean.
        ForwardCase c{"AvgPool2D padded", {"AvgPool2D"}};
        c.graph = single({1, 3, 3}, "AvgPool2D",
                         {{"kernel_size", IntList{3, 3}}, {"padding", IntList{1, 1}}});
        c.input = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        c.targets.assign(4, 0.0f);
        c.prediction = {12 / 9.0f, 16 / 9.0f, 24 / 9.0f, 28 / 9.0f};
        add(c);
    }
    {
        ForwardCase c{"GlobalAvgPool", {"GlobalAvgPool"}};
        c.graph = single({2, 2, 2}, "GlobalAvgPool");
        c.input = {1, 2, 3, 4, -1, 0, 5, 0};
        c.targets.assign(2, 0.0f);
        c.prediction = {2.5f, 1};
        add(c);
    }
    {
        ForwardCase c{"GlobalMaxPool", {"GlobalMaxPool"}};
        c.graph = single({2, 2, 2}, "GlobalMaxPool");
        c.batch = 2;
        c.input = {1,  2,  3,  4,  -1, 0, -5, -2, // sample 0
                   -3, -1, -2, -4, 7,  7, 6,  0};
        c.targets.assign(4, 0.0f);
        c.prediction = {4, 0, -1, 7};
        add(c);
    }
    { // Inference: (x - mean) / sqrt(var + eps) * gamma + beta with the running statistics.
        ForwardCase c{"BatchNorm inference", {"BatchNorm"}};
        c.graph = single({2}, "BatchNorm");
        c.input = {1, 4};
        c.params = {{2, 0.5f}, {0, 1}, {0, 2}, {1, 4}};
        c.targets = {0, 0};
        c.prediction = {float(2 / std::sqrt(1 + 1e-5)), float(1 / std::sqrt(4 + 1e-5) + 1)};
        add(c);
    }
    { // Training: the batch's own statistics, mean 2 and (biased) variance 1.
        ForwardCase c{"BatchNorm training", {"BatchNorm"}};
        c.graph = single({1}, "BatchNorm");
        c.batch = 2;
        c.training = true;
        c.input = {1, 3};
        c.params = {{1}, {0}, {0}, {1}};
        c.targets = {0, 0};
        float y = float(1 / std::sqrt(1 + 1e-5));
        c.prediction = {-y, y};
        add(c);
    }
    { // mean 2.5, variance 1.25; gamma [1, 2, 1, 1], beta [0, 0, 1, 0].
        ForwardCase c{"LayerNorm", {"LayerNorm"}};
        c.graph = single({4}, "LayerNorm");
        c.input = {1, 2, 3, 4};
        c.params = {{1, 2, 1, 1}, {0, 0, 1, 0}};
        c.targets.assign(4, 0.0f);
        float d = float(std::sqrt(1.25 + 1e-5));
        c.prediction = {-1.5f / d, 2 * -0.5f / d, 0.5f / d + 1, 1.5f / d};
        add(c);
    }
    { // Two trailing dims of [2, 1, 2] normalised together per channel... of each sample:
      // [[1, 2]], [[3, 4]] -> [1, 2, 3, 4] over its last two dims [1, 2] each.
        ForwardCase c{"LayerNorm 2 dims", {"LayerNorm"}};
        c.graph = single({2, 1, 2}, "LayerNorm", {{"normalized_dims", 2}});
        c.input = {1, 2, 3, 4};
        c.params = {{1, 1}, {0, 0}};
        c.targets.assign(4, 0.0f);
        float y = float(0.5 / std::sqrt(0.25 + 1e-5));
        c.prediction = {-y, y, -y, y};
        add(c);
    }
    add(unary("Dropout inference", "Dropout", {{"rate", 0.5}}, {1, -2, 3}, {1, -2, 3}));
    { // Training: each element is dropped (0) or kept and scaled by 1 / (1 - rate).
        ForwardCase c{"Dropout training", {"Dropout"}};
        c.graph = single({64}, "Dropout", {{"rate", 0.25}});
        c.training = true;
        for (int i = 0; i < 64; ++i) {
            c.input.push_back(float(i + 1));
        }
        c.targets.assign(64, 0.0f);
        c.check = [](const std::vector<float>& x, const std::vector<float>& y) -> std::string {
            int dropped = 0;
            for (std::size_t i = 0; i < x.size(); ++i) {
                if (y[i] == 0.0f) {
                    ++dropped;
                } else if (std::abs(y[i] - x[i] / 0.75f) > 1e-4f * x[i]) {
                    return "element " + std::to_string(i) + " is " + std::to_string(y[i]) +
                           ", neither 0 nor " + std::to_string(x[i] / 0.75f);
                }
            }
            if (dropped < 4 || dropped > 32) { // rate 0.25 of 64: 16 expected
                return std::to_string(dropped) + " of 64 dropped at rate 0.25";
            }
            return {};
        };
        add(c);
    }
    add(unary("ReLU", "ReLU", {}, {-1, 0, 2.5f}, {0, 0, 2.5f}));
    add(unary("LeakyReLU", "LeakyReLU", {{"alpha", 0.1}}, {-2, 3}, {-0.2f, 3}));
    add(unary("ELU", "ELU", {}, {-1, 2}, {float(std::exp(-1.0) - 1), 2}));
    // Both sides of each kink: ReLU6 at 0 and 6; HardSigmoid where alpha x + beta is 0 and 1
    // (x = -2.5 and 2.5 by default; -3 and 3 for PyTorch's alpha 1/6); HardSwish at -3 and 3.
    add(unary("ReLU6", "ReLU6", {}, {-1, 0, 0.5f, 3, 6, 7.5f}, {0, 0, 0.5f, 3, 6, 6}));
    add(unary("HardSigmoid", "HardSigmoid", {}, {-3, -2.5f, 0, 1, 2.5f, 4},
              {0, 0, 0.5f, 0.7f, 1, 1}));
    add(unary("HardSigmoid PyTorch", "HardSigmoid", {{"alpha", 1.0 / 6}, {"beta", 0.5}},
              {-4, -1.5f, 2, 3.5f}, {0, 0.25f, 0.83333333f, 1}));
    add(unary("HardSwish", "HardSwish", {}, {-4, -3, -1, 0, 1.5f, 3, 5},
              {0, 0, -0.33333333f, 0, 1.125f, 3, 5}));
    { // An inference plan may fuse the activation into its producer (oneDNN post-ops on the
      // CPU): 1x1 filter 4, bias -1 over [-1, 0.5, 1, 2.5] -> [-5, 1, 3, 9] -> ReLU6.
        ForwardCase c{"Conv2D + ReLU6", {"Conv2D", "ReLU6"}};
        c.graph = Chain({1, 2, 2})
                      .add("Conv2D", {{"filters", 1}, {"kernel_size", IntList{1, 1}}})
                      .add("ReLU6")
                      .add("Loss", kMse)
                      .graph();
        c.input = {-1, 0.5f, 1, 2.5f};
        c.params = {{4}, {-1}};
        c.targets.assign(4, 0.0f);
        c.prediction = {0, 1, 3, 6};
        add(c);
    }
    { // W = [[0.5, -1], [1, 1]], b = [0, -2], x = [1, 2]: [-1.5, 1] -> 0.2 x + 0.5.
        ForwardCase c{"Dense + HardSigmoid", {"Dense", "HardSigmoid"}};
        c.graph =
            Chain({2}).add("Dense", {{"units", 2}}).add("HardSigmoid").add("Loss", kMse).graph();
        c.input = {1, 2};
        c.params = {{0.5f, -1, 1, 1}, {0, -2}};
        c.targets.assign(2, 0.0f);
        c.prediction = {0.2f, 0.7f};
        add(c);
    }
    { // 1x1 filter 2, bias 1 over [-3, -1, 0.5, 2] -> [-5, -1, 2, 5] -> HardSwish.
        ForwardCase c{"Conv2D + HardSwish", {"Conv2D", "HardSwish"}};
        c.graph = Chain({1, 2, 2})
                      .add("Conv2D", {{"filters", 1}, {"kernel_size", IntList{1, 1}}})
                      .add("HardSwish")
                      .add("Loss", kMse)
                      .graph();
        c.input = {-3, -1, 0.5f, 2};
        c.params = {{2}, {1}};
        c.targets.assign(4, 0.0f);
        c.prediction = {0, -0.33333333f, 1.66666667f, 5};
        add(c);
    }
    add(unary("GELU", "GELU", {}, {-1, 0, 1}, {-0.15865525f, 0, 0.84134475f}));
    add(unary("GELU tanh", "GELU", {{"approximate", std::string("tanh")}}, {-1, 0.5f, 1},
              {-0.15880801f, 0.34571401f, 0.84119199f}));
    add(unary("Sigmoid", "Sigmoid", {}, {0, 2}, {0.5f, 0.88079708f}));
    add(unary("Tanh", "Tanh", {}, {0, 1, -0.5f}, {0, 0.76159416f, -0.46211716f}));
    add(unary("Softmax", "Softmax", {}, {1, 2, 3}, {0.09003057f, 0.24472847f, 0.66524096f}));
    { // [C=2, H=1, W=2] flattens channel-major: [1, 2 | 3, 4].
        ForwardCase c{"Flatten", {"Flatten"}};
        c.graph = single({2, 1, 2}, "Flatten");
        c.input = {1, 2, 3, 4};
        c.targets.assign(4, 0.0f);
        c.prediction = {1, 2, 3, 4};
        add(c);
    }
    { // [6] -> [3, 2] -> Flatten: the values keep their row-major order.
        ForwardCase c{"Reshape", {"Reshape"}};
        c.graph = Chain({6})
                      .add("Reshape", {{"shape", IntList{3, -1}}})
                      .add("Flatten")
                      .add("Loss", kMse)
                      .graph();
        c.input = {1, -2, 3, -4, 5, -6};
        c.targets.assign(6, 0.0f);
        c.prediction = {1, -2, 3, -4, 5, -6};
        add(c);
    }
    { // x + relu(x).
        ForwardCase c{"Add", {"Add"}};
        Chain g({3});
        std::string x = g.last();
        g.add("ReLU").add("Add", {}, {x}).add("Loss", kMse);
        c.graph = g.graph();
        c.input = {-1, 2, 3};
        c.targets.assign(3, 0.0f);
        c.prediction = {-1, 4, 6};
        add(c);
    }
    { // concat(x, relu(x)) along the channels of [1, 1, 2], flattened.
        ForwardCase c{"Concat", {"Concat"}};
        Chain g({1, 1, 2});
        std::string x = g.last();
        g.add("ReLU").add("Concat", {}, {x}).add("Flatten").add("Loss", kMse);
        c.graph = g.graph();
        c.input = {-1, 2};
        c.targets.assign(4, 0.0f);
        c.prediction = {0, 2, -1, 2};
        add(c);
    }
    { // relu(x) * x: a gated product of two equal shapes.
        ForwardCase c{"Mul", {"Mul"}};
        Chain g({3});
        std::string x = g.last();
        g.add("ReLU").add("Mul", {}, {x}).add("Loss", kMse);
        c.graph = g.graph();
        c.input = {-1, 2, 3};
        c.targets.assign(3, 0.0f);
        c.prediction = {0, 4, 9};
        add(c);
    }
    { // A squeeze-and-excitation gate: x [N, 2, 2, 2] times its channel means [N, 2, 1, 1]
      // (GlobalAvgPool, Reshape). Sample 0: means [2.5, 1]; sample 1: [0.5, 2].
        const std::vector<float> x{1, 2, 3, 4, -1, 0, 5, 0, // sample 0
                                   0, 1, 0, 1, 2,  2, 2, 2};
        const std::vector<float> y{2.5f, 5,    7.5f, 10,   -1, 0, 5, 0, // sample 0
                                   0,    0.5f, 0,    0.5f, 4,  4, 4, 4};
        for (bool gateFirst : {false, true}) {
            ForwardCase c{gateFirst ? "Mul broadcast a" : "Mul broadcast b", {"Mul"}};
            Chain g({2, 2, 2});
            const std::string in = g.first();
            if (gateFirst) { // Mul(gate, x)
                g.add("GlobalAvgPool").add("Reshape", {{"shape", IntList{2, 1, 1}}});
                g.add("Mul", {}, {in});
            } else { // Mul(x, gate)
                std::string gate = g.branch(in, "GlobalAvgPool");
                gate = g.branch(gate, "Reshape", {{"shape", IntList{2, 1, 1}}});
                g.add("Mul", {}, {gate});
            }
            c.graph = g.add("Loss", kMse).graph();
            c.batch = 2;
            c.input = x;
            c.targets.assign(16, 0.0f);
            c.prediction = y;
            add(c);
        }
    }
    { // Each input broadcasts along a dim of its own: x [N, 2, 1, 3] times its channel means
      // [2, 5] as [N, 1, 2, 1]: y[c, h, w] = x[c, 0, w] * mean[h], [N, 2, 2, 3].
        ForwardCase c{"Mul both broadcast", {"Mul"}};
        Chain g({2, 1, 3});
        const std::string in = g.first(); // a copy: branch() adds nodes
        std::string mean = g.branch(in, "GlobalAvgPool");
        mean = g.branch(mean, "Reshape", {{"shape", IntList{1, 2, 1}}});
        c.graph = g.add("Mul", {}, {mean}).add("Loss", kMse).graph();
        c.input = {1, 2, 3, 4, 5, 6};
        c.targets.assign(12, 0.0f);
        c.prediction = {2, 4, 6, 5, 10, 15, 8, 10, 12, 20, 25, 30};
        add(c);
    }
    { // A 2 x 2 x 2 kernel over one 2 x 2 x 2 volume of 2 channels: one output, the sum of
      // x · w over all 16 values (x = 1..16, w = 0.5 for channel 0 and -1 for channel 1) plus
      // the bias 0.25: 0.5 · 36 − 100 + 0.25.
        ForwardCase c{"Conv3D", {"Conv3D"}};
        c.graph = single({2, 2, 2, 2}, "Conv3D",
                         {{"filters", std::int64_t{1}}, {"kernel_size", IntList{2, 2, 2}}});
        for (int v = 1; v <= 16; ++v) {
            c.input.push_back(float(v));
        }
        c.params = {
            {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -1, -1, -1, -1, -1, -1, -1, -1},
            {0.25f}};
        c.targets.assign(1, 0.0f);
        c.prediction = {0.5f * 36 - 100 + 0.25f};
        add(c);
    }
    { // A scale and shift per channel of [N, 2, 1, 2]: channel 0 · 2 + 10, channel 1 · 3 + 20.
        ForwardCase c{"Scale per channel", {"Scale"}};
        c.graph = single({2, 1, 2}, "Scale", {{"shape", IntList{2, 1, 1}}});
        c.batch = 2;
        c.input = {1, 2, 3, 4, 0, -1, 1, 2};
        c.params = {{2, 3}, {10, 20}};
        c.targets.assign(8, 0.0f);
        c.prediction = {12, 14, 29, 32, 10, 8, 23, 26};
        add(c);
    }
    { // A scale of the sample's full shape [2, 2, 2] (4-D tensors are channels-last on the
      // CPU: the scale's order is the sample's logical one), no shift.
        ForwardCase c{"Scale full shape", {"Scale"}};
        c.graph = single({2, 2, 2}, "Scale", {{"shape", IntList{2, 2, 2}}, {"use_shift", false}});
        c.input = {1, 1, 1, 1, 2, 2, 2, 2};
        c.params = {{1, 2, 3, 4, 5, 6, 7, 8}};
        c.targets.assign(8, 0.0f);
        c.prediction = {1, 2, 3, 4, 10, 12, 14, 16};
        add(c);
    }
    { // One shift for every element of [N, 3], no scale.
        ForwardCase c{"Scale shift only", {"Scale"}};
        c.graph = single({3}, "Scale", {{"use_scale", false}});
        c.input = {1, -2, 3};
        c.params = {{0.5f}};
        c.targets.assign(3, 0.0f);
        c.prediction = {1.5f, -1.5f, 3.5f};
        add(c);
    }
    // Cast: the nearest value of each format, ties to even (hand-computed from the formats'
    // bits: 1/3 in float16 is 0x3555 = 0.333251953125, in bfloat16 0x3eab = 0.333984375).
    for (const auto& [format, attrs, in, out] :
         std::vector<std::tuple<std::string, Attrs, std::vector<float>, std::vector<float>>>{
             {"float16", {}, {1.0f / 3, 2049, -1e-8f}, {0.333251953125f, 2048, -0.0f}},
             {"bfloat16", {}, {1.0f / 3, 257, 1000.5f}, {0.333984375f, 256, 1000}},
             // 500 saturates to 448; 0.3 / 2^-5 = 9.6 -> 10; 2^-10 halfway to 2^-9 -> 0 (even).
             {"float8e4m3fn", {}, {500, 0.3f, 0.0009765625f}, {448, 0.3125f, 0}},
             {"float8e5m2", {}, {1e5f, 0.3f, -3}, {57344, 0.3125f, -3}},
             // no -0 in the FNUZ formats; 300 saturates to 240.
             {"float8e4m3fnuz", {}, {300, -1e-9f, 0.3f}, {240, 0, 0.3125f}},
             {"float8e5m2fnuz", {}, {1e5f, -1e-9f, -3}, {57344, 0, -3}},
             // without saturation 460 still rounds to 448 (14.375 steps of 32).
             {"float8e4m3fn", {{"saturate", false}}, {460, 0.3f, 1}, {448, 0.3125f, 1}},
             // nearest: 0.75 = 1.5 · 2^-1 is a tie, up as onnx rounds it (the exponent is odd).
             {"float8e8m0",
              {{"round_mode", std::string("nearest")}},
              {0.3f, 0.75f, 3},
              {0.25f, 1, 4}},
             {"float4e2m1", {}, {2.5f, 5, -0.3f}, {2, 4, -0.5f}},
             {"float8e8m0", {{"round_mode", std::string("down")}}, {0.3f, 5, 1}, {0.25f, 4, 1}},
             {"int4", {}, {7.9f, -8.5f, 9}, {7, -8, 0}},
             {"int8", {}, {127.9f, -128.5f, 300}, {127, -128, 0}},
             {"uint2", {}, {3, -1, 2.5f}, {3, 0, 2}},
         }) {
        std::string name = "Cast " + format;
        for (const auto& [key, value] : attrs) {
            name += " " + key + " " + graph::attrValueToString(value);
        }
        ForwardCase c{name, {"Cast"}};
        Attrs a = attrs;
        a["to"] = format;
        c.graph = single({3}, "Cast", a);
        c.input = in;
        c.targets.assign(3, 0.0f);
        c.prediction = out;
        add(c);
    }
    { // x + a Constant [2, 1, 2] (channels-last on the CPU: the value is in logical order).
        ForwardCase c{"Constant added", {"Constant"}};
        Chain g({2, 1, 2});
        graph::Graph gr = g.graph();
        gr.addNode({"table", "Constant", {{"shape", IntList{2, 1, 2}}}, {}});
        gr.addNode({"sum", "Add", {}, {}});
        gr.addNode({"loss", "Loss", kMse, {}});
        gr.addEdge({{g.first(), 0}, {"sum", 0}});
        gr.addEdge({{"table", 0}, {"sum", 1}});
        gr.addEdge({{"sum", 0}, {"loss", 0}});
        c.graph = gr;
        c.batch = 2;
        c.input = {0, 0, 0, 0, 10, 20, 30, 40};
        c.params = {{1, 2, 3, 4}};
        c.targets.assign(8, 0.0f);
        c.prediction = {1, 2, 3, 4, 11, 22, 33, 44};
        add(c);
    }
    { // -log softmax([1, 2, 3])[2].
        ForwardCase c{"Loss cross-entropy", {"Loss"}};
        c.graph = Chain({3}).add("Loss").graph();
        c.input = {1, 2, 3};
        c.targets = {2};
        c.prediction = {1, 2, 3};
        c.loss = 0.40760596;
        add(c);
    }
    { // A label per step: the mean of -log softmax([1, 2, 3])[2] and -log softmax([0, 0, 0])[0].
        ForwardCase c{"Loss cross-entropy per step", {"Loss"}};
        c.graph = Chain({2, 3}).add("Loss").graph();
        c.input = {1, 2, 3, 0, 0, 0};
        c.targets = {2, 0};
        c.prediction = c.input;
        c.loss = (0.40760596 + std::log(3.0)) / 2;
        add(c);
    }
    { // Label smoothing 0.3 over 3 classes: targets [0.1, 0.1, 0.8] against log-softmax.
        ForwardCase c{"Loss cross-entropy smoothed", {"Loss"}};
        c.graph = Chain({3}).add("Loss", {{"label_smoothing", 0.3}}).graph();
        c.input = {1, 2, 3};
        c.targets = {2};
        c.prediction = {1, 2, 3};
        const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
        c.loss = 0.1 * (lse - 1) + 0.1 * (lse - 2) + 0.8 * (lse - 3);
        add(c);
    }
    { // mean of [log 2, 2 + log(1 + e^-2)] for logits [0, 2] against [1, 0].
        ForwardCase c{"Loss binary cross-entropy", {"Loss"}};
        c.graph = Chain({2})
                      .add("Loss", {{"loss", std::string("binary_cross_entropy_with_logits")}})
                      .graph();
        c.input = {0, 2};
        c.targets = {1, 0};
        c.prediction = {0, 2};
        c.loss = 1.41003760;
        add(c);
    }
    addPadLrnForwardCases(out);
    addPoolForwardCases(out);
    addSliceForwardCases(out);
    addAttentionForwardCases(out);
    addRecurrentForwardCases(out);
    addSequenceForwardCases(out);
    // The example plugin's ops (plugins/examples; the harness loads the plugin).
    { // beta = 1: y = x sigmoid(x) = -1 * 0.2689414, 0, 2 * 0.8807971.
        ForwardCase c{"LearnedSwish (plugin)", {"LearnedSwish"}};
        c.graph = single({3}, "LearnedSwish");
        c.input = {-1, 0, 2};
        c.params = {{1, 1, 1}};
        c.targets.assign(3, 0.0f);
        c.prediction = {-0.26894142f, 0.0f, 1.76159416f};
        add(c);
    }
    { // C = 2, 1x1 pixels, reduction 2: s = x = [1, 2]; z = relu(0.5 + 0.5) = 1;
      // g = sigmoid([1, -1]) = [0.7310586, 0.2689414]; y = x g = [0.7310586, 0.5378828].
        ForwardCase c{"SqueezeExcite (plugin)", {"SqueezeExcite"}};
        c.graph = single({2, 1, 1}, "SqueezeExcite", {{"reduction", std::int64_t{2}}});
        c.input = {1, 2};
        c.params = {{0.5f, 0.25f}, {0}, {1, -1}, {0, 0}};
        c.targets.assign(2, 0.0f);
        c.prediction = {0.73105858f, 0.53788284f};
        add(c);
    }
    return out;
}

std::vector<GradientCase> gradientCases() {
    std::vector<GradientCase> out;
    auto row = [&out](std::string name, std::vector<std::string> ops, const Chain& c) {
        out.push_back({std::move(name), std::move(ops), c.graph()});
    };
    row("Dense", {"Input", "Dense", "Loss"},
        Chain({6}).add("Dense", {{"units", 4}}).add("Loss", kMse));
    row("Dense no bias", {"Dense"},
        Chain({6})
            .add("Dense", {{"units", 3}})
            .add("Dense", {{"units", 4}, {"use_bias", false}})
            .add("Loss", kMse));
    row("Dense rank 3", {"Dense"},
        Chain({3, 4})
            .add("Dense", {{"units", 5}})
            .add("Dense", {{"units", 2}, {"use_bias", false}})
            .add("Loss", kMse));
    row("Conv2D", {"Conv2D"},
        Chain({2, 5, 5}).add("Conv2D", conv(3)).add("Conv2D", conv(4)).add("Loss", kMse));
    row("Conv2D same stride 2", {"Conv2D"},
        Chain({2, 6, 6})
            .add("Conv2D", conv(3))
            .add("Conv2D", {{"filters", 4},
                            {"stride", graph::IntList{2, 2}},
                            {"padding_mode", std::string("same")}})
            .add("Loss", kMse));
    // 3 x 20 x 20 output pixels sum into each weight gradient: GPU backends split that sum.
    row("Conv2D large image", {"Conv2D"},
        Chain({1, 20, 20}).add("Conv2D", conv(2)).add("Loss", kMse));
    row("Conv2D dilation", {"Conv2D"},
        Chain({1, 7, 7})
            .add("Conv2D", conv(2))
            .add("Conv2D", {{"filters", 3}, {"dilation", graph::IntList{2, 2}}})
            .add("Loss", kMse));
    row("Conv2D groups no bias", {"Conv2D"},
        Chain({2, 5, 5})
            .add("Conv2D", conv(4))
            .add("Conv2D", {{"filters", 6},
                            {"groups", 2},
                            {"use_bias", false},
                            {"padding", graph::IntList{1, 1}}})
            .add("Loss", kMse));
    row("MaxPool2D", {"MaxPool2D"},
        Chain({2, 6, 6}).add("Conv2D", conv(3)).add("MaxPool2D").add("Loss", kMse));
    row("AvgPool2D padded", {"AvgPool2D"},
        Chain({2, 6, 6})
            .add("Conv2D", conv(3))
            .add("AvgPool2D",
                 {{"kernel_size", graph::IntList{3, 3}}, {"padding", graph::IntList{1, 1}}})
            .add("Loss", kMse));
    row("GlobalAvgPool", {"GlobalAvgPool"},
        Chain({2, 4, 4}).add("Conv2D", conv(3)).add("GlobalAvgPool").add("Loss", kMse));
    row("GlobalMaxPool", {"GlobalMaxPool"},
        Chain({2, 4, 4}).add("Conv2D", conv(3)).add("GlobalMaxPool").add("Loss", kMse));
    row("BatchNorm 4-D", {"BatchNorm"},
        Chain({2, 4, 4}).add("Conv2D", conv(3)).add("BatchNorm").add("Loss", kMse));
    row("BatchNorm 2-D", {"BatchNorm"},
        Chain({5}).add("Dense", {{"units", 4}}).add("BatchNorm").add("Loss", kMse));
    row("LayerNorm", {"LayerNorm"},
        Chain({5}).add("Dense", {{"units", 6}}).add("LayerNorm").add("Loss", kMse));
    row("LayerNorm 2 dims", {"LayerNorm"},
        Chain({2, 3, 3})
            .add("Conv2D", conv(2))
            .add("LayerNorm", {{"normalized_dims", 2}})
            .add("Loss", kMse));
    row("Dropout", {"Dropout"},
        Chain({6}).add("Dense", {{"units", 8}}).add("Dropout", {{"rate", 0.3}}).add("Loss", kMse));
    for (const char* act : {"ReLU", "LeakyReLU", "ELU", "ReLU6", "HardSigmoid", "HardSwish", "GELU",
                            "Sigmoid", "Tanh", "Softmax"}) {
        row(act, {act}, Chain({5}).add("Dense", {{"units", 6}}).add(act).add("Loss", kMse));
    }
    // Inputs up to ±9 spread the Dense outputs over about ±12: on both sides of every kink of
    // ReLU6 (0, 6), HardSigmoid (±3 at alpha 1/6) and HardSwish (±3), each output at least
    // 0.9 from a kink, so no finite-difference step crosses one (chosen for these seeds).
    const std::vector<float> wide{-3, 7, -8, -8, 9, -3, 5, -7, 8, 9, 8, -9, -9, -6, 7};
    for (const char* act : {"ReLU6", "HardSwish"}) {
        out.push_back({std::string(act) + " saturating",
                       {act},
                       Chain({5}).add("Dense", {{"units", 6}}).add(act).add("Loss", kMse).graph(),
                       wide});
    }
    out.push_back({"HardSigmoid PyTorch saturating",
                   {"HardSigmoid"},
                   Chain({5})
                       .add("Dense", {{"units", 6}})
                       .add("HardSigmoid", {{"alpha", 1.0 / 6}, {"beta", 0.5}})
                       .add("Loss", kMse)
                       .graph(),
                   wide});
    row("GELU tanh", {"GELU"},
        Chain({5})
            .add("Dense", {{"units", 6}})
            .add("GELU", {{"approximate", std::string("tanh")}})
            .add("Loss", kMse));
    row("Flatten", {"Flatten"},
        Chain({2, 3, 3})
            .add("Conv2D", conv(2))
            .add("Flatten")
            .add("Dense", {{"units", 3}})
            .add("Loss", kMse));
    row("Reshape", {"Reshape"},
        Chain({6})
            .add("Dense", {{"units", 12}})
            .add("Reshape", {{"shape", graph::IntList{3, -1}}})
            .add("Loss", kMse));
    {
        Chain c({5});
        c.add("Dense", {{"units", 4}});
        std::string skip = c.last();
        c.add("Tanh").add("Add", {}, {skip}).add("Loss", kMse); // fan-out: gradients summed
        row("Add residual", {"Add"}, c);
    }
    {
        Chain c({2, 4, 4});
        c.add("Conv2D", conv(2));
        std::string side = c.branch(c.last(), "Conv2D", conv(3));
        c.add("Conv2D", conv(1)).add("Concat", {}, {side}).add("Loss", kMse);
        row("Concat", {"Concat"}, c);
    }
    {
        Chain c({5});
        c.add("Dense", {{"units", 4}});
        std::string x = c.last();
        c.add("Tanh").add("Mul", {}, {x}).add("Loss", kMse); // tanh(x) * x: fan-out summed
        row("Mul", {"Mul"}, c);
    }
    // Squeeze-and-excitation: x [N, 4, 3, 3] and a gate [N, 4, 1, 1] from its own branch
    // (a 3x3 convolution without padding, a Sigmoid); the gate's gradient sums over H and W.
    const Attrs gateConv{{"filters", 4}, {"kernel_size", graph::IntList{3, 3}}};
    {
        Chain c({2, 3, 3});
        c.add("Conv2D", conv(4));
        std::string gate = c.branch(c.last(), "Conv2D", gateConv);
        gate = c.branch(gate, "Sigmoid");
        c.add("Mul", {}, {gate}).add("Loss", kMse);
        row("Mul broadcast b", {"Mul"}, c);
    }
    {
        Chain c({2, 3, 3});
        c.add("Conv2D", conv(4));
        std::string x = c.last();
        c.add("Conv2D", gateConv).add("Sigmoid").add("Mul", {}, {x}).add("Loss", kMse);
        row("Mul broadcast a", {"Mul"}, c);
    }
    { // [N, 2, 1, 3] * [N, 1, 3, 1] -> [N, 2, 3, 3]: both gradients are sums.
        Chain c({2, 3, 3});
        c.add("Conv2D", {{"filters", 2}, {"kernel_size", graph::IntList{3, 1}}});
        const Attrs rowConv{{"filters", 1}, {"kernel_size", graph::IntList{1, 3}}};
        const std::string in = c.first(); // a copy: branch() adds nodes
        std::string column = c.branch(in, "Conv2D", rowConv);
        c.add("Mul", {}, {column}).add("Loss", kMse);
        row("Mul both broadcast", {"Mul"}, c);
    }
    // Scale's parameters broadcast over different dims of the sample: per channel, per
    // position, the whole sample, one value, the last axis of a sequence.
    for (const auto& [name, shape] :
         std::vector<std::pair<std::string, graph::IntList>>{{"Scale per channel", {3, 1, 1}},
                                                             {"Scale per position", {4, 4}},
                                                             {"Scale full shape", {3, 4, 4}},
                                                             {"Scale one value", {1}}}) {
        Chain c({2, 4, 4});
        c.add("Conv2D", conv(3)).add("Scale", {{"shape", shape}}).add("Loss", kMse);
        row(name, {"Scale"}, c);
    }
    row("Scale sequence", {"Scale"},
        Chain({3, 4})
            .add("Dense", {{"units", 5}})
            .add("Scale", {{"shape", IntList{5}}})
            .add("Loss", kMse));
    row("Scale scale only", {"Scale"},
        Chain({5})
            .add("Dense", {{"units", 4}})
            .add("Scale", {{"shape", IntList{4}}, {"use_shift", false}})
            .add("Loss", kMse));
    // Cast of the input before the probe: the rounded values train the Dense as any input
    // does. Cast's own backward (straight through) cannot be checked by finite differences,
    // which see the rounding's steps: test_cpu_ops.cpp (castPassesGradientsStraightThrough)
    // checks it against the same graph without the Cast.
    row("Cast float16 input", {"Cast"},
        Chain({5}).add("Cast").add("Dense", {{"units", 4}}).add("Loss", kMse));
    // A learned token concatenated before a Dense's output (ViT's class token), then a Dense
    // over both: the token's gradient is the sum over the batch.
    out.push_back({"Constant token", {"Constant"}, tokenGraph(false)});
    // Conv3D: padded, strided, dilated and grouped, its data and weight gradients.
    row("Conv3D", {"Conv3D"},
        Chain({2, 4, 4, 4})
            .add("Conv3D", {{"filters", std::int64_t{4}},
                            {"kernel_size", graph::IntList{2, 3, 3}},
                            {"padding", graph::IntList{1, 1, 1}},
                            {"stride", graph::IntList{2, 1, 1}},
                            {"groups", std::int64_t{2}}})
            .add("Conv3D", {{"filters", std::int64_t{2}},
                            {"kernel_size", graph::IntList{1, 2, 2}},
                            {"dilation", graph::IntList{1, 2, 2}}})
            .add("Loss", kMse));
    row("Loss cross-entropy smoothed", {"Loss"},
        Chain({5}).add("Dense", {{"units", 4}}).add("Loss", {{"label_smoothing", 0.1}}));
    row("Loss cross-entropy per step", {"Loss"},
        Chain({3, 4}).add("Dense", {{"units", 5}}).add("Loss"));
    row("Loss binary cross-entropy", {"Loss"},
        Chain({5})
            .add("Dense", {{"units", 3}})
            .add("Loss", {{"loss", std::string("binary_cross_entropy_with_logits")}}));
    addPadLrnGradientCases(out);
    addPoolGradientCases(out);
    addSliceGradientCases(out);
    addAttentionGradientCases(out);
    addRecurrentGradientCases(out);
    addSequenceGradientCases(out);
    addFrozenGradientCases(out);
    // The example plugin's CPU kernels (plugins/examples).
    row("LearnedSwish (plugin)", {"LearnedSwish"},
        Chain({2, 3, 3}).add("Conv2D", conv(3)).add("LearnedSwish").add("Loss", kMse));
    row("LearnedSwish shared beta (plugin)", {"LearnedSwish"},
        Chain({5})
            .add("Dense", {{"units", 4}})
            .add("LearnedSwish", {{"per_channel", false}})
            .add("Loss", kMse));
    row("SqueezeExcite (plugin)", {"SqueezeExcite"},
        Chain({2, 3, 3})
            .add("Conv2D", conv(4))
            .add("SqueezeExcite", {{"reduction", std::int64_t{2}}})
            .add("Loss", kMse));
    return out;
}

} // namespace nw::testing
