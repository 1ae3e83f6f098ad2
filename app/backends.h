#pragma once
// The composition roots' explicit list of compute backends: the CPU (nw_engine) first, then
// the GPU backends this build has. A GPU backend that is not built is listed as absent with
// the reason the configure step gave, so `netwright-cli devices` and the IDE can say why.
// And the plugins: loadRegistries() loads them (plugins/host) into the op registry and the CPU
// backend's kernel tables. Only netwright and netwright-cli call it.

#include "engine/core/backend_registry.h"
#include "engine/distributed/communicator.h"
#include "graph/op_registry.h"
#include "plugins/host/plugin_host.h"

#include <memory>

namespace nw::app {

// `plugins` (may be null): their ops' CPU kernels join every CPU backend's table.
engine::BackendRegistry makeBackendRegistry(std::shared_ptr<const plugins::PluginSet> plugins = {});

// The ops and devices a program works with: the built-in ops and those of the plugins loaded.
struct Registries {
    graph::OpRegistry ops;
    std::shared_ptr<const plugins::PluginSet> plugins; // what was loaded and refused
    engine::BackendRegistry backends;
};

// The built-in ops, the plugins `search` finds, and the backends.
std::unique_ptr<Registries> loadRegistries(const plugins::PluginSearch& search);

// Data-parallel training on `backend`: the communicator its tensors travel best by, NCCL for a
// CUDA device where this build has it (over the ranks of `mpi`, which must outlive it); null
// where `mpi` itself carries them, staged through the host.
Expected<std::unique_ptr<engine::Communicator>> openDeviceCommunicator(engine::Communicator& mpi,
                                                                       engine::Backend& backend);

} // namespace nw::app
