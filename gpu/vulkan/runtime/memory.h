#pragma once
// A sub-allocator over large VkDeviceMemory blocks.
//
// Each block is one VkDeviceMemory with one VkBuffer over all of it (storage, transfer and
// device-address usage); a tensor is a range of a block, reached in shaders through its
// device address (GL_EXT_buffer_reference), so neither descriptor sets nor the device's
// maxStorageBufferRange bound a tensor's size. Ranges are handed out first-fit from a free
// list per block, and neighbours merge when freed. A request larger than the block size gets
// a block of its own, returned to the driver when freed.
//
// Frees are deferred: work recorded but not yet finished may still use the memory, so a
// freed range becomes reusable only at collect(), which the backend calls once the queue is
// idle.

#include "base/expected.h"
#include "gpu/vulkan/runtime/device.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace nw::gpu::vulkan {

struct Allocation {
    VkBuffer buffer = VK_NULL_HANDLE; // the block's buffer
    VkDeviceSize offset = 0;          // in the block
    VkDeviceSize size = 0;
    VkDeviceAddress address = 0; // of the first byte
    std::byte* mapped = nullptr; // host pointer (host-visible pools only)
    std::uint32_t block = 0;
};

class MemoryPool {
public:
    // hostVisible: staging memory, mapped for its lifetime.
    MemoryPool(std::shared_ptr<Device> device, std::uint32_t memoryType, bool hostVisible,
               VkDeviceSize blockSize, std::string name);
    ~MemoryPool();
    MemoryPool(const MemoryPool&) = delete;
    MemoryPool& operator=(const MemoryPool&) = delete;

    // `bytes` at `alignment` (a power of two); out of memory is a user error saying how much
    // was asked for and how much the pool holds.
    Expected<Allocation> allocate(VkDeviceSize bytes, VkDeviceSize alignment);
    // Returns the range at the next collect().
    void free(const Allocation& a);
    // Makes the deferred frees reusable; call only when no submitted work uses them.
    void collect();

    std::size_t bytesInUse() const;
    std::size_t peakBytes() const;
    void resetPeak();
    std::size_t blockBytes() const; // memory held from the driver

private:
    struct Block {
        VkDeviceMemory memory = VK_NULL_HANDLE;
        VkBuffer buffer = VK_NULL_HANDLE;
        VkDeviceAddress address = 0;
        VkDeviceSize size = 0;
        std::byte* mapped = nullptr;
        bool dedicated = false;
        std::map<VkDeviceSize, VkDeviceSize> free; // offset -> size
    };

    Expected<std::uint32_t> addBlock(VkDeviceSize size, bool dedicated);
    void releaseBlock(Block& b);
    void freeNow(const Allocation& a);

    std::shared_ptr<Device> m_device;
    std::uint32_t m_memoryType;
    bool m_hostVisible;
    VkDeviceSize m_blockSize;
    std::string m_name;
    mutable std::mutex m_mutex;
    std::vector<Block> m_blocks; // a released dedicated block stays as an empty slot
    std::vector<Allocation> m_deferred;
    std::size_t m_inUse = 0;
    std::size_t m_peak = 0;
};

} // namespace nw::gpu::vulkan
