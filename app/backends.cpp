#include "app/backends.h"

#include "engine/cpu/cpu_backend.h"

#if NW_HAVE_CUDA
#include "gpu/cuda/cuda_backend.h"
#endif
#if NW_HAVE_NCCL
#include "gpu/cuda/nccl_communicator.h"
#endif
#if NW_HAVE_VULKAN
#include "gpu/vulkan/vulkan_backend.h"
#endif

namespace nw::app {

engine::BackendRegistry makeBackendRegistry(std::shared_ptr<const plugins::PluginSet> plugins) {
    engine::BackendRegistry registry;
    engine::registerCpuBackend(registry, plugins ? plugins::cpuKernels(plugins)
                                                 : engine::cpu::KernelTableExtension{});
    // Plugin ops have CPU kernels only (SDK 1.0): on a GPU they run on the CPU.
    std::vector<std::pair<std::string, std::string>> cpuOnly;
    if (plugins) {
        for (const auto& p : plugins->loaded()) {
            for (const auto& op : p.ops) {
                cpuOnly.emplace_back(op, "an op from the plugin '" + p.name +
                                             "': plugins have CPU kernels only");
            }
        }
    }
#if NW_HAVE_CUDA
    engine::registerCudaBackend(registry, cpuOnly);
#else
    registry.addAbsent("cuda", NW_CUDA_ABSENT_REASON);
#endif
#if NW_HAVE_VULKAN
    engine::registerVulkanBackend(registry, std::move(cpuOnly));
#else
    registry.addAbsent("vulkan", NW_VULKAN_ABSENT_REASON);
#endif
    return registry;
}

Expected<std::unique_ptr<engine::Communicator>> openDeviceCommunicator(engine::Communicator& mpi,
                                                                       engine::Backend& backend) {
#if NW_HAVE_NCCL
    if (auto* cuda = dynamic_cast<gpu::cuda::CudaBackend*>(&backend)) {
        return gpu::cuda::openNcclCommunicator(mpi, *cuda);
    }
#else
    (void)mpi;
    (void)backend;
#endif
    return std::unique_ptr<engine::Communicator>();
}

std::unique_ptr<Registries> loadRegistries(const plugins::PluginSearch& search) {
    auto r = std::make_unique<Registries>();
    r->ops = graph::makeCoreRegistry();
    r->plugins = plugins::PluginSet::load(search, r->ops);
    r->backends = makeBackendRegistry(r->plugins);
    return r;
}

} // namespace nw::app
