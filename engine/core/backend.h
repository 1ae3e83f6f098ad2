#pragma once
// Backend: one compute device (the CPU through oneDNN, a CUDA GPU, a Vulkan GPU).
//
// The interface assumes an asynchronous device with its own memory: tensors are allocated by
// the backend, host data crosses only through copyFromHost/copyToHost, and work may still be
// running when a call returns — synchronize() waits for it. Op kernels (forward, backward,
// optimizer updates) join this interface with the execution plan.

#include "base/expected.h"
#include "engine/core/tensor.h"

#include <string>

namespace nw::engine {

class Backend {
public:
    virtual ~Backend() = default;

    virtual Device device() const = 0;
    // "CPU (oneDNN 2.6.3, 2 threads)", "NVIDIA H100 (CUDA 13.0, cuDNN 9)"
    virtual std::string description() const = 0;

    // Uninitialised memory for a tensor; a user error when the device is out of memory.
    virtual Expected<Tensor> allocate(const Dims& shape, DType dtype) = 0;

    // Copies dst.bytes() bytes from host memory into `dst`. May return before the copy is
    // done: `src` must stay valid until synchronize().
    virtual Status copyFromHost(const Tensor& dst, const void* src) = 0;
    // Copies src.bytes() bytes of `src` to host memory; `dst` is valid after synchronize().
    virtual Status copyToHost(const Tensor& src, void* dst) = 0;
    // Waits for all work queued on this backend.
    virtual Status synchronize() = 0;

    // Worker threads used by kernels; 0 means the device's default.
    virtual void setThreads(int threads) = 0;
    virtual int threads() const = 0;

    // Bytes currently allocated to live tensors and the peak since the last reset.
    virtual std::size_t bytesInUse() const = 0;
    virtual std::size_t peakBytes() const = 0;
    virtual void resetPeak() = 0;
};

} // namespace nw::engine
