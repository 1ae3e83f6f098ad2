#include "app/backends.h"

#if NW_HAVE_VULKAN
#include "gpu/vulkan/vulkan_backend.h"
#endif

namespace nw::app {

engine::BackendRegistry makeBackendRegistry() {
    engine::BackendRegistry registry;
    engine::registerCpuBackend(registry);
    // gpu/cuda adds its provider here when it lands; until then the configure step's
    // finding is what the user sees (cmake/Dependencies.cmake).
    registry.addAbsent("cuda", NW_CUDA_ABSENT_REASON);
#if NW_HAVE_VULKAN
    engine::registerVulkanBackend(registry);
#else
    registry.addAbsent("vulkan", NW_VULKAN_ABSENT_REASON);
#endif
    return registry;
}

} // namespace nw::app
