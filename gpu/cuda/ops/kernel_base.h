#pragma once
// What every CUDA kernel shares: its backend, its node, typed attribute access, scratch
// memory owned by the kernel and the launch check that names the node.

#include "engine/core/kernel.h"
#include "gpu/cuda/cuda_backend.h"

#include <memory>
#include <stdexcept>
#include <string>

namespace nw::gpu::cuda {

using engine::BackwardArgs;
using engine::Dims;
using engine::DType;
using engine::ForwardArgs;
using engine::KernelConfig;
using engine::OpKernel;
using engine::Tensor;

// Thrown by CudaKernel's helpers while a kernel is built, turned into an Error by makeKernel.
struct KernelBuildError {
    Error error;
};

// The value of `built`, or a KernelBuildError with its error: for what a kernel's
// constructor creates (a cuDNN plan, a cuBLASLt layout).
template <class T>
T builtOrThrow(Expected<T> built) {
    if (!built) {
        throw KernelBuildError{built.error()};
    }
    return std::move(*built);
}
inline void builtOrThrow(Status built) {
    if (!built) {
        throw KernelBuildError{built.error()};
    }
}

class CudaKernel : public OpKernel, protected engine::KernelAttributes {
protected:
    CudaKernel(CudaBackend& backend, const KernelConfig& config)
        : KernelAttributes(config.attrs)
        , m_backend(backend)
        , m_node(config.nodeId) {}

    // A tensor owned by the kernel (saved statistics, indices); throws KernelBuildError.
    Tensor scratch(const Dims& shape, DType dtype = DType::F32) {
        return builtOrThrow(m_backend.allocate(shape, dtype));
    }
    // The launches just queued for `what` ("forward", "weight gradient"): an error naming the
    // node when one failed.
    Status launched(const char* what) const {
        return m_backend.launched("node '" + m_node + "' " + what);
    }
    cudaStream_t stream() const { return m_backend.stream(); }
    static float* f32(const Tensor& t) { return CudaBackend::f32(t); }
    static int* i32(const Tensor& t) { return CudaBackend::i32(t); }

    CudaBackend& m_backend;
    std::string m_node;
};

template <class K, class... Extra>
Expected<std::unique_ptr<OpKernel>> makeKernel(CudaBackend& backend, const KernelConfig& config,
                                               Extra&&... extra) {
    try {
        return std::unique_ptr<OpKernel>(
            std::make_unique<K>(backend, config, std::forward<Extra>(extra)...));
    } catch (const KernelBuildError& e) {
        return Error{"node '" + config.nodeId + "' (" + config.op + "): " + e.error.message,
                     e.error.kind};
    } catch (const std::out_of_range&) {
        return Error::internal("node '" + config.nodeId + "' (" + config.op +
                               "): the kernel was given no parameter declarations");
    }
}

} // namespace nw::gpu::cuda
