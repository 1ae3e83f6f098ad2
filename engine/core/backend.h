#pragma once
// Backend: one compute device (the CPU through oneDNN, a CUDA GPU, a Vulkan GPU).
//
// The interface assumes an asynchronous device with its own memory: tensors are allocated by
// the backend, host data crosses only through copyFromHost/copyToHost, and work may still be
// running when a call returns — synchronize() waits for it. Op kernels (forward, backward,
// optimizer updates) join this interface with the execution plan.

#include "base/expected.h"
#include "engine/core/kernel.h"
#include "engine/core/tensor.h"
#include "graph/op_table.h"

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nw::engine {

// One optimizer update, with the semantics of PyTorch's optimizers of the same name:
//   Sgd:     g = grad + wd*p; buf = momentum*buf + g; p -= lr * (nesterov ? g + momentum*buf : buf)
//   Adam:    g = grad + wd*p; m, v moments; p -= lr * m^ / (sqrt(v^) + eps)  (bias-corrected)
//   AdamW:   p *= 1 - lr*wd; then Adam with wd = 0
//   RmsProp: g = grad + wd*p; sq = alpha*sq + (1-alpha)*g^2; u = g / (sqrt(sq) + eps);
//            momentum > 0: buf = momentum*buf + u, p -= lr*buf; else p -= lr*u
// Weight decay applies only to parameters whose ParamSpec says `decays`.
struct OptimizerStep {
    enum class Kind { Sgd, Adam, AdamW, RmsProp };
    Kind kind = Kind::Sgd;
    float learningRate = 0.01f;
    float momentum = 0.0f;
    bool nesterov = false;
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float alpha = 0.99f; // RmsProp smoothing
    float epsilon = 1e-8f;
    float weightDecay = 0.0f;
    std::int64_t step = 1; // 1-based count of updates, for Adam's bias correction
};

// What changes from one training step to the next inside a captured step (see
// Backend::beginCapture): the global step (dropout masks), the learning rate and the
// optimizer's 1-based update count (Adam's bias correction).
struct StepScalars {
    std::uint64_t step = 0;
    float learningRate = 0.0f;
    std::int64_t update = 1;
};

// Optimizer state tensors (shaped like the parameter, zero-initialised) `step` needs:
// Sgd 1 with momentum else 0; Adam/AdamW 2 (m, v); RmsProp 1, or 2 with momentum.
int optimizerSlotCount(const OptimizerStep& step);

// How matrix products and convolutions compute (training.precision). Tensors, weights and
// accumulation stay fp32 in every mode: tf32 rounds the products' inputs to TF32 on NVIDIA
// tensor cores, bf16 to bfloat16 (with fp32 master weights, as mixed-precision training does).
enum class Precision { Fp32, Tf32, Bf16 };
// "fp32", "tf32", "bf16" (the project file's names); an unknown name is a user error.
Expected<Precision> parsePrecision(std::string_view name);
const char* precisionName(Precision p);

// The argument checks of every backend's training arithmetic, before any memory is touched:
// internal errors naming the call and the tensor. checkF32On: defined, f32, on `device`.
// checkOptimizerArgs: those, the gradient and state shaped like the parameter, as many state
// tensors as `step` needs, and a 1-based step count.
Status checkF32On(const Tensor& t, Device device, const char* op, const char* what);
Status checkOptimizerArgs(const OptimizerStep& step, const Tensor& param, const Tensor& grad,
                          std::span<const Tensor> state, Device device);

// Device time spent in one kernel label ("conv1 weight gradient") over a profiled stretch.
struct KernelTiming {
    std::string label;
    std::uint64_t calls = 0;
    double milliseconds = 0;
};

class Backend {
public:
    virtual ~Backend() = default;

    virtual Device device() const = 0;
    // "CPU (oneDNN 2.6.3, 2 threads)", "NVIDIA H100 (CUDA 13.0, cuDNN 9)"
    virtual std::string description() const = 0;

    // Bytes every tensor start is aligned to, in allocations and in the plan's arena (64 on
    // the CPU, up to 256 for GPU APIs).
    virtual std::size_t alignment() const = 0;

    // The precision of matrix products and convolutions; kernels read it when they are
    // built, so it is set before a plan is compiled. A user error saying what this device
    // lacks for one it cannot honour (the default: fp32 only); fp32 always works.
    virtual Status setPrecision(Precision p);
    Precision precision() const { return m_precision; }

    // Uninitialised memory for a tensor; a user error when the device is out of memory.
    virtual Expected<Tensor> allocate(const Dims& shape, DType dtype) = 0;

    // Copies dst.bytes() bytes from host memory into `dst`. May return before the copy is
    // done: `src` must stay valid until synchronize().
    virtual Status copyFromHost(const Tensor& dst, const void* src) = 0;
    // Copies src.bytes() bytes of `src` to host memory; `dst` is valid after synchronize().
    virtual Status copyToHost(const Tensor& src, void* dst) = 0;
    // Waits for all work queued on this backend.
    virtual Status synchronize() = 0;

    // Op kernels: the backend's explicit op table (add or unsupported with a reason for every
    // registered op; the coverage test checks it). supportsOp() is false for an op this
    // backend has no kernel for; the plan then reports the node (or, later, places it on the
    // CPU).
    virtual const graph::OpCoverage& opCoverage() const = 0;
    bool supportsOp(std::string_view op) const { return opCoverage().supports(op); }
    virtual Expected<std::unique_ptr<OpKernel>> createKernel(const KernelConfig& config) = 0;
    // Whether a `producer` kernel can apply an `activation` to its output itself in inference
    // (conv + bias + ReLU in one pass); the plan then skips the activation node.
    virtual bool canFuseActivation(std::string_view producer, std::string_view activation) const {
        (void)producer;
        (void)activation;
        return false;
    }

    // Training arithmetic on f32 tensors of any shape, element-wise.
    virtual Status fill(const Tensor& t, float value) = 0;
    virtual Status scale(const Tensor& t, float factor) = 0;
    // dst += src (gradients of a tensor with several consumers).
    virtual Status addInto(const Tensor& dst, const Tensor& src) = 0;
    // Sum of the squares of every element of every tensor (gradient-norm clipping).
    virtual Expected<double> sumOfSquares(std::span<const Tensor> tensors) = 0;
    // Updates `param` in place from `grad`; `state` has optimizerSlotCount(step) tensors (its
    // slots; not named "slots", which Qt defines as a macro).
    virtual Status optimizerStep(const OptimizerStep& step, const Tensor& param, const Tensor& grad,
                                 std::span<const Tensor> state, bool decays) = 0;

    // Classification on the device, so training reads back a few scalars per step instead of
    // the logits. labels: i32 [N] in [0, K); targets: f32 [N, K], written as one-hot rows.
    // A label outside [0, K) is a user error naming the sample: from the call itself, or, on
    // an asynchronous device, from the next synchronize() (no write lands outside the rows).
    virtual Status oneHot(const Tensor& labels, const Tensor& targets) = 0;
    // metrics: f32 [3] = {loss[0], samples whose label is the top-1 class of logits [N, K],
    // samples whose label is among the top 5 (0 when K < 5)}. A class ranks by how many
    // classes score strictly higher (ties favour the true class).
    virtual Status classificationMetrics(const Tensor& logits, const Tensor& labels,
                                         const Tensor& loss, const Tensor& metrics) = 0;

    // Whole-step capture (CUDA Graphs). A backend that can record the work of one training
    // step once and replay it says so here; the Trainer then queues a step's kernels, metrics
    // and optimizer updates between beginCapture() and endCapture() once, and every step
    // (the first included) runs as replayStep(scalars). While capturing, nothing runs: kernels
    // and updates are recorded, reading the step scalars from device memory that replayStep()
    // refreshes, so a replay is the eager step with that step's values. No host copies or
    // synchronize() between begin and end.
    virtual bool canCaptureSteps() const { return false; }
    // `guard`: an f32 [1] tensor (the loss); a replay whose guard is not finite leaves the
    // parameters and optimizer state as they were (the Trainer then stops the run).
    virtual Status beginCapture(const Tensor& guard) {
        (void)guard;
        return Error::internal(description() + " cannot capture steps");
    }
    virtual Status endCapture() { return Error::internal(description() + " cannot capture steps"); }
    virtual Status replayStep(const StepScalars& scalars) {
        (void)scalars;
        return Error::internal(description() + " has no captured step");
    }

    // Per-kernel device timing (timestamp queries on a GPU). setProfiling returns false when
    // the backend cannot profile; takeProfile gives the time per label since the last call,
    // largest first, for the work finished by then (synchronize() first).
    virtual bool setProfiling(bool on) {
        (void)on;
        return false;
    }
    virtual std::vector<KernelTiming> takeProfile() { return {}; }
    // Labelled ranges for backends that time work per range rather than per dispatch (CUDA
    // events): while profiling(), the plan brackets each node's forward and backward.
    virtual bool profiling() const { return false; }
    virtual void beginProfileRange(const std::string& label) { (void)label; }
    virtual void endProfileRange() {}

    // Worker threads used by kernels; 0 means the device's default.
    virtual void setThreads(int threads) = 0;
    virtual int threads() const = 0;

    // Bytes currently allocated to live tensors and the peak since the last reset.
    virtual std::size_t bytesInUse() const = 0;
    virtual std::size_t peakBytes() const = 0;
    virtual void resetPeak() = 0;

protected:
    Precision m_precision = Precision::Fp32;
};

} // namespace nw::engine
