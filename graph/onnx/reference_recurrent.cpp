// ONNX's LSTM (gates i, o, f, c) and GRU (z, r, h) equations as plain loops in double.
#include "graph/onnx/reference_recurrent.h"

#include <cmath>
#include <string>

namespace nw::graph::onnx_export {

namespace {

using I = std::int64_t;

double sigmoid(double v) {
    return 1 / (1 + std::exp(-v));
}

const onnx::AttributeProto* findAttr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute()) {
        if (a.name() == name) {
            return &a;
        }
    }
    return nullptr;
}

} // namespace

Expected<std::array<Value, 2>> runRecurrent(const onnx::NodeProto& node,
                                            const std::vector<const Value*>& in) {
    const bool lstm = node.op_type() == "LSTM";
    auto unsupported = [&](const std::string& what) {
        return Error::internal("reference runner: " + node.op_type() + " node '" + node.name() +
                               "' " + what + " is not supported");
    };
    for (std::size_t k = 4; k < in.size(); ++k) {
        if (in[k] != nullptr) {
            return unsupported("with input " + std::to_string(k));
        }
    }
    for (const char* attr : {"activations", "clip", "input_forget"}) {
        if (findAttr(node, attr)) {
            return unsupported(std::string("with attribute ") + attr);
        }
    }
    if (const auto* layout = findAttr(node, "layout"); layout && layout->i() != 0) {
        return unsupported("with layout 1");
    }
    if (in.size() < 3 || !in[0] || !in[1] || !in[2]) {
        return unsupported("without X, W and R");
    }
    const Value &x = *in[0], &w = *in[1], &r = *in[2];
    const Value* b = in.size() > 3 ? in[3] : nullptr;
    const auto* dirAttr = findAttr(node, "direction");
    const std::string direction = dirAttr ? dirAttr->s() : "forward";
    if (const auto* lbr = findAttr(node, "linear_before_reset"); !lstm && (!lbr || lbr->i() == 0)) {
        return unsupported("with linear_before_reset = 0");
    }
    const I T = x.dims[0], N = x.dims[1], C = x.dims[2], D = w.dims[0];
    const I G = lstm ? 4 : 3, H = w.dims[1] / G;
    if (D != (direction == "bidirectional" ? 2 : 1)) {
        return unsupported("with W for " + std::to_string(D) + " directions");
    }
    Value y{{T, D, N, H}, std::vector<float>(static_cast<std::size_t>(T * D * N * H))};
    Value yh{{D, N, H}, std::vector<float>(static_cast<std::size_t>(D * N * H))};
    for (I d = 0; d < D; ++d) {
        const bool reverse = direction == "reverse" || d == 1;
        const float* wd = w.data.data() + d * G * H * C;
        const float* rd = r.data.data() + d * G * H * H;
        auto wb = [&](I j) { return b ? double(b->data[std::size_t(d * 2 * G * H + j)]) : 0.0; };
        auto rb = [&](I j) {
            return b ? double(b->data[std::size_t(d * 2 * G * H + G * H + j)]) : 0.0;
        };
        for (I n = 0; n < N; ++n) {
            std::vector<double> h(std::size_t(H), 0.0), cell(std::size_t(H), 0.0);
            std::vector<double> xw(std::size_t(G * H)), hr(std::size_t(G * H));
            for (I step = 0; step < T; ++step) {
                const I t = reverse ? T - 1 - step : step;
                const float* xt = x.data.data() + (t * N + n) * C;
                for (I j = 0; j < G * H; ++j) { // X W^T + Wb and H R^T + Rb, per gate row
                    double a = wb(j), c = rb(j);
                    for (I i = 0; i < C; ++i) {
                        a += double(wd[j * C + i]) * xt[i];
                    }
                    for (I i = 0; i < H; ++i) {
                        c += double(rd[j * H + i]) * h[std::size_t(i)];
                    }
                    xw[std::size_t(j)] = a;
                    hr[std::size_t(j)] = c;
                }
                std::vector<double> next(static_cast<std::size_t>(H));
                for (I j = 0; j < H; ++j) {
                    auto at = [&](I gate) { return std::size_t(gate * H + j); };
                    auto sj = std::size_t(j);
                    if (lstm) { // i, o, f, c
                        double ig = sigmoid(xw[at(0)] + hr[at(0)]);
                        double og = sigmoid(xw[at(1)] + hr[at(1)]);
                        double fg = sigmoid(xw[at(2)] + hr[at(2)]);
                        double cg = std::tanh(xw[at(3)] + hr[at(3)]);
                        cell[sj] = fg * cell[sj] + ig * cg;
                        next[sj] = og * std::tanh(cell[sj]);
                    } else { // z, r, h; linear before reset
                        double z = sigmoid(xw[at(0)] + hr[at(0)]);
                        double rg = sigmoid(xw[at(1)] + hr[at(1)]);
                        double hh = std::tanh(xw[at(2)] + rg * hr[at(2)]);
                        next[sj] = (1 - z) * hh + z * h[sj];
                    }
                }
                h = next;
                for (I j = 0; j < H; ++j) {
                    y.data[std::size_t(((t * D + d) * N + n) * H + j)] = float(h[std::size_t(j)]);
                }
            }
            for (I j = 0; j < H; ++j) {
                yh.data[std::size_t((d * N + n) * H + j)] = float(h[std::size_t(j)]);
            }
        }
    }
    return std::array<Value, 2>{std::move(y), std::move(yh)};
}

} // namespace nw::graph::onnx_export
