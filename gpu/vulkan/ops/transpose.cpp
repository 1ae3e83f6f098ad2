// Transpose as the CPU (engine/cpu/ops/transpose.cpp), on shaders/transpose.comp: output dim
// k is input dim perm[k], read through the input's row-major strides; backward writes dx
// through the same map from dy.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

#include <array>

namespace nw::gpu::vulkan {

namespace {

class TransposeKernel final : public VulkanKernel {
public:
    TransposeKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_numel(u32(engine::numelOf(c.inputs[0])))
        , m_rank(u32(c.inputs[0].size()))
        , m_forward(pipeline("transpose", {0}))
        , m_backward(pipeline("transpose", {1})) {
        const Dims& x = c.inputs[0];
        const auto& perm = attrInts("perm"); // the schema allows at most 6 axes
        std::array<std::int64_t, 6> rowMajor{};
        std::int64_t stride = 1;
        for (std::size_t d = x.size(); d-- > 0;) {
            rowMajor[d] = stride;
            stride *= x[d];
        }
        for (std::size_t k = 0; k < perm.size(); ++k) {
            m_dims[k] = u32(x[static_cast<std::size_t>(perm[k])]);
            m_strides[k] = u32(rowMajor[static_cast<std::size_t>(perm[k])]);
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        return run(m_forward, a.inputs[0], a.outputs[0], false);
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return run(m_backward, a.gradInputs[0], a.gradOutputs[0], true);
    }

private:
    // x: the input (dx), y: the output (dy).
    Status run(const Pipeline& pl, const Tensor& x, const Tensor& y, bool backward) {
        Push p;
        p.addr(x).addr(y).u32(m_numel).u32(m_rank);
        for (auto d : m_dims) {
            p.u32(d);
        }
        for (auto s : m_strides) {
            p.u32(s);
        }
        if (backward) {
            return dispatch(pl, VulkanBackend::groupsFor(m_numel), p, {y}, {x}, "backward");
        }
        return dispatch(pl, VulkanBackend::groupsFor(m_numel), p, {x}, {y}, "forward");
    }

    std::uint32_t m_numel, m_rank;
    std::array<std::uint32_t, 6> m_dims{}, m_strides{};
    const Pipeline& m_forward;
    const Pipeline& m_backward;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeTransposeKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<TransposeKernel>(b, c);
}

} // namespace nw::gpu::vulkan
