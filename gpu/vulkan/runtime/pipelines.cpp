#include "gpu/vulkan/runtime/pipelines.h"

#include "gpu/vulkan/runtime/vk_check.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace nw::gpu::vulkan {

namespace {

std::string cacheFile(const VkPhysicalDeviceProperties& p) {
    std::filesystem::path dir;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
        dir = xdg;
    } else if (const char* home = std::getenv("HOME"); home && *home) {
        dir = std::filesystem::path(home) / ".cache";
    } else {
        return {};
    }
    dir /= "netwright/vulkan";
    char name[96];
    std::snprintf(name, sizeof name, "%04x-%04x-%08x.bin", p.vendorID, p.deviceID, p.driverVersion);
    return (dir / name).string();
}

} // namespace

PipelineLibrary::PipelineLibrary(std::shared_ptr<Device> device)
    : m_device(std::move(device)) {
    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes};
    VkPipelineLayoutCreateInfo info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    info.pushConstantRangeCount = 1;
    info.pPushConstantRanges = &range;
    vkCreatePipelineLayout(m_device->handle(), &info, nullptr, &m_layout);

    m_cachePath = cacheFile(m_device->properties());
    std::vector<char> data;
    if (!m_cachePath.empty()) {
        std::ifstream in(m_cachePath, std::ios::binary);
        data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    VkPipelineCacheCreateInfo cache{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    // The driver checks the header (vendor, device, cache UUID) and ignores a stale cache.
    cache.initialDataSize = data.size();
    cache.pInitialData = data.empty() ? nullptr : data.data();
    if (vkCreatePipelineCache(m_device->handle(), &cache, nullptr, &m_cache) != VK_SUCCESS) {
        cache.initialDataSize = 0;
        cache.pInitialData = nullptr;
        vkCreatePipelineCache(m_device->handle(), &cache, nullptr, &m_cache);
    }
}

PipelineLibrary::~PipelineLibrary() {
    VkDevice dev = m_device->handle();
    saveCache();
    for (auto& [name, p] : m_pipelines) {
        vkDestroyPipeline(dev, p->handle, nullptr);
    }
    for (auto& [name, m] : m_modules) {
        vkDestroyShaderModule(dev, m, nullptr);
    }
    vkDestroyPipelineCache(dev, m_cache, nullptr);
    vkDestroyPipelineLayout(dev, m_layout, nullptr);
}

void PipelineLibrary::saveCache() {
    if (m_cachePath.empty() || !m_cache) {
        return;
    }
    std::size_t size = 0;
    if (vkGetPipelineCacheData(m_device->handle(), m_cache, &size, nullptr) != VK_SUCCESS ||
        size == 0) {
        return;
    }
    std::vector<char> data(size);
    if (vkGetPipelineCacheData(m_device->handle(), m_cache, &size, data.data()) != VK_SUCCESS) {
        return;
    }
    // Written whole to a temporary and renamed, so a crash never leaves half a cache.
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(m_cachePath).parent_path(), ec);
    std::string tmp = m_cachePath + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(data.data(), static_cast<std::streamsize>(size));
        if (!out) {
            std::filesystem::remove(tmp, ec);
            return;
        }
    }
    std::filesystem::rename(tmp, m_cachePath, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
    }
}

Expected<const Pipeline*> PipelineLibrary::get(std::string_view name, std::uint32_t localSize,
                                               std::span<const std::uint32_t> constants) {
    std::lock_guard lock(m_mutex);
    std::string key(name);
    key += "/" + std::to_string(localSize);
    for (std::uint32_t c : constants) {
        key += "," + std::to_string(c);
    }
    if (auto it = m_pipelines.find(key); it != m_pipelines.end()) {
        return it->second.get();
    }
    VkDevice dev = m_device->handle();
    auto mod = m_modules.find(name);
    if (mod == m_modules.end()) {
        const ShaderBlob* blob = nullptr;
        for (const ShaderBlob& b : embeddedShaders()) {
            if (name == b.name) {
                blob = &b;
            }
        }
        if (!blob) {
            return Error::internal("Vulkan: no embedded shader named '" + std::string(name) + "'");
        }
        std::vector<std::uint32_t> words((blob->bytes + 3) / 4);
        std::memcpy(words.data(), blob->code, blob->bytes);
        VkShaderModuleCreateInfo info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
        info.codeSize = blob->bytes;
        info.pCode = words.data();
        VkShaderModule module = VK_NULL_HANDLE;
        if (auto s = check(vkCreateShaderModule(dev, &info, nullptr, &module),
                           "loading shader " + std::string(name));
            !s) {
            return s.error();
        }
        mod = m_modules.emplace(std::string(name), module).first;
    }
    std::vector<std::uint32_t> values{localSize};
    values.insert(values.end(), constants.begin(), constants.end());
    std::vector<VkSpecializationMapEntry> entries(values.size());
    for (std::uint32_t i = 0; i < values.size(); ++i) {
        entries[i] = {i, i * 4, 4};
    }
    VkSpecializationInfo spec{static_cast<std::uint32_t>(entries.size()), entries.data(),
                              values.size() * 4, values.data()};
    VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    info.stage.module = mod->second;
    info.stage.pName = "main";
    info.stage.pSpecializationInfo = &spec;
    info.layout = m_layout;
    auto p = std::make_unique<Pipeline>();
    p->name = key;
    p->localSize = localSize;
    if (auto s = check(vkCreateComputePipelines(dev, m_cache, 1, &info, nullptr, &p->handle),
                       "creating pipeline " + key);
        !s) {
        return s.error();
    }
    return m_pipelines.emplace(key, std::move(p)).first->second.get();
}

} // namespace nw::gpu::vulkan
