#pragma once
// The Vulkan instance and the physical devices it sees.
//
// One instance per process, shared by every Vulkan backend and by device listing. With
// NW_VULKAN_VALIDATION=1 in the environment (the tests set it) the Khronos validation layer
// is enabled and every warning or error it reports is printed and counted
// (validationMessages()), so a test can require that it reported nothing.

#include "base/expected.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include <vulkan/vulkan.h>

namespace nw::gpu::vulkan {

// A physical device that can run our compute shaders (Vulkan 1.2, buffer device address, a
// compute queue), in the order we offer them: discrete GPUs, then integrated, then virtual,
// then CPU drivers (lavapipe).
struct PhysicalDevice {
    VkPhysicalDevice handle = VK_NULL_HANDLE;
    std::string name;   // "NVIDIA H100 80GB HBM3", "llvmpipe (LLVM 15.0.6, 256 bits)"
    std::string driver; // "llvmpipe Mesa 22.3.6 (LLVM 15.0.6)", "NVIDIA 560.35.03"
    VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
    std::uint64_t memoryBytes = 0; // the largest device-local heap
    std::uint32_t computeQueueFamily = 0;
};

class Instance {
public:
    // The process's instance, created on first use; an error when there is no Vulkan loader
    // or driver (then there are no Vulkan devices, which is not a failure of the program).
    static Expected<std::shared_ptr<Instance>> get();
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    VkInstance handle() const { return m_instance; }
    bool validation() const { return m_validation; }
    // The usable devices, best first; why others were left out goes to `skipped`.
    const std::vector<PhysicalDevice>& devices() const { return m_devices; }
    const std::vector<std::string>& skipped() const { return m_skipped; }

    // Warnings and errors the validation layer reported since the process started.
    static std::uint64_t validationMessages();

private:
    Instance() = default;
    void findDevices();

    VkInstance m_instance = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT m_messenger = VK_NULL_HANDLE;
    bool m_validation = false;
    std::vector<PhysicalDevice> m_devices;
    std::vector<std::string> m_skipped;
};

} // namespace nw::gpu::vulkan
