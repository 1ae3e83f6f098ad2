#include "engine/cpu/cpu_backend.h"

#include "engine/cpu/dnnl_util.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <omp.h>

namespace nw::engine::cpu {

struct MemoryAccounting {
    std::atomic<std::size_t> inUse{0};
    std::atomic<std::size_t> peak{0};

    void add(std::size_t bytes) {
        std::size_t now = inUse.fetch_add(bytes) + bytes;
        std::size_t prev = peak.load();
        while (now > prev && !peak.compare_exchange_weak(prev, now)) {
        }
    }
};

namespace {

constexpr std::size_t kMinAlignment = 64; // oneDNN's vector kernels

class HostBuffer final : public DeviceBuffer {
public:
    HostBuffer(void* data, std::size_t bytes, std::shared_ptr<MemoryAccounting> acc)
        : m_data(data)
        , m_bytes(bytes)
        , m_accounting(std::move(acc)) {}
    ~HostBuffer() override {
        std::free(m_data);
        m_accounting->inUse.fetch_sub(m_bytes);
    }
    Device device() const override { return Device::cpu(); }
    std::size_t bytes() const override { return m_bytes; }
    void* data() const { return m_data; }

private:
    void* m_data;
    std::size_t m_bytes;
    std::shared_ptr<MemoryAccounting> m_accounting;
};

} // namespace

CpuBackend::CpuBackend(const BackendOptions& options)
    : m_accounting(std::make_shared<MemoryAccounting>())
    , m_dnnl(std::make_unique<DnnlContext>())
    , m_alignment(std::max(kMinAlignment, options.alignment))
    , m_kernels(makeCpuKernelTable()) {
    if (options.threads > 0) { // else OpenMP's default (OMP_NUM_THREADS, or every core)
        setThreads(options.threads);
    }
}

CpuBackend::~CpuBackend() = default;

std::string CpuBackend::description() const {
    const dnnl_version_t* v = dnnl_version();
    return "CPU (oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
           std::to_string(v->patch) + ", " + std::to_string(threads()) + " threads)";
}

Status CpuBackend::setPrecision(Precision p) {
    switch (p) {
    case Precision::Fp32:
        break;
    case Precision::Tf32:
        return Error::user("tf32 is the tensor-core format of NVIDIA GPUs; the CPU trains in fp32, "
                           "or bf16 where it has AVX512-BF16");
    case Precision::Bf16:
        if (!__builtin_cpu_supports("avx512bf16")) {
            return Error::user("bf16 training on the CPU needs AVX512-BF16 (Intel Xeon 3rd "
                               "generation or later, AMD Zen 4); this CPU lacks it: use fp32");
        }
        break;
    }
    m_precision = p;
    return Status::success();
}

Expected<Tensor> CpuBackend::allocate(const Dims& shape, DType dtype) {
    for (auto d : shape) {
        if (d < 0) {
            return Error::internal("cannot allocate a tensor of shape " + dimsToString(shape));
        }
    }
    std::size_t bytes = static_cast<std::size_t>(numelOf(shape)) * dtypeSize(dtype);
    std::size_t rounded =
        (std::max<std::size_t>(bytes, 1) + m_alignment - 1) / m_alignment * m_alignment;
    void* data = std::aligned_alloc(m_alignment, rounded);
    if (!data) {
        return Error::user("out of host memory allocating " + std::to_string(bytes) +
                           " bytes for a tensor of shape " + dimsToString(shape));
    }
    m_accounting->add(rounded);
    auto buffer = std::make_shared<HostBuffer>(data, rounded, m_accounting);
    return Tensor(shape, dtype, std::move(buffer));
}

void* CpuBackend::data(const Tensor& t) {
    auto* host = static_cast<HostBuffer*>(t.buffer());
    return static_cast<char*>(host->data()) + t.offset();
}

Status CpuBackend::copyFromHost(const Tensor& dst, const void* src) {
    if (!dst.defined() || dst.device() != Device::cpu()) {
        return Error::internal("copyFromHost: " + dst.toString() + " is not a CPU tensor");
    }
    if (dst.rank() == 4 && dst.dtype() == DType::F32) { // row-major host -> channels-last
        dnnl::memory from(rowMajorDesc(dst.shape()), m_dnnl->engine, const_cast<void*>(src));
        dnnl::memory to = wrap(*m_dnnl, dst);
        dnnl::reorder(from, to).execute(m_dnnl->stream, from, to);
        m_dnnl->stream.wait();
        return Status::success();
    }
    std::memcpy(data(dst), src, dst.bytes());
    return Status::success();
}

Status CpuBackend::copyToHost(const Tensor& src, void* dst) {
    if (!src.defined() || src.device() != Device::cpu()) {
        return Error::internal("copyToHost: " + src.toString() + " is not a CPU tensor");
    }
    if (src.rank() == 4 && src.dtype() == DType::F32) { // channels-last -> row-major host
        dnnl::memory from = wrap(*m_dnnl, src);
        dnnl::memory to(rowMajorDesc(src.shape()), m_dnnl->engine, dst);
        dnnl::reorder(from, to).execute(m_dnnl->stream, from, to);
        m_dnnl->stream.wait();
        return Status::success();
    }
    std::memcpy(dst, data(src), src.bytes());
    return Status::success();
}

Status CpuBackend::addInto(const Tensor& dst, const Tensor& src) {
    if (dst.dtype() != DType::F32 || src.dtype() != DType::F32 || dst.numel() != src.numel()) {
        return Error::internal("addInto: " + dst.toString() + " += " + src.toString());
    }
    float* d = f32(dst);
    const float* s = f32(src);
    const std::int64_t n = dst.numel();
#pragma omp parallel for simd
    for (std::int64_t i = 0; i < n; ++i) {
        d[i] += s[i];
    }
    return Status::success();
}

Status CpuBackend::synchronize() {
    m_dnnl->stream.wait();
    return Status::success();
}

void CpuBackend::setThreads(int threads) {
    // oneDNN's CPU runtime and our loops are OpenMP: its thread count is the process's.
    m_threads = threads < 0 ? 0 : threads;
    omp_set_num_threads(m_threads > 0 ? m_threads : omp_get_num_procs());
}

int CpuBackend::threads() const {
    return m_threads > 0 ? m_threads : omp_get_max_threads();
}

std::size_t CpuBackend::bytesInUse() const {
    return m_accounting->inUse.load();
}

std::size_t CpuBackend::peakBytes() const {
    return m_accounting->peak.load();
}

void CpuBackend::resetPeak() {
    m_accounting->peak.store(m_accounting->inUse.load());
}

} // namespace nw::engine::cpu
