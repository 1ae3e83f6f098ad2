#include "gpu/vulkan/runtime/instance.h"

#include "gpu/vulkan/runtime/vk_check.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace nw::gpu::vulkan {

namespace {

std::atomic<std::uint64_t> g_validationMessages{0};

VKAPI_ATTR VkBool32 VKAPI_CALL onValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                   void*) {
    if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
        ++g_validationMessages;
        std::fprintf(stderr, "vulkan validation: %s\n",
                     data && data->pMessage ? data->pMessage : "");
    }
    return VK_FALSE;
}

bool wantValidation() {
    const char* v = std::getenv("NW_VULKAN_VALIDATION");
    return v && std::strcmp(v, "0") != 0 && *v;
}

bool hasLayer(const char* name) {
    std::uint32_t n = 0;
    vkEnumerateInstanceLayerProperties(&n, nullptr);
    std::vector<VkLayerProperties> layers(n);
    vkEnumerateInstanceLayerProperties(&n, layers.data());
    return std::any_of(layers.begin(), layers.end(), [&](const VkLayerProperties& l) {
        return std::strcmp(l.layerName, name) == 0;
    });
}

int typeRank(VkPhysicalDeviceType t) {
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return 3;
    default:
        return 4;
    }
}

} // namespace

std::uint64_t Instance::validationMessages() {
    return g_validationMessages.load();
}

Expected<std::shared_ptr<Instance>> Instance::get() {
    static std::mutex mutex;
    static std::shared_ptr<Instance> instance;
    static std::string failure;
    std::lock_guard lock(mutex);
    if (instance) {
        return instance;
    }
    if (!failure.empty()) {
        return Error::user(failure);
    }
    auto created = std::shared_ptr<Instance>(new Instance());
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "Netwright";
    app.pEngineName = "Netwright";
    app.apiVersion = VK_API_VERSION_1_2;
    VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    info.pApplicationInfo = &app;
    const char* layer = "VK_LAYER_KHRONOS_validation";
    const char* debugExt = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    VkDebugUtilsMessengerCreateInfoEXT messenger{
        VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    messenger.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                                VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    messenger.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                            VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                            VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    messenger.pfnUserCallback = onValidationMessage;
    if (wantValidation()) {
        if (hasLayer(layer)) {
            created->m_validation = true;
            info.enabledLayerCount = 1;
            info.ppEnabledLayerNames = &layer;
            info.enabledExtensionCount = 1;
            info.ppEnabledExtensionNames = &debugExt;
            info.pNext = &messenger;
        } else {
            std::fprintf(stderr,
                         "vulkan: NW_VULKAN_VALIDATION is set but %s is not installed "
                         "(Debian: vulkan-validationlayers)\n",
                         layer);
        }
    }
    if (VkResult r = vkCreateInstance(&info, nullptr, &created->m_instance); r != VK_SUCCESS) {
        failure = std::string("no Vulkan driver: vkCreateInstance failed with ") + resultName(r);
        return Error::user(failure);
    }
    if (created->m_validation) {
        auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(created->m_instance, "vkCreateDebugUtilsMessengerEXT"));
        if (create) {
            create(created->m_instance, &messenger, nullptr, &created->m_messenger);
        }
    }
    created->findDevices();
    instance = created;
    return instance;
}

Instance::~Instance() {
    if (m_messenger) {
        auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(m_instance, "vkDestroyDebugUtilsMessengerEXT"));
        if (destroy) {
            destroy(m_instance, m_messenger, nullptr);
        }
    }
    if (m_instance) {
        vkDestroyInstance(m_instance, nullptr);
    }
}

void Instance::findDevices() {
    std::uint32_t n = 0;
    vkEnumeratePhysicalDevices(m_instance, &n, nullptr);
    std::vector<VkPhysicalDevice> handles(n);
    vkEnumeratePhysicalDevices(m_instance, &n, handles.data());
    for (VkPhysicalDevice h : handles) {
        VkPhysicalDeviceDriverProperties driver{
            VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
        VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
        props.pNext = &driver;
        vkGetPhysicalDeviceProperties2(h, &props);
        PhysicalDevice d;
        d.handle = h;
        d.name = props.properties.deviceName;
        d.driver = std::string(driver.driverName) + " " + driver.driverInfo;
        d.type = props.properties.deviceType;
        if (props.properties.apiVersion < VK_API_VERSION_1_2) {
            m_skipped.push_back(d.name + ": Vulkan 1.2 is needed");
            continue;
        }
        VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
        VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
        features.pNext = &f12;
        vkGetPhysicalDeviceFeatures2(h, &features);
        if (!f12.bufferDeviceAddress) {
            m_skipped.push_back(d.name + ": no buffer device address");
            continue;
        }
        std::uint32_t qn = 0;
        vkGetPhysicalDeviceQueueFamilyProperties(h, &qn, nullptr);
        std::vector<VkQueueFamilyProperties> families(qn);
        vkGetPhysicalDeviceQueueFamilyProperties(h, &qn, families.data());
        bool found = false;
        // A compute queue with timestamps; a compute-only family first (async compute).
        for (int pass = 0; pass < 2 && !found; ++pass) {
            for (std::uint32_t i = 0; i < qn; ++i) {
                bool compute = families[i].queueFlags & VK_QUEUE_COMPUTE_BIT;
                bool graphics = families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT;
                if (compute && (pass == 1 || !graphics) && families[i].timestampValidBits > 0) {
                    d.computeQueueFamily = i;
                    found = true;
                    break;
                }
            }
        }
        if (!found) {
            m_skipped.push_back(d.name + ": no compute queue with timestamps");
            continue;
        }
        VkPhysicalDeviceMemoryProperties mem;
        vkGetPhysicalDeviceMemoryProperties(h, &mem);
        for (std::uint32_t i = 0; i < mem.memoryHeapCount; ++i) {
            if (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) {
                d.memoryBytes = std::max<std::uint64_t>(d.memoryBytes, mem.memoryHeaps[i].size);
            }
        }
        m_devices.push_back(std::move(d));
    }
    std::stable_sort(m_devices.begin(), m_devices.end(),
                     [](const PhysicalDevice& a, const PhysicalDevice& b) {
                         return typeRank(a.type) < typeRank(b.type);
                     });
}

} // namespace nw::gpu::vulkan
