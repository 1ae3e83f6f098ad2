// Dense on cuBLASLt, as engine/cpu/ops/dense.cpp. x: [N, ..., F] seen as [rows, F] (row-major,
// rows = the product of the leading dims), weight: [units, F] (PyTorch's layout), bias: [units],
// y: [N, ..., units] seen as [rows, units]:
//   y = x W^T + b (the bias as the product's epilogue);  dx = dy W;  dW = dy^T x;
//   db = the column sums of dy.
// Every gradient is written, not accumulated.
#include "gpu/cuda/ops/column_sums.cuh"
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/runtime/cublaslt_gemm.h"

namespace nw::gpu::cuda {

namespace {

class DenseKernel final : public CudaKernel {
public:
    DenseKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_in(c.params.at(0).shape.at(1)) // the schema's weight [units, features]
        , m_units(attrInt("units"))
        , m_rows(engine::numelOf(c.inputs[0]) / m_in)
        , m_bias(attrBool("use_bias"))
        , m_forward(product({.m = m_rows, .n = m_units, .k = m_in, .transB = true, .bias = m_bias},
                            "forward"))
        , m_dataGrad(product({.m = m_rows, .n = m_in, .k = m_units}, "data gradient"))
        , m_weightGrad(
              product({.m = m_units, .n = m_in, .k = m_rows, .transA = true}, "weight gradient")) {}

    Status forward(const ForwardArgs& a) override {
        if (auto s = m_forward.run(f32(a.inputs[0]), f32(a.params[0]), f32(a.outputs[0]),
                                   m_bias ? f32(a.params[1]) : nullptr);
            !s) {
            return s;
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        const float* dy = f32(a.gradOutputs[0]);
        if (a.gradInputs[0].defined()) {
            if (auto s = m_dataGrad.run(dy, f32(a.params[0]), f32(a.gradInputs[0])); !s) {
                return s;
            }
        }
        if (a.gradParams[0].defined()) {
            if (auto s = m_weightGrad.run(dy, f32(a.inputs[0]), f32(a.gradParams[0])); !s) {
                return s;
            }
        }
        if (m_bias && a.gradParams.size() > 1 && a.gradParams[1].defined()) {
            queueColumnSums(dy, m_rows, m_units, f32(a.gradParams[1]), stream());
        }
        return launched("backward");
    }

private:
    LtGemm product(const GemmShape& shape, const char* what) {
        return builtOrThrow(LtGemm::create(m_backend, shape, "node '" + m_node + "' " + what));
    }

    std::int64_t m_in;
    std::int64_t m_units;
    std::int64_t m_rows;
    bool m_bias;
    LtGemm m_forward;    // y [rows, units] = x [rows, F] W^T + b
    LtGemm m_dataGrad;   // dx [rows, F] = dy [rows, units] W [units, F]
    LtGemm m_weightGrad; // dW [units, F] = dy^T [units, rows] x [rows, F]
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeDenseKernel(CudaBackend& b, const KernelConfig& c) {
    if (!c.fusedActivation.empty()) { // the backend offers no fusion (canFuseActivation)
        return Error::internal("node '" + c.nodeId + "': Dense cannot apply " + c.fusedActivation +
                               " itself on CUDA");
    }
    return makeKernel<DenseKernel>(b, c);
}

} // namespace nw::gpu::cuda
