#include "gpu/vulkan/runtime/device.h"

#include "gpu/vulkan/runtime/vk_check.h"

#include <optional>

namespace nw::gpu::vulkan {

namespace {

// The first memory type with all of `required`, preferring one with `preferred` as well.
std::optional<std::uint32_t> findMemoryType(const VkPhysicalDeviceMemoryProperties& mem,
                                            VkMemoryPropertyFlags required,
                                            VkMemoryPropertyFlags preferred) {
    std::optional<std::uint32_t> fallback;
    for (std::uint32_t i = 0; i < mem.memoryTypeCount; ++i) {
        VkMemoryPropertyFlags f = mem.memoryTypes[i].propertyFlags;
        if ((f & required) != required) {
            continue;
        }
        if ((f & preferred) == preferred) {
            return i;
        }
        if (!fallback) {
            fallback = i;
        }
    }
    return fallback;
}

} // namespace

Expected<std::shared_ptr<Device>> Device::open(std::shared_ptr<Instance> instance,
                                               const PhysicalDevice& physical) {
    auto d = std::shared_ptr<Device>(new Device());
    d->m_instance = std::move(instance);
    d->m_physical = physical;

    vkGetPhysicalDeviceProperties(physical.handle, &d->m_properties);

    VkPhysicalDeviceMemoryProperties mem;
    vkGetPhysicalDeviceMemoryProperties(physical.handle, &mem);
    auto deviceType = findMemoryType(mem, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    auto stagingType = findMemoryType(
        mem, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
        VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    if (!deviceType || !stagingType) {
        return Error::internal("Vulkan device '" + physical.name +
                               "' has no device-local or no host-visible memory type");
    }
    d->m_deviceType = *deviceType;
    d->m_stagingType = *stagingType;

    float priority = 1.0f;
    VkDeviceQueueCreateInfo queue{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    queue.queueFamilyIndex = physical.computeQueueFamily;
    queue.queueCount = 1;
    queue.pQueuePriorities = &priority;
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    f12.bufferDeviceAddress = VK_TRUE;
    VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    info.pNext = &f12;
    info.queueCreateInfoCount = 1;
    info.pQueueCreateInfos = &queue;
    if (auto s = check(vkCreateDevice(physical.handle, &info, nullptr, &d->m_device),
                       "opening Vulkan device '" + physical.name + "'");
        !s) {
        return s.error();
    }
    vkGetDeviceQueue(d->m_device, physical.computeQueueFamily, 0, &d->m_queue);
    return d;
}

Device::~Device() {
    if (m_device) {
        vkDeviceWaitIdle(m_device);
        vkDestroyDevice(m_device, nullptr);
    }
}

} // namespace nw::gpu::vulkan
