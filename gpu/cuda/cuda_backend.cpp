#include "gpu/cuda/cuda_backend.h"

#include "gpu/cuda/runtime/cuda_check.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <string_view>

namespace nw::gpu::cuda {

using engine::DType;
using engine::Tensor;

namespace {

// Pinned staging is taken from 16 MiB blocks (a larger copy gets a block of its own size).
constexpr std::size_t kStagingBlockBytes = 16ull << 20;

std::string versionText(int v) { // CUDA's 13000 -> "13.0"
    return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

// check() for a runtime call whose failure is reported here. The runtime also keeps a failed
// call's error as its last one, which launched() would then blame on the next launch (an
// out-of-memory allocation failing every later kernel): a non-sticky one is cleared.
Status checkCall(cudaError_t e, const std::string& what) {
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
    }
    return check(e, what);
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
    if (auto s = checkCall(cudaSetDevice(device.index), where + ": selecting it"); !s) {
        return s.error();
    }
    if (auto s = checkCall(cudaStreamCreateWithFlags(&c.stream, cudaStreamNonBlocking),
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
    (void)cudaGetLastError(); // a pool without that attribute only costs speed: no failure
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
    if (auto s =
            checkCall(cudaHostAlloc(&status, 16, cudaHostAllocMapped), where + ": status word");
        !s) {
        return s.error();
    }
    b->m_statusHost = static_cast<int*>(status);
    std::memset(b->m_statusHost, 0, 16);
    void* devicePtr = nullptr;
    if (auto s =
            checkCall(cudaHostGetDevicePointer(&devicePtr, status, 0), where + ": status word");
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
    if (m_graphExec) {
        (void)cudaGraphExecDestroy(m_graphExec);
    }
    if (m_graph) {
        (void)cudaGraphDestroy(m_graph);
    }
    if (m_scalarsDevice) {
        (void)cudaFree(m_scalarsDevice);
    }
    m_retiredWorkspaces.push_back(m_workspace);
    for (void* w : m_retiredWorkspaces) {
        if (w) {
            (void)cudaFreeAsync(w, m_ctx->stream);
        }
    }
    for (auto& b : m_staging) {
        (void)cudaFreeHost(b.host);
    }
    if (m_statusHost) {
        (void)cudaFreeHost(m_statusHost);
    }
}

Status CudaBackend::setPrecision(engine::Precision p) {
    // tf32 and bf16 products both need the tensor cores of Ampere and later.
    if (p != engine::Precision::Fp32 && m_props.major < 8) {
        return Error::user(std::string(engine::precisionName(p)) +
                           " needs tensor cores of compute capability 8.0 or later; " +
                           m_props.name + " has " + std::to_string(m_props.major) + "." +
                           std::to_string(m_props.minor) + ": use fp32");
    }
    m_precision = p;
    return Status::success();
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
    if (m_capturing) {
        return Error::internal("CUDA: allocating " + engine::dimsToString(shape) +
                               " while a step is captured");
    }
    std::size_t bytes = static_cast<std::size_t>(engine::numelOf(shape)) * engine::dtypeSize(dtype);
    (void)cudaSetDevice(m_props.index);
    void* ptr = nullptr;
    // cudaMallocAsync returns memory aligned to at least 256 bytes, our largest alignment.
    if (auto s = checkCall(cudaMallocAsync(&ptr, std::max<std::size_t>(bytes, 1), m_ctx->stream),
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
    // Portable: pinned for every device's context, whichever is current when it is taken.
    if (auto s = checkCall(cudaHostAlloc(&host, b.bytes, cudaHostAllocPortable),
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
    if (m_capturing) {
        return notWhileCapturing("copyFromHost");
    }
    // The thread that uploads a batch is the one that runs the step: make this device its
    // current one, so the kernels launched next go to the right GPU.
    (void)cudaSetDevice(m_props.index);
    auto staged = stage(dst.bytes());
    if (!staged) {
        return staged.error();
    }
    std::memcpy(*staged, src, dst.bytes());
    return checkCall(
        cudaMemcpyAsync(data(dst), *staged, dst.bytes(), cudaMemcpyHostToDevice, m_ctx->stream),
        "CUDA: uploading " + dst.toString());
}

Status CudaBackend::copyToHost(const Tensor& src, void* dst) {
    if (auto s = checkTensor(src, "copyToHost"); !s) {
        return s;
    }
    if (m_capturing) {
        return notWhileCapturing("copyToHost");
    }
    auto staged = stage(src.bytes());
    if (!staged) {
        return staged.error();
    }
    m_pendingCopies.push_back({*staged, dst, src.bytes()});
    return checkCall(
        cudaMemcpyAsync(*staged, data(src), src.bytes(), cudaMemcpyDeviceToHost, m_ctx->stream),
        "CUDA: downloading " + src.toString());
}

Status CudaBackend::synchronize() {
    if (m_capturing) {
        return notWhileCapturing("synchronize");
    }
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
    const int tag = words[0], value = words[1], index = words[2], limit = words[3];
    if (tag == 0) {
        return Status::success();
    }
    std::memset(m_statusHost, 0, 16);
    if (tag == 1) {
        return Error::user("class label " + std::to_string(value) + " of sample " +
                           std::to_string(index) + " is outside the " + std::to_string(limit) +
                           " classes of the prediction");
    }
    const auto message = static_cast<std::size_t>(tag - 2);
    if (tag < 2 || message >= m_statusMessages.size()) {
        return Error::internal("CUDA: the status word holds the unknown tag " +
                               std::to_string(tag));
    }
    return Error::user(m_statusMessages[message](value, index, limit));
}

int CudaBackend::addStatusMessage(StatusMessage message) {
    m_statusMessages.push_back(std::move(message));
    return int(m_statusMessages.size()) + 1;
}

Expected<void*> CudaBackend::workspace(std::size_t bytes) {
    if (bytes <= m_workspaceBytes) {
        return m_workspace;
    }
    if (m_capturing) {
        return Error::internal("CUDA: a workspace grown while a step is captured");
    }
    if (m_workspace) {
        // Kept, not freed: a captured step (a CUDA Graph) may still name the old pointer.
        m_retiredWorkspaces.push_back(m_workspace);
        m_workspace = nullptr;
        m_workspaceBytes = 0;
    }
    if (auto s = checkCall(cudaMallocAsync(&m_workspace, bytes, m_ctx->stream),
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

Status CudaBackend::notWhileCapturing(const char* what) const {
    return Error::internal(std::string("CUDA: ") + what + " while a training step is captured");
}

bool CudaBackend::canCaptureSteps() const {
    static const bool disabled = [] {
        const char* v = std::getenv("NW_CUDA_GRAPHS");
        return v && std::string_view(v) == "0";
    }();
    return !disabled;
}

Status CudaBackend::beginCapture(const Tensor& guard) {
    if (m_capturing) {
        return Error::internal("CUDA: beginCapture while a step is captured");
    }
    if (auto s = checkTensor(guard, "beginCapture"); !s) {
        return s;
    }
    if (!m_scalarsDevice) {
        void* p = nullptr;
        if (auto s = checkCall(cudaMalloc(&p, sizeof(DeviceStepScalars)), "CUDA: step scalars");
            !s) {
            return s;
        }
        m_scalarsDevice = static_cast<DeviceStepScalars*>(p);
    }
    (void)cudaSetDevice(m_props.index);
    m_guard = f32(guard);
    // Labels checked inside the capture are expected at the replays' synchronize(), not now.
    m_statusBeforeCapture = m_statusPending;
    m_statusPending = false;
    if (auto s = checkCall(cudaStreamBeginCapture(m_ctx->stream, cudaStreamCaptureModeThreadLocal),
                           "CUDA: starting to capture the training step");
        !s) {
        m_statusPending = m_statusBeforeCapture;
        return s;
    }
    m_capturing = true;
    return Status::success();
}

Status CudaBackend::endCapture() {
    if (!m_capturing) {
        return Error::internal("CUDA: endCapture without beginCapture");
    }
    m_capturing = false;
    m_graphExpectsStatus = m_statusPending;
    m_statusPending = m_statusBeforeCapture;
    cudaGraph_t graph = nullptr;
    Status s = checkCall(cudaStreamEndCapture(m_ctx->stream, &graph),
                         "CUDA: capturing the training step (a kernel or library call refused "
                         "capture)");
    if (!s) {
        if (graph) {
            (void)cudaGraphDestroy(graph);
        }
        return s;
    }
    if (m_graphExec) {
        (void)cudaGraphExecDestroy(m_graphExec);
        m_graphExec = nullptr;
    }
    if (m_graph) {
        (void)cudaGraphDestroy(m_graph);
    }
    m_graph = graph;
    return checkCall(cudaGraphInstantiate(&m_graphExec, m_graph, 0),
                     "CUDA: instantiating the captured training step");
}

Status CudaBackend::replayStep(const engine::StepScalars& scalars) {
    if (!m_graphExec || m_capturing) {
        return Error::internal("CUDA: replayStep without a captured step");
    }
    (void)cudaSetDevice(m_props.index);
    const DeviceStepScalars d{scalars.step, scalars.learningRate, 0, scalars.update};
    auto staged = stage(sizeof d);
    if (!staged) {
        return staged.error();
    }
    std::memcpy(*staged, &d, sizeof d);
    // Queued after the previous replay on the same stream, so it never overwrites scalars a
    // replay still reads.
    if (auto s = checkCall(cudaMemcpyAsync(m_scalarsDevice, *staged, sizeof d,
                                           cudaMemcpyHostToDevice, m_ctx->stream),
                           "CUDA: the step's scalars");
        !s) {
        return s;
    }
    if (auto s = checkCall(cudaGraphLaunch(m_graphExec, m_ctx->stream),
                           "CUDA: replaying the captured training step");
        !s) {
        return s;
    }
    m_statusPending = m_statusPending || m_graphExpectsStatus;
    return Status::success();
}

void CudaBackend::beginProfileRange(const std::string& label) {
    if (!m_profiling || m_capturing) {
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

void CudaBackend::endProfileRange() {
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
