#pragma once
// Backends for tests, opened through the backend registry as the programs do.

#include "engine/core/backend_registry.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

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

// A tensor's values, row-major; a failed copy ends the test program with the reason.
inline std::vector<float> download(engine::Backend& b, const engine::Tensor& t) {
    std::vector<float> v(static_cast<std::size_t>(t.numel()));
    if (!b.copyToHost(t, v.data()).ok() || !b.synchronize().ok()) {
        std::fprintf(stderr, "download of %s failed\n", t.toString().c_str());
        std::abort();
    }
    return v;
}

// Writes `v` into `t`; false when the sizes differ or the copy fails.
inline bool upload(engine::Backend& b, const engine::Tensor& t, const std::vector<float>& v) {
    if (v.size() != static_cast<std::size_t>(t.numel())) {
        return false;
    }
    return b.copyFromHost(t, v.data()).ok() && b.synchronize().ok();
}

} // namespace nw::testing
