#include "app/backends.h"

namespace nw::app {

engine::BackendRegistry makeBackendRegistry() {
    engine::BackendRegistry registry;
    engine::registerCpuBackend(registry);
    // gpu/cuda and gpu/vulkan add their providers here when they land; until then the
    // configure step's finding is what the user sees (cmake/Dependencies.cmake).
    registry.addAbsent("cuda", NW_CUDA_ABSENT_REASON);
    registry.addAbsent("vulkan", NW_VULKAN_ABSENT_REASON);
    return registry;
}

} // namespace nw::app
