#include "gpu/cuda/runtime/cuda_check.h"

namespace nw::gpu::cuda {

std::string describe(cudaError_t e) {
    return std::string(cudaGetErrorString(e)) + " (" + cudaGetErrorName(e) + ")";
}

Status check(cudaError_t e, const std::string& what) {
    if (e == cudaSuccess) {
        return Status::success();
    }
    if (e == cudaErrorMemoryAllocation) {
        return Error::user(what + ": the GPU is out of memory; try a smaller batch size");
    }
    return Error::internal(what + ": " + describe(e));
}

Status check(cublasStatus_t s, const std::string& what) {
    if (s == CUBLAS_STATUS_SUCCESS) {
        return Status::success();
    }
    if (s == CUBLAS_STATUS_ALLOC_FAILED) {
        return Error::user(what + ": the GPU is out of memory (cuBLAS); try a smaller batch size");
    }
    return Error::internal(what + ": cuBLAS status " + std::to_string(int(s)));
}

Status check(cudnnStatus_t s, const std::string& what) {
    if (s == CUDNN_STATUS_SUCCESS) {
        return Status::success();
    }
    if (s == CUDNN_STATUS_ALLOC_FAILED) {
        return Error::user(what + ": the GPU is out of memory (cuDNN); try a smaller batch size");
    }
    return Error::internal(what + ": " + cudnnGetErrorString(s));
}

} // namespace nw::gpu::cuda
