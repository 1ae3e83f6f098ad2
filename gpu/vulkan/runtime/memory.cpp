#include "gpu/vulkan/runtime/memory.h"

#include "gpu/vulkan/runtime/vk_check.h"

namespace nw::gpu::vulkan {

namespace {

VkDeviceSize alignUp(VkDeviceSize v, VkDeviceSize a) {
    return (v + a - 1) & ~(a - 1);
}

std::string mib(VkDeviceSize bytes) {
    return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB";
}

} // namespace

MemoryPool::MemoryPool(std::shared_ptr<Device> device, std::uint32_t memoryType, bool hostVisible,
                       VkDeviceSize blockSize, std::string name)
    : m_device(std::move(device))
    , m_memoryType(memoryType)
    , m_hostVisible(hostVisible)
    , m_blockSize(blockSize)
    , m_name(std::move(name)) {}

MemoryPool::~MemoryPool() {
    for (Block& b : m_blocks) {
        releaseBlock(b);
    }
}

Expected<std::uint32_t> MemoryPool::addBlock(VkDeviceSize size, bool dedicated) {
    VkDevice dev = m_device->handle();
    Block b;
    b.size = size;
    b.dedicated = dedicated;
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.size = size;
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    if (auto s = check(vkCreateBuffer(dev, &info, nullptr, &b.buffer), "creating a Vulkan buffer");
        !s) {
        return s.error();
    }
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(dev, b.buffer, &req);
    VkMemoryAllocateFlagsInfo flags{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO};
    flags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    alloc.pNext = &flags;
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = m_memoryType;
    if (!(req.memoryTypeBits & (1u << m_memoryType))) {
        vkDestroyBuffer(dev, b.buffer, nullptr);
        return Error::internal("Vulkan: the " + m_name + " memory type cannot hold buffers");
    }
    VkResult r = vkAllocateMemory(dev, &alloc, nullptr, &b.memory);
    if (r != VK_SUCCESS) {
        vkDestroyBuffer(dev, b.buffer, nullptr);
        return check(r, "allocating " + mib(size) + " of Vulkan " + m_name + " memory (" +
                            mib(blockBytes()) + " already held)")
            .error();
    }
    vkBindBufferMemory(dev, b.buffer, b.memory, 0);
    if (m_hostVisible) {
        void* p = nullptr;
        if (auto s = check(vkMapMemory(dev, b.memory, 0, VK_WHOLE_SIZE, 0, &p), "mapping memory");
            !s) {
            releaseBlock(b);
            return s.error();
        }
        b.mapped = static_cast<std::byte*>(p);
    }
    VkBufferDeviceAddressInfo addr{VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO};
    addr.buffer = b.buffer;
    b.address = vkGetBufferDeviceAddress(dev, &addr);
    b.free.emplace(0, size);
    for (std::uint32_t i = 0; i < m_blocks.size(); ++i) { // reuse a released slot
        if (m_blocks[i].memory == VK_NULL_HANDLE) {
            m_blocks[i] = std::move(b);
            return i;
        }
    }
    m_blocks.push_back(std::move(b));
    return static_cast<std::uint32_t>(m_blocks.size() - 1);
}

void MemoryPool::releaseBlock(Block& b) {
    VkDevice dev = m_device->handle();
    if (b.buffer) {
        vkDestroyBuffer(dev, b.buffer, nullptr);
    }
    if (b.memory) {
        vkFreeMemory(dev, b.memory, nullptr);
    }
    b = Block{};
}

Expected<Allocation> MemoryPool::allocate(VkDeviceSize bytes, VkDeviceSize alignment) {
    std::lock_guard lock(m_mutex);
    bytes = alignUp(std::max<VkDeviceSize>(bytes, 4), 4);
    auto take = [&](std::uint32_t index) -> std::optional<Allocation> {
        Block& b = m_blocks[index];
        for (auto it = b.free.begin(); it != b.free.end(); ++it) {
            VkDeviceSize start = alignUp(it->first, alignment);
            VkDeviceSize end = it->first + it->second;
            if (start + bytes > end) {
                continue;
            }
            VkDeviceSize freeStart = it->first;
            b.free.erase(it);
            if (start > freeStart) {
                b.free.emplace(freeStart, start - freeStart);
            }
            if (end > start + bytes) {
                b.free.emplace(start + bytes, end - (start + bytes));
            }
            Allocation a;
            a.buffer = b.buffer;
            a.offset = start;
            a.size = bytes;
            a.address = b.address + start;
            a.mapped = b.mapped ? b.mapped + start : nullptr;
            a.block = index;
            return a;
        }
        return std::nullopt;
    };
    std::optional<Allocation> got;
    if (bytes <= m_blockSize) {
        for (std::uint32_t i = 0; i < m_blocks.size() && !got; ++i) {
            if (m_blocks[i].memory && !m_blocks[i].dedicated) {
                got = take(i);
            }
        }
    }
    if (!got) {
        bool dedicated = bytes > m_blockSize;
        auto index = addBlock(dedicated ? alignUp(bytes, 1u << 16) : m_blockSize, dedicated);
        if (!index) {
            return Error{index.error().message + "; the tensor needs " + mib(bytes),
                         index.error().kind};
        }
        got = take(*index);
    }
    m_inUse += got->size;
    m_peak = std::max(m_peak, m_inUse);
    return *got;
}

void MemoryPool::free(const Allocation& a) {
    std::lock_guard lock(m_mutex);
    m_deferred.push_back(a);
}

void MemoryPool::collect() {
    std::lock_guard lock(m_mutex);
    for (const Allocation& a : m_deferred) {
        freeNow(a);
    }
    m_deferred.clear();
}

void MemoryPool::freeNow(const Allocation& a) {
    Block& b = m_blocks[a.block];
    m_inUse -= a.size;
    auto [it, inserted] = b.free.emplace(a.offset, a.size);
    (void)inserted;
    if (auto next = std::next(it); next != b.free.end() && it->first + it->second == next->first) {
        it->second += next->second;
        b.free.erase(next);
    }
    if (it != b.free.begin()) {
        auto prev = std::prev(it);
        if (prev->first + prev->second == it->first) {
            prev->second += it->second;
            b.free.erase(it);
        }
    }
    if (b.dedicated && b.free.size() == 1 && b.free.begin()->second == b.size) {
        releaseBlock(b);
    }
}

std::size_t MemoryPool::bytesInUse() const {
    std::lock_guard lock(m_mutex);
    return m_inUse;
}

std::size_t MemoryPool::peakBytes() const {
    std::lock_guard lock(m_mutex);
    return m_peak;
}

void MemoryPool::resetPeak() {
    std::lock_guard lock(m_mutex);
    m_peak = m_inUse;
}

std::size_t MemoryPool::blockBytes() const {
    std::size_t total = 0;
    for (const Block& b : m_blocks) {
        total += b.memory ? b.size : 0;
    }
    return total;
}

} // namespace nw::gpu::vulkan
