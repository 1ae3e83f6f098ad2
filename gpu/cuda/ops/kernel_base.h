#pragma once
// What every CUDA kernel shares: its backend, its node, typed attribute access, scratch
// memory owned by the kernel and the launch check that names the node.

#include "engine/core/kernel.h"
#include "engine/core/kernel_build.h"
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

using engine::builtOrThrow;
using engine::KernelBuildError;
using engine::makeKernel;

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

} // namespace nw::gpu::cuda
