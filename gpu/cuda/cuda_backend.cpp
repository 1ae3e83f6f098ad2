#include "gpu/cuda/cuda_backend.h"

#include "gpu/cuda/runtime/cuda_check.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <dlfcn.h>
#include <map>

namespace nw::gpu::cuda {

using engine::DType;
using engine::Tensor;

namespace {

// Pinned staging is taken from 16 MiB blocks (a larger copy gets a block of its own size).
constexpr std::size_t kStagingBlockBytes = 16ull << 20;

std::string versionText(int v) { // CUDA's 13000 -> "13.0"
    return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

} // namespace

// The stream, the library handles and the pool's counters. Buffers hold it so a tensor that
// outlives its backend still returns its memory to the right stream.
struct CudaBackend::Context {
    int device = 0;
    cudaStream_t stream = nullptr;
    cublasLtHandle_t lt = nullptr;
    cudnnHandle_t dnn = nullptr;
    std::atomic<std::size_t> inUse{0}, peak{0};

    ~Context() {
        if (stream) {
            (void)cudaSetDevice(device);
            (void)cudaStreamSynchronize(stream);
        }
        if (dnn) {
            (void)cudnnDestroy(dnn);
        }
        if (lt) {
            (void)cublasLtDestroy(lt);
        }
        if (stream) {
            (void)cudaStreamDestroy(stream);
        }
    }
};

namespace {

// A tensor's memory from the device's stream-ordered pool, freed on the backend's stream with
// the last view.
class CudaBuffer final : public engine::DeviceBuffer {
public:
    CudaBuffer(std::shared_ptr<CudaBackend::Context> ctx, void* ptr, std::size_t bytes)
        : m_ctx(std::move(ctx))
        , m_ptr(ptr)
        , m_bytes(bytes) {}
    ~CudaBuffer() override {
        (void)cudaFreeAsync(m_ptr, m_ctx->stream);
        m_ctx->inUse -= m_bytes;
    }
    engine::Device device() const override { return {engine::Device::Kind::Cuda, m_ctx->device}; }
    std::size_t bytes() const override { return m_bytes; }
    void* ptr() const { return m_ptr; }

private:
    std::shared_ptr<CudaBackend::Context> m_ctx;
    void* m_ptr;
    std::size_t m_bytes;
};

const CudaBuffer* bufferOf(const Tensor& t) {
    return dynamic_cast<const CudaBuffer*>(t.buffer());
}

} // namespace

DeviceList enumerateDevices() {
    DeviceList out;
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
        if (!driver) {
            driver = dlopen("libcuda.so.1", RTLD_LAZY);
        }
        if (!driver) {
            out.absentReason = "no NVIDIA driver (libcuda.so.1 is not installed): this machine has "
                               "no NVIDIA GPU";
        } else if (e == cudaErrorNoDevice) {
            out.absentReason = "the NVIDIA driver is installed but finds no GPU";
        } else {
            out.absentReason = "the CUDA runtime cannot start: " + describe(e);
        }
        (void)cudaGetLastError(); // clear the sticky-free error so later calls start clean
        return out;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp p{};
        if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
            continue;
        }
        DeviceProperties d;
        d.index = i;
        d.name = p.name;
        d.major = p.major;
        d.minor = p.minor;
        d.memoryBytes = p.totalGlobalMem;
        d.multiprocessors = p.multiProcessorCount;
        out.devices.push_back(std::move(d));
    }
    if (out.devices.empty()) {
        out.absentReason = "the NVIDIA driver is installed but finds no GPU";
    }
    return out;
}

std::string runtimeDescription() {
    int runtime = 0, driver = 0;
    (void)cudaRuntimeGetVersion(&runtime);
    (void)cudaDriverGetVersion(&driver);
    std::size_t dnn = cudnnGetVersion(); // 9xxyy: major * 10000 + minor * 100 + patch
    return "CUDA " + versionText(runtime) + ", cuDNN " + std::to_string(dnn / 10000) + "." +
           std::to_string(dnn % 10000 / 100) + "." + std::to_string(dnn % 100) + ", driver " +
           versionText(driver);
}

CudaBackend::CudaBackend(DeviceProperties props, const engine::BackendOptions& options)
    : m_props(std::move(props))
    , m_alignment(options.alignment ? options.alignment : 256)
    , m_ctx(std::make_shared<Context>())
    , m_kernels(makeCudaKernelTable()) {
    m_ctx->device = m_props.index;
}

Expected<std::unique_ptr<CudaBackend>> CudaBackend::open(const DeviceProperties& device,
                                                         const engine::BackendOptions& options) {
    std::unique_ptr<CudaBackend> b(new CudaBackend(device, options));
    const std::string where = "CUDA device '" + device.name + "'";
    Context& c = *b->m_ctx;
    if (auto s = check(cudaSetDevice(device.index), where + ": selecting it"); !s) {
        return s.error();
    }
    if (auto s = check(cudaStreamCreateWithFlags(&c.stream, cudaStreamNonBlocking),
                       where + ": creating a stream");
        !s) {
        return s.error();
    }
    // Keep freed memory in the pool: a training step frees and takes the same sizes again.
    cudaMemPool_t pool = nullptr;
    if (cudaDeviceGetDefaultMemPool(&pool, device.index) == cudaSuccess) {
        std::uint64_t keep = UINT64_MAX;
        (void)cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep);
    }
    if (auto s = check(cublasLtCreate(&c.lt), where + ": starting cuBLASLt"); !s) {
        return s.error();
    }
    if (auto s = check(cudnnCreate(&c.dnn), where + ": starting cuDNN"); !s) {
        return s.error();
    }
    if (auto s = check(cudnnSetStream(c.dnn, c.stream), where + ": cuDNN stream"); !s) {
        return s.error();
    }
    void* status = nullptr;
    if (auto s = check(cudaHostAlloc(&status, 16, cudaHostAllocMapped), where + ": status word");
        !s) {
        return s.error();
    }
    b->m_statusHost = static_cast<int*>(status);
    std::memset(b->m_statusHost, 0, 16);
    void* devicePtr = nullptr;
    if (auto s = check(cudaHostGetDevicePointer(&devicePtr, status, 0), where + ": status word");
        !s) {
        return s.error();
    }
    b->m_statusDevice = static_cast<int*>(devicePtr);
    return b;
}

CudaBackend::~CudaBackend() {
    (void)cudaSetDevice(m_props.index);
    (void)cudaStreamSynchronize(m_ctx->stream);
    for (auto& r : m_ranges) {
        m_freeEvents.push_back(r.start);
        m_freeEvents.push_back(r.stop);
    }
    if (m_openStart) {
        m_freeEvents.push_back(m_openStart);
    }
    for (cudaEvent_t e : m_freeEvents) {
        (void)cudaEventDestroy(e);
    }
    if (m_workspace) {
        (void)cudaFreeAsync(m_workspace, m_ctx->stream);
    }
    for (auto& b : m_staging) {
        (void)cudaFreeHost(b.host);
    }
    if (m_statusHost) {
        (void)cudaFreeHost(m_statusHost);
    }
}

std::string CudaBackend::description() const {
    return m_props.name + " (" + runtimeDescription() + ", compute capability " +
           std::to_string(m_props.major) + "." + std::to_string(m_props.minor) + ")";
}

cudaStream_t CudaBackend::stream() const {
    return m_ctx->stream;
}
cublasLtHandle_t CudaBackend::cublasLt() const {
    return m_ctx->lt;
}
cudnnHandle_t CudaBackend::cudnn() const {
    return m_ctx->dnn;
}

std::size_t CudaBackend::bytesInUse() const {
    return m_ctx->inUse;
}
std::size_t CudaBackend::peakBytes() const {
    return m_ctx->peak;
}
void CudaBackend::resetPeak() {
    m_ctx->peak = m_ctx->inUse.load();
}

void* CudaBackend::data(const Tensor& t) {
    const CudaBuffer* b = bufferOf(t);
    return b ? static_cast<std::byte*>(b->ptr()) + t.offset() : nullptr;
}

Status CudaBackend::checkTensor(const Tensor& t, const char* op) const {
    if (!t.defined() || !bufferOf(t)) {
        return Error::internal(std::string(op) + ": " + (t.defined() ? t.toString() : "undefined") +
                               " is not a CUDA tensor");
    }
    if (t.offset() + t.bytes() > t.buffer()->bytes()) {
        return Error::internal(std::string(op) + ": " + t.toString() + " runs past its buffer");
    }
    return Status::success();
}

Expected<Tensor> CudaBackend::allocate(const engine::Dims& shape, DType dtype) {
    std::size_t bytes = static_cast<std::size_t>(engine::numelOf(shape)) * engine::dtypeSize(dtype);
    (void)cudaSetDevice(m_props.index);
    void* ptr = nullptr;
    // cudaMallocAsync returns memory aligned to at least 256 bytes, our largest alignment.
    if (auto s = check(cudaMallocAsync(&ptr, std::max<std::size_t>(bytes, 1), m_ctx->stream),
                       "CUDA device '" + m_props.name + "': allocating " +
                           engine::dimsToString(shape));
        !s) {
        return s.error();
    }
    m_ctx->inUse += bytes;
    std::size_t now = m_ctx->inUse, peak = m_ctx->peak;
    while (now > peak && !m_ctx->peak.compare_exchange_weak(peak, now)) {
    }
    return Tensor(shape, dtype, std::make_shared<CudaBuffer>(m_ctx, ptr, bytes));
}

Expected<std::byte*> CudaBackend::stage(std::size_t bytes) {
    bytes = (bytes + 255) / 256 * 256;
    while (m_stagingBlock < m_staging.size()) {
        StagingBlock& b = m_staging[m_stagingBlock];
        if (m_stagingUsed + bytes <= b.bytes) {
            std::byte* p = b.host + m_stagingUsed;
            m_stagingUsed += bytes;
            return p;
        }
        ++m_stagingBlock;
        m_stagingUsed = 0;
    }
    StagingBlock b;
    b.bytes = std::max(bytes, kStagingBlockBytes);
    void* host = nullptr;
    if (auto s = check(cudaHostAlloc(&host, b.bytes, cudaHostAllocDefault),
                       "CUDA: pinned staging of " + std::to_string(b.bytes) + " bytes");
        !s) {
        return s.error();
    }
    b.host = static_cast<std::byte*>(host);
    m_staging.push_back(b);
    m_stagingBlock = m_staging.size() - 1;
    m_stagingUsed = bytes;
    return b.host;
}

Status CudaBackend::copyFromHost(const Tensor& dst, const void* src) {
    if (auto s = checkTensor(dst, "copyFromHost"); !s) {
        return s;
    }
    // The thread that uploads a batch is the one that runs the step: make this device its
    // current one, so the kernels launched next go to the right GPU.
    (void)cudaSetDevice(m_props.index);
    auto staged = stage(dst.bytes());
    if (!staged) {
        return staged.error();
    }
    std::memcpy(*staged, src, dst.bytes());
    return check(cudaMemcpyAsync(data(dst), *staged, dst.bytes(), cudaMemcpyHostToDevice,
                                 m_ctx->stream),
                 "CUDA: uploading " + dst.toString());
}

Status CudaBackend::copyToHost(const Tensor& src, void* dst) {
    if (auto s = checkTensor(src, "copyToHost"); !s) {
        return s;
    }
    auto staged = stage(src.bytes());
    if (!staged) {
        return staged.error();
    }
    m_pendingCopies.push_back({*staged, dst, src.bytes()});
    return check(cudaMemcpyAsync(*staged, data(src), src.bytes(), cudaMemcpyDeviceToHost,
                                 m_ctx->stream),
                 "CUDA: downloading " + src.toString());
}

Status CudaBackend::synchronize() {
    Status s = check(cudaStreamSynchronize(m_ctx->stream), "CUDA device '" + m_props.name + "'");
    if (s) {
        for (const auto& c : m_pendingCopies) {
            std::memcpy(c.to, c.from, c.bytes);
        }
    }
    m_pendingCopies.clear();
    m_stagingBlock = 0;
    m_stagingUsed = 0;
    if (s && m_statusPending) {
        s = readStatus();
    }
    return s;
}

Status CudaBackend::readStatus() {
    m_statusPending = false;
    volatile int* words = m_statusHost;
    if (words[0] == 0) {
        return Status::success();
    }
    std::string message = "class label " + std::to_string(words[1]) + " of sample " +
                          std::to_string(words[2]) + " is outside the " + std::to_string(words[3]) +
                          " classes of the prediction";
    std::memset(m_statusHost, 0, 16);
    return Error::user(message);
}

Expected<void*> CudaBackend::workspace(std::size_t bytes) {
    if (bytes <= m_workspaceBytes) {
        return m_workspace;
    }
    if (m_workspace) {
        (void)cudaFreeAsync(m_workspace, m_ctx->stream);
        m_workspace = nullptr;
        m_workspaceBytes = 0;
    }
    if (auto s = check(cudaMallocAsync(&m_workspace, bytes, m_ctx->stream),
                       "CUDA: a library workspace of " + std::to_string(bytes) + " bytes");
        !s) {
        return s.error();
    }
    m_workspaceBytes = bytes;
    return m_workspace;
}

Status CudaBackend::launched(const std::string& what) const {
    cudaError_t e = cudaPeekAtLastError();
    if (e == cudaSuccess) {
        return Status::success();
    }
    (void)cudaGetLastError();
    return check(e, what);
}

bool CudaBackend::setProfiling(bool on) {
    m_profiling = on;
    return true;
}

void CudaBackend::beginRange(const std::string& label) {
    if (!m_profiling) {
        return;
    }
    if (m_freeEvents.empty()) {
        cudaEvent_t e = nullptr;
        if (cudaEventCreate(&e) != cudaSuccess) {
            return;
        }
        m_freeEvents.push_back(e);
    }
    m_openStart = m_freeEvents.back();
    m_freeEvents.pop_back();
    m_openLabel = label;
    (void)cudaEventRecord(m_openStart, m_ctx->stream);
}

void CudaBackend::endRange() {
    if (!m_profiling || !m_openStart) {
        return;
    }
    cudaEvent_t stop = nullptr;
    if (m_freeEvents.empty()) {
        if (cudaEventCreate(&stop) != cudaSuccess) {
            return;
        }
    } else {
        stop = m_freeEvents.back();
        m_freeEvents.pop_back();
    }
    (void)cudaEventRecord(stop, m_ctx->stream);
    m_ranges.push_back({std::move(m_openLabel), m_openStart, stop});
    m_openStart = nullptr;
}

std::vector<engine::KernelTiming> CudaBackend::takeProfile() {
    std::map<std::string, engine::KernelTiming> byLabel;
    std::vector<Range> pending;
    for (auto& r : m_ranges) {
        float ms = 0;
        if (cudaEventQuery(r.stop) != cudaSuccess ||
            cudaEventElapsedTime(&ms, r.start, r.stop) != cudaSuccess) {
            pending.push_back(r); // not finished yet: counted by a later call
            continue;
        }
        auto& t = byLabel[r.label];
        t.label = r.label;
        ++t.calls;
        t.milliseconds += ms;
        m_freeEvents.push_back(r.start);
        m_freeEvents.push_back(r.stop);
    }
    (void)cudaGetLastError();
    m_ranges = std::move(pending);
    std::vector<engine::KernelTiming> out;
    for (auto& [label, t] : byLabel) {
        out.push_back(std::move(t));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.milliseconds > b.milliseconds; });
    return out;
}

Expected<std::unique_ptr<engine::OpKernel>>
CudaBackend::createKernel(const engine::KernelConfig& config) {
    const KernelFactory* factory = m_kernels.find(config.op);
    if (!factory) {
        return Error::user("node '" + config.nodeId + "': the CUDA backend has no kernel for " +
                           config.op);
    }
    (void)cudaSetDevice(m_props.index);
    return (*factory)(*this, config);
}

} // namespace nw::gpu::cuda
