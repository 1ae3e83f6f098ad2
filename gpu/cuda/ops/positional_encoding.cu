// PositionalEncoding as the CPU (engine/cpu/ops/positional_encoding.cpp): y = x + P, the
// [T, C] table P added to every sample of x [N, T, C]. P is the sinusoidal table
// (graph/ops/positional_encoding.h, uploaded once when the kernel is built) or the learned
// parameter `position` [T, C]. Backward: dx = dy; dP[i] = sum over n of dy[n, i] (learned only),
// summed in sample order as on the CPU.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"
#include "gpu/cuda/ops/tensor_copy.h"
#include "graph/ops/positional_encoding.h"

#include <vector>

namespace nw::gpu::cuda {

namespace {

// y[n, i] = x[n, i] + p[i], i < table (= T * C).
__global__ void addTableKernel(const float* x, const float* p, float* y, std::int64_t n,
                               std::int64_t table) {
    NW_GRID_STRIDE(e, n) {
        y[e] = x[e] + p[e % table];
    }
}

// dp[i] = sum over the batch of dy[n, i], one thread per table element.
__global__ void tableGradKernel(const float* dy, float* dp, std::int64_t batch,
                                std::int64_t table) {
    NW_GRID_STRIDE(i, table) {
        float sum = 0;
        for (std::int64_t n = 0; n < batch; ++n) {
            sum += dy[n * table + i];
        }
        dp[i] = sum;
    }
}

class PositionalEncodingKernel final : public CudaKernel {
public:
    PositionalEncodingKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_batch(c.inputs[0].at(0))
        , m_table(c.inputs[0].at(1) * c.inputs[0].at(2))
        , m_learned(attrString("kind") == "learned") {
        if (m_learned) {
            return;
        }
        // The host table stays a member, so it outlives the upload queued here whatever the
        // backend's staging does.
        m_hostTable = graph::ops::sinusoidalTable(c.inputs[0].at(1), c.inputs[0].at(2));
        m_sinusoid = scratch({c.inputs[0].at(1), c.inputs[0].at(2)});
        builtOrThrow(backend.copyFromHost(m_sinusoid, m_hostTable.data()));
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const std::int64_t n = m_batch * m_table;
        if (n > 0) {
            const Tensor& p = m_learned ? a.params[0] : m_sinusoid;
            addTableKernel<<<gridFor(n), kBlock, 0, stream()>>>(f32(a.inputs[0]), f32(p),
                                                                f32(a.outputs[0]), n, m_table);
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        const Tensor& dy = a.gradOutputs[0];
        if (a.gradInputs[0].defined()) {
            if (auto s =
                    copyTensor(dy, a.gradInputs[0], stream(), "node '" + m_node + "' backward");
                !s) {
                return s;
            }
        }
        if (!m_learned || !a.gradParams[0].defined() || m_table == 0) {
            return Status::success();
        }
        tableGradKernel<<<gridFor(m_table), kBlock, 0, stream()>>>(f32(dy), f32(a.gradParams[0]),
                                                                   m_batch, m_table);
        return launched("position gradient");
    }

private:
    std::int64_t m_batch; // N
    std::int64_t m_table; // T * C
    bool m_learned;
    std::vector<float> m_hostTable; // [T, C], sinusoidal only: the source of m_sinusoid
    Tensor m_sinusoid;              // [T, C] on the device, sinusoidal only
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makePositionalEncodingKernel(CudaBackend& b,
                                                                 const KernelConfig& c) {
    return makeKernel<PositionalEncodingKernel>(b, c);
}

} // namespace nw::gpu::cuda
