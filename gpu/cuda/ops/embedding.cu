// Embedding as the CPU (engine/cpu/ops/embedding.cpp): ids [N, T] f32 holding integers in
// [0, V), weight [V, D], y [N, T, D] with y[n, t] = weight[ids[n, t]].
// Backward: dW = 0, then dW[ids[n, t]] += dy[n, t] (an atomic scatter-add, so the order of the
// sums varies), except the padding row, which keeps a zero gradient; the ids get a zero
// gradient if asked. A bad id cannot be returned by a kernel: the first one is recorded in the
// backend's status word under this node's tag and reported, with the CPU's message, at the
// next synchronize(); its output row is zero and it adds no gradient.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"
#include "gpu/cuda/ops/tensor_copy.h"

#include <bit>
#include <cstdio>

namespace nw::gpu::cuda {

namespace {

struct Lookup {
    std::int64_t steps;     // N * T
    std::int64_t dimension; // D
    std::int64_t vocabulary;
    std::int64_t padding; // -1: none
    int tag;              // this node's status-word tag
};

// The row of ids[i], or -1 when it is not an integer in [0, V); `report`: the thread that
// records a bad id in the status word {tag, value bits, step, V}.
__device__ std::int64_t tokenRow(const float* ids, std::int64_t i, const Lookup& l, bool report,
                                 int* status) {
    const float v = ids[i];
    if (v >= 0.0f && v < float(l.vocabulary) && floorf(v) == v) {
        return std::int64_t(v);
    }
    if (report && atomicCAS(status, 0, l.tag) == 0) {
        status[1] = __float_as_int(v);
        status[2] = int(i);
        status[3] = int(l.vocabulary);
    }
    return -1;
}

// y[i, d] = w[row(i), d]; one thread per output element, the d == 0 one reporting.
__global__ void lookupKernel(Lookup l, const float* ids, const float* w, float* y, int* status) {
    NW_GRID_STRIDE(e, l.steps * l.dimension) {
        const std::int64_t i = e / l.dimension, d = e % l.dimension;
        const std::int64_t row = tokenRow(ids, i, l, d == 0, status);
        y[e] = row >= 0 ? w[row * l.dimension + d] : 0.0f;
    }
}

// dw[row(i), d] += dy[i, d] for every step whose row is valid and not the padding row.
__global__ void scatterKernel(Lookup l, const float* ids, const float* dy, float* dw, int* status) {
    NW_GRID_STRIDE(e, l.steps * l.dimension) {
        const std::int64_t i = e / l.dimension, d = e % l.dimension;
        const std::int64_t row = tokenRow(ids, i, l, d == 0, status);
        if (row >= 0 && row != l.padding) {
            atomicAdd(&dw[row * l.dimension + d], dy[e]);
        }
    }
}

class EmbeddingKernel final : public CudaKernel {
public:
    EmbeddingKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_lookup{engine::numelOf(c.inputs[0]), attrInt("dimension"), attrInt("vocabulary"),
                   attrInt("padding_index"), 0} {
        m_lookup.tag = backend.addStatusMessage(
            [node = m_node, length = c.inputs[0].at(1)](int value, int step, int vocabulary) {
                char text[32];
                std::snprintf(text, sizeof text, "%g", double(std::bit_cast<float>(value)));
                return "node '" + node + "' (Embedding): token id " + text + " at sample " +
                       std::to_string(step / length) + ", step " + std::to_string(step % length) +
                       " is not an integer in [0, " + std::to_string(vocabulary) + ")";
            });
    }

    Status forward(const ForwardArgs& a) override {
        const std::int64_t n = m_lookup.steps * m_lookup.dimension;
        if (n > 0) {
            lookupKernel<<<gridFor(n), kBlock, 0, stream()>>>(m_lookup, f32(a.inputs[0]),
                                                              f32(a.params[0]), f32(a.outputs[0]),
                                                              m_backend.statusWord());
            m_backend.expectStatus();
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (a.gradInputs[0].defined()) {
            if (auto s = zeroTensor(a.gradInputs[0], stream(), "node '" + m_node + "' backward");
                !s) {
                return s;
            }
        }
        const Tensor& dw = a.gradParams[0];
        if (!dw.defined()) {
            return Status::success();
        }
        if (auto s = zeroTensor(dw, stream(), "node '" + m_node + "' weight gradient"); !s) {
            return s;
        }
        const std::int64_t n = m_lookup.steps * m_lookup.dimension;
        if (n > 0) {
            scatterKernel<<<gridFor(n), kBlock, 0, stream()>>>(
                m_lookup, f32(a.inputs[0]), f32(a.gradOutputs[0]), f32(dw), m_backend.statusWord());
            m_backend.expectStatus();
        }
        return launched("weight gradient");
    }

private:
    Lookup m_lookup;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeEmbeddingKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<EmbeddingKernel>(b, c);
}

} // namespace nw::gpu::cuda
