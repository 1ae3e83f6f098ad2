// Add (element-wise sum of n >= 2 inputs of one shape) and Concat (join along `axis`), as the
// CPU (engine/cpu/ops/merge.cpp). Add sums in input order, as the CPU does; its backward
// copies the output gradient to every input. Concat copies each input into its slice of the
// output; its backward copies each slice of the output gradient back.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"
#include "gpu/cuda/ops/tensor_copy.h"

#include <algorithm>
#include <vector>

namespace nw::gpu::cuda {

namespace {

// The inputs one Add launch sums; more inputs take further launches that add into y.
constexpr int kAddInputs = 8;

struct AddInputs {
    const float* x[kAddInputs];
    int count;
};

// y = x[0] + ... + x[count - 1] (or y += them when accumulate), left to right.
__global__ void addKernel(AddInputs in, float* y, std::int64_t n, bool accumulate) {
    NW_GRID_STRIDE(i, n) {
        float sum = accumulate ? y[i] : in.x[0][i];
        for (int k = accumulate ? 0 : 1; k < in.count; ++k) {
            sum += in.x[k][i];
        }
        y[i] = sum;
    }
}

class AddKernel final : public CudaKernel {
public:
    AddKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_numel(engine::numelOf(c.outputs[0])) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        if (m_numel == 0) {
            return Status::success();
        }
        for (std::size_t first = 0; first < a.inputs.size(); first += kAddInputs) {
            AddInputs in{};
            in.count = int(std::min<std::size_t>(kAddInputs, a.inputs.size() - first));
            for (int k = 0; k < in.count; ++k) {
                in.x[k] = f32(a.inputs[first + std::size_t(k)]);
            }
            addKernel<<<gridFor(m_numel), kBlock, 0, stream()>>>(in, f32(a.outputs[0]), m_numel,
                                                                 first > 0);
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        for (const Tensor& g : a.gradInputs) {
            if (!g.defined()) {
                continue;
            }
            if (auto s =
                    copyTensor(a.gradOutputs[0], g, stream(), "node '" + m_node + "' backward");
                !s) {
                return s;
            }
        }
        return Status::success();
    }

private:
    std::int64_t m_numel;
};

// dst[r, c] = src[r, c] for r < rows, c < width, rows `srcPitch` / `dstPitch` floats apart:
// one input's block of a concatenated row-major tensor, in either direction.
__global__ void copyRowsKernel(const float* src, std::int64_t srcPitch, float* dst,
                               std::int64_t dstPitch, std::int64_t rows, std::int64_t width) {
    NW_GRID_STRIDE(e, rows * width) {
        const std::int64_t r = e / width, c = e % width;
        dst[r * dstPitch + c] = src[r * srcPitch + c];
    }
}

class ConcatKernel final : public CudaKernel {
public:
    // Row-major y seen as [outer, axis * inner]: input i fills columns [offset_i, offset_i +
    // width_i) of every row, width_i = its axis dim * inner.
    ConcatKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c) {
        const Dims& y = c.outputs[0];
        const auto rank = static_cast<std::int64_t>(y.size());
        const std::int64_t axis = attrInt("axis") < 0 ? attrInt("axis") + rank : attrInt("axis");
        const auto ax = static_cast<std::size_t>(axis);
        m_outer = 1;
        for (std::size_t d = 0; d < ax; ++d) {
            m_outer *= y[d];
        }
        std::int64_t inner = 1;
        for (std::size_t d = ax + 1; d < y.size(); ++d) {
            inner *= y[d];
        }
        m_rowWidth = y[ax] * inner;
        std::int64_t offset = 0;
        for (const Dims& x : c.inputs) {
            m_widths.push_back(x[ax] * inner);
            m_offsets.push_back(offset);
            offset += m_widths.back();
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        float* y = f32(a.outputs[0]);
        for (std::size_t i = 0; i < a.inputs.size(); ++i) {
            copyRows(f32(a.inputs[i]), m_widths[i], y + m_offsets[i], m_rowWidth, m_widths[i]);
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        const float* dy = f32(a.gradOutputs[0]);
        for (std::size_t i = 0; i < a.gradInputs.size(); ++i) {
            if (a.gradInputs[i].defined()) {
                copyRows(dy + m_offsets[i], m_rowWidth, f32(a.gradInputs[i]), m_widths[i],
                         m_widths[i]);
            }
        }
        return launched("backward");
    }

private:
    void copyRows(const float* src, std::int64_t srcPitch, float* dst, std::int64_t dstPitch,
                  std::int64_t width) {
        const std::int64_t n = m_outer * width;
        if (n > 0) {
            copyRowsKernel<<<gridFor(n), kBlock, 0, stream()>>>(src, srcPitch, dst, dstPitch,
                                                                m_outer, width);
        }
    }

    std::int64_t m_outer = 1;    // the product of the dims before the axis, batch included
    std::int64_t m_rowWidth = 0; // the output's axis dim times the dims after it
    std::vector<std::int64_t> m_widths, m_offsets; // per input, in floats within a row
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeAddKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<AddKernel>(b, c);
}

Expected<std::unique_ptr<OpKernel>> makeConcatKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<ConcatKernel>(b, c);
}

} // namespace nw::gpu::cuda
