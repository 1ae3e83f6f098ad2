#pragma once
// Building a GPU backend's kernels with constructors that stay linear: a helper that cannot
// create what a kernel needs (a pipeline, a library plan, a scratch tensor) throws
// KernelBuildError, and makeKernel turns it into an Error naming the node. Shared by the Vulkan
// and CUDA backends' kernel bases.

#include "engine/core/kernel.h"

#include <memory>
#include <stdexcept>
#include <utility>

namespace nw::engine {

// Thrown while a kernel is built, turned into an Error by makeKernel.
struct KernelBuildError {
    Error error;
};

// The value of `built`, or a KernelBuildError with its error.
template <class T>
T builtOrThrow(Expected<T> built) {
    if (!built) {
        throw KernelBuildError{built.error()};
    }
    return std::move(*built);
}
inline void builtOrThrow(Status built) {
    if (!built) {
        throw KernelBuildError{built.error()};
    }
}

// Builds a kernel of type K from (backend, config, extra...), an error naming the node when
// its constructor threw KernelBuildError or found no parameter declarations.
template <class K, class B, class... Extra>
Expected<std::unique_ptr<OpKernel>> makeKernel(B& backend, const KernelConfig& config,
                                               Extra&&... extra) {
    try {
        return std::unique_ptr<OpKernel>(
            std::make_unique<K>(backend, config, std::forward<Extra>(extra)...));
    } catch (const KernelBuildError& e) {
        return Error{"node '" + config.nodeId + "' (" + config.op + "): " + e.error.message,
                     e.error.kind};
    } catch (const std::out_of_range&) {
        return Error::internal("node '" + config.nodeId + "' (" + config.op +
                               "): the kernel was given no parameter declarations");
    }
}

} // namespace nw::engine
