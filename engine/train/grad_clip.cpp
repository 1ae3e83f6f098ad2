#include "engine/train/grad_clip.h"

#include <cmath>

namespace nw::engine {

Expected<double> clipGradNorm(Backend& backend, std::span<const Tensor> grads, double maxNorm) {
    auto squares = backend.sumOfSquares(grads);
    if (!squares) {
        return squares.error();
    }
    const double norm = std::sqrt(*squares);
    if (maxNorm <= 0.0 || !std::isfinite(norm)) {
        return norm;
    }
    const double factor = maxNorm / (norm + 1e-6);
    if (factor < 1.0) {
        for (const Tensor& g : grads) {
            if (Status s = backend.scale(g, static_cast<float>(factor)); !s) {
                return s.error();
            }
        }
    }
    return norm;
}

} // namespace nw::engine
