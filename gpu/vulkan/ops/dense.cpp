// Dense on the strided GEMM of shaders/gemm.comp. x: [N, ..., F] seen as [rows, F], weight:
// [units, F] (PyTorch's layout), bias: [units], y: [N, ..., units] seen as [rows, units]:
//   y = x W^T + b;  dx = dy W;  dW = dy^T x;  db = the column sums of dy.
#include "gpu/vulkan/ops/gemm.h"
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class DenseKernel final : public VulkanKernel {
public:
    DenseKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_in(u32(c.params.at(0).shape.at(1))) // the schema's weight [units, features]
        , m_rows(u32(engine::numelOf(c.inputs[0]) / c.params.at(0).shape.at(1)))
        , m_units(u32(attrInt("units")))
        , m_bias(attrBool("use_bias"))
        , m_gemm(builtOrThrow(GemmRecorder::create(backend))) {}

    Status forward(const ForwardArgs& a) override {
        MatrixProduct mp;
        mp.m = m_rows, mp.n = m_units, mp.k = m_in;
        mp.sam = m_in, mp.sak = 1, mp.sbk = 1, mp.sbn = m_in, mp.scm = m_units, mp.scn = 1;
        return m_gemm.matrix(mp, a.inputs[0], a.params[0], a.outputs[0],
                             m_bias ? a.params[1] : Tensor(), false, m_node + " forward");
    }

    Status backward(const BackwardArgs& a) override {
        const Tensor& dy = a.gradOutputs[0];
        if (a.gradInputs[0].defined()) {
            MatrixProduct mp;
            mp.m = m_rows, mp.n = m_in, mp.k = m_units;
            mp.sam = m_units, mp.sak = 1, mp.sbk = m_in, mp.sbn = 1, mp.scm = m_in, mp.scn = 1;
            if (auto s = m_gemm.matrix(mp, dy, a.params[0], a.gradInputs[0], Tensor(), false,
                                       m_node + " data gradient");
                !s) {
                return s;
            }
        }
        if (!a.wantsParamGrads()) { // frozen
            return Status::success();
        }
        MatrixProduct mp;
        mp.m = m_units, mp.n = m_in, mp.k = m_rows;
        mp.sam = 1, mp.sak = m_units, mp.sbk = m_in, mp.sbn = 1, mp.scm = m_in, mp.scn = 1;
        if (auto s = m_gemm.matrix(mp, dy, a.inputs[0], a.gradParams[0], Tensor(), false,
                                   m_node + " weight gradient");
            !s) {
            return s;
        }
        if (!m_bias) {
            return Status::success();
        }
        return m_gemm.channelSum(dy, a.gradParams[1], m_rows, m_units, 1,
                                 m_node + " bias gradient");
    }

private:
    std::uint32_t m_in, m_rows, m_units;
    bool m_bias;
    GemmRecorder m_gemm;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeDenseKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<DenseKernel>(b, c);
}

} // namespace nw::gpu::vulkan
