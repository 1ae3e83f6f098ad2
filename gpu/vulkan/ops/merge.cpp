// Add and Concat, as the CPU (engine/cpu/ops/merge.cpp). Add: y = sum of n >= 2 inputs of one
// shape (shaders/elementwise.comp); backward copies dy to every input gradient. Concat along
// `axis` (shaders/concat.comp), one strided copy per input; backward slices dy.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class AddKernel final : public VulkanKernel {
public:
    AddKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_numel(engine::numelOf(c.outputs[0]))
        , m_sum(pipeline("elementwise", {3}))
        , m_addInto(pipeline("elementwise", {2})) {}

    bool backwardReadsInputs() const override { return false; }

    // y = x0 + x1, then y += xk for each further input.
    Status forward(const ForwardArgs& a) override {
        const Tensor& y = a.outputs[0];
        Push p;
        p.addr(y).addr(a.inputs[0]).addr(a.inputs[1]).u32(u32(m_numel)).f32(0.0f);
        if (auto s = dispatch(m_sum, VulkanBackend::groupsFor(m_numel), p,
                              {a.inputs[0], a.inputs[1]}, {y}, "forward");
            !s) {
            return s;
        }
        for (std::size_t k = 2; k < a.inputs.size(); ++k) {
            Push q;
            q.addr(y).addr(a.inputs[k]).addr(y).u32(u32(m_numel)).f32(0.0f);
            if (auto s = dispatch(m_addInto, VulkanBackend::groupsFor(m_numel), q, {a.inputs[k], y},
                                  {y}, "forward");
                !s) {
                return s;
            }
        }
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        for (const Tensor& g : a.gradInputs) {
            if (g.defined()) {
                if (auto s = m_backend.copy(a.gradOutputs[0], g); !s) {
                    return s;
                }
            }
        }
        return Status::success();
    }

private:
    std::int64_t m_numel;
    const Pipeline& m_sum;
    const Pipeline& m_addInto;
};

class ConcatKernel final : public VulkanKernel {
public:
    ConcatKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_forward(pipeline("concat", {0}))
        , m_backward(pipeline("concat", {1})) {
        const Dims& y = c.outputs[0];
        auto rank = static_cast<std::int64_t>(y.size());
        std::int64_t axis = attrInt("axis");
        auto ax = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
        std::int64_t inner = 1;
        for (std::size_t d = 0; d < y.size(); ++d) {
            if (d < ax) {
                m_outer *= y[d];
            } else if (d > ax) {
                inner *= y[d];
            }
        }
        m_rowY = y[ax] * inner;
        for (const Dims& x : c.inputs) {
            m_rows.push_back(x[ax] * inner);
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        std::int64_t offset = 0;
        for (std::size_t i = 0; i < a.inputs.size(); ++i) {
            if (auto s = run(m_forward, a.inputs[i], a.outputs[0], i, offset, {a.inputs[i]},
                             {a.outputs[0]}, "forward");
                !s) {
                return s;
            }
            offset += m_rows[i];
        }
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        std::int64_t offset = 0;
        for (std::size_t i = 0; i < a.gradInputs.size(); ++i) {
            const Tensor& dx = a.gradInputs[i];
            if (dx.defined()) {
                if (auto s = run(m_backward, dx, a.gradOutputs[0], i, offset, {a.gradOutputs[0]},
                                 {dx}, "backward");
                    !s) {
                    return s;
                }
            }
            offset += m_rows[i];
        }
        return Status::success();
    }

private:
    // Input i's slice: x [outer, rows[i]] at column `offset` of y [outer, rowY].
    Status run(const Pipeline& pipe, const Tensor& x, const Tensor& y, std::size_t i,
               std::int64_t offset, std::initializer_list<Tensor> reads,
               std::initializer_list<Tensor> writes, const char* what) {
        Push p;
        p.addr(x).addr(y).u32(u32(m_outer)).u32(u32(m_rows[i])).u32(u32(m_rowY));
        p.u32(u32(offset));
        return dispatch(pipe, VulkanBackend::groupsFor(m_outer * m_rows[i]), p, reads, writes,
                        what);
    }

    const Pipeline& m_forward;
    const Pipeline& m_backward;
    std::int64_t m_outer = 1;
    std::int64_t m_rowY = 0;
    std::vector<std::int64_t> m_rows; // per input: its axis length * inner
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeAddKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<AddKernel>(b, c);
}

Expected<std::unique_ptr<OpKernel>> makeConcatKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<ConcatKernel>(b, c);
}

} // namespace nw::gpu::vulkan
