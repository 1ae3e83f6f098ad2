// MatMul on strided-batched cuBLASLt, as engine/cpu/ops/matmul.cpp. a: [N, ..., M, K],
// b: [N, ..., K, P], y: [N, ..., M, P], row-major, the leading dims equal (no broadcasting),
// seen as B = N * (the dims between) pairs of matrices:
//   y = a b;  da = dy b^T;  db = a^T dy  (the transposes are read, not copied).
// Gradients are written, not accumulated.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/runtime/cublaslt_gemm.h"

namespace nw::gpu::cuda {

namespace {

class MatMulKernel final : public CudaKernel {
public:
    MatMulKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_m(c.inputs[0].end()[-2])
        , m_k(c.inputs[0].back())
        , m_p(c.inputs[1].back())
        , m_batch(engine::numelOf(c.inputs[0]) / (m_m * m_k))
        , m_forward(
              product({.m = m_m, .n = m_p, .k = m_k}, m_m * m_k, m_k * m_p, m_m * m_p, "forward"))
        , m_gradA(product({.m = m_m, .n = m_k, .k = m_p, .transB = true}, m_m * m_p, m_k * m_p,
                          m_m * m_k, "gradient of a"))
        , m_gradB(product({.m = m_k, .n = m_p, .k = m_m, .transA = true}, m_m * m_k, m_m * m_p,
                          m_k * m_p, "gradient of b")) {}

    Status forward(const ForwardArgs& a) override {
        if (auto s = m_forward.run(f32(a.inputs[0]), f32(a.inputs[1]), f32(a.outputs[0])); !s) {
            return s;
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        const float* dy = f32(a.gradOutputs[0]);
        if (a.gradInputs[0].defined()) {
            if (auto s = m_gradA.run(dy, f32(a.inputs[1]), f32(a.gradInputs[0])); !s) {
                return s;
            }
        }
        if (a.gradInputs[1].defined()) {
            if (auto s = m_gradB.run(f32(a.inputs[0]), dy, f32(a.gradInputs[1])); !s) {
                return s;
            }
        }
        return launched("backward");
    }

private:
    // `shape` repeated over the B matrix pairs, its operands `sa`, `sb`, `sc` elements apart.
    LtGemm product(GemmShape shape, std::int64_t sa, std::int64_t sb, std::int64_t sc,
                   const char* what) {
        shape.batch = m_batch;
        shape.strideA = sa, shape.strideB = sb, shape.strideC = sc;
        return builtOrThrow(LtGemm::create(m_backend, shape, "node '" + m_node + "' " + what));
    }

    std::int64_t m_m, m_k, m_p, m_batch;
    LtGemm m_forward; // y [M, P] = a [M, K] b [K, P]
    LtGemm m_gradA;   // da [M, K] = dy [M, P] b^T [P, K]
    LtGemm m_gradB;   // db [K, P] = a^T [K, M] dy [M, P]
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMatMulKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<MatMulKernel>(b, c);
}

} // namespace nw::gpu::cuda
