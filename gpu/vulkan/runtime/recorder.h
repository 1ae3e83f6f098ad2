#pragma once
// Command recording: everything a backend queues (uploads, dispatches, downloads) goes into
// one command buffer, submitted once at submitAndWait() — for a training step that is the
// whole step, forward, backward, optimizer and metrics.
//
// Barriers only where data flows: every command names the device ranges it reads and
// writes; a barrier is recorded before a command only when it reads or writes a range written
// since the last barrier, or writes a range read since then.
//
// Profiling (setProfiling): a timestamp after each dispatch, summed per label at each
// submission (profile()).

#include "base/expected.h"
#include "engine/core/backend.h"
#include "gpu/vulkan/runtime/device.h"
#include "gpu/vulkan/runtime/pipelines.h"

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nw::gpu::vulkan {

// A device range by address: what a command reads or writes.
struct Range {
    VkDeviceAddress begin = 0;
    VkDeviceSize bytes = 0;
};

using engine::KernelTiming;

class Recorder {
public:
    // `layout`: the pipelines' common layout (PipelineLibrary::layout()).
    Recorder(std::shared_ptr<Device> device, VkPipelineLayout layout);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // Records a dispatch of `groups` workgroups with `push` (at most 128 bytes) as push
    // constants. `label` names the kernel in profiles ("conv1 forward").
    Status dispatch(const Pipeline& pipeline, std::array<std::uint32_t, 3> groups,
                    std::span<const std::byte> push, std::span<const Range> reads,
                    std::span<const Range> writes, const char* label);
    // Records a buffer copy.
    Status copy(VkBuffer src, VkDeviceSize srcOffset, VkBuffer dst, VkDeviceSize dstOffset,
                VkDeviceSize bytes, Range read, Range write);
    // Host work to run once the submitted commands have finished (staging -> user memory).
    void afterCompletion(std::function<void()> fn);

    // Submits what was recorded and waits for it; runs the completion work. A lost device or
    // a timeout is an error and leaves the recorder empty.
    Status submitAndWait();
    bool empty() const { return !m_recording; }
    std::uint64_t submissions() const { return m_submissions; }
    // Barriers recorded since the recorder was made.
    std::uint64_t barriers() const { return m_barriers; }

    void setProfiling(bool on);
    // Per label, summed over the submissions since the last call; clears.
    std::vector<KernelTiming> takeProfile();

private:
    Status begin();
    void barrierFor(std::span<const Range> reads, std::span<const Range> writes);

    std::shared_ptr<Device> m_device;
    VkPipelineLayout m_layout;
    VkCommandPool m_pool = VK_NULL_HANDLE;
    VkCommandBuffer m_cmd = VK_NULL_HANDLE;
    VkFence m_fence = VK_NULL_HANDLE;
    bool m_recording = false;
    std::vector<Range> m_written; // since the last barrier
    std::vector<Range> m_read;
    std::vector<std::function<void()>> m_completion;
    std::uint64_t m_submissions = 0;
    std::uint64_t m_barriers = 0;

    bool m_profiling = false;
    VkQueryPool m_queries = VK_NULL_HANDLE;
    std::uint32_t m_queryCount = 0;
    std::vector<std::string> m_queryLabels; // label of query i (i >= 1)
    std::map<std::string, KernelTiming> m_profile;
};

} // namespace nw::gpu::vulkan
