#pragma once
// The CPU backend's kernels, registered explicitly by op name (one line each in
// registry.cpp); engine/cpu/ops/<op>.cpp holds each op's forward and backward.

#include "engine/core/kernel.h"
#include "graph/op_table.h"

#include <functional>
#include <memory>
#include <string_view>

namespace nw::engine::cpu {

class CpuBackend;

using KernelFactory =
    std::function<Expected<std::unique_ptr<OpKernel>>(CpuBackend&, const KernelConfig&)>;

// The CPU backend's op table, as each CpuBackend starts with it: a kernel factory for every
// built-in op. Plugins add their kernels to a backend's own copy (CpuBackend::kernels()).
graph::OpTable<KernelFactory> makeCpuKernelTable();

} // namespace nw::engine::cpu
