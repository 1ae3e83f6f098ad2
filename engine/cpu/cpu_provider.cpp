// The CPU backend's entry in the backend registry: one device, "cpu".
#include "engine/cpu/cpu_backend.h"

#include <dnnl.hpp>
#include <fstream>
#include <omp.h>
#include <unistd.h>

namespace nw::engine {

namespace cpu {

namespace {

// The processor's marketing name from /proc/cpuinfo ("Intel(R) Xeon(R) Processor").
std::string processorName() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            if (colon != std::string::npos && colon + 2 <= line.size()) {
                return line.substr(colon + 2);
            }
        }
    }
    return "CPU";
}

class CpuProvider final : public BackendProvider {
public:
    explicit CpuProvider(KernelTableExtension extend)
        : m_extend(std::move(extend)) {
        if (m_extend) {
            m_extend(m_kernels);
        }
    }
    std::string kind() const override { return "cpu"; }
    const graph::OpCoverage& opCoverage() const override { return m_kernels; }
    // Read once (it reads /proc/cpuinfo): the editor resolves the device on every edit.
    std::vector<DeviceInfo> devices() const override { return {m_device}; }
    Expected<std::unique_ptr<Backend>> open(int index, const BackendOptions& options) override {
        if (index != 0) {
            return Error::user("device 'cpu:" + std::to_string(index) + "': there is one CPU");
        }
        auto backend = std::make_unique<CpuBackend>(options);
        if (m_extend) {
            m_extend(backend->kernels());
        }
        return std::unique_ptr<Backend>(std::move(backend));
    }

private:
    KernelTableExtension m_extend;
    graph::OpTable<KernelFactory> m_kernels = makeCpuKernelTable();
    DeviceInfo m_device = cpuDeviceInfo();
};

} // namespace

DeviceInfo cpuDeviceInfo() {
    DeviceInfo d;
    d.id = "cpu";
    d.name = processorName();
    const dnnl_version_t* v = dnnl_version();
    d.driver = "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
               std::to_string(v->patch);
    long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGESIZE);
    d.memoryBytes = pages > 0 && pageSize > 0 ? std::uint64_t(pages) * std::uint64_t(pageSize) : 0;
    d.threads = omp_get_max_threads();
    return d;
}

} // namespace cpu

void registerCpuBackend(BackendRegistry& registry) {
    registerCpuBackend(registry, {});
}

void registerCpuBackend(BackendRegistry& registry, cpu::KernelTableExtension extend) {
    // The first kind: cannot clash.
    (void)registry.add(std::make_unique<cpu::CpuProvider>(std::move(extend)));
}

} // namespace nw::engine
