// The harness cases of the sequence ops: Embedding, PositionalEncoding and SequencePool
// (see op_cases.h).
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
}

} // namespace nw::testing
