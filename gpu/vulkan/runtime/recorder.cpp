#include "gpu/vulkan/runtime/recorder.h"

#include "gpu/vulkan/runtime/vk_check.h"

#include <algorithm>
#include <cstring>

namespace nw::gpu::vulkan {

namespace {

constexpr std::uint32_t kMaxQueries = 8192;
// A step that does not finish in this long is treated as a hung device.
constexpr std::uint64_t kFenceTimeoutNs = 600ull * 1000 * 1000 * 1000;

bool overlaps(const Range& a, const Range& b) {
    return a.begin < b.begin + b.bytes && b.begin < a.begin + a.bytes;
}

bool anyOverlap(std::span<const Range> xs, const std::vector<Range>& ys) {
    for (const Range& x : xs) {
        for (const Range& y : ys) {
            if (overlaps(x, y)) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

Recorder::Recorder(std::shared_ptr<Device> device, VkPipelineLayout layout)
    : m_device(std::move(device))
    , m_layout(layout) {
    VkDevice dev = m_device->handle();
    VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pool.queueFamilyIndex = m_device->queueFamily();
    vkCreateCommandPool(dev, &pool, nullptr, &m_pool);
    VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    alloc.commandPool = m_pool;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    vkAllocateCommandBuffers(dev, &alloc, &m_cmd);
    VkFenceCreateInfo fence{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    vkCreateFence(dev, &fence, nullptr, &m_fence);
}

Recorder::~Recorder() {
    if (m_recording) {
        (void)submitAndWait();
    }
    VkDevice dev = m_device->handle();
    if (m_queries) {
        vkDestroyQueryPool(dev, m_queries, nullptr);
    }
    vkDestroyFence(dev, m_fence, nullptr);
    vkDestroyCommandPool(dev, m_pool, nullptr);
}

Status Recorder::begin() {
    if (m_recording) {
        return Status::success();
    }
    VkCommandBufferBeginInfo info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    if (auto s = check(vkBeginCommandBuffer(m_cmd, &info), "recording Vulkan commands"); !s) {
        return s;
    }
    m_recording = true;
    m_written.clear();
    m_read.clear();
    if (m_profiling) {
        if (!m_queries) {
            VkQueryPoolCreateInfo q{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
            q.queryType = VK_QUERY_TYPE_TIMESTAMP;
            q.queryCount = kMaxQueries;
            vkCreateQueryPool(m_device->handle(), &q, nullptr, &m_queries);
        }
        vkCmdResetQueryPool(m_cmd, m_queries, 0, kMaxQueries);
        vkCmdWriteTimestamp(m_cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, m_queries, 0);
        m_queryCount = 1;
        m_queryLabels.assign(1, {});
    }
    return Status::success();
}

void Recorder::barrierFor(std::span<const Range> reads, std::span<const Range> writes) {
    bool hazard =
        anyOverlap(reads, m_written) || anyOverlap(writes, m_written) || anyOverlap(writes, m_read);
    if (hazard) {
        VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
        barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT |
                                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;
        barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                                VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
        VkPipelineStageFlags stages =
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
        vkCmdPipelineBarrier(m_cmd, stages, stages, 0, 1, &barrier, 0, nullptr, 0, nullptr);
        ++m_barriers;
        m_written.clear();
        m_read.clear();
    }
    m_read.insert(m_read.end(), reads.begin(), reads.end());
    m_written.insert(m_written.end(), writes.begin(), writes.end());
}

Status Recorder::dispatch(const Pipeline& pipeline, std::array<std::uint32_t, 3> groups,
                          std::span<const std::byte> push, std::span<const Range> reads,
                          std::span<const Range> writes, const char* label) {
    if (push.size() > kPushConstantBytes) {
        return Error::internal(std::string("Vulkan: ") + label + ": " +
                               std::to_string(push.size()) + " bytes of push constants");
    }
    if (groups[0] == 0 || groups[1] == 0 || groups[2] == 0) {
        return Status::success(); // nothing to do (an empty tensor)
    }
    const auto& max = m_device->limits().maxComputeWorkGroupCount;
    if (groups[0] > max[0] || groups[1] > max[1] || groups[2] > max[2]) {
        return Error::internal(std::string("Vulkan: ") + label + ": " + std::to_string(groups[0]) +
                               "x" + std::to_string(groups[1]) + "x" + std::to_string(groups[2]) +
                               " workgroups exceed the device's limit");
    }
    if (auto s = begin(); !s) {
        return s;
    }
    barrierFor(reads, writes);
    vkCmdBindPipeline(m_cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle);
    if (!push.empty()) {
        vkCmdPushConstants(m_cmd, m_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                           static_cast<std::uint32_t>(push.size()), push.data());
    }
    vkCmdDispatch(m_cmd, groups[0], groups[1], groups[2]);
    if (m_profiling && m_queryCount < kMaxQueries) {
        vkCmdWriteTimestamp(m_cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, m_queries, m_queryCount++);
        m_queryLabels.emplace_back(label);
    }
    return Status::success();
}

Status Recorder::copy(VkBuffer src, VkDeviceSize srcOffset, VkBuffer dst, VkDeviceSize dstOffset,
                      VkDeviceSize bytes, Range read, Range write) {
    if (bytes == 0) {
        return Status::success();
    }
    if (auto s = begin(); !s) {
        return s;
    }
    barrierFor({&read, 1}, {&write, 1});
    VkBufferCopy region{srcOffset, dstOffset, bytes};
    vkCmdCopyBuffer(m_cmd, src, dst, 1, &region);
    return Status::success();
}

void Recorder::afterCompletion(std::function<void()> fn) {
    m_completion.push_back(std::move(fn));
}

Status Recorder::submitAndWait() {
    if (!m_recording) {
        for (auto& fn : m_completion) {
            fn();
        }
        m_completion.clear();
        return Status::success();
    }
    // Device writes become visible to the host reads of the completion work.
    VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(m_cmd,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr, 0, nullptr);
    m_recording = false;
    VkDevice dev = m_device->handle();
    Status result = check(vkEndCommandBuffer(m_cmd), "recording Vulkan commands");
    if (result) {
        VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
        submit.commandBufferCount = 1;
        submit.pCommandBuffers = &m_cmd;
        {
            std::lock_guard lock(m_device->queueMutex());
            result = check(vkQueueSubmit(m_device->queue(), 1, &submit, m_fence),
                           "submitting Vulkan commands");
        }
        if (result) {
            result = check(vkWaitForFences(dev, 1, &m_fence, VK_TRUE, kFenceTimeoutNs),
                           "waiting for the Vulkan device");
            if (result.ok() || vkGetFenceStatus(dev, m_fence) == VK_SUCCESS) {
                vkResetFences(dev, 1, &m_fence);
            }
        }
    }
    ++m_submissions;
    if (result && m_profiling && m_queryCount > 1) {
        std::vector<std::uint64_t> stamps(m_queryCount);
        if (vkGetQueryPoolResults(dev, m_queries, 0, m_queryCount, stamps.size() * 8, stamps.data(),
                                  8, VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) ==
            VK_SUCCESS) {
            for (std::uint32_t i = 1; i < m_queryCount; ++i) {
                KernelTiming& k = m_profile[m_queryLabels[i]];
                k.label = m_queryLabels[i];
                ++k.calls;
                k.milliseconds +=
                    double(stamps[i] - stamps[i - 1]) * m_device->timestampPeriod() * 1e-6;
            }
        }
    }
    vkResetCommandBuffer(m_cmd, 0);
    auto completion = std::move(m_completion);
    m_completion.clear();
    if (result) {
        for (auto& fn : completion) {
            fn();
        }
    }
    return result;
}

void Recorder::setProfiling(bool on) {
    m_profiling = on;
}

std::vector<KernelTiming> Recorder::takeProfile() {
    std::vector<KernelTiming> out;
    for (auto& [label, k] : m_profile) {
        out.push_back(k);
    }
    m_profile.clear();
    std::sort(out.begin(), out.end(), [](const KernelTiming& a, const KernelTiming& b) {
        return a.milliseconds > b.milliseconds;
    });
    return out;
}

} // namespace nw::gpu::vulkan
