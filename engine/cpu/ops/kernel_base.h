#pragma once
// What every CPU kernel shares: its backend, the oneDNN context and typed attribute access.

#include "engine/core/kernel.h"
#include "engine/cpu/cpu_backend.h"
#include "engine/cpu/dnnl_util.h"

#include <memory>
#include <stdexcept>

namespace nw::engine::cpu {

class CpuKernel : public OpKernel, protected KernelAttributes {
protected:
    CpuKernel(CpuBackend& backend, const KernelConfig& config)
        : KernelAttributes(config.attrs)
        , m_backend(backend)
        , m_ctx(backend.dnnl())
        , m_node(config.nodeId) {}

    // Runs `fn`, turning oneDNN exceptions into an Error naming this node.
    template <class Fn>
    Status run(const char* what, Fn&& fn) {
        return guarded(m_node, what, std::forward<Fn>(fn));
    }

    CpuBackend& m_backend;
    DnnlContext& m_ctx;
    std::string m_node;
};

// Builds a kernel of type K, turning construction failures (oneDNN refusing a shape) into an
// Error naming the node.
template <class K, class... Extra>
Expected<std::unique_ptr<OpKernel>> makeKernel(CpuBackend& backend, const KernelConfig& config,
                                               Extra&&... extra) {
    try {
        return std::unique_ptr<OpKernel>(
            std::make_unique<K>(backend, config, std::forward<Extra>(extra)...));
    } catch (const dnnl::error& e) {
        return Error::internal("node '" + config.nodeId + "' (" + config.op +
                               "): oneDNN cannot build the kernel: " + e.what());
    } catch (const std::out_of_range&) { // KernelConfig::params lacks the schema's declarations
        return Error::internal("node '" + config.nodeId + "' (" + config.op +
                               "): the kernel was given no parameter declarations");
    }
}

} // namespace nw::engine::cpu
