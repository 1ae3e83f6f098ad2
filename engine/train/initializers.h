#pragma once
// Parameter initialisation: the starting values of a node's parameters, drawn on the host
// from the counter RNG and copied to the parameter's device.
//
// The values are a pure function of (seed, node id, parameter name, index): stream
// streamId("init/<nodeId>/<spec.name>") of CounterRng(seed), element i for element i. The
// same seed gives the same weights on every device, thread count and run.

#include "base/expected.h"
#include "engine/core/backend.h"
#include "engine/core/kernel.h"

#include <cstdint>
#include <string_view>

namespace nw::engine {

// Fills `t` (f32, spec.shape's element count) per spec.init:
//   Zeros / Ones:   0 / 1 exactly
//   HeNormal:       N(0, std^2),   std   = sqrt(2 / fanIn)
//   HeUniform:      U[-l, l),      l     = sqrt(6 / fanIn)
//   GlorotNormal:   N(0, std^2),   std   = sqrt(2 / (fanIn + fanOut))
//   GlorotUniform:  U[-l, l),      l     = sqrt(6 / (fanIn + fanOut))
// Returns after synchronize(): the values are in place. An internal error when the tensor
// does not match the spec or a needed fan is not positive.
Status initializeParameter(Backend& backend, const Tensor& t, const ParamSpec& spec,
                           std::uint64_t seed, std::string_view nodeId);

} // namespace nw::engine
