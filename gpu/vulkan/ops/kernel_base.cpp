#include "gpu/vulkan/ops/kernel_base.h"

namespace nw::gpu::vulkan {

const Pipeline& VulkanKernel::pipeline(std::string_view shader,
                                       std::initializer_list<std::uint32_t> constants,
                                       std::uint32_t localSize) {
    std::vector<std::uint32_t> c(constants);
    auto p = m_backend.pipeline(shader, localSize, c);
    if (!p) {
        throw KernelBuildError{p.error()};
    }
    return **p;
}

Tensor VulkanKernel::scratch(const Dims& shape, DType dtype) {
    auto t = m_backend.allocate(shape, dtype);
    if (!t) {
        throw KernelBuildError{t.error()};
    }
    return *t;
}

Status VulkanKernel::dispatch(const Pipeline& p, std::array<std::uint32_t, 3> groups,
                              const Push& push, std::initializer_list<Tensor> reads,
                              std::initializer_list<Tensor> writes, const char* what) {
    // Labels are kept by the kernel: the recorder's profile copies them per dispatch.
    std::string label = m_node + " " + what;
    return m_backend.dispatch(p, groups, push, reads, writes, label.c_str());
}

} // namespace nw::gpu::vulkan
