// Add (element-wise sum of n inputs) and Concat (join along an axis). Backward of Add copies
// the output gradient to every input; backward of Concat slices it.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <cstring>

namespace nw::engine::cpu {

namespace {

class AddKernel final : public CpuKernel {
public:
    AddKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_numel(numelOf(c.outputs[0])) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        float* y = CpuBackend::f32(a.outputs[0]);
        const float* x0 = CpuBackend::f32(a.inputs[0]);
        std::memcpy(y, x0, static_cast<std::size_t>(m_numel) * sizeof(float));
        for (std::size_t k = 1; k < a.inputs.size(); ++k) {
            const float* xk = CpuBackend::f32(a.inputs[k]);
#pragma omp parallel for simd
            for (std::int64_t i = 0; i < m_numel; ++i) {
                y[i] += xk[i];
            }
        }
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        for (const Tensor& g : a.gradInputs) {
            if (g.defined()) {
                std::memcpy(CpuBackend::data(g), CpuBackend::data(a.gradOutputs[0]),
                            static_cast<std::size_t>(m_numel) * sizeof(float));
            }
        }
        return Status::success();
    }

private:
    std::int64_t m_numel;
};

class ConcatKernel final : public CpuKernel {
public:
    // oneDNN concat forward; backward reorders each input's slice of the output gradient
    // (a sub-memory view) into its gradient. Works in any storage layout.
    ConcatKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c) {
        const Dims& y = c.outputs[0];
        auto rank = static_cast<std::int64_t>(y.size());
        std::int64_t axis = attrInt("axis");
        int ax = static_cast<int>(axis < 0 ? axis + rank : axis);
        m_yDesc = plainDesc(y);
        std::vector<dnnl::memory::desc> srcs;
        DnnlDims offsets(y.size(), 0);
        for (const Dims& x : c.inputs) {
            srcs.push_back(plainDesc(x));
            m_slices.push_back(m_yDesc.submemory_desc(toDnnl(x), offsets));
            offsets[std::size_t(ax)] += x[std::size_t(ax)];
        }
        m_fwd = dnnl::concat(dnnl::concat::primitive_desc(m_yDesc, ax, srcs, m_ctx.engine));
        for (std::size_t i = 0; i < c.inputs.size(); ++i) {
            m_bwd.emplace_back(
                dnnl::reorder::primitive_desc(m_ctx.engine, m_slices[i], m_ctx.engine, srcs[i]));
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        return run("concat forward", [&] {
            std::unordered_map<int, dnnl::memory> args{
                {DNNL_ARG_DST, wrap(m_ctx, a.outputs[0], m_yDesc)}};
            for (std::size_t i = 0; i < a.inputs.size(); ++i) {
                args.emplace(DNNL_ARG_MULTIPLE_SRC + int(i), wrap(m_ctx, a.inputs[i]));
            }
            m_fwd.execute(m_ctx.stream, args);
        });
    }

    Status backward(const BackwardArgs& a) override {
        return run("concat backward", [&] {
            for (std::size_t i = 0; i < a.gradInputs.size(); ++i) {
                if (!a.gradInputs[i].defined()) {
                    continue;
                }
                dnnl::memory slice(m_slices[i], m_ctx.engine, CpuBackend::data(a.gradOutputs[0]));
                dnnl::memory dx = wrap(m_ctx, a.gradInputs[i]);
                m_bwd[i].execute(m_ctx.stream, slice, dx);
            }
        });
    }

private:
    dnnl::memory::desc m_yDesc;
    std::vector<dnnl::memory::desc> m_slices;
    dnnl::concat m_fwd;
    std::vector<dnnl::reorder> m_bwd;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeAddKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<AddKernel>(b, c);
}

Expected<std::unique_ptr<OpKernel>> makeConcatKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<ConcatKernel>(b, c);
}

} // namespace nw::engine::cpu
