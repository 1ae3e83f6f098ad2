// The harness cases of LSTM and GRU (see op_cases.h). Beside two cases worked by hand, the
// forward cases' values come from `reference` below: PyTorch's LSTM and GRU equations as
// plain loops in double, written from the equations and sharing nothing with the kernel
// (no oneDNN, no gate reordering, no bias folding).
#include "tests/engine/op_cases.h"

#include <cmath>

namespace nw::testing {

namespace {

using graph::IntList;

struct RnnSpec {
    const char* op; // "LSTM" or "GRU"
    std::int64_t batch, steps, channels, hidden, layers;
    bool bidirectional;
    bool last;

    bool lstm() const { return std::string(op) == "LSTM"; }
    std::int64_t gates() const { return lstm() ? 4 : 3; }
    std::int64_t dirs() const { return bidirectional ? 2 : 1; }
    Attrs attrs() const {
        return {{"hidden_size", hidden},
                {"layers", layers},
                {"bidirectional", bidirectional},
                {"output", std::string(last ? "last" : "sequence")}};
    }
};

double sigmoid(double v) {
    return 1 / (1 + std::exp(-v));
}

// y for input x [N, T, C] and the params in the schema's order (per layer, per direction:
// weight_ih [G·H, in], weight_hh [G·H, H], bias_ih, bias_hh [G·H]; gates i, f, g, o or r, z, n).
std::vector<float> reference(const RnnSpec& s, const std::vector<float>& x,
                             const std::vector<std::vector<float>>& p) {
    const std::int64_t N = s.batch, T = s.steps, H = s.hidden, D = s.dirs(), G = s.gates();
    std::vector<double> in(x.begin(), x.end());
    std::int64_t inC = s.channels;
    std::vector<double> out;
    for (std::int64_t k = 0; k < s.layers; ++k) {
        out.assign(std::size_t(N * T * H * D), 0.0);
        for (std::int64_t d = 0; d < D; ++d) {
            const auto& wih = p[std::size_t((k * D + d) * 4 + 0)];
            const auto& whh = p[std::size_t((k * D + d) * 4 + 1)];
            const auto& bih = p[std::size_t((k * D + d) * 4 + 2)];
            const auto& bhh = p[std::size_t((k * D + d) * 4 + 3)];
            for (std::int64_t n = 0; n < N; ++n) {
                std::vector<double> h(std::size_t(H), 0.0), c(std::size_t(H), 0.0);
                for (std::int64_t step = 0; step < T; ++step) {
                    std::int64_t t = d == 0 ? step : T - 1 - step;
                    const double* xt = in.data() + (n * T + t) * inC;
                    std::vector<double> ai(std::size_t(G * H)), ah(std::size_t(G * H));
                    for (std::int64_t j = 0; j < G * H; ++j) {
                        double a = bih[std::size_t(j)], b = bhh[std::size_t(j)];
                        for (std::int64_t i = 0; i < inC; ++i) {
                            a += wih[std::size_t(j * inC + i)] * xt[i];
                        }
                        for (std::int64_t i = 0; i < H; ++i) {
                            b += whh[std::size_t(j * H + i)] * h[std::size_t(i)];
                        }
                        ai[std::size_t(j)] = a;
                        ah[std::size_t(j)] = b;
                    }
                    for (std::int64_t j = 0; j < H; ++j) {
                        auto at = [&](std::int64_t gate) { return std::size_t(gate * H + j); };
                        auto sj = std::size_t(j);
                        if (s.lstm()) {
                            double ig = sigmoid(ai[at(0)] + ah[at(0)]);
                            double fg = sigmoid(ai[at(1)] + ah[at(1)]);
                            double gg = std::tanh(ai[at(2)] + ah[at(2)]);
                            double og = sigmoid(ai[at(3)] + ah[at(3)]);
                            c[sj] = fg * c[sj] + ig * gg;
                            h[sj] = og * std::tanh(c[sj]);
                        } else {
                            double r = sigmoid(ai[at(0)] + ah[at(0)]);
                            double z = sigmoid(ai[at(1)] + ah[at(1)]);
                            double nn = std::tanh(ai[at(2)] + r * ah[at(2)]);
                            h[sj] = (1 - z) * nn + z * h[sj];
                        }
                    }
                    for (std::int64_t j = 0; j < H; ++j) {
                        out[std::size_t((n * T + t) * H * D + d * H + j)] = h[std::size_t(j)];
                    }
                }
            }
        }
        in = out;
        inC = H * D;
    }
    std::vector<float> y;
    if (!s.last) {
        y.assign(out.begin(), out.end());
        return y;
    }
    for (std::int64_t n = 0; n < N; ++n) { // forward: step T-1; backward: step 0
        for (std::int64_t d = 0; d < D; ++d) {
            std::int64_t t = d == 0 ? T - 1 : 0;
            for (std::int64_t j = 0; j < H; ++j) {
                y.push_back(float(out[std::size_t((n * T + t) * H * D + d * H + j)]));
            }
        }
    }
    return y;
}

// Deterministic values in (-0.8, 0.8), different per `seed`.
std::vector<float> wave(std::int64_t count, double seed) {
    std::vector<float> v;
    for (std::int64_t i = 0; i < count; ++i) {
        v.push_back(float(0.8 * std::sin(1.37 * double(i) + seed)));
    }
    return v;
}

ForwardCase referenceCase(std::string name, const RnnSpec& s) {
    ForwardCase c{std::move(name), {s.op}};
    c.graph = Chain({s.steps, s.channels}).add(s.op, s.attrs()).add("Loss", kMse).graph();
    c.batch = s.batch;
    c.input = wave(s.batch * s.steps * s.channels, 0.3);
    const std::int64_t gh = s.gates() * s.hidden;
    double seed = 1;
    for (std::int64_t k = 0; k < s.layers; ++k) {
        std::int64_t in = k == 0 ? s.channels : s.hidden * s.dirs();
        for (std::int64_t d = 0; d < s.dirs(); ++d) {
            for (std::int64_t count : {gh * in, gh * s.hidden, gh, gh}) {
                c.params.push_back(wave(count, seed++));
            }
        }
    }
    c.prediction = reference(s, c.input, c.params);
    c.targets.assign(c.prediction.size(), 0.0f);
    return c;
}

} // namespace

void addRecurrentForwardCases(std::vector<ForwardCase>& out) {
    { // H = C = T = 1, x = 1, zero state: i = sigmoid(0.5 + 0.5), g = tanh(1 + 0.5),
      // o = sigmoid(2 - 1); c = i g; h = o tanh(c) = 0.42365176.
        ForwardCase c{"LSTM by hand", {"LSTM"}};
        c.graph = Chain({1, 1}).add("LSTM", {{"hidden_size", 1}}).add("Loss", kMse).graph();
        c.input = {1};
        c.params = {
            {0.5f, -0.5f, 1, 2}, {0.1f, 0.2f, 0.3f, 0.4f}, {0.5f, 0, 0, 0}, {0, 0, 0.5f, -1}};
        c.targets = {0};
        c.prediction = {0.42365176f};
        c.tolerance = 1e-6;
        out.push_back(c);
    }
    { // r = sigmoid(1), z = sigmoid(-1), n = tanh(0.5 + 0.25 + r (0 + 2)): the new gate's
      // hidden bias (2) is scaled by the reset; h = (1 - z) n = 0.71374494.
        ForwardCase c{"GRU by hand", {"GRU"}};
        c.graph = Chain({1, 1}).add("GRU", {{"hidden_size", 1}}).add("Loss", kMse).graph();
        c.input = {1};
        c.params = {{1, -1, 0.5f}, {0.3f, -0.2f, 0.7f}, {0, 0, 0.25f}, {0, 0, 2}};
        c.targets = {0};
        c.prediction = {0.71374494f};
        c.tolerance = 1e-6;
        out.push_back(c);
    }
    for (const char* op : {"LSTM", "GRU"}) {
        std::string name(op);
        out.push_back(referenceCase(name + " sequence", {op, 2, 4, 3, 3, 1, false, false}));
        out.push_back(referenceCase(name + " last", {op, 2, 4, 3, 3, 1, false, true}));
        out.push_back(
            referenceCase(name + " bidirectional sequence", {op, 2, 3, 2, 3, 1, true, false}));
        out.push_back(referenceCase(name + " bidirectional last", {op, 3, 4, 2, 2, 1, true, true}));
        out.push_back(referenceCase(name + " 2 layers", {op, 2, 3, 3, 2, 2, false, false}));
        out.push_back(
            referenceCase(name + " 2 layers bidirectional last", {op, 2, 3, 2, 3, 2, true, true}));
    }
}

void addRecurrentGradientCases(std::vector<GradientCase>& out) {
    auto row = [&out](std::string name, const char* op, const Chain& c) {
        out.push_back({std::move(name), {op}, c.graph()});
    };
    auto attrs = [](std::int64_t hidden, std::int64_t layers, bool bidirectional, bool last) {
        return Attrs{{"hidden_size", hidden},
                     {"layers", layers},
                     {"bidirectional", bidirectional},
                     {"output", std::string(last ? "last" : "sequence")}};
    };
    for (const char* op : {"LSTM", "GRU"}) {
        std::string name(op);
        row(name + " sequence", op,
            Chain({4, 3}).add(op, attrs(3, 1, false, false)).add("Loss", kMse));
        // The second layer's input gradient reaches the first one's parameters.
        row(name + " stacked last", op,
            Chain({4, 3})
                .add(op, attrs(3, 1, false, false))
                .add(op, attrs(2, 1, false, true))
                .add("Loss", kMse));
        row(name + " bidirectional", op,
            Chain({3, 2})
                .add(op, attrs(2, 1, true, false))
                .add(op, attrs(2, 1, true, true))
                .add("Loss", kMse));
        row(name + " 2 layers bidirectional last", op,
            Chain({3, 2})
                .add(op, attrs(2, 1, false, false))
                .add(op, attrs(3, 2, true, true))
                .add("Loss", kMse));
        row(name + " 2 layers sequence", op,
            Chain({3, 2}).add(op, attrs(2, 2, false, false)).add("Loss", kMse));
    }
}

} // namespace nw::testing
