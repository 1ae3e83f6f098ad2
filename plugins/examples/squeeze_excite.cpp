// SqueezeExcite: rescales each channel by a gate computed from all channels' means.
// x: [N, C, H, W]; s = mean over H, W: [N, C]; z = relu(W1 s + b1): [N, C/r];
// g = sigmoid(W2 z + b2): [N, C]; y = x * g[n, c]: [N, C, H, W].
// W1 = fc1_weight [C/r, C], b1 = fc1_bias [C/r], W2 = fc2_weight [C, C/r], b2 = fc2_bias [C]
// (PyTorch's Linear layout: [out, in]).
#include "examples.h"

#include <algorithm>
#include <new>
#include <vector>

namespace nw_examples {

namespace {

const nw_attr_decl kAttrs[] = {
    intAttr("reduction", 4, 1, 1024,
            "How many times fewer hidden units than channels the gate's bottleneck has (C / "
            "reduction, at least 1)."),
};
const nw_port_decl kInputs[] = {{"input", "[N, C, H, W]"}};
const nw_port_decl kOutputs[] = {{"output", "[N, C, H, W], each channel scaled by its gate"}};

enum Param { kFc1Weight, kFc1Bias, kFc2Weight, kFc2Bias, kParamCount };

int infer(nw_infer_ctx* ctx) noexcept {
    if (ctx->input_count != 1) {
        ctx->fail(ctx, "input", "SqueezeExcite takes one input");
        return 1;
    }
    const nw_shape& x = ctx->inputs[0]; // per sample: [C, H, W]
    if (x.rank != 3) {
        ctx->fail(ctx, "input",
                  message("SqueezeExcite expects a 4-D tensor [N, C, H, W], got %s",
                          shapeText(x, true).text)
                      .text);
        return 1;
    }
    std::int64_t channels = x.dims[0];
    std::int64_t reduction = ctx->attr_int(ctx, "reduction");
    std::int64_t hidden = reduction > 0 ? channels / reduction : 0;
    if (hidden < 1) {
        ctx->fail(ctx, "reduction",
                  message("reduction %lld leaves no hidden units for %lld channels (%lld / %lld "
                          "= 0); use at most %lld",
                          static_cast<long long>(reduction), static_cast<long long>(channels),
                          static_cast<long long>(channels), static_cast<long long>(reduction),
                          static_cast<long long>(channels))
                      .text);
        return 1;
    }
    std::int64_t count = elements(x);
    if (count < 0 || count > (std::int64_t{1} << 40) || channels > (std::int64_t{1} << 20)) {
        ctx->fail(ctx, "input",
                  message("an input of %s is too large", shapeText(x, true).text).text);
        return 1;
    }
    // The mean and the scaling (C·H·W each), both matrix products (2·C·C/r each), the first
    // bias and the ReLU (C/r each), the second bias and the sigmoid (1 + 4 per channel).
    std::int64_t flops = 2 * count + 4 * channels * hidden + 2 * hidden + 5 * channels;
    ctx->set_output(ctx, 0, &x);
    ctx->set_flops(ctx, flops);
    // PyTorch's defaults for its Linear layers: weight and bias U(+-1/sqrt(fan_in)).
    nw_param_decl params[kParamCount] = {
        param("fc1_weight", hidden, channels, NW_INIT_FAN_IN_UNIFORM, channels, hidden, true),
        param("fc1_bias", hidden, 0, NW_INIT_FAN_IN_UNIFORM, channels, hidden, false),
        param("fc2_weight", channels, hidden, NW_INIT_FAN_IN_UNIFORM, hidden, channels, true),
        param("fc2_bias", channels, 0, NW_INIT_FAN_IN_UNIFORM, hidden, channels, false),
    };
    for (const nw_param_decl& p : params) {
        ctx->declare_param(ctx, &p);
    }
    return 0;
}

// One instance per node and batch size. Forward keeps s, W1 s + b1 and g for backward.
struct SqueezeExcite {
    std::int64_t batch = 0, channels = 0, spatial = 0, hidden = 0;
    std::vector<double> squeezed; // s: [batch, channels]
    std::vector<double> preRelu;  // W1 s + b1: [batch, hidden]
    std::vector<double> gate;     // g: [batch, channels]
    // Backward's scratch: per sample, d(W2 z + b2) [channels], d(W1 s + b1) [hidden] and
    // ds [channels]; the parameters' gradients summed over the batch, in double.
    std::vector<double> dPreGate, dPreRelu, dSqueezed;
    std::vector<double> gradW1, gradB1, gradW2, gradB2;
};

std::size_t sz(std::int64_t n) {
    return static_cast<std::size_t>(n);
}

void* create(const nw_kernel_ctx* ctx) noexcept {
    if (ctx->input_count != 1 || ctx->inputs[0].rank != 4) {
        ctx->fail(ctx, "SqueezeExcite expects one input of [N, C, H, W]");
        return nullptr;
    }
    const nw_shape& x = ctx->inputs[0];
    std::int64_t reduction = ctx->attr_int(ctx, "reduction");
    if (reduction < 1 || x.dims[1] / reduction < 1) {
        ctx->fail(ctx, "SqueezeExcite's reduction leaves no hidden units");
        return nullptr;
    }
    auto* s = new (std::nothrow) SqueezeExcite;
    if (s == nullptr) {
        ctx->fail(ctx, "out of memory");
        return nullptr;
    }
    s->batch = x.dims[0];
    s->channels = x.dims[1];
    s->spatial = x.dims[2] * x.dims[3];
    s->hidden = s->channels / reduction;
    try {
        std::int64_t c = s->channels, h = s->hidden;
        s->squeezed.resize(sz(s->batch * c));
        s->preRelu.resize(sz(s->batch * h));
        s->gate.resize(sz(s->batch * c));
        s->dPreGate.resize(sz(c));
        s->dPreRelu.resize(sz(h));
        s->dSqueezed.resize(sz(c));
        s->gradW1.resize(sz(h * c));
        s->gradB1.resize(sz(h));
        s->gradW2.resize(sz(c * h));
        s->gradB2.resize(sz(c));
    } catch (...) {
        delete s;
        ctx->fail(ctx, "out of memory");
        return nullptr;
    }
    return s;
}

void destroy(void* instance) noexcept {
    delete static_cast<SqueezeExcite*>(instance);
}

// Fails unless the call has one input of the instance's shape, the four parameters of the
// shapes shape inference declared, and one output.
bool checkArgs(const SqueezeExcite& s, const nw_kernel_ctx* ctx, std::uint32_t inputs,
               std::uint32_t params, std::uint32_t outputs, const nw_tensor* x,
               const nw_tensor* p) {
    if (inputs != 1 || params != kParamCount || outputs != 1) {
        ctx->fail(ctx, "SqueezeExcite expects one input, four parameters and one output");
        return false;
    }
    if (x->shape.rank != 4 || x->shape.dims[0] != s.batch || x->shape.dims[1] != s.channels ||
        x->shape.dims[2] * x->shape.dims[3] != s.spatial) {
        ctx->fail(ctx, message("SqueezeExcite got an input of %s, not the shape it was created "
                               "for",
                               shapeText(x->shape, false).text)
                           .text);
        return false;
    }
    const std::int64_t expected[kParamCount] = {s.hidden * s.channels, s.hidden,
                                                s.channels * s.hidden, s.channels};
    for (int i = 0; i < kParamCount; ++i) {
        if (elements(p[i].shape) != expected[i]) {
            ctx->fail(ctx, message("SqueezeExcite's parameter %d has %s, not %lld values", i,
                                   shapeText(p[i].shape, false).text,
                                   static_cast<long long>(expected[i]))
                               .text);
            return false;
        }
    }
    return true;
}

int forward(void* instance, const nw_kernel_ctx* ctx, const nw_forward_args* args) noexcept {
    SqueezeExcite& s = *static_cast<SqueezeExcite*>(instance);
    if (!checkArgs(s, ctx, args->input_count, args->param_count, args->output_count, args->inputs,
                   args->params)) {
        return 1;
    }
    const float* x = args->inputs[0].data;
    const float* w1 = args->params[kFc1Weight].data;
    const float* b1 = args->params[kFc1Bias].data;
    const float* w2 = args->params[kFc2Weight].data;
    const float* b2 = args->params[kFc2Bias].data;
    float* y = args->outputs[0].data;
    const std::int64_t C = s.channels, H = s.hidden, S = s.spatial;
    for (std::int64_t n = 0; n < s.batch; ++n) {
        double* sq = &s.squeezed[sz(n * C)];
        double* pre = &s.preRelu[sz(n * H)];
        double* g = &s.gate[sz(n * C)];
        const float* xn = x + n * C * S;
        for (std::int64_t c = 0; c < C; ++c) {
            double sum = 0.0;
            for (std::int64_t i = 0; i < S; ++i) {
                sum += xn[c * S + i];
            }
            sq[c] = sum / static_cast<double>(S);
        }
        for (std::int64_t j = 0; j < H; ++j) {
            double a = b1[j];
            for (std::int64_t c = 0; c < C; ++c) {
                a += w1[j * C + c] * sq[c];
            }
            pre[j] = a;
        }
        for (std::int64_t c = 0; c < C; ++c) {
            double t = b2[c];
            for (std::int64_t j = 0; j < H; ++j) {
                t += w2[c * H + j] * std::max(pre[j], 0.0);
            }
            g[c] = sigmoid(t);
        }
        float* yn = y + n * C * S;
        for (std::int64_t c = 0; c < C; ++c) {
            for (std::int64_t i = 0; i < S; ++i) {
                yn[c * S + i] = static_cast<float>(xn[c * S + i] * g[c]);
            }
        }
    }
    return 0;
}

// Backward from forward's s, W1 s + b1 and g (the header's contract: backward follows the
// forward of the same inputs). dx has two paths: x * g directly, and x -> s -> g.
int backward(void* instance, const nw_kernel_ctx* ctx, const nw_backward_args* args) noexcept {
    SqueezeExcite& s = *static_cast<SqueezeExcite*>(instance);
    if (!checkArgs(s, ctx, args->input_count, args->param_count, args->output_count, args->inputs,
                   args->params)) {
        return 1;
    }
    if (args->grad_param_count != kParamCount) {
        ctx->fail(ctx, "SqueezeExcite expects four parameter gradients");
        return 1;
    }
    const float* x = args->inputs[0].data;
    const float* w1 = args->params[kFc1Weight].data;
    const float* w2 = args->params[kFc2Weight].data;
    const float* dy = args->grad_outputs[0].data;
    float* dx = args->grad_inputs[0].data; // NULL: not needed
    const std::int64_t C = s.channels, H = s.hidden, S = s.spatial;
    std::fill(s.gradW1.begin(), s.gradW1.end(), 0.0);
    std::fill(s.gradB1.begin(), s.gradB1.end(), 0.0);
    std::fill(s.gradW2.begin(), s.gradW2.end(), 0.0);
    std::fill(s.gradB2.begin(), s.gradB2.end(), 0.0);
    for (std::int64_t n = 0; n < s.batch; ++n) {
        const double* sq = &s.squeezed[sz(n * C)];
        const double* pre = &s.preRelu[sz(n * H)];
        const double* g = &s.gate[sz(n * C)];
        const float* xn = x + n * C * S;
        const float* dyn = dy + n * C * S;
        // dL/dg[c] = sum over H, W of dy * x; through the sigmoid: * g (1 - g).
        for (std::int64_t c = 0; c < C; ++c) {
            double dg = 0.0;
            for (std::int64_t i = 0; i < S; ++i) {
                dg += static_cast<double>(dyn[c * S + i]) * xn[c * S + i];
            }
            s.dPreGate[sz(c)] = dg * g[c] * (1.0 - g[c]);
        }
        // Second layer: t = W2 z + b2.
        for (std::int64_t j = 0; j < H; ++j) {
            s.dPreRelu[sz(j)] = 0.0;
        }
        for (std::int64_t c = 0; c < C; ++c) {
            double dt = s.dPreGate[sz(c)];
            s.gradB2[sz(c)] += dt;
            for (std::int64_t j = 0; j < H; ++j) {
                s.gradW2[sz(c * H + j)] += dt * std::max(pre[j], 0.0);
                s.dPreRelu[sz(j)] += dt * w2[c * H + j];
            }
        }
        // The ReLU (its derivative at 0 taken as 0), then the first layer: a = W1 s + b1.
        for (std::int64_t c = 0; c < C; ++c) {
            s.dSqueezed[sz(c)] = 0.0;
        }
        for (std::int64_t j = 0; j < H; ++j) {
            double da = pre[j] > 0.0 ? s.dPreRelu[sz(j)] : 0.0;
            s.gradB1[sz(j)] += da;
            for (std::int64_t c = 0; c < C; ++c) {
                s.gradW1[sz(j * C + c)] += da * sq[c];
                s.dSqueezed[sz(c)] += da * w1[j * C + c];
            }
        }
        if (dx != nullptr) {
            float* dxn = dx + n * C * S;
            for (std::int64_t c = 0; c < C; ++c) {
                double viaMean = s.dSqueezed[sz(c)] / static_cast<double>(S);
                for (std::int64_t i = 0; i < S; ++i) {
                    dxn[c * S + i] = static_cast<float>(dyn[c * S + i] * g[c] + viaMean);
                }
            }
        }
    }
    const std::vector<double>* grads[kParamCount] = {&s.gradW1, &s.gradB1, &s.gradW2, &s.gradB2};
    for (int i = 0; i < kParamCount; ++i) {
        float* out = args->grad_params[i].data; // NULL: not needed
        if (out != nullptr) {
            std::transform(grads[i]->begin(), grads[i]->end(), out,
                           [](double v) { return static_cast<float>(v); });
        }
    }
    return 0;
}

} // namespace

nw_op_decl squeezeExciteDecl() {
    nw_op_decl op{};
    op.struct_size = sizeof(nw_op_decl);
    op.name = "SqueezeExcite";
    op.category = "Attention";
    op.color = 0x4FA3A5;
    op.doc = "Squeeze-and-excitation: scales each channel by sigmoid(W2 relu(W1 mean_hw(x) + b1) "
             "+ b2), a gate computed from all channels' means.";
    op.attrs = kAttrs;
    op.attr_count = 1;
    op.inputs = kInputs;
    op.input_count = 1;
    op.outputs = kOutputs;
    op.output_count = 1;
    op.infer = infer;
    op.cpu = {create, destroy, forward, backward};
    return op;
}

} // namespace nw_examples
