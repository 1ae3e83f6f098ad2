#pragma once
// One row-major f32 matrix product on cuBLASLt, planned once (descriptors, layouts and the
// algorithm chosen in create(), while the kernel is built) and run on the backend's stream
// with its library workspace:
//   C[b] = alpha * op(A[b]) op(B[b]) (+ bias) + beta * C[b],   b in [0, batch)
// with op(X) = X or X^T. Every matrix is dense row-major (leading dimension = its column
// count), consecutive batch matrices `stride` elements apart.

#include "base/expected.h"

#include <cstdint>
#include <cublasLt.h>
#include <memory>
#include <string>

namespace nw::gpu::cuda {

class CudaBackend;

struct GemmShape {
    std::int64_t m = 0, n = 0, k = 0; // C [m, n] = op(A) [m, k] op(B) [k, n]
    bool transA = false;              // A is stored [k, m] and read transposed
    bool transB = false;              // B is stored [n, k] and read transposed
    std::int64_t batch = 1;
    std::int64_t strideA = 0, strideB = 0, strideC = 0; // elements between batch matrices
    bool bias = false; // adds bias[n] to every row of C (CUBLASLT_EPILOGUE_BIAS)
    float alpha = 1.0f;
    float beta = 0.0f; // 0: C is written; 1: accumulated into
};

class LtGemm {
public:
    // Plans `shape` on `backend` (its handle, math mode and workspace); `what` names the
    // product in errors ("node 'fc1' forward").
    static Expected<LtGemm> create(CudaBackend& backend, const GemmShape& shape, std::string what);

    // Queues the product on the backend's stream. `bias`: [n], only with shape.bias.
    Status run(const float* a, const float* b, float* c, const float* bias = nullptr) const;

private:
    template <class T, auto Destroy>
    struct Deleter {
        void operator()(T p) const { (void)Destroy(p); }
    };
    using Desc = std::unique_ptr<cublasLtMatmulDescOpaque_t,
                                 Deleter<cublasLtMatmulDesc_t, cublasLtMatmulDescDestroy>>;
    using Layout = std::unique_ptr<cublasLtMatrixLayoutOpaque_t,
                                   Deleter<cublasLtMatrixLayout_t, cublasLtMatrixLayoutDestroy>>;

    explicit LtGemm(CudaBackend& backend)
        : m_backend(&backend) {}

    CudaBackend* m_backend;
    GemmShape m_shape;
    std::string m_what;
    Desc m_desc;
    Layout m_a, m_b, m_c; // cuBLASLt's operands, which are ours swapped (see create)
    cublasLtMatmulAlgo_t m_algo{};
    std::size_t m_workspaceBytes = 0;
};

} // namespace nw::gpu::cuda
