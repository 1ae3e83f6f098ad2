#include "gpu/vulkan/vulkan_backend.h"

#include "gpu/vulkan/runtime/vk_check.h"

namespace nw::gpu::vulkan {

using engine::DType;
using engine::Tensor;

namespace {

// Tensor memory is taken from 64 MiB blocks; staging from 16 MiB ones.
constexpr VkDeviceSize kBlockBytes = 64ull << 20;
constexpr VkDeviceSize kStagingBlockBytes = 16ull << 20;

// A tensor's memory: a range of a pool block, returned to the pool with the last view.
class VulkanBuffer final : public engine::DeviceBuffer {
public:
    VulkanBuffer(std::shared_ptr<MemoryPool> pool, Allocation a, engine::Device device,
                 std::size_t bytes)
        : m_pool(std::move(pool))
        , m_alloc(a)
        , m_device(device)
        , m_bytes(bytes) {}
    ~VulkanBuffer() override { m_pool->free(m_alloc); }
    engine::Device device() const override { return m_device; }
    std::size_t bytes() const override { return m_bytes; }
    const Allocation& allocation() const { return m_alloc; }

private:
    std::shared_ptr<MemoryPool> m_pool;
    Allocation m_alloc;
    engine::Device m_device;
    std::size_t m_bytes;
};

const VulkanBuffer* bufferOf(const Tensor& t) {
    return dynamic_cast<const VulkanBuffer*>(t.buffer());
}

} // namespace

Push& Push::addr(const Tensor& t) {
    return addr(VulkanBackend::address(t));
}

Push& Push::addr(VkDeviceAddress a) {
    return raw(&a, 8, 8);
}

Push& Push::raw(const void* v, std::size_t n, std::size_t align) {
    std::size_t at = (m_size + align - 1) / align * align;
    if (at + n > m_data.size()) {
        m_overflow = true;
        return *this;
    }
    std::memcpy(m_data.data() + at, v, n);
    m_size = at + n;
    return *this;
}

VulkanBackend::VulkanBackend(std::shared_ptr<Device> device, int index,
                             const engine::BackendOptions& options)
    : m_device(std::move(device))
    , m_index(index)
    , m_alignment(options.alignment ? options.alignment : 256)
    , m_kernels(makeVulkanKernelTable()) {
    m_memory = std::make_shared<MemoryPool>(m_device, m_device->deviceMemoryType(), false,
                                            kBlockBytes, "device");
    m_staging = std::make_shared<MemoryPool>(m_device, m_device->stagingMemoryType(), true,
                                             kStagingBlockBytes, "staging");
    m_pipelines = std::make_unique<PipelineLibrary>(m_device);
    m_recorder = std::make_unique<Recorder>(m_device, m_pipelines->layout());
    if (auto s = m_staging->allocate(16, 16)) {
        m_status = *s;
        std::memset(m_status.mapped, 0, 16);
    }
}

VulkanBackend::~VulkanBackend() {
    (void)m_recorder->submitAndWait();
    m_recorder.reset();
    if (m_status.buffer) {
        m_staging->free(m_status);
    }
    m_staging->collect();
    m_memory->collect();
}

std::string VulkanBackend::description() const {
    return m_device->info().name + " (Vulkan, " + m_device->info().driver + ")";
}

VkDeviceAddress VulkanBackend::address(const Tensor& t) {
    const VulkanBuffer* b = bufferOf(t);
    return b ? b->allocation().address + t.offset() : 0;
}

Range VulkanBackend::range(const Tensor& t) {
    return {address(t), t.bytes()};
}

Status VulkanBackend::checkTensor(const Tensor& t, const char* op) const {
    if (!t.defined() || !bufferOf(t)) {
        return Error::internal(std::string(op) + ": " + (t.defined() ? t.toString() : "undefined") +
                               " is not a Vulkan tensor");
    }
    if (t.offset() + t.bytes() > t.buffer()->bytes()) {
        return Error::internal(std::string(op) + ": " + t.toString() + " runs past its buffer");
    }
    return Status::success();
}

Expected<Tensor> VulkanBackend::allocate(const engine::Dims& shape, DType dtype) {
    std::size_t bytes = static_cast<std::size_t>(engine::numelOf(shape)) * engine::dtypeSize(dtype);
    if (m_recorder->empty()) {
        m_memory->collect();
    }
    auto a = m_memory->allocate(bytes, m_alignment);
    if (!a) {
        return Error{"Vulkan device '" + m_device->info().name + "': " + a.error().message,
                     a.error().kind};
    }
    auto buffer = std::make_shared<VulkanBuffer>(m_memory, *a, device(), bytes);
    return Tensor(shape, dtype, std::move(buffer));
}

Status VulkanBackend::copyFromHost(const Tensor& dst, const void* src) {
    if (auto s = checkTensor(dst, "copyFromHost"); !s) {
        return s;
    }
    auto staged = m_staging->allocate(dst.bytes(), 16);
    if (!staged) {
        return staged.error();
    }
    std::memcpy(staged->mapped, src, dst.bytes());
    const Allocation& a = bufferOf(dst)->allocation();
    Status s = m_recorder->copy(staged->buffer, staged->offset, a.buffer, a.offset + dst.offset(),
                                dst.bytes(), {staged->address, dst.bytes()}, range(dst));
    m_staging->free(*staged); // reusable once the copy has run
    return s;
}

Status VulkanBackend::copyToHost(const Tensor& src, void* dst) {
    if (auto s = checkTensor(src, "copyToHost"); !s) {
        return s;
    }
    auto staged = m_staging->allocate(src.bytes(), 16);
    if (!staged) {
        return staged.error();
    }
    const Allocation& a = bufferOf(src)->allocation();
    std::size_t bytes = src.bytes();
    Status s = m_recorder->copy(a.buffer, a.offset + src.offset(), staged->buffer, staged->offset,
                                bytes, range(src), {staged->address, bytes});
    std::byte* from = staged->mapped;
    m_recorder->afterCompletion([from, dst, bytes] { std::memcpy(dst, from, bytes); });
    m_staging->free(*staged);
    return s;
}

Status VulkanBackend::copy(const Tensor& src, const Tensor& dst) {
    if (auto s = checkTensor(src, "copy"); !s) {
        return s;
    }
    if (auto s = checkTensor(dst, "copy"); !s) {
        return s;
    }
    if (src.bytes() != dst.bytes()) {
        return Error::internal("copy: " + src.toString() + " -> " + dst.toString());
    }
    const Allocation& a = bufferOf(src)->allocation();
    const Allocation& b = bufferOf(dst)->allocation();
    return m_recorder->copy(a.buffer, a.offset + src.offset(), b.buffer, b.offset + dst.offset(),
                            src.bytes(), range(src), range(dst));
}

Status VulkanBackend::synchronize() {
    Status s = m_recorder->submitAndWait();
    m_staging->collect();
    m_memory->collect();
    if (s && m_statusPending) {
        s = readStatus();
    }
    if (!s) {
        return Error{"Vulkan device '" + m_device->info().name + "': " + s.error().message,
                     s.error().kind};
    }
    return s;
}

Status VulkanBackend::readStatus() {
    m_statusPending = false;
    auto* words = reinterpret_cast<std::int32_t*>(m_status.mapped);
    if (words[0] == 0) {
        return Status::success();
    }
    std::string message = "class label " + std::to_string(words[1]) + " of sample " +
                          std::to_string(words[2]) + " is outside the " + std::to_string(words[3]) +
                          " classes of the prediction";
    std::memset(words, 0, 16);
    return Error::user(message);
}

std::vector<engine::KernelTiming> VulkanBackend::takeProfile() {
    return m_recorder->takeProfile();
}

Expected<const Pipeline*> VulkanBackend::pipeline(std::string_view shader, std::uint32_t localSize,
                                                  std::span<const std::uint32_t> constants) {
    return m_pipelines->get(shader, localSize, constants);
}

Status VulkanBackend::dispatch(const Pipeline& pipeline, std::array<std::uint32_t, 3> groups,
                               const Push& push, std::initializer_list<Tensor> reads,
                               std::initializer_list<Tensor> writes, const char* label) {
    if (push.overflowed()) {
        return Error::internal(std::string("Vulkan: ") + label + ": push constants over 128 bytes");
    }
    // Ranges for the barriers; no kernel names more than a handful per dispatch.
    std::array<Range, 16> r{}, w{};
    if (reads.size() > r.size() || writes.size() > w.size()) {
        return Error::internal(std::string("Vulkan: ") + label +
                               ": more than 16 tensors read or "
                               "written by one dispatch");
    }
    std::size_t nr = 0, nw = 0;
    for (const Tensor& t : reads) {
        if (t.defined()) {
            r[nr++] = range(t);
        }
    }
    for (const Tensor& t : writes) {
        if (t.defined()) {
            w[nw++] = range(t);
        }
    }
    return m_recorder->dispatch(pipeline, groups, push.bytes(), {r.data(), nr}, {w.data(), nw},
                                label);
}

std::array<std::uint32_t, 3> VulkanBackend::groupsFor(std::int64_t n, std::uint32_t localSize) {
    std::int64_t g = (n + localSize - 1) / localSize;
    return {static_cast<std::uint32_t>(std::clamp<std::int64_t>(g, n > 0 ? 1 : 0, 65535)), 1, 1};
}

Expected<std::unique_ptr<engine::OpKernel>>
VulkanBackend::createKernel(const engine::KernelConfig& config) {
    const KernelFactory* factory = m_kernels.find(config.op);
    if (!factory) {
        return Error::user("node '" + config.nodeId + "': the Vulkan backend has no kernel for " +
                           config.op);
    }
    return (*factory)(*this, config);
}

} // namespace nw::gpu::vulkan
