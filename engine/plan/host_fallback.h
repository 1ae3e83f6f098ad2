#pragma once
// HostFallbackKernel: runs a node the plan's backend has no kernel for on the CPU backend,
// inside a plan on another device. Every call copies what the inner CPU kernel reads from
// the device (inputs, parameters, saved outputs, incoming gradients, targets) into CPU
// tensors, runs it, and copies what it writes back (outputs, state such as batch-norm
// running statistics, input and parameter gradients). Correct on any device, and slow in
// proportion to the copies: the plan reports every node it places this way.

#include "engine/core/backend.h"

#include <memory>
#include <vector>

namespace nw::engine {

// `device`: the plan's backend; `cpu`: the fallback (a CPU backend) that builds the inner
// kernel. Both must outlive the kernel.
Expected<std::unique_ptr<OpKernel>> makeHostFallbackKernel(Backend& device, Backend& cpu,
                                                           const KernelConfig& config);

} // namespace nw::engine
