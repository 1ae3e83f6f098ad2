#pragma once
// The CUDA backend: one NVIDIA GPU. Tensors live in a stream-ordered memory pool
// (cudaMallocAsync on the device's pool, kept rather than released between steps); every
// kernel, copy and library call of one backend goes to its own stream, so work queues up and
// the host waits only in synchronize(). Host copies go through pinned staging, so an upload
// overlaps the work queued before it. Convolutions use cuDNN 9's graph API, matrix products
// cuBLASLt; the rest are our own kernels (ops/, training_math.cu).
//
// Tensors are row-major (NCHW for 4-D) on the device; host copies are byte copies.

#include "engine/core/backend.h"
#include "engine/core/backend_registry.h"

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nw::gpu::cuda {

class CudaBackend;

using KernelFactory = Expected<std::unique_ptr<engine::OpKernel>> (*)(CudaBackend&,
                                                                      const engine::KernelConfig&);
// The explicit list of CUDA kernels (ops/registry.cpp).
graph::OpTable<KernelFactory> makeCudaKernelTable();

// What the runtime reports of one device.
struct DeviceProperties {
    int index = 0;
    std::string name;
    int major = 0, minor = 0; // compute capability
    std::size_t memoryBytes = 0;
    int multiprocessors = 0;
};

// The CUDA devices of this machine, or why there are none ("no CUDA driver ...").
struct DeviceList {
    std::vector<DeviceProperties> devices;
    std::string absentReason;
};
DeviceList enumerateDevices();
// "CUDA 13.0, cuDNN 9.10.2, driver 13.0"
std::string runtimeDescription();

// The step scalars (engine::StepScalars) as the kernels of a captured step read them from
// device memory: replayStep() writes them before each replay.
struct DeviceStepScalars {
    std::uint64_t step;
    float learningRate;
    std::int32_t unused;
    std::int64_t update;
};

// How the kernels' matrix products and convolutions compute (from training.precision):
// Fp32 in full fp32; Tf32 on tensor cores with inputs rounded to TF32; Bf16 on tensor cores
// with inputs rounded to bf16. Every mode accumulates in fp32 and keeps fp32 tensors.
enum class MathMode { Fp32, Tf32, Bf16 };

class CudaBackend final : public engine::Backend {
public:
    // Opened through the backend registry (registerCudaBackend).
    static Expected<std::unique_ptr<CudaBackend>> open(const DeviceProperties& device,
                                                       const engine::BackendOptions& options);
    ~CudaBackend() override;

    engine::Device device() const override { return {engine::Device::Kind::Cuda, m_props.index}; }
    std::string description() const override;
    std::size_t alignment() const override { return m_alignment; }
    // fp32, or tf32 / bf16 (tensor cores, compute capability 8.0 and later). Under bf16,
    // convolutions run on bf16 copies of their operands and cuBLASLt's products on bf16
    // inputs, both accumulating in fp32; every tensor stays f32, as on the CPU.
    Status setPrecision(engine::Precision p) override;

    Expected<engine::Tensor> allocate(const engine::Dims& shape, engine::DType dtype) override;
    Status copyFromHost(const engine::Tensor& dst, const void* src) override;
    Status copyToHost(const engine::Tensor& src, void* dst) override;
    Status synchronize() override;

    const graph::OpCoverage& opCoverage() const override { return m_kernels; }
    Expected<std::unique_ptr<engine::OpKernel>>
    createKernel(const engine::KernelConfig& config) override;

    // training_math.cu
    Status fill(const engine::Tensor& t, float value) override;
    Status scale(const engine::Tensor& t, float factor) override;
    Status addInto(const engine::Tensor& dst, const engine::Tensor& src) override;
    Expected<double> sumOfSquares(std::span<const engine::Tensor> tensors) override;
    Status optimizerStep(const engine::OptimizerStep& step, const engine::Tensor& param,
                         const engine::Tensor& grad, std::span<const engine::Tensor> state,
                         bool decays) override;
    Status oneHot(const engine::Tensor& labels, const engine::Tensor& targets) override;
    Status classificationMetrics(const engine::Tensor& logits, const engine::Tensor& labels,
                                 const engine::Tensor& loss,
                                 const engine::Tensor& metrics) override;

    void setThreads(int) override {}
    int threads() const override { return 0; }

    std::size_t bytesInUse() const override;
    std::size_t peakBytes() const override;
    void resetPeak() override;

    // CUDA Graphs: the step queued between beginCapture and endCapture is recorded into one
    // graph, instantiated once and launched by every replayStep().
    // NW_CUDA_GRAPHS=0 in the environment keeps every step eager (a way around a library
    // call that refuses capture, until it is fixed).
    bool canCaptureSteps() const override;
    Status beginCapture(const engine::Tensor& guard) override;
    Status endCapture() override;
    Status replayStep(const engine::StepScalars& scalars) override;
    // While a step is being captured: the device scalars its kernels read instead of their
    // arguments (the global step, the learning rate, the update count), and the guard (the
    // loss) the optimizer updates check; null when work is queued eagerly.
    const DeviceStepScalars* liveScalars() const { return m_capturing ? m_scalarsDevice : nullptr; }
    const std::uint64_t* liveStep() const { return m_capturing ? &m_scalarsDevice->step : nullptr; }
    const float* liveGuard() const { return m_capturing ? m_guard : nullptr; }
    bool capturing() const { return m_capturing; }

    bool setProfiling(bool on) override;
    std::vector<engine::KernelTiming> takeProfile() override;

    // For the kernels (gpu/cuda/ops/).
    graph::OpTable<KernelFactory>& kernels() { return m_kernels; }
    const DeviceProperties& properties() const { return m_props; }
    cudaStream_t stream() const;
    cublasLtHandle_t cublasLt() const;
    cudnnHandle_t cudnn() const;
    MathMode mathMode() const {
        switch (m_precision) {
        case engine::Precision::Tf32:
            return MathMode::Tf32;
        case engine::Precision::Bf16:
            return MathMode::Bf16;
        case engine::Precision::Fp32:
            break;
        }
        return MathMode::Fp32;
    }
    // Scratch memory for library calls (cuBLASLt, cuDNN), shared by the kernels of this
    // backend (they run one after another on its stream). A kernel reserves its size when it
    // is built; a later, larger reservation moves it, so at run time the kernel asks again with
    // the same size, which then only returns the current pointer (never allocates in a step).
    Expected<void*> workspace(std::size_t bytes);
    std::size_t workspaceBytes() const { return m_workspaceBytes; }
    // The result of the kernel launches just queued: an internal error naming `what` when a
    // launch failed (bad configuration), or the first asynchronous failure seen.
    Status launched(const std::string& what) const;
    // A device word that kernels validating their input (class labels, token ids) write to;
    // checked at synchronize(), which then fails with the message of the first bad value. i32
    // [4]: {tag, value, index, limit}, in mapped pinned memory; the first bad value claims it
    // with atomicCAS(word 0, 0, tag). Tag 1: a class label (training_math.cu); the others come
    // from addStatusMessage.
    int* statusWord() const { return m_statusDevice; }
    void expectStatus() { m_statusPending = true; }
    // Registers the message of a kernel's own check, given the {value, index, limit} it wrote;
    // returns the tag (>= 2) the kernel writes. Call it in kernel constructors only.
    using StatusMessage = std::function<std::string(int value, int index, int limit)>;
    int addStatusMessage(StatusMessage message);
    // Profiling: the work queued between the two is timed under `label` (CUDA events).
    bool profiling() const override { return m_profiling; }
    void beginProfileRange(const std::string& label) override;
    void endProfileRange() override;

    static void* data(const engine::Tensor& t);
    static float* f32(const engine::Tensor& t) { return static_cast<float*>(data(t)); }
    static int* i32(const engine::Tensor& t) { return static_cast<int*>(data(t)); }

    struct Context; // the stream, the handles and the pool's counters, shared with buffers

private:
    CudaBackend(DeviceProperties props, const engine::BackendOptions& options);
    Status checkTensor(const engine::Tensor& t, const char* op) const;
    Status readStatus();
    Status notWhileCapturing(const char* what) const;
    Expected<std::byte*> stage(std::size_t bytes);

    DeviceProperties m_props;
    std::size_t m_alignment;
    std::shared_ptr<Context> m_ctx;
    graph::OpTable<KernelFactory> m_kernels;

    // Pinned host staging, reused once the work queued before synchronize() has run.
    struct StagingBlock {
        std::byte* host = nullptr;
        std::size_t bytes = 0;
    };
    std::vector<StagingBlock> m_staging;
    std::size_t m_stagingBlock = 0, m_stagingUsed = 0;
    struct PendingCopy {
        const std::byte* from;
        void* to;
        std::size_t bytes;
    };
    std::vector<PendingCopy> m_pendingCopies;

    void* m_workspace = nullptr;
    std::size_t m_workspaceBytes = 0;
    std::vector<void*> m_retiredWorkspaces; // outgrown, kept until the backend goes

    int* m_statusHost = nullptr;
    int* m_statusDevice = nullptr;
    bool m_statusPending = false;
    std::vector<StatusMessage> m_statusMessages; // tag 2 + i

    // The captured step (beginCapture .. endCapture) and what its replays read.
    bool m_capturing = false;
    DeviceStepScalars* m_scalarsDevice = nullptr;
    const float* m_guard = nullptr;
    cudaGraph_t m_graph = nullptr;
    cudaGraphExec_t m_graphExec = nullptr;
    bool m_graphExpectsStatus = false; // the captured step validates labels (status word)
    bool m_statusBeforeCapture = false;

    struct Range {
        std::string label;
        cudaEvent_t start, stop;
    };
    bool m_profiling = false;
    std::vector<Range> m_ranges;
    std::vector<cudaEvent_t> m_freeEvents;
    std::string m_openLabel;
    cudaEvent_t m_openStart = nullptr;
};

} // namespace nw::gpu::cuda

namespace nw::engine {
// Adds the CUDA backend and its devices to `registry`, or records why there are none (no
// driver, no device). `unsupported`: ops added at run time (plugins) that it has no kernel
// for, with the reason; its plans place them on the CPU fallback.
void registerCudaBackend(BackendRegistry& registry,
                         std::vector<std::pair<std::string, std::string>> unsupported = {});
} // namespace nw::engine
