// Scale as the CPU (engine/cpu/ops/scale.cpp) on shaders/mul.comp, the parameters [shape]
// broadcasting over x (engine/core/broadcast.h): y = x · scale, then + (ones · shift) through
// a scratch of x's shape (elementwise.comp adds it). Backward: dx = dy · scale; dscale and
// dshift are mul.comp's gathered gradients of its second input, against x and against ones.
#include "gpu/vulkan/ops/broadcast_mul.h"
#include "gpu/vulkan/ops/kernels.h"

#include <vector>

namespace nw::gpu::vulkan {

namespace {

// The parameters' shape with x's rank: leading 1s, the batch among them.
Dims paramDims(const Dims& x, const graph::IntList& shape) {
    Dims d(x.size() - shape.size(), 1);
    d.insert(d.end(), shape.begin(), shape.end());
    return d;
}

class ScaleKernel final : public VulkanKernel {
public:
    ScaleKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_useScale(attrBool("use_scale"))
        , m_useShift(attrBool("use_shift"))
        , m_layout(
              engine::collapseBroadcast(c.inputs[0], paramDims(c.inputs[0], attrInts("shape"))))
        , m_numel(engine::numelOf(c.inputs[0]))
        , m_params(engine::numelOf(paramDims(c.inputs[0], attrInts("shape"))))
        , m_mul(pipeline("mul", {0}))
        , m_gather(pipeline("mul", {1}))
        , m_addInto(pipeline("elementwise", {2})) {
        requireMulRank(m_layout, "the parameters");
        if (m_useShift) { // ones of x's shape, and room for the shift spread over them
            m_ones = scratch(c.inputs[0]);
            m_spread = scratch(c.inputs[0]);
            const std::vector<float> ones(static_cast<std::size_t>(m_numel), 1.0f);
            Status s = backend.copyFromHost(m_ones, ones.data());
            if (s) {
                s = backend.synchronize(); // `ones` must outlive the copy
            }
            if (!s) {
                throw KernelBuildError{s.error()};
            }
        }
    }

    Status forward(const ForwardArgs& a) override {
        const Tensor& x = a.inputs[0];
        const Tensor& y = a.outputs[0];
        if (m_useScale) {
            if (auto s = multiply(y, x, a.params[0], "forward"); !s) {
                return s;
            }
        } else if (auto s = m_backend.copy(x, y); !s) {
            return s;
        }
        if (!m_useShift) {
            return Status::success();
        }
        const Tensor& shift = a.params[m_useScale ? 1 : 0];
        if (auto s = multiply(m_spread, m_ones, shift, "shift"); !s) {
            return s;
        }
        Push push;
        push.addr(y).addr(m_spread).addr(m_spread).u32(u32(m_numel)).f32(0.0f);
        return dispatch(m_addInto, VulkanBackend::groupsFor(m_numel), push, {m_spread}, {y},
                        "add shift");
    }

    Status backward(const BackwardArgs& a) override {
        const Tensor& dy = a.gradOutputs[0];
        if (a.gradInputs[0].defined()) {
            auto s = m_useScale ? multiply(a.gradInputs[0], dy, a.params[0], "input gradient")
                                : m_backend.copy(dy, a.gradInputs[0]);
            if (!s) {
                return s;
            }
        }
        if (!a.wantsParamGrads()) { // frozen
            return Status::success();
        }
        if (m_useScale) {
            if (auto s = gather(a.gradParams[0], dy, a.inputs[0], "scale gradient"); !s) {
                return s;
            }
        }
        if (m_useShift) {
            return gather(a.gradParams[m_useScale ? 1 : 0], dy, m_ones, "shift gradient");
        }
        return Status::success();
    }

private:
    // out = full · param, param broadcast over full's shape.
    Status multiply(const Tensor& out, const Tensor& full, const Tensor& param, const char* what) {
        const Push p = mulPush(m_layout, out, full, param, m_numel, 1, 0, 1);
        return dispatch(m_mul, VulkanBackend::groupsFor(m_numel), p, {full, param}, {out}, what);
    }
    // dparam = the sum of dy · other over the elements each parameter reaches.
    Status gather(const Tensor& dparam, const Tensor& dy, const Tensor& other, const char* what) {
        const Push p =
            mulPush(m_layout, dparam, dy, other, m_params, m_layout.reducedCount(1), 1, 0);
        return dispatch(m_gather, VulkanBackend::groupsFor(m_params), p, {dy, other}, {dparam},
                        what);
    }

    bool m_useScale, m_useShift;
    engine::BroadcastLayout m_layout;
    std::int64_t m_numel, m_params;
    const Pipeline& m_mul;
    const Pipeline& m_gather;
    const Pipeline& m_addInto;
    Tensor m_ones, m_spread; // x's shape, with a shift only
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeScaleKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<ScaleKernel>(b, c);
}

} // namespace nw::gpu::vulkan
