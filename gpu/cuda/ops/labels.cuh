#pragma once
// Validation of i32 class labels on the device, shared by the loss and the training metrics:
// a bad label is not an error the kernel can return, so it is recorded in the backend's
// status word (CudaBackend::statusWord) and reported at the next synchronize().

#include <cstdint>
#include <cuda_runtime.h>

namespace nw::gpu::cuda {

// Whether labels[i] is a class in [0, k); records the first one outside it in the status
// word (bad flag, value, index, limit). The caller calls expectStatus() after launching.
__device__ inline bool labelOk(const int* labels, std::int64_t i, std::int64_t k, int* status) {
    int l = labels[i];
    if (l >= 0 && l < k) {
        return true;
    }
    if (atomicCAS(status, 0, 1) == 0) {
        status[1] = l;
        status[2] = int(i);
        status[3] = int(k);
    }
    return false;
}

} // namespace nw::gpu::cuda
