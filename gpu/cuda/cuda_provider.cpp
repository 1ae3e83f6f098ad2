// The CUDA backend's entry in the backend registry: one device "cuda:N" per GPU the runtime
// reports. No driver or no GPU gives no devices and the reason, never an error.
#include "gpu/cuda/cuda_backend.h"

namespace nw::engine {

namespace {

using gpu::cuda::CudaBackend;
using gpu::cuda::KernelFactory;

class CudaProvider final : public BackendProvider {
public:
    explicit CudaProvider(std::vector<std::pair<std::string, std::string>> unsupported)
        : m_unsupported(std::move(unsupported)) {
        markUnsupported(m_kernels);
        auto found = gpu::cuda::enumerateDevices();
        m_found = found.devices;
        m_reason = found.absentReason;
        if (m_found.empty()) {
            return;
        }
        const std::string runtime = gpu::cuda::runtimeDescription();
        for (const auto& g : m_found) {
            DeviceInfo d;
            d.id = "cuda:" + std::to_string(g.index);
            d.name = g.name;
            d.driver = runtime + ", compute capability " + std::to_string(g.major) + "." +
                       std::to_string(g.minor);
            d.memoryBytes = g.memoryBytes;
            m_devices.push_back(std::move(d));
        }
    }

    std::string kind() const override { return "cuda"; }
    std::vector<DeviceInfo> devices() const override { return m_devices; }
    std::string absentReason() const override { return m_reason; }
    const graph::OpCoverage& opCoverage() const override { return m_kernels; }

    Expected<std::unique_ptr<Backend>> open(int index, const BackendOptions& options) override {
        if (index < 0 || std::size_t(index) >= m_found.size()) {
            return Error::user("device 'cuda:" + std::to_string(index) + "' does not exist");
        }
        auto backend = CudaBackend::open(m_found[std::size_t(index)], options);
        if (!backend) {
            return backend.error();
        }
        markUnsupported((*backend)->kernels());
        return std::unique_ptr<Backend>(std::move(*backend));
    }

private:
    void markUnsupported(graph::OpTable<KernelFactory>& table) const {
        for (const auto& [op, why] : m_unsupported) {
            table.unsupported(op, why);
        }
    }

    std::vector<std::pair<std::string, std::string>> m_unsupported;
    std::vector<gpu::cuda::DeviceProperties> m_found;
    std::vector<DeviceInfo> m_devices;
    std::string m_reason;
    graph::OpTable<KernelFactory> m_kernels = gpu::cuda::makeCudaKernelTable();
};

} // namespace

void registerCudaBackend(BackendRegistry& registry,
                         std::vector<std::pair<std::string, std::string>> unsupported) {
    (void)registry.add(std::make_unique<CudaProvider>(std::move(unsupported)));
}

} // namespace nw::engine
