// Mul as the CPU (engine/cpu/ops/mul.cpp), on shaders/mul.comp: y = a · b over the collapsed
// broadcast dims (engine/core/broadcast.h); backward gathers, one invocation per element of
// each input gradient, dy · (the other input) summed over the dims that input broadcasts along.
#include "gpu/vulkan/ops/broadcast_mul.h"
#include "gpu/vulkan/ops/kernels.h"

#include <array>

namespace nw::gpu::vulkan {

namespace {

class MulKernel final : public VulkanKernel {
public:
    MulKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_layout(engine::collapseBroadcast(c.inputs[0], c.inputs[1]))
        , m_forward(pipeline("mul", {0}))
        , m_backward(pipeline("mul", {1})) {
        requireMulRank(m_layout, "the inputs");
        for (std::size_t i = 0; i < 2; ++i) {
            m_numel[i] = engine::numelOf(c.inputs[i]);
        }
    }

    Status forward(const ForwardArgs& a) override {
        Push p = push(a.outputs[0], a.inputs[0], a.inputs[1], m_layout.numel(), 1, 0, 1);
        return dispatch(m_forward, VulkanBackend::groupsFor(m_layout.numel()), p,
                        {a.inputs[0], a.inputs[1]}, {a.outputs[0]}, "forward");
    }

    Status backward(const BackwardArgs& a) override {
        for (std::size_t i = 0; i < 2; ++i) {
            const Tensor& dx = a.gradInputs[i];
            if (!dx.defined()) {
                continue;
            }
            const Tensor& other = a.inputs[1 - i];
            Push p =
                push(dx, a.gradOutputs[0], other, m_numel[i], m_layout.reducedCount(i), i, 1 - i);
            if (auto s = dispatch(m_backward, VulkanBackend::groupsFor(m_numel[i]), p,
                                  {a.gradOutputs[0], other}, {dx}, "backward");
                !s) {
                return s;
            }
        }
        return Status::success();
    }

private:
    Push push(const Tensor& y, const Tensor& a, const Tensor& b, std::int64_t n,
              std::int64_t reduced, std::size_t s0, std::size_t s1) const {
        return mulPush(m_layout, y, a, b, n, reduced, s0, s1);
    }

    engine::BroadcastLayout m_layout;
    std::array<std::int64_t, 2> m_numel{};
    const Pipeline& m_forward;
    const Pipeline& m_backward;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMulKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<MulKernel>(b, c);
}

} // namespace nw::gpu::vulkan
