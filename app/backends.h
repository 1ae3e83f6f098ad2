#pragma once
// The composition roots' explicit list of compute backends: the CPU (nw_engine) first, then
// the GPU backends this build has. A GPU backend that is not built is listed as absent with
// the reason the configure step gave, so `netwright-cli devices` and the IDE can say why.

#include "engine/core/backend_registry.h"

namespace nw::app {

engine::BackendRegistry makeBackendRegistry();

} // namespace nw::app
