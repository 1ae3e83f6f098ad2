#include "engine/plan/host_fallback.h"

namespace nw::engine {

namespace {

class HostFallbackKernel final : public OpKernel {
public:
    HostFallbackKernel(Backend& device, Backend& cpu, std::unique_ptr<OpKernel> inner,
                       std::vector<graph::ParamSpec> params)
        : m_device(device)
        , m_cpu(cpu)
        , m_inner(std::move(inner))
        , m_params(std::move(params)) {}

    bool backwardReadsInputs() const override { return m_inner->backwardReadsInputs(); }
    bool backwardReadsOutputs() const override { return m_inner->backwardReadsOutputs(); }

    Status forward(const ForwardArgs& a) override {
        auto& [in, params, out, gradOut, gradIn, gradParams] = m_mirrors;
        Tensor& targets = m_targets;
        if (auto s = down(a.inputs, in); !s) {
            return s;
        }
        if (auto s = down(a.params, params); !s) {
            return s;
        }
        if (auto s = mirrors(a.outputs, out); !s) {
            return s;
        }
        if (a.targets && a.targets->defined()) {
            if (auto s = downOne(*a.targets, targets); !s) {
                return s;
            }
        }
        ForwardArgs c = a;
        c.inputs = in;
        c.params = params;
        c.outputs = out;
        c.targets = a.targets && a.targets->defined() ? &targets : nullptr;
        if (auto s = m_inner->forward(c); !s) {
            return s;
        }
        if (auto s = up(out, a.outputs); !s) {
            return s;
        }
        if (a.training) { // state the kernel updated itself (batch-norm running statistics)
            for (std::size_t i = 0; i < m_params.size() && i < params.size(); ++i) {
                if (!m_params[i].trainable) {
                    if (auto s = upOne(params[i], a.params[i]); !s) {
                        return s;
                    }
                }
            }
        }
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        auto& [in, params, out, gradOut, gradIn, gradParams] = m_mirrors;
        Tensor& targets = m_targets;
        if (auto s = m_inner->backwardReadsInputs() ? down(a.inputs, in) : mirrors(a.inputs, in);
            !s) {
            return s;
        }
        if (auto s =
                m_inner->backwardReadsOutputs() ? down(a.outputs, out) : mirrors(a.outputs, out);
            !s) {
            return s;
        }
        if (auto s = down(a.params, params); !s) {
            return s;
        }
        if (auto s = down(a.gradOutputs, gradOut); !s) {
            return s;
        }
        if (auto s = mirrors(a.gradInputs, gradIn); !s) {
            return s;
        }
        if (auto s = mirrors(a.gradParams, gradParams); !s) {
            return s;
        }
        if (a.targets && a.targets->defined()) {
            if (auto s = downOne(*a.targets, targets); !s) {
                return s;
            }
        }
        BackwardArgs c = a;
        c.inputs = in;
        c.params = params;
        c.outputs = out;
        c.gradOutputs = gradOut;
        c.gradInputs = gradIn;
        c.gradParams = gradParams;
        c.targets = a.targets && a.targets->defined() ? &targets : nullptr;
        if (auto s = m_inner->backward(c); !s) {
            return s;
        }
        if (auto s = up(gradIn, a.gradInputs); !s) {
            return s;
        }
        return up(gradParams, a.gradParams);
    }

private:
    // `out` made a CPU tensor shaped like `t` (undefined for an undefined one: a gradient not
    // needed). Kept from call to call: the plan's shapes never change.
    Status mirror(const Tensor& t, Tensor& out) {
        if (!t.defined()) {
            out = Tensor();
            return Status::success();
        }
        if (out.defined() && out.shape() == t.shape() && out.dtype() == t.dtype()) {
            return Status::success();
        }
        auto m = m_cpu.allocate(t.shape(), t.dtype());
        if (!m) {
            return m.error();
        }
        out = *m;
        return Status::success();
    }
    Status mirrors(std::span<const Tensor> from, std::vector<Tensor>& out) {
        out.resize(from.size());
        for (std::size_t i = 0; i < from.size(); ++i) {
            if (auto s = mirror(from[i], out[i]); !s) {
                return s;
            }
        }
        return Status::success();
    }
    // Device -> CPU, through host staging.
    Status downOne(const Tensor& src, Tensor& dst) {
        if (auto s = mirror(src, dst); !s || !src.defined()) {
            return s;
        }
        return transfer(m_device, src, m_cpu, dst);
    }
    Status down(std::span<const Tensor> from, std::vector<Tensor>& out) {
        out.resize(from.size());
        for (std::size_t i = 0; i < from.size(); ++i) {
            if (auto s = downOne(from[i], out[i]); !s) {
                return s;
            }
        }
        return Status::success();
    }
    Status upOne(const Tensor& src, const Tensor& dst) {
        return src.defined() && dst.defined() ? transfer(m_cpu, src, m_device, dst)
                                              : Status::success();
    }
    Status up(const std::vector<Tensor>& from, std::span<const Tensor> to) {
        for (std::size_t i = 0; i < from.size() && i < to.size(); ++i) {
            if (auto s = upOne(from[i], to[i]); !s) {
                return s;
            }
        }
        return Status::success();
    }
    Status transfer(Backend& from, const Tensor& src, Backend& to, const Tensor& dst) {
        m_staging.resize(src.bytes());
        if (auto s = from.copyToHost(src, m_staging.data()); !s) {
            return s;
        }
        if (auto s = from.synchronize(); !s) {
            return s;
        }
        if (auto s = to.copyFromHost(dst, m_staging.data()); !s) {
            return s;
        }
        return to.synchronize();
    }

    Backend& m_device;
    Backend& m_cpu;
    std::unique_ptr<OpKernel> m_inner;
    std::vector<graph::ParamSpec> m_params;
    std::vector<char> m_staging;
    // The CPU copies of inputs, params, outputs, gradOutputs, gradInputs, gradParams, reused
    // by every call (the inner kernel may keep views of what forward saw until backward).
    struct Mirrors {
        std::vector<Tensor> in, params, out, gradOut, gradIn, gradParams;
    } m_mirrors;
    Tensor m_targets;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeHostFallbackKernel(Backend& device, Backend& cpu,
                                                           const KernelConfig& config) {
    if (cpu.device() != Device::cpu()) {
        return Error::internal("the fallback for node '" + config.nodeId + "' is " +
                               cpu.device().toString() + ", not the CPU");
    }
    auto inner = cpu.createKernel(config);
    if (!inner) {
        return inner.error();
    }
    return std::unique_ptr<OpKernel>(
        std::make_unique<HostFallbackKernel>(device, cpu, std::move(*inner), config.params));
}

} // namespace nw::engine
