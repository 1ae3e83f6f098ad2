#pragma once
// What every Vulkan kernel shares: its backend, its node, typed attribute access and the
// pipelines it created when the plan was compiled.

#include "engine/core/kernel.h"
#include "engine/core/kernel_build.h"
#include "gpu/vulkan/vulkan_backend.h"

#include <memory>
#include <stdexcept>

namespace nw::gpu::vulkan {

using engine::BackwardArgs;
using engine::Dims;
using engine::DType;
using engine::ForwardArgs;
using engine::KernelConfig;
using engine::OpKernel;
using engine::Tensor;

using engine::builtOrThrow;
using engine::KernelBuildError;
using engine::makeKernel;

class VulkanKernel : public OpKernel, protected engine::KernelAttributes {
protected:
    VulkanKernel(VulkanBackend& backend, const KernelConfig& config)
        : KernelAttributes(config.attrs)
        , m_backend(backend)
        , m_node(config.nodeId) {}

    // The pipeline of `shader` with these specialization constants; throws PipelineError
    // (caught by makeKernel) so constructors stay linear.
    const Pipeline& pipeline(std::string_view shader,
                             std::initializer_list<std::uint32_t> constants,
                             std::uint32_t localSize = 256);
    // A scratch tensor owned by the kernel (saved statistics, indices); throws like pipeline.
    Tensor scratch(const Dims& shape, DType dtype = DType::F32);

    // A dispatch labelled "<node> <what>" in profiles.
    Status dispatch(const Pipeline& p, std::array<std::uint32_t, 3> groups, const Push& push,
                    std::initializer_list<Tensor> reads, std::initializer_list<Tensor> writes,
                    const char* what);

    VulkanBackend& m_backend;
    std::string m_node;
};

// Sizes as the shaders take them (32-bit).
inline std::uint32_t u32(std::int64_t v) {
    return static_cast<std::uint32_t>(v);
}

} // namespace nw::gpu::vulkan
