// SequencePool as the CPU (engine/cpu/ops/sequence_pool.cpp): x [N, T, C] -> y [N, C].
//   mean: y = sum_t x[n, t] / T (summed in double); dx[n, t] = dy[n] / T
//   max:  y = x[n, t*, c], t* the first maximum (saved); dx[n, t*, c] = dy[n, c], 0 elsewhere
//   last: y = x[n, T - 1];                               dx[n, T - 1] = dy[n], 0 elsewhere
// Forward: a thread per (n, c) walks the steps; backward: a thread per element of dx writes it
// once (no separate zero fill).
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"

namespace nw::gpu::cuda {

namespace {

enum class Mode { Mean, Max, Last };

struct Sequence {
    std::int64_t n, t, c;
};

__global__ void poolForward(Mode mode, Sequence s, const float* x, float* y, int* argmax) {
    NW_GRID_STRIDE(e, s.n * s.c) {
        const std::int64_t n = e / s.c, c = e % s.c;
        const float* xs = x + n * s.t * s.c + c; // step t at xs[t * s.c]
        if (mode == Mode::Last) {
            y[e] = xs[(s.t - 1) * s.c];
        } else if (mode == Mode::Mean) {
            double sum = 0;
            for (std::int64_t t = 0; t < s.t; ++t) {
                sum += xs[t * s.c];
            }
            y[e] = static_cast<float>(sum / double(s.t));
        } else {
            std::int64_t best = 0;
            for (std::int64_t t = 1; t < s.t; ++t) {
                best = xs[t * s.c] > xs[best * s.c] ? t : best;
            }
            y[e] = xs[best * s.c];
            argmax[e] = int(best);
        }
    }
}

__global__ void poolBackward(Mode mode, Sequence s, const float* dy, const int* argmax, float* dx) {
    NW_GRID_STRIDE(e, s.n * s.t * s.c) {
        const std::int64_t c = e % s.c, t = e / s.c % s.t, n = e / (s.c * s.t);
        const std::int64_t pooled = n * s.c + c;
        if (mode == Mode::Mean) {
            dx[e] = dy[pooled] / float(s.t);
        } else {
            const std::int64_t source = mode == Mode::Max ? argmax[pooled] : s.t - 1;
            dx[e] = t == source ? dy[pooled] : 0.0f;
        }
    }
}

Mode modeOf(const std::string& mode) {
    return mode == "max" ? Mode::Max : mode == "last" ? Mode::Last : Mode::Mean;
}

class SequencePoolKernel final : public CudaKernel {
public:
    SequencePoolKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_mode(modeOf(attrString("mode")))
        , m_seq{c.inputs[0].at(0), c.inputs[0].at(1), c.inputs[0].at(2)} {
        if (m_mode == Mode::Max) {
            m_argmax = scratch({m_seq.n, m_seq.c}, DType::I32);
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const std::int64_t pooled = m_seq.n * m_seq.c;
        if (pooled > 0 && m_seq.t > 0) {
            poolForward<<<gridFor(pooled), kBlock, 0, stream()>>>(m_mode, m_seq, f32(a.inputs[0]),
                                                                  f32(a.outputs[0]), argmax());
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        const std::int64_t n = m_seq.n * m_seq.t * m_seq.c;
        if (n > 0) {
            poolBackward<<<gridFor(n), kBlock, 0, stream()>>>(m_mode, m_seq, f32(a.gradOutputs[0]),
                                                              argmax(), f32(a.gradInputs[0]));
        }
        return launched("backward");
    }

private:
    int* argmax() const { return m_argmax.defined() ? i32(m_argmax) : nullptr; }

    Mode m_mode;
    Sequence m_seq;  // N, T, C
    Tensor m_argmax; // i32 [N, C]: the step of each maximum (max mode only)
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeSequencePoolKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<SequencePoolKernel>(b, c);
}

} // namespace nw::gpu::cuda
