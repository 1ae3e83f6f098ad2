#pragma once
// Column sums of a row-major matrix: the bias gradients of the products (Dense,
// MultiHeadAttention's projections), db = the column sums of dy [rows, cols].

#include <cstdint>
#include <cuda_runtime.h>

namespace nw::gpu::cuda {

// sums[c] = sum over r of x[r, c], x: [rows, cols]. A block of (Columns, RowLanes) threads owns
// Columns neighbouring columns (a warp reads one row's), each of its RowLanes rows of threads
// summing every RowLanes-th row; the partial sums of a column are then added in a fixed
// order, so the result does not depend on scheduling.
template <int Columns, int RowLanes>
__global__ void columnSumsKernel(const float* x, std::int64_t rows, std::int64_t cols,
                                 float* sums) {
    __shared__ float partial[RowLanes][Columns + 1];
    const std::int64_t col = std::int64_t(blockIdx.x) * Columns + threadIdx.x;
    float acc = 0.0f;
    if (col < cols) {
        for (std::int64_t r = threadIdx.y; r < rows; r += RowLanes) {
            acc += x[r * cols + col];
        }
    }
    partial[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && col < cols) {
        float total = 0.0f;
        for (int y = 0; y < RowLanes; ++y) {
            total += partial[y][threadIdx.x];
        }
        sums[col] = total;
    }
}

// Queues sums [cols] = the column sums of x [rows, cols] on `stream` (written, not added).
inline void queueColumnSums(const float* x, std::int64_t rows, std::int64_t cols, float* sums,
                            cudaStream_t stream) {
    constexpr int kColumns = 32, kRowLanes = 8;
    const dim3 block(kColumns, kRowLanes);
    const auto grid = unsigned((cols + kColumns - 1) / kColumns);
    columnSumsKernel<kColumns, kRowLanes><<<grid, block, 0, stream>>>(x, rows, cols, sums);
}

} // namespace nw::gpu::cuda
