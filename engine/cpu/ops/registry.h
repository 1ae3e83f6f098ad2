#pragma once
// The CPU backend's kernels, registered explicitly by op name (one line each in
// registry.cpp); engine/cpu/ops/<op>.cpp holds each op's forward and backward.

#include "engine/core/kernel.h"

#include <functional>
#include <memory>
#include <string_view>

namespace nw::engine::cpu {

class CpuBackend;

using KernelFactory =
    std::function<Expected<std::unique_ptr<OpKernel>>(CpuBackend&, const KernelConfig&)>;

// The factory for `op`, or nullptr when the CPU backend has no kernel for it.
const KernelFactory* findKernelFactory(std::string_view op);

} // namespace nw::engine::cpu
