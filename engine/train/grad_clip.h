#pragma once
// Gradient-norm clipping, PyTorch's torch.nn.utils.clip_grad_norm_ (2-norm over all
// gradients together).

#include "base/expected.h"
#include "engine/core/backend.h"

#include <span>

namespace nw::engine {

// Returns the total 2-norm of `grads` before clipping, sqrt(sum of every element squared).
// When maxNorm > 0 and the norm exceeds it, scales every gradient in place by
// maxNorm / (norm + 1e-6) (PyTorch scales exactly when that factor is below 1, as here).
// maxNorm <= 0: no clipping, only the norm. A non-finite norm (inf/NaN gradients) is
// returned without scaling anything; the trainer's NaN guard decides what to do.
Expected<double> clipGradNorm(Backend& backend, std::span<const Tensor> grads, double maxNorm);

} // namespace nw::engine
