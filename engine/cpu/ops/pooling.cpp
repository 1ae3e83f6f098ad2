// MaxPool2D, AvgPool2D, GlobalAvgPool and GlobalMaxPool on oneDNN pooling (v2: dilation), in
// our plain NCHW layout. x: [N, C, H, W]; y: [N, C, H', W'] ([N, C] for the global pools, a
// [N, C, 1, 1] pooling with an H x W window; max keeps its workspace for backward).
// The windows are graph/ops/pool_window.h's: asymmetric padding and ceil_mode are oneDNN's
// padding_l and padding_r (the latter reaching the ceil overhang); count_include_pad false is
// pooling_avg_exclude_padding. With count_include_pad, oneDNN divides every window by kh * kw,
// overhang included: the windows that reach past the padding are rescaled to their own
// divisor, y *= kh * kw / count, and dy likewise before backward.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"
#include "graph/ops/pool_window.h"

#include <algorithm>
#include <vector>

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class PoolKernel final : public CpuKernel {
public:
    PoolKernel(CpuBackend& backend, const KernelConfig& c, algorithm algo, bool global)
        : CpuKernel(backend, c)
        , m_max(algo == algorithm::pooling_max) {
        const Dims& x = c.inputs[0];
        Dims y = global ? Dims{x[0], x[1], 1, 1} : c.outputs[0];
        DnnlDims kernel{x[2], x[3]}, strides{1, 1}, dilation{0, 0}, padL{0, 0}, padR{0, 0};
        if (!global) {
            const graph::ops::PoolWindow win = graph::ops::poolWindow(c.attrs, x[2], x[3]);
            for (int d = 0; d < 2; ++d) {
                const graph::ops::PoolAxis& a = win.axis(d);
                kernel[d] = a.kernel;
                strides[d] = a.stride;
                dilation[d] = a.dilation - 1; // oneDNN: 0 is no dilation
                padL[d] = a.padBegin;
                padR[d] = a.reachedPadEnd();
            }
            if (!m_max && !win.includePad) {
                algo = algorithm::pooling_avg_exclude_padding;
            } else if (!m_max && !win.fullDivisors()) {
                m_scale = rescaling(win, y[2], y[3]);
            }
        }
        m_yDesc = plainDesc(y);
        auto xd = plainDesc(x);
        pooling_v2_forward::primitive_desc fwdPd(
            pooling_v2_forward::desc(prop_kind::forward_training, algo, xd, m_yDesc, strides,
                                     kernel, dilation, padL, padR),
            m_ctx.engine);
        m_fwd = pooling_v2_forward(fwdPd);
        pooling_v2_backward::primitive_desc bwdPd(
            pooling_v2_backward::desc(algo, xd, m_yDesc, strides, kernel, dilation, padL, padR),
            m_ctx.engine, fwdPd);
        m_bwd = pooling_v2_backward(bwdPd);
        if (m_max) {
            m_workspace = memory(fwdPd.workspace_desc(), m_ctx.engine);
        }
        if (!m_scale.empty()) {
            m_scaledDy = memory(m_yDesc, m_ctx.engine);
        }
    }

    bool backwardReadsInputs() const override { return false; } // max uses its workspace

    Status forward(const ForwardArgs& a) override {
        return run("pooling forward", [&] {
            memory y = wrap(m_ctx, a.outputs[0], m_yDesc);
            std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0])},
                                                 {DNNL_ARG_DST, y}};
            if (m_max) {
                args.emplace(DNNL_ARG_WORKSPACE, m_workspace);
            }
            m_fwd.execute(m_ctx.stream, args);
            if (!m_scale.empty()) {
                m_ctx.stream.wait();
                rescale(static_cast<float*>(y.get_data_handle()));
            }
        });
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return run("pooling backward", [&] {
            memory dy = wrap(m_ctx, a.gradOutputs[0], m_yDesc);
            if (!m_scale.empty()) { // d(y * s) / dx = s * dy through the unscaled pooling
                const std::size_t n = m_yDesc.get_size() / sizeof(float);
                const float* from = static_cast<const float*>(dy.get_data_handle());
                float* to = static_cast<float*>(m_scaledDy.get_data_handle());
                std::copy(from, from + n, to);
                rescale(to);
                dy = m_scaledDy;
            }
            std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, dy},
                                                 {DNNL_ARG_DIFF_SRC, wrap(m_ctx, a.gradInputs[0])}};
            if (m_max) {
                args.emplace(DNNL_ARG_WORKSPACE, m_workspace);
            }
            m_bwd.execute(m_ctx.stream, args);
        });
    }

private:
    // Per output cell (oy, ox), row-major [H', W']: kh * kw over the window's divisor.
    static std::vector<float> rescaling(const graph::ops::PoolWindow& win, std::int64_t oh,
                                        std::int64_t ow) {
        std::vector<float> s(static_cast<std::size_t>(oh * ow));
        const double area = double(win.rows.kernel * win.cols.kernel);
        for (std::int64_t oy = 0; oy < oh; ++oy) {
            for (std::int64_t ox = 0; ox < ow; ++ox) {
                s[std::size_t(oy * ow + ox)] = static_cast<float>(
                    area / double(win.rows.count(oy, true) * win.cols.count(ox, true)));
            }
        }
        return s;
    }

    // v: [N, C, H', W'] in the backend's channels-last storage, scaled by m_scale per cell.
    void rescale(float* v) const {
        const memory::dims d = m_yDesc.dims();
        const std::int64_t n = d[0], c = d[1], cells = d[2] * d[3];
#pragma omp parallel for
        for (std::int64_t i = 0; i < n * cells; ++i) {
            const float s = m_scale[std::size_t(i % cells)];
            for (std::int64_t k = 0; k < c; ++k) {
                v[i * c + k] *= s;
            }
        }
    }

    bool m_max;
    memory::desc m_yDesc;
    memory m_workspace;
    std::vector<float> m_scale; // AvgPool2D with windows past the padding only
    memory m_scaledDy;
    pooling_v2_forward m_fwd;
    pooling_v2_backward m_bwd;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMaxPool2dKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, algorithm::pooling_max, false);
}

Expected<std::unique_ptr<OpKernel>> makeAvgPool2dKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, algorithm::pooling_avg_include_padding, false);
}

Expected<std::unique_ptr<OpKernel>> makeGlobalAvgPoolKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, algorithm::pooling_avg_include_padding, true);
}

Expected<std::unique_ptr<OpKernel>> makeGlobalMaxPoolKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, algorithm::pooling_max, true);
}

} // namespace nw::engine::cpu
