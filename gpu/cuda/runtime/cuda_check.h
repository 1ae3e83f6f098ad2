#pragma once
// CUDA, cuBLASLt and cuDNN status codes as Status values. Out of memory is a user error (the
// model or batch does not fit the device: the message says so and the run's records stay);
// every other failure is internal, naming the call that failed.

#include "base/expected.h"

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <string>

namespace nw::gpu::cuda {

Status check(cudaError_t e, const std::string& what);
Status check(cublasStatus_t s, const std::string& what);
Status check(cudnnStatus_t s, const std::string& what);

// The human-readable name of a CUDA error ("out of memory (cudaErrorMemoryAllocation)").
std::string describe(cudaError_t e);

} // namespace nw::gpu::cuda
