// PositionalEncoding as the CPU (engine/cpu/ops/positional_encoding.cpp): y = x + P, the
// [T, C] table P added to every sample (shaders/elementwise.comp, OP 4); P is the sinusoidal
// table (uploaded once, when the plan is compiled) or the learned `position`.
// Backward: dx = dy; dP = the sum of dy over the samples (split_sum.comp's channel sums).
#include "graph/ops/positional_encoding.h"

#include "gpu/vulkan/ops/gemm.h"
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

#include <bit>
#include <optional>

namespace nw::gpu::vulkan {

namespace {

class PositionalEncodingKernel final : public VulkanKernel {
public:
    PositionalEncodingKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_batch(u32(c.inputs[0].at(0)))
        , m_table(u32(c.inputs[0].at(1) * c.inputs[0].at(2)))
        , m_learned(attrString("kind") == "learned")
        , m_add(pipeline("elementwise", {4})) {
        if (m_learned) {
            m_sums.emplace(builtOrThrow(GemmRecorder::create(backend)));
            return;
        }
        m_sinusoid = scratch({c.inputs[0].at(1), c.inputs[0].at(2)});
        auto table = graph::ops::sinusoidalTable(c.inputs[0].at(1), c.inputs[0].at(2));
        Status s = backend.copyFromHost(m_sinusoid, table.data());
        if (s) {
            s = backend.synchronize(); // `table` must outlive the copy
        }
        if (!s) {
            throw KernelBuildError{s.error()};
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const Tensor& p = m_learned ? a.params[0] : m_sinusoid;
        const std::uint32_t n = m_batch * m_table;
        Push push;
        push.addr(a.outputs[0]).addr(a.inputs[0]).addr(p).u32(n).f32(std::bit_cast<float>(m_table));
        return dispatch(m_add, VulkanBackend::groupsFor(n), push, {a.inputs[0], p}, {a.outputs[0]},
                        "forward");
    }

    Status backward(const BackwardArgs& a) override {
        const Tensor& dy = a.gradOutputs[0];
        if (a.gradInputs[0].defined()) {
            if (auto s = m_backend.copy(dy, a.gradInputs[0]); !s) {
                return s;
            }
        }
        if (!m_learned || !a.wantsParamGrads()) { // sinusoidal, or frozen
            return Status::success();
        }
        // dy seen as [N, T·C, 1]: one channel per table element, summed over the samples.
        return m_sums->channelSum(dy, a.gradParams[0], m_batch, m_table, 1,
                                  m_node + " position gradient");
    }

private:
    std::uint32_t m_batch, m_table; // N, T·C
    bool m_learned;
    const Pipeline& m_add;
    Tensor m_sinusoid;                  // [T, C], sinusoidal only
    std::optional<GemmRecorder> m_sums; // learned only
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makePositionalEncodingKernel(VulkanBackend& b,
                                                                 const KernelConfig& c) {
    return makeKernel<PositionalEncodingKernel>(b, c);
}

} // namespace nw::gpu::vulkan
