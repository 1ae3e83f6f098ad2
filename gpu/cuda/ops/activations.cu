// The element-wise activations: ReLU, LeakyReLU, ELU, ReLU6, HardSigmoid, HardSwish, GELU (erf
// or tanh form), Sigmoid, Tanh. Forward y = f(x), backward dx = dy * f'(x) from the input x (as
// the CPU's oneDNN eltwise backward, whose definitions these are: ReLU's slope at 0 is alpha;
// at the bounds of ReLU6 and HardSigmoid the slope is 0; HardSwish's is 0 at -3 and 1 at 3),
// over x of any shape viewed flat. One grid-stride kernel, the activation a functor.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"

namespace nw::gpu::cuda {

namespace {

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kInvSqrt2 = 0.7071067811865476f;
constexpr float kInvSqrt2Pi = 0.3989422804014327f;
constexpr float kGeluCubic = 0.044715f;

struct Relu { // alpha: the slope for x <= 0 (0 for ReLU, LeakyReLU's alpha)
    float alpha;
    __device__ float forward(float x) const { return x > 0.0f ? x : alpha * x; }
    __device__ float derivative(float x) const { return x > 0.0f ? 1.0f : alpha; }
};

struct Elu {
    float alpha;
    __device__ float forward(float x) const { return x > 0.0f ? x : alpha * (expf(x) - 1.0f); }
    __device__ float derivative(float x) const { return x > 0.0f ? 1.0f : alpha * expf(x); }
};

struct Relu6 { // oneDNN's clip_v2 to [0, 6]
    __device__ float forward(float x) const { return fminf(fmaxf(x, 0.0f), 6.0f); }
    __device__ float derivative(float x) const { return x > 0.0f && x < 6.0f ? 1.0f : 0.0f; }
};

struct HardSigmoid { // clamp(alpha x + beta, 0, 1): oneDNN's linear, then clip_v2 to [0, 1]
    float alpha, beta;
    __device__ float forward(float x) const { return fminf(fmaxf(alpha * x + beta, 0.0f), 1.0f); }
    __device__ float derivative(float x) const {
        const float t = alpha * x + beta;
        return t > 0.0f && t < 1.0f ? alpha : 0.0f;
    }
};

struct HardSwish { // x relu6(x + 3) / 6
    __device__ float forward(float x) const {
        return x / 6.0f * fminf(fmaxf(x + 3.0f, 0.0f), 6.0f);
    }
    __device__ float derivative(float x) const {
        return x < 3.0f ? (x > -3.0f ? (2.0f * x + 3.0f) / 6.0f : 0.0f) : 1.0f;
    }
};

struct GeluErf { // x Phi(x), Phi the normal distribution's CDF
    __device__ float forward(float x) const { return 0.5f * x * (1.0f + erff(x * kInvSqrt2)); }
    __device__ float derivative(float x) const {
        return 0.5f * (1.0f + erff(x * kInvSqrt2)) + x * kInvSqrt2Pi * expf(-0.5f * x * x);
    }
};

struct GeluTanh { // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    __device__ float forward(float x) const {
        return 0.5f * x * (1.0f + tanhf(kSqrt2OverPi * (x + kGeluCubic * x * x * x)));
    }
    __device__ float derivative(float x) const {
        const float t = tanhf(kSqrt2OverPi * (x + kGeluCubic * x * x * x));
        const float dInner = kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * x * x);
        return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * dInner;
    }
};

struct Sigmoid {
    __device__ float forward(float x) const { return 1.0f / (1.0f + expf(-x)); }
    __device__ float derivative(float x) const {
        const float s = forward(x);
        return s * (1.0f - s);
    }
};

struct Tanh {
    __device__ float forward(float x) const { return tanhf(x); }
    __device__ float derivative(float x) const {
        const float t = tanhf(x);
        return 1.0f - t * t;
    }
};

template <class F>
__global__ void activationForward(F f, const float* x, float* y, std::int64_t n) {
    NW_GRID_STRIDE(i, n) {
        y[i] = f.forward(x[i]);
    }
}

template <class F>
__global__ void activationBackward(F f, const float* x, const float* dy, float* dx,
                                   std::int64_t n) {
    NW_GRID_STRIDE(i, n) {
        dx[i] = dy[i] * f.derivative(x[i]);
    }
}

template <class F>
class ActivationKernel final : public CudaKernel {
public:
    ActivationKernel(CudaBackend& backend, const KernelConfig& c, F f)
        : CudaKernel(backend, c)
        , m_f(f)
        , m_numel(engine::numelOf(c.inputs[0])) {}

    // backward reads the input x, not the output (the default).

    Status forward(const ForwardArgs& a) override {
        activationForward<<<gridFor(m_numel), kBlock, 0, stream()>>>(m_f, f32(a.inputs[0]),
                                                                     f32(a.outputs[0]), m_numel);
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        activationBackward<<<gridFor(m_numel), kBlock, 0, stream()>>>(
            m_f, f32(a.inputs[0]), f32(a.gradOutputs[0]), f32(a.gradInputs[0]), m_numel);
        return launched("backward");
    }

private:
    F m_f;
    std::int64_t m_numel;
};

template <class F>
Expected<std::unique_ptr<OpKernel>> make(CudaBackend& b, const KernelConfig& c, F f) {
    return makeKernel<ActivationKernel<F>>(b, c, f);
}

} // namespace

Expected<std::unique_ptr<OpKernel>> makeActivationKernel(CudaBackend& b, const KernelConfig& c) {
    auto real = [&c](const char* name) {
        return static_cast<float>(std::get<double>(c.attrs.find(name)->second));
    };
    if (c.op == "ReLU") {
        return make(b, c, Relu{0.0f});
    }
    if (c.op == "LeakyReLU") {
        return make(b, c, Relu{real("alpha")});
    }
    if (c.op == "ELU") {
        return make(b, c, Elu{real("alpha")});
    }
    if (c.op == "ReLU6") {
        return make(b, c, Relu6{});
    }
    if (c.op == "HardSigmoid") {
        return make(b, c, HardSigmoid{real("alpha"), real("beta")});
    }
    if (c.op == "HardSwish") {
        return make(b, c, HardSwish{});
    }
    if (c.op == "GELU") {
        if (std::get<std::string>(c.attrs.find("approximate")->second) == "tanh") {
            return make(b, c, GeluTanh{});
        }
        return make(b, c, GeluErf{});
    }
    if (c.op == "Sigmoid") {
        return make(b, c, Sigmoid{});
    }
    if (c.op == "Tanh") {
        return make(b, c, Tanh{});
    }
    return Error::internal("node '" + c.nodeId + "': " + c.op + " is not an activation");
}

} // namespace nw::gpu::cuda
