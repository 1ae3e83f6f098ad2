// The harness cases of the sequence and tensor ops: Embedding, PositionalEncoding,
// SequencePool, MatMul and Transpose (see op_cases.h).
#include "tests/engine/op_cases.h"

#include <cmath>

namespace nw::testing {

namespace {

using graph::IntList;

graph::Graph single(IntList inputShape, const std::string& op, Attrs attrs = {}) {
    return Chain(std::move(inputShape)).add(op, std::move(attrs)).add("Loss", kMse).graph();
}

Attrs pool(const char* mode) {
    return {{"mode", std::string(mode)}};
}

} // namespace

void addSequenceForwardCases(std::vector<ForwardCase>& out) {
    { // ids [3, 1] into rows of [[0, 1], [2, 3], [4, 5], [6, 7]].
        ForwardCase c{"Embedding", {"Embedding"}};
        c.graph = single({2}, "Embedding", {{"vocabulary", 4}, {"dimension", 2}});
        c.input = {3, 1};
        c.params = {{0, 1, 2, 3, 4, 5, 6, 7}};
        c.targets.assign(4, 0.0f);
        c.prediction = {6, 7, 2, 3};
        out.push_back(c);
    }
    { // T = 2, C = 4 over zeros: row 0 [sin 0, cos 0, sin 0, cos 0]; row 1 [sin 1, cos 1,
      // sin 0.01, cos 0.01] (channels 2, 3: the angle t / 10000^(2/4) = t / 100).
        ForwardCase c{"PositionalEncoding sinusoidal", {"PositionalEncoding"}};
        c.graph = single({2, 4}, "PositionalEncoding");
        c.input.assign(8, 0.0f);
        c.targets.assign(8, 0.0f);
        c.prediction = {0, 1, 0, 1, 0.84147098f, 0.54030231f, 0.00999983f, 0.99995000f};
        out.push_back(c);
    }
    { // x + position: [1, 2, 3, 4] + [0.5, -1, 2, 0].
        ForwardCase c{"PositionalEncoding learned", {"PositionalEncoding"}};
        c.graph = single({2, 2}, "PositionalEncoding", {{"kind", std::string("learned")}});
        c.input = {1, 2, 3, 4};
        c.params = {{0.5f, -1, 2, 0}};
        c.targets.assign(4, 0.0f);
        c.prediction = {1.5f, 1, 5, 4};
        out.push_back(c);
    }
    // Steps [1, -2], [4, 0], [-1, 5]: mean [4/3, 1], max [4, 5], last [-1, 5].
    const std::vector<float> steps{1, -2, 4, 0, -1, 5};
    for (auto [mode, want] : {std::pair{"mean", std::vector<float>{4 / 3.0f, 1}},
                              {"max", std::vector<float>{4, 5}},
                              {"last", std::vector<float>{-1, 5}}}) {
        ForwardCase c{std::string("SequencePool ") + mode, {"SequencePool"}};
        c.graph = single({3, 2}, "SequencePool", pool(mode));
        c.input = steps;
        c.targets.assign(2, 0.0f);
        c.prediction = want;
        out.push_back(c);
    }
    { // x x for x = [[1, 2], [3, 4]]: [[7, 10], [15, 22]].
        ForwardCase c{"MatMul", {"MatMul"}};
        Chain g({2, 2});
        std::string x = g.last();
        g.add("MatMul", {}, {x}).add("Loss", kMse);
        c.graph = g.graph();
        c.input = {1, 2, 3, 4};
        c.targets.assign(4, 0.0f);
        c.prediction = {7, 10, 15, 22};
        out.push_back(c);
    }
    { // x x^T for x = [[1, 2, 3], [4, 5, 6]]: [[14, 32], [32, 77]].
        ForwardCase c{"MatMul by a transpose", {"MatMul", "Transpose"}};
        Chain g({2, 3});
        std::string t = g.branch(g.last(), "Transpose");
        g.add("MatMul", {}, {t}).add("Loss", kMse);
        c.graph = g.graph();
        c.input = {1, 2, 3, 4, 5, 6};
        c.targets.assign(4, 0.0f);
        c.prediction = {14, 32, 32, 77};
        out.push_back(c);
    }
    { // 4-D (stored channels-last on the CPU): x x per leading index, x = [[1, 2], [3, 4]]
      // and [[0, 1], [1, 0]].
        ForwardCase c{"MatMul 4-D", {"MatMul"}};
        Chain g({2, 2, 2});
        std::string x = g.last();
        g.add("MatMul", {}, {x}).add("Loss", kMse);
        c.graph = g.graph();
        c.input = {1, 2, 3, 4, 0, 1, 1, 0};
        c.targets.assign(8, 0.0f);
        c.prediction = {7, 10, 15, 22, 1, 0, 0, 1};
        out.push_back(c);
    }
    { // [2, 3] -> [3, 2].
        ForwardCase c{"Transpose", {"Transpose"}};
        c.graph = single({2, 3}, "Transpose");
        c.input = {1, 2, 3, 4, 5, 6};
        c.targets.assign(6, 0.0f);
        c.prediction = {1, 4, 2, 5, 3, 6};
        out.push_back(c);
    }
    { // x [C=2, H=2, W=3] = c*6 + h*3 + w, perm [0, 3, 1, 2]: y [w, c, h] = x [c, h, w].
        ForwardCase c{"Transpose 4-D", {"Transpose"}};
        c.graph = single({2, 2, 3}, "Transpose", {{"perm", IntList{0, 3, 1, 2}}});
        for (int i = 0; i < 12; ++i) {
            c.input.push_back(float(i));
        }
        c.targets.assign(12, 0.0f);
        c.prediction = {0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11};
        out.push_back(c);
    }
}

void addSequenceGradientCases(std::vector<GradientCase>& out) {
    auto row = [&out](std::string name, std::vector<std::string> ops, const Chain& c,
                      std::vector<float> input = {}) {
        out.push_back({std::move(name), std::move(ops), c.graph(), std::move(input)});
    };
    // Token ids for 3 samples of 4 steps, every id of the vocabulary of 5 used, 3 twice in a
    // sample (its gradient rows add up).
    row("Embedding", {"Embedding"},
        Chain({4})
            .add("Embedding", {{"vocabulary", 5}, {"dimension", 3}})
            .add("Dense", {{"units", 2}})
            .add("Loss", kMse),
        {0, 3, 2, 3, 4, 1, 1, 0, 2, 2, 3, 4});
    row("PositionalEncoding sinusoidal", {"PositionalEncoding"},
        Chain({3, 4}).add("Dense", {{"units", 4}}).add("PositionalEncoding").add("Loss", kMse));
    row("PositionalEncoding learned", {"PositionalEncoding"},
        Chain({3, 4})
            .add("Dense", {{"units", 5}})
            .add("PositionalEncoding", {{"kind", std::string("learned")}})
            .add("Loss", kMse));
    for (const char* mode : {"mean", "max", "last"}) {
        row(std::string("SequencePool ") + mode, {"SequencePool"},
            Chain({4, 3})
                .add("Dense", {{"units", 5}})
                .add("SequencePool", pool(mode))
                .add("Loss", kMse));
    }
    { // a = Dense(x) [N, 3, 4], b = Dense(Transpose(x)) [N, 4, 2]: a b [N, 3, 2].
        Chain c({3, 4});
        std::string x = c.last();
        std::string t = c.branch(x, "Transpose");
        std::string b = c.branch(t, "Dense", {{"units", 2}});
        c.add("Dense", {{"units", 4}}).add("MatMul", {}, {b}).add("Loss", kMse);
        row("MatMul", {"MatMul", "Transpose"}, c);
    }
    { // Without a Transpose, so Vulkan runs it too: a = Dense(x) [N, 3, 4],
      // b = Reshape(Dense(x)) [N, 4, 6], a b [N, 3, 6].
        Chain c({3, 4});
        std::string x = c.last();
        std::string wide = c.branch(x, "Dense", {{"units", 8}});
        std::string b = c.branch(wide, "Reshape", {{"shape", IntList{4, 6}}});
        c.add("Dense", {{"units", 4}}).add("MatMul", {}, {b}).add("Loss", kMse);
        row("MatMul of two Dense", {"MatMul"}, c);
    }
    { // 4-D, channels-last on the CPU: a = Conv2D(x) [N, 2, 3, 4], a a^T [N, 2, 3, 3].
        Chain c({2, 3, 4});
        c.add("Conv2D", conv(2));
        std::string t = c.branch(c.last(), "Transpose", {{"perm", IntList{0, 1, 3, 2}}});
        c.add("MatMul", {}, {t}).add("Loss", kMse);
        row("MatMul 4-D", {"MatMul", "Transpose"}, c);
    }
    row("Transpose", {"Transpose"},
        Chain({3, 4})
            .add("Dense", {{"units", 4}})
            .add("Transpose")
            .add("Dense", {{"units", 2}})
            .add("Loss", kMse));
}

} // namespace nw::testing
