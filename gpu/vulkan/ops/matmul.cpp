// MatMul on the batched strided GEMM of shaders/gemm.comp. a: [N, ..., M, K], b: [N, ..., K, P],
// y: [N, ..., M, P], row-major, seen as B = N * (the dims between) pairs of matrices:
//   y = a b;  da = dy b^T;  db = a^T dy  (the transposes are strides, not copies).
#include "gpu/vulkan/ops/gemm.h"
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class MatMulKernel final : public VulkanKernel {
public:
    MatMulKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_m(u32(c.inputs[0].end()[-2]))
        , m_k(u32(c.inputs[0].back()))
        , m_p(u32(c.inputs[1].back()))
        , m_batch(u32(engine::numelOf(c.inputs[0]) / (c.inputs[0].end()[-2] * m_k)))
        , m_gemm(builtOrThrow(GemmRecorder::create(backend))) {}

    Status forward(const ForwardArgs& a) override {
        MatrixProduct mp = batched(m_m * m_k, m_k * m_p, m_m * m_p);
        mp.m = m_m, mp.n = m_p, mp.k = m_k;
        mp.sam = m_k, mp.sak = 1, mp.sbk = m_p, mp.sbn = 1, mp.scm = m_p, mp.scn = 1;
        return m_gemm.matrix(mp, a.inputs[0], a.inputs[1], a.outputs[0], Tensor(), false,
                             m_node + " forward");
    }

    Status backward(const BackwardArgs& a) override {
        const Tensor& dy = a.gradOutputs[0];
        if (a.gradInputs[0].defined()) { // da [M, K] = dy [M, P] b^T [P, K]
            MatrixProduct mp = batched(m_m * m_p, m_k * m_p, m_m * m_k);
            mp.m = m_m, mp.n = m_k, mp.k = m_p;
            mp.sam = m_p, mp.sak = 1, mp.sbk = 1, mp.sbn = m_p, mp.scm = m_k, mp.scn = 1;
            if (auto s = m_gemm.matrix(mp, dy, a.inputs[1], a.gradInputs[0], Tensor(), false,
                                       m_node + " gradient of a");
                !s) {
                return s;
            }
        }
        if (a.gradInputs[1].defined()) { // db [K, P] = a^T [K, M] dy [M, P]
            MatrixProduct mp = batched(m_m * m_k, m_m * m_p, m_k * m_p);
            mp.m = m_k, mp.n = m_p, mp.k = m_m;
            mp.sam = 1, mp.sak = m_k, mp.sbk = m_p, mp.sbn = 1, mp.scm = m_p, mp.scn = 1;
            return m_gemm.matrix(mp, a.inputs[0], dy, a.gradInputs[1], Tensor(), false,
                                 m_node + " gradient of b");
        }
        return Status::success();
    }

private:
    // A product repeated over the B matrix pairs, each operand `sa`, `sb`, `sc` elements on.
    MatrixProduct batched(std::uint32_t sa, std::uint32_t sb, std::uint32_t sc) const {
        MatrixProduct mp;
        mp.batch = m_batch, mp.sbatchA = sa, mp.sbatchB = sb, mp.sbatchC = sc;
        return mp;
    }

    std::uint32_t m_m, m_k, m_p, m_batch;
    GemmRecorder m_gemm;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMatMulKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<MatMulKernel>(b, c);
}

} // namespace nw::gpu::vulkan
