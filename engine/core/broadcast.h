#pragma once
// Two same-rank shapes broadcast against each other (Mul: each dimension equal, or 1 in one of
// them), in the form the GPU kernels index: the output's dims with every dim of 1 dropped and
// neighbouring dims that broadcast alike merged, and each input's element stride along those
// dims (0 where it broadcasts). [N, C, H, W] · [N, C, 1, 1] becomes [N·C, H·W] with strides
// [H·W, 1] and [1, 0].

#include "engine/core/tensor.h"

#include <array>
#include <cstdint>
#include <vector>

namespace nw::engine {

struct BroadcastLayout {
    std::vector<std::int64_t> dims;                   // the output's, collapsed (at least one)
    std::array<std::vector<std::int64_t>, 2> strides; // per input, along `dims`; 0: broadcast

    std::int64_t numel() const {
        std::int64_t n = 1;
        for (auto d : dims) {
            n *= d;
        }
        return n;
    }
    // The elements of dy summed into each element of input i's gradient: the product of the
    // dims input i broadcasts along.
    std::int64_t reducedCount(std::size_t i) const {
        std::int64_t n = 1;
        for (std::size_t k = 0; k < dims.size(); ++k) {
            n *= strides[i][k] == 0 ? dims[k] : 1;
        }
        return n;
    }
};

// `a` and `b` have one rank and broadcast (the schema checked it).
inline BroadcastLayout collapseBroadcast(const Dims& a, const Dims& b) {
    BroadcastLayout out;
    std::vector<std::array<bool, 2>> full; // per collapsed dim: whether each input spans it
    for (std::size_t d = 0; d < a.size(); ++d) {
        const std::int64_t y = a[d] > b[d] ? a[d] : b[d];
        if (y == 1) {
            continue;
        }
        const std::array<bool, 2> spans{a[d] == y, b[d] == y};
        if (!full.empty() && full.back() == spans) {
            out.dims.back() *= y;
        } else {
            out.dims.push_back(y);
            full.push_back(spans);
        }
    }
    if (out.dims.empty()) { // one element
        out.dims = {1};
        full = {{true, true}};
    }
    for (std::size_t i = 0; i < 2; ++i) {
        out.strides[i].assign(out.dims.size(), 0);
        std::int64_t stride = 1;
        for (std::size_t k = out.dims.size(); k-- > 0;) {
            if (full[k][i]) {
                out.strides[i][k] = stride;
                stride *= out.dims[k];
            }
        }
    }
    return out;
}

} // namespace nw::engine
