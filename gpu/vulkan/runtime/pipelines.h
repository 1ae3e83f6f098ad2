#pragma once
// Compute pipelines from the SPIR-V embedded in the binary (gpu/vulkan/shaders/, compiled by
// glslc at build time), created once when a plan is compiled and shared by every kernel that
// asks for the same shader with the same specialization constants.
//
// Every pipeline uses one layout: no descriptor sets, a 128-byte push-constant range (the
// minimum every device offers) carrying the tensors' device addresses and the kernel's sizes.
// Specialization constant 0 is the workgroup size (local_size_x_id = 0); 1.. are the shader's.
//
// The VkPipelineCache is loaded from and saved to
// $XDG_CACHE_HOME/netwright/vulkan/<vendor>-<device>-<driver>.bin (~/.cache without XDG), so a
// second start skips the driver's shader compilation.

#include "base/expected.h"
#include "gpu/vulkan/runtime/device.h"

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nw::gpu::vulkan {

// One embedded SPIR-V module (gpu/vulkan/shaders/<family>.comp with a variant's defines).
struct ShaderBlob {
    const char* name; // "activation", "gemm_conv_fwd"
    const unsigned char* code;
    std::size_t bytes;
};
// The generated table (build/gpu/vulkan/spirv_table.cpp).
std::span<const ShaderBlob> embeddedShaders();

constexpr std::uint32_t kPushConstantBytes = 128;

struct Pipeline {
    VkPipeline handle = VK_NULL_HANDLE;
    std::string name;
    std::uint32_t localSize = 0; // workgroup size along x
};

class PipelineLibrary {
public:
    explicit PipelineLibrary(std::shared_ptr<Device> device);
    ~PipelineLibrary(); // saves the pipeline cache
    PipelineLibrary(const PipelineLibrary&) = delete;
    PipelineLibrary& operator=(const PipelineLibrary&) = delete;

    // The pipeline of shader `name` with workgroup size `localSize` and specialization
    // constants 1.. = `constants`; created on first request.
    Expected<const Pipeline*> get(std::string_view name, std::uint32_t localSize,
                                  std::span<const std::uint32_t> constants = {});

    VkPipelineLayout layout() const { return m_layout; }
    // Where the pipeline cache lives; empty when no cache folder could be found.
    const std::string& cachePath() const { return m_cachePath; }

private:
    void saveCache();

    std::shared_ptr<Device> m_device;
    VkPipelineLayout m_layout = VK_NULL_HANDLE;
    VkPipelineCache m_cache = VK_NULL_HANDLE;
    std::string m_cachePath;
    std::map<std::string, VkShaderModule, std::less<>> m_modules;
    std::map<std::string, std::unique_ptr<Pipeline>, std::less<>> m_pipelines;
    std::mutex m_mutex;
};

} // namespace nw::gpu::vulkan
