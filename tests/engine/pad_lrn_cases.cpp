// Pad's and LRN's harness cases: each pad mode with hand-worked outputs (two channels where
// the layout matters), LRN over a few channels from its formula, and gradient rows.
#include "tests/engine/op_cases.h"

#include <algorithm>
#include <cmath>

namespace nw::testing {

namespace {

using graph::IntList;

ForwardCase padCase(std::string name, IntList inputShape, Attrs attrs, std::vector<float> x,
                    std::vector<float> y) {
    ForwardCase c{std::move(name), {"Pad"}};
    c.graph = Chain(std::move(inputShape)).add("Pad", std::move(attrs)).add("Loss", kMse).graph();
    c.input = std::move(x);
    c.targets.assign(y.size(), 0.0f);
    c.prediction = std::move(y);
    return c;
}

// y = x / (bias + alpha / size * the sum of squares over the window)^beta, the window the
// channels c - size/2 .. c + size/2 that exist; x [C, 1, W] row-major.
std::vector<float> lrnOf(const std::vector<float>& x, std::int64_t channels, std::int64_t size,
                         double alpha, double beta, double bias) {
    const std::int64_t w = std::int64_t(x.size()) / channels, reach = (size - 1) / 2;
    std::vector<float> y(x.size());
    for (std::int64_t c = 0; c < channels; ++c) {
        for (std::int64_t i = 0; i < w; ++i) {
            double sum = 0;
            for (std::int64_t k = std::max<std::int64_t>(0, c - reach);
                 k <= std::min(channels - 1, c + reach); ++k) {
                sum += double(x[std::size_t(k * w + i)]) * x[std::size_t(k * w + i)];
            }
            y[std::size_t(c * w + i)] = float(x[std::size_t(c * w + i)] /
                                              std::pow(bias + alpha / double(size) * sum, beta));
        }
    }
    return y;
}

} // namespace

void addPadLrnForwardCases(std::vector<ForwardCase>& out) {
    // Two channels of [[1, 2, 3], [4, 5, 6]] (the second negated), a row on top and two
    // columns on the right of 0.5.
    out.push_back(
        padCase("Pad constant", {2, 2, 3}, {{"padding", IntList{1, 0, 0, 2}}, {"value", 0.5}},
                {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6},
                {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 1,  2,  3,  0.5f, 0.5f, 4,  5,  6,  0.5f, 0.5f,
                 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -1, -2, -3, 0.5f, 0.5f, -4, -5, -6, 0.5f, 0.5f}));
    // [[1, 2, 3], [4, 5, 6], [7, 8, 9]], top 2, bottom 1, left 1, right 2: output rows read
    // input rows [2, 1, 0, 1, 2, 1], columns [1, 0, 1, 2, 1, 0] (mirrored, border not repeated).
    out.push_back(padCase("Pad reflect", {1, 3, 3},
                          {{"padding", IntList{2, 1, 1, 2}}, {"mode", std::string("reflect")}},
                          {1, 2, 3, 4, 5, 6, 7, 8, 9},
                          {8, 7, 8, 9, 8, 7, 5, 4, 5, 6, 5, 4, 2, 1, 2, 3, 2, 1,
                           5, 4, 5, 6, 5, 4, 8, 7, 8, 9, 8, 7, 5, 4, 5, 6, 5, 4}));
    // Channels [[1, 2], [3, 4]] and [[5, 6], [7, 8]], bottom 2, left 1, right 1: rows read
    // [0, 1, 1, 1], columns [0, 0, 1, 1] (the border repeated).
    out.push_back(padCase(
        "Pad edge", {2, 2, 2}, {{"padding", IntList{0, 2, 1, 1}}, {"mode", std::string("edge")}},
        {1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4, 3, 3, 4, 4,
                                   5, 5, 6, 6, 7, 7, 8, 8, 7, 7, 8, 8, 7, 7, 8, 8}));
    { // size 3, alpha 3 (alpha / size = 1), beta 0.5, bias 1 over C = 3 channels of two pixels,
      // x = [1, 2, 3] and [-1, 0, 2]: s = 1 + [1 + 4, 1 + 4 + 9, 4 + 9] and [1 + 0, 1 + 0 + 4,
      // 0 + 4], y = x / sqrt(s).
        ForwardCase c{"LRN", {"LRN"}};
        c.graph = Chain({3, 1, 2})
                      .add("LRN", {{"size", 3}, {"alpha", 3.0}, {"beta", 0.5}, {"bias", 1.0}})
                      .add("Loss", kMse)
                      .graph();
        c.input = {1, -1, 2, 0, 3, 2};
        c.targets.assign(6, 0.0f);
        c.prediction = {float(1 / std::sqrt(6.0)),  float(-1 / std::sqrt(2.0)),
                        float(2 / std::sqrt(15.0)), 0.0f,
                        float(3 / std::sqrt(14.0)), float(2 / std::sqrt(5.0))};
        out.push_back(c);
    }
    { // size 5 over C = 4: the window is cut at both ends (c0: channels 0-2, c3: 1-3).
        ForwardCase c{"LRN window beyond the channels", {"LRN"}};
        c.graph = Chain({4, 1, 1})
                      .add("LRN", {{"size", 5}, {"alpha", 0.5}, {"beta", 0.75}, {"bias", 2.0}})
                      .add("Loss", kMse)
                      .graph();
        c.input = {1, 2, 3, 4};
        c.targets.assign(4, 0.0f);
        c.prediction = lrnOf(c.input, 4, 5, 0.5, 0.75, 2.0);
        out.push_back(c);
    }
}

void addPadLrnGradientCases(std::vector<GradientCase>& out) {
    auto row = [&out](std::string name, std::vector<std::string> ops, const Chain& c) {
        out.push_back({std::move(name), std::move(ops), c.graph()});
    };
    row("Pad constant", {"Pad"},
        Chain({2, 4, 4})
            .add("Conv2D", conv(3))
            .add("Pad", {{"padding", IntList{1, 2, 0, 1}}, {"value", 0.5}})
            .add("Loss", kMse));
    // Reflect and edge read border rows and columns more than once: their gradients sum.
    row("Pad reflect", {"Pad"},
        Chain({2, 4, 5})
            .add("Conv2D", conv(3))
            .add("Pad", {{"padding", IntList{2, 3, 1, 4}}, {"mode", std::string("reflect")}})
            .add("Loss", kMse));
    row("Pad edge", {"Pad"},
        Chain({2, 3, 4})
            .add("Conv2D", conv(2))
            .add("Pad", {{"padding", IntList{3, 1, 0, 2}}, {"mode", std::string("edge")}})
            .add("Loss", kMse));
    row("LRN", {"LRN"},
        Chain({2, 3, 3})
            .add("Conv2D", conv(5))
            .add("LRN", {{"size", 3}, {"alpha", 0.5}, {"beta", 0.75}, {"bias", 1.0}})
            .add("Loss", kMse));
    row("LRN defaults", {"LRN"},
        Chain({2, 3, 3}).add("Conv2D", conv(7)).add("LRN").add("Loss", kMse));
}

} // namespace nw::testing
