// Transpose as the CPU (engine/cpu/ops/transpose.cpp): output dim k is input dim perm[k]
// (perm lists every axis, the batch first). One index map serves both passes: output element
// o reads input element offset(o) through x's row-major strides; backward writes dx at
// offset(o) from dy[o] (the inverse permutation, every element of dx written once).
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"

namespace nw::gpu::cuda {

namespace {

constexpr int kMaxRank = 6; // the schema's limit on perm

struct Permutation {
    int rank;
    std::int64_t dims[kMaxRank];    // the output's dims
    std::int64_t strides[kMaxRank]; // x's row-major stride of each output dim's input axis
};

// The offset in x of output element o.
__device__ std::int64_t inputOffset(const Permutation& p, std::int64_t o) {
    std::int64_t offset = 0;
    for (int k = p.rank - 1; k >= 0; --k) {
        offset += (o % p.dims[k]) * p.strides[k];
        o /= p.dims[k];
    }
    return offset;
}

__global__ void transposeForward(Permutation p, const float* x, float* y, std::int64_t n) {
    NW_GRID_STRIDE(o, n) {
        y[o] = x[inputOffset(p, o)];
    }
}

__global__ void transposeBackward(Permutation p, const float* dy, float* dx, std::int64_t n) {
    NW_GRID_STRIDE(o, n) {
        dx[inputOffset(p, o)] = dy[o];
    }
}

class TransposeKernel final : public CudaKernel {
public:
    TransposeKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_numel(engine::numelOf(c.inputs[0])) {
        const Dims& x = c.inputs[0];
        const auto& perm = attrInts("perm");
        if (perm.size() != x.size() || perm.size() > std::size_t(kMaxRank)) {
            throw KernelBuildError{
                Error::internal("perm does not fit the input " + engine::dimsToString(x))};
        }
        std::int64_t rowMajor[kMaxRank] = {};
        std::int64_t stride = 1;
        for (std::size_t d = x.size(); d-- > 0;) {
            rowMajor[d] = stride;
            stride *= x[d];
        }
        m_perm.rank = static_cast<int>(perm.size());
        for (std::size_t k = 0; k < perm.size(); ++k) {
            const auto from = static_cast<std::size_t>(perm[k]);
            m_perm.dims[k] = x[from];
            m_perm.strides[k] = rowMajor[from];
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        if (m_numel > 0) {
            transposeForward<<<gridFor(m_numel), kBlock, 0, stream()>>>(m_perm, f32(a.inputs[0]),
                                                                        f32(a.outputs[0]), m_numel);
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        if (m_numel > 0) {
            transposeBackward<<<gridFor(m_numel), kBlock, 0, stream()>>>(
                m_perm, f32(a.gradOutputs[0]), f32(a.gradInputs[0]), m_numel);
        }
        return launched("backward");
    }

private:
    std::int64_t m_numel;
    Permutation m_perm{};
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeTransposeKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<TransposeKernel>(b, c);
}

} // namespace nw::gpu::cuda
