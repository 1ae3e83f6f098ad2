#pragma once
// Backends for tests, opened through the backend registry as the programs do.

#include "engine/core/backend_registry.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace nw::testing {

// A registry with the CPU backend only (engine tests do not link the composition roots).
inline const engine::BackendRegistry& cpuOnlyRegistry() {
    static const engine::BackendRegistry registry = [] {
        engine::BackendRegistry r;
        engine::registerCpuBackend(r);
        return r;
    }();
    return registry;
}

// Opens `id` from `registry`; a failure ends the test program with the reason.
inline std::unique_ptr<engine::Backend> openBackend(const engine::BackendRegistry& registry,
                                                    std::string_view id = "cpu",
                                                    const engine::BackendOptions& options = {}) {
    auto backend = registry.openBackend(id, options);
    if (!backend) {
        std::fprintf(stderr, "cannot open backend %s: %s\n", std::string(id).c_str(),
                     backend.error().message.c_str());
        std::abort();
    }
    return std::move(*backend);
}

// The CPU backend, as every engine test uses it.
inline std::unique_ptr<engine::Backend> openCpu(const engine::BackendOptions& options = {}) {
    return openBackend(cpuOnlyRegistry(), "cpu", options);
}

} // namespace nw::testing
