// LearnedSwish: y = x * sigmoid(beta * x), with beta learned per channel (or one shared).
// x: [N, C, ...] (any rank >= 2, channels on axis 1), y: the same shape; beta: [C] or [1].
#include "examples.h"

#include <algorithm>
#include <new>
#include <vector>

namespace nw_examples {

namespace {

const nw_attr_decl kAttrs[] = {
    boolAttr("per_channel", true,
             "Learn one beta per channel (axis 1); off: one beta shared by all elements."),
};
const nw_port_decl kInputs[] = {{"input", "[N, C, ...]: any rank from 2, channels on axis 1"}};
const nw_port_decl kOutputs[] = {{"output", "the input's shape"}};

// beta * x, its sigmoid, the product with x: 5 FLOPs an element (the sigmoid counted as
// exp, add and divide).
constexpr std::int64_t kFlopsPerElement = 5;

int infer(nw_infer_ctx* ctx) noexcept {
    if (ctx->input_count != 1) {
        ctx->fail(ctx, "input", "LearnedSwish takes one input");
        return 1;
    }
    const nw_shape& x = ctx->inputs[0]; // per sample: [C, ...]
    if (x.rank < 1) {
        ctx->fail(ctx, "input",
                  message("LearnedSwish expects [N, C] or more dimensions (channels on axis 1), "
                          "got %s",
                          shapeText(x, true).text)
                      .text);
        return 1;
    }
    std::int64_t count = elements(x);
    if (count < 0 || count > std::numeric_limits<std::int64_t>::max() / kFlopsPerElement) {
        ctx->fail(ctx, "input",
                  message("an input of %s is too large", shapeText(x, true).text).text);
        return 1;
    }
    ctx->set_output(ctx, 0, &x);
    ctx->set_flops(ctx, kFlopsPerElement * count);
    // beta starts at 1: plain Swish (SiLU).
    std::int64_t betas = ctx->attr_bool(ctx, "per_channel") ? x.dims[0] : 1;
    nw_param_decl beta = param("beta", betas, 0, NW_INIT_ONES, 1, 1, false);
    ctx->declare_param(ctx, &beta);
    return 0;
}

// x viewed as [batch, channels, inner]; beta has `channels` or one entry.
struct Swish {
    std::int64_t batch = 0, channels = 0, inner = 0;
    bool perChannel = true;
    std::vector<double> betaGrad; // [channels or 1]: backward's sums
};

void* create(const nw_kernel_ctx* ctx) noexcept {
    if (ctx->input_count != 1 || ctx->inputs[0].rank < 2) {
        ctx->fail(ctx, "LearnedSwish expects one input of [N, C, ...]");
        return nullptr;
    }
    const nw_shape& x = ctx->inputs[0];
    auto* s = new (std::nothrow) Swish;
    if (s == nullptr) {
        ctx->fail(ctx, "out of memory");
        return nullptr;
    }
    s->batch = x.dims[0];
    s->channels = x.dims[1];
    s->inner = elements(x, 2);
    s->perChannel = ctx->attr_bool(ctx, "per_channel") != 0;
    try {
        s->betaGrad.resize(s->perChannel ? static_cast<std::size_t>(s->channels) : 1);
    } catch (...) {
        delete s;
        ctx->fail(ctx, "out of memory");
        return nullptr;
    }
    return s;
}

void destroy(void* instance) noexcept {
    delete static_cast<Swish*>(instance);
}

// Fails unless the call has one input, parameter and output of the shapes the instance was
// created for.
bool checkArgs(const Swish& s, const nw_kernel_ctx* ctx, std::uint32_t inputs, std::uint32_t params,
               std::uint32_t outputs, const nw_tensor* x, const nw_tensor* beta) {
    if (inputs != 1 || params != 1 || outputs != 1) {
        ctx->fail(ctx, "LearnedSwish expects one input, one parameter and one output");
        return false;
    }
    if (x->shape.rank < 2 || x->shape.dims[0] != s.batch || x->shape.dims[1] != s.channels ||
        elements(x->shape, 2) != s.inner) {
        ctx->fail(ctx, message("LearnedSwish got an input of %s, not the shape it was created for",
                               shapeText(x->shape, false).text)
                           .text);
        return false;
    }
    std::int64_t betas = s.perChannel ? s.channels : 1;
    if (elements(beta->shape) != betas) {
        ctx->fail(ctx, message("LearnedSwish expects beta of [%lld], got %s",
                               static_cast<long long>(betas), shapeText(beta->shape, false).text)
                           .text);
        return false;
    }
    return true;
}

int forward(void* instance, const nw_kernel_ctx* ctx, const nw_forward_args* args) noexcept {
    const Swish& s = *static_cast<const Swish*>(instance);
    if (!checkArgs(s, ctx, args->input_count, args->param_count, args->output_count, args->inputs,
                   args->params)) {
        return 1;
    }
    const float* x = args->inputs[0].data;
    const float* beta = args->params[0].data;
    float* y = args->outputs[0].data;
    for (std::int64_t n = 0; n < s.batch; ++n) {
        for (std::int64_t c = 0; c < s.channels; ++c) {
            double b = beta[s.perChannel ? c : 0];
            std::int64_t base = (n * s.channels + c) * s.inner;
            for (std::int64_t i = base; i < base + s.inner; ++i) {
                y[i] = static_cast<float>(x[i] * sigmoid(b * x[i]));
            }
        }
    }
    return 0;
}

// With g = sigmoid(beta x): dy/dx = g + beta x g (1 - g), dy/dbeta = x^2 g (1 - g).
int backward(void* instance, const nw_kernel_ctx* ctx, const nw_backward_args* args) noexcept {
    Swish& s = *static_cast<Swish*>(instance);
    if (!checkArgs(s, ctx, args->input_count, args->param_count, args->output_count, args->inputs,
                   args->params)) {
        return 1;
    }
    if (args->grad_param_count != 1) {
        ctx->fail(ctx, "LearnedSwish expects one parameter gradient (beta's)");
        return 1;
    }
    const float* x = args->inputs[0].data;
    const float* beta = args->params[0].data;
    const float* dy = args->grad_outputs[0].data;
    float* dx = args->grad_inputs[0].data;    // NULL: not needed
    float* dbeta = args->grad_params[0].data; // NULL: not needed
    std::fill(s.betaGrad.begin(), s.betaGrad.end(), 0.0);
    for (std::int64_t n = 0; n < s.batch; ++n) {
        for (std::int64_t c = 0; c < s.channels; ++c) {
            std::int64_t k = s.perChannel ? c : 0;
            double b = beta[k];
            std::int64_t base = (n * s.channels + c) * s.inner;
            double sum = 0.0;
            for (std::int64_t i = base; i < base + s.inner; ++i) {
                double g = sigmoid(b * x[i]);
                double slope = g * (1.0 - g);
                if (dx != nullptr) {
                    dx[i] = static_cast<float>(dy[i] * (g + b * x[i] * slope));
                }
                sum += dy[i] * x[i] * x[i] * slope;
            }
            s.betaGrad[static_cast<std::size_t>(k)] += sum;
        }
    }
    if (dbeta != nullptr) {
        for (std::size_t k = 0; k < s.betaGrad.size(); ++k) {
            dbeta[k] = static_cast<float>(s.betaGrad[k]);
        }
    }
    return 0;
}

} // namespace

nw_op_decl learnedSwishDecl() {
    nw_op_decl op{};
    op.struct_size = sizeof(nw_op_decl);
    op.name = "LearnedSwish";
    op.category = "Activation";
    op.color = 0xE8A33D;
    op.doc = "x * sigmoid(beta * x), with beta learned per channel (or shared), starting at 1 "
             "(Swish/SiLU). FLOPs: 5 per element.";
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
