#pragma once
// Vulkan results as Netwright errors: a failed call names what was being done and the result.

#include "base/expected.h"

#include <string>
#include <vulkan/vulkan.h>

namespace nw::gpu::vulkan {

// "VK_ERROR_OUT_OF_DEVICE_MEMORY"
const char* resultName(VkResult result);

// Success, or an error "<what>: <result name>": out of memory and a lost device are user
// errors (the run's records are kept and the message says what happened), the rest internal.
Status check(VkResult result, const std::string& what);

} // namespace nw::gpu::vulkan
