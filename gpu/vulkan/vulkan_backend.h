#pragma once
// The Vulkan backend: one Vulkan device (a GPU, or lavapipe on the CPU), tensors in its
// memory (runtime/memory.h), kernels as compute shaders (ops/, shaders/), all work recorded
// into one command buffer and submitted at synchronize() (runtime/recorder.h).
//
// Tensors are row-major (NCHW for 4-D) on the device; host copies are byte copies. Kernels
// reach tensors by device address through push constants (GL_EXT_buffer_reference).

#include "engine/core/backend.h"
#include "engine/core/backend_registry.h"
#include "gpu/vulkan/runtime/memory.h"
#include "gpu/vulkan/runtime/pipelines.h"
#include "gpu/vulkan/runtime/recorder.h"

#include <array>
#include <cstring>
#include <initializer_list>
#include <memory>

namespace nw::gpu::vulkan {

class VulkanBackend;

using KernelFactory = Expected<std::unique_ptr<engine::OpKernel>> (*)(VulkanBackend&,
                                                                      const engine::KernelConfig&);
// The explicit list of Vulkan kernels (ops/registry.cpp).
graph::OpTable<KernelFactory> makeVulkanKernelTable();

// Push constants as the shaders declare them: device addresses (8 bytes, 8-aligned) and
// 32-bit scalars, in declaration order.
class Push {
public:
    Push& addr(const engine::Tensor& t);
    Push& addr(VkDeviceAddress a);
    Push& u32(std::uint32_t v) { return raw(&v, 4, 4); }
    Push& i32(std::int32_t v) { return raw(&v, 4, 4); }
    Push& f32(float v) { return raw(&v, 4, 4); }
    std::span<const std::byte> bytes() const { return {m_data.data(), m_size}; }
    bool overflowed() const { return m_overflow; }

private:
    Push& raw(const void* v, std::size_t n, std::size_t align);
    std::array<std::byte, kPushConstantBytes> m_data{};
    std::size_t m_size = 0;
    bool m_overflow = false;
};

class VulkanBackend final : public engine::Backend {
public:
    // Opened through the backend registry (registerVulkanBackend).
    VulkanBackend(std::shared_ptr<Device> device, int index, const engine::BackendOptions& options);
    ~VulkanBackend() override;

    engine::Device device() const override { return {engine::Device::Kind::Vulkan, m_index}; }
    std::string description() const override;
    std::size_t alignment() const override { return m_alignment; }

    Expected<engine::Tensor> allocate(const engine::Dims& shape, engine::DType dtype) override;
    Status copyFromHost(const engine::Tensor& dst, const void* src) override;
    Status copyToHost(const engine::Tensor& src, void* dst) override;
    Status synchronize() override;

    const graph::OpCoverage& opCoverage() const override { return m_kernels; }
    Expected<std::unique_ptr<engine::OpKernel>>
    createKernel(const engine::KernelConfig& config) override;

    // training_math.cpp
    Status fill(const engine::Tensor& t, float value) override;
    Status scale(const engine::Tensor& t, float factor) override;
    Status addInto(const engine::Tensor& dst, const engine::Tensor& src) override;
    Expected<double> sumOfSquares(std::span<const engine::Tensor> tensors) override;
    Status optimizerStep(const engine::OptimizerStep& step, const engine::Tensor& param,
                         const engine::Tensor& grad, std::span<const engine::Tensor> state,
                         bool decays) override;
    Status oneHot(const engine::Tensor& labels, const engine::Tensor& targets) override;
    Status classificationMetrics(const engine::Tensor& logits, const engine::Tensor& labels,
                                 const engine::Tensor& loss,
                                 const engine::Tensor& metrics) override;

    void setThreads(int) override {}
    int threads() const override { return 0; }

    std::size_t bytesInUse() const override { return m_memory->bytesInUse(); }
    std::size_t peakBytes() const override { return m_memory->peakBytes(); }
    void resetPeak() override { m_memory->resetPeak(); }

    // For the kernels (gpu/vulkan/ops/).
    graph::OpTable<KernelFactory>& kernels() { return m_kernels; }
    const Device& vkDevice() const { return *m_device; }
    Expected<const Pipeline*> pipeline(std::string_view shader, std::uint32_t localSize = 256,
                                       std::span<const std::uint32_t> constants = {});
    // Records a dispatch that reads `reads` and writes `writes` (for the barriers).
    Status dispatch(const Pipeline& pipeline, std::array<std::uint32_t, 3> groups, const Push& push,
                    std::initializer_list<engine::Tensor> reads,
                    std::initializer_list<engine::Tensor> writes, const char* label);
    // Workgroups for a grid-stride loop over n elements.
    static std::array<std::uint32_t, 3> groupsFor(std::int64_t n, std::uint32_t localSize = 256);
    // dst = src (same byte count), recorded.
    Status copy(const engine::Tensor& src, const engine::Tensor& dst);
    // A device word that kernels validating their input (class labels) write to; checked at
    // synchronize(), which then fails with the message of the first bad value.
    VkDeviceAddress statusAddress() const { return m_status.address; }
    void expectStatus() { m_statusPending = true; }

    static VkDeviceAddress address(const engine::Tensor& t);
    static Range range(const engine::Tensor& t);

    bool setProfiling(bool on) override {
        m_recorder->setProfiling(on);
        return true;
    }
    std::vector<engine::KernelTiming> takeProfile() override;
    std::uint64_t barriers() const { return m_recorder->barriers(); }
    const std::string& pipelineCachePath() const { return m_pipelines->cachePath(); }

private:
    Status checkTensor(const engine::Tensor& t, const char* op) const;
    Status readStatus();

    std::shared_ptr<Device> m_device;
    int m_index;
    std::size_t m_alignment;
    std::shared_ptr<MemoryPool> m_memory;
    std::shared_ptr<MemoryPool> m_staging;
    std::unique_ptr<PipelineLibrary> m_pipelines;
    std::unique_ptr<Recorder> m_recorder;
    graph::OpTable<KernelFactory> m_kernels;
    Allocation m_status; // i32 [4]: {bad flag, value, index, limit}
    bool m_statusPending = false;
};

} // namespace nw::gpu::vulkan

namespace nw::engine {
// Adds the Vulkan backend and its devices to `registry`, or records why there are none.
// `unsupported`: ops added at run time (plugins) that it has no kernel for, with the reason;
// its plans place them on the CPU fallback.
void registerVulkanBackend(BackendRegistry& registry,
                           std::vector<std::pair<std::string, std::string>> unsupported = {});
} // namespace nw::engine
