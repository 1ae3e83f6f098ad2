// The Vulkan backend's entry in the backend registry: one device "vulkan:N" per physical
// device the instance offers (discrete GPUs first, CPU drivers such as lavapipe last).
#include "gpu/vulkan/vulkan_backend.h"

namespace nw::engine {

namespace {

using gpu::vulkan::Instance;

class VulkanProvider final : public BackendProvider {
public:
    explicit VulkanProvider(std::vector<std::pair<std::string, std::string>> unsupported)
        : m_unsupported(std::move(unsupported)) {
        markUnsupported(m_kernels);
        auto instance = Instance::get();
        if (!instance) {
            m_reason = instance.error().message;
            return;
        }
        m_instance = *instance;
        const auto& devices = m_instance->devices();
        for (std::size_t i = 0; i < devices.size(); ++i) {
            DeviceInfo d;
            d.id = "vulkan:" + std::to_string(i);
            d.name = devices[i].name;
            d.driver = "Vulkan, " + devices[i].driver;
            d.memoryBytes = devices[i].memoryBytes;
            m_devices.push_back(std::move(d));
        }
        if (devices.empty()) {
            m_reason = "the Vulkan loader found no usable device";
            for (const auto& s : m_instance->skipped()) {
                m_reason += "; " + s;
            }
            m_reason += " (Debian: mesa-vulkan-drivers gives the CPU device lavapipe)";
        }
    }

    std::string kind() const override { return "vulkan"; }
    std::vector<DeviceInfo> devices() const override { return m_devices; }
    std::string absentReason() const override { return m_reason; }
    const graph::OpCoverage& opCoverage() const override { return m_kernels; }

    Expected<std::unique_ptr<Backend>> open(int index, const BackendOptions& options) override {
        if (!m_instance || index < 0 || std::size_t(index) >= m_instance->devices().size()) {
            return Error::user("device 'vulkan:" + std::to_string(index) + "' does not exist");
        }
        if (m_opened.size() <= std::size_t(index)) {
            m_opened.resize(std::size_t(index) + 1);
        }
        // One logical device per physical device, shared by the backends opened on it.
        auto device = m_opened[std::size_t(index)].lock();
        if (!device) {
            auto opened =
                gpu::vulkan::Device::open(m_instance, m_instance->devices()[std::size_t(index)]);
            if (!opened) {
                return opened.error();
            }
            device = *opened;
            m_opened[std::size_t(index)] = device;
        }
        auto backend = std::make_unique<gpu::vulkan::VulkanBackend>(device, index, options);
        markUnsupported(backend->kernels());
        return std::unique_ptr<Backend>(std::move(backend));
    }

private:
    void markUnsupported(graph::OpTable<gpu::vulkan::KernelFactory>& table) const {
        for (const auto& [op, why] : m_unsupported) {
            table.unsupported(op, why);
        }
    }

    std::vector<std::pair<std::string, std::string>> m_unsupported;
    std::shared_ptr<Instance> m_instance;
    std::vector<DeviceInfo> m_devices;
    std::string m_reason;
    graph::OpTable<gpu::vulkan::KernelFactory> m_kernels = gpu::vulkan::makeVulkanKernelTable();
    std::vector<std::weak_ptr<gpu::vulkan::Device>> m_opened;
};

} // namespace

void registerVulkanBackend(BackendRegistry& registry,
                           std::vector<std::pair<std::string, std::string>> unsupported) {
    (void)registry.add(std::make_unique<VulkanProvider>(std::move(unsupported)));
}

} // namespace nw::engine
