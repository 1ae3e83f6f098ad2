#pragma once
// One opened Vulkan device: the logical device, its compute queue and what we read of its
// properties (limits, timestamps, memory types).

#include "base/expected.h"
#include "gpu/vulkan/runtime/instance.h"

#include <memory>
#include <mutex>

namespace nw::gpu::vulkan {

class Device {
public:
    // Opens `physical` of `instance` with buffer device address and one compute queue.
    static Expected<std::shared_ptr<Device>> open(std::shared_ptr<Instance> instance,
                                                  const PhysicalDevice& physical);
    ~Device();
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    VkDevice handle() const { return m_device; }
    VkPhysicalDevice physical() const { return m_physical.handle; }
    const PhysicalDevice& info() const { return m_physical; }
    VkQueue queue() const { return m_queue; }
    std::uint32_t queueFamily() const { return m_physical.computeQueueFamily; }
    const VkPhysicalDeviceProperties& properties() const { return m_properties; }
    const VkPhysicalDeviceLimits& limits() const { return m_properties.limits; }
    // Nanoseconds per timestamp tick.
    double timestampPeriod() const { return m_properties.limits.timestampPeriod; }

    // Memory type indices: device-local storage (host-visible too on unified-memory devices
    // and CPU drivers), and host-visible coherent staging (cached when available).
    std::uint32_t deviceMemoryType() const { return m_deviceType; }
    std::uint32_t stagingMemoryType() const { return m_stagingType; }

    // Queue submission is externally synchronised in Vulkan; every submit takes this lock.
    std::mutex& queueMutex() { return m_queueMutex; }

private:
    Device() = default;

    std::shared_ptr<Instance> m_instance; // outlives the device
    PhysicalDevice m_physical;
    VkDevice m_device = VK_NULL_HANDLE;
    VkQueue m_queue = VK_NULL_HANDLE;
    VkPhysicalDeviceProperties m_properties{};
    std::uint32_t m_deviceType = 0;
    std::uint32_t m_stagingType = 0;
    std::mutex m_queueMutex;
};

} // namespace nw::gpu::vulkan
