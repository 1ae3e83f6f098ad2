// Dropout on shaders/dropout.comp. The mask is never stored: element i of step s is kept
// when CounterRng(seed, streamId("dropout/<node>")).uniform(s * numel + i) >= rate, the
// CPU kernel's draw bit for bit, so backward recomputes the forward's mask. Kept elements
// are scaled by 1 / (1 - rate); inference or rate 0 is a copy.
#include "base/rng.h"
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

#include <cmath>

namespace nw::gpu::vulkan {

namespace {

// The shader indexes elements in 32 bits, with up to 3 slots of slack per dispatch.
constexpr std::int64_t kMaxElements = (std::int64_t(1) << 32) - 8;

class DropoutKernel final : public VulkanKernel {
public:
    DropoutKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_rate(static_cast<float>(attrFloat("rate")))
        , m_numel(engine::numelOf(c.inputs[0]))
        , m_shards(static_cast<std::uint64_t>(c.shards))
        , m_shard(static_cast<std::uint64_t>(c.shard))
        , m_seed(c.seed)
        , m_stream(streamId("dropout/" + c.nodeId))
        , m_apply(pipeline("dropout", {})) {
        if (m_numel > kMaxElements) {
            throw KernelBuildError{
                Error::user("Dropout over " + std::to_string(m_numel) +
                            " elements: the Vulkan kernel takes at most 2^32 - 8")};
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        if (!a.training || m_rate == 0.0f) {
            return m_backend.copy(a.inputs[0], a.outputs[0]);
        }
        m_lastStep = a.step;
        return apply(a.inputs[0], a.outputs[0], a.step, "forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        if (m_rate == 0.0f) {
            return m_backend.copy(a.gradOutputs[0], a.gradInputs[0]);
        }
        return apply(a.gradOutputs[0], a.gradInputs[0], m_lastStep, "backward");
    }

private:
    // out = in * mask(step) / (1 - rate), in and out [numel].
    Status apply(const Tensor& in, const Tensor& out, std::uint64_t step, const char* what) {
        // 64-bit like the CPU's (wrapping alike); the shader adds the element index with carry.
        // A shard of a data-parallel batch numbers its elements as the global batch does.
        const auto numel = static_cast<std::uint64_t>(m_numel);
        std::uint64_t base = step * numel * m_shards + numel * m_shard;
        std::int64_t blocks = (m_numel + std::int64_t(base & 3) + 3) / 4;
        // keep <=> (word >> 8) * 2^-24 >= rate <=> (word >> 8) >= ceil(rate * 2^24), exactly.
        auto threshold = static_cast<std::uint32_t>(std::ceil(double(m_rate) * 16777216.0));
        const float keepScale = 1.0f / (1.0f - m_rate);
        Push p;
        p.addr(in).addr(out).u32(u32(m_numel)).u32(u32(blocks));
        p.u32(lo(m_seed)).u32(hi(m_seed)).u32(lo(m_stream)).u32(hi(m_stream));
        p.u32(lo(base)).u32(hi(base)).u32(threshold).f32(keepScale);
        return dispatch(m_apply, VulkanBackend::groupsFor(blocks), p, {in}, {out}, what);
    }

    static std::uint32_t lo(std::uint64_t v) { return static_cast<std::uint32_t>(v); }
    static std::uint32_t hi(std::uint64_t v) { return static_cast<std::uint32_t>(v >> 32); }

    float m_rate;
    std::int64_t m_numel;
    std::uint64_t m_shards, m_shard; // KernelConfig::shards, shard
    std::uint64_t m_seed;
    std::uint64_t m_stream;
    const Pipeline& m_apply;
    std::uint64_t m_lastStep = 0; // the step of the last training forward
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeDropoutKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<DropoutKernel>(b, c);
}

} // namespace nw::gpu::vulkan
