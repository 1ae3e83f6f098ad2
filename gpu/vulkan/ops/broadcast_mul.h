#pragma once
// shaders/mul.comp's push block, for the kernels that multiply with broadcasting (Mul, Scale):
// `y` = `a` · `b` over `layout`'s collapsed dims (forward, strides s0 into a, s1 into b), or one
// input's gradient summed over the dims it broadcasts along (backward: `reduced` elements each).
#include "engine/core/broadcast.h"
#include "gpu/vulkan/ops/kernel_base.h"

namespace nw::gpu::vulkan {

inline constexpr std::size_t kMulMaxRank = 6; // mul.comp's arrays

// Throws (a user error) when `layout` has more collapsed dims than mul.comp indexes; `what`
// names what broadcasts ("the inputs", "the parameters").
inline void requireMulRank(const engine::BroadcastLayout& layout, const char* what) {
    if (layout.dims.size() > kMulMaxRank) {
        throw engine::KernelBuildError{Error::user(
            std::string(what) + " broadcast along " + std::to_string(layout.dims.size()) +
            " alternating groups of dimensions; the Vulkan kernel indexes at most " +
            std::to_string(kMulMaxRank))};
    }
}

inline Push mulPush(const engine::BroadcastLayout& layout, const Tensor& y, const Tensor& a,
                    const Tensor& b, std::int64_t n, std::int64_t reduced, std::size_t s0,
                    std::size_t s1) {
    Push p;
    p.addr(y).addr(a).addr(b).u32(u32(n)).u32(u32(layout.dims.size())).u32(u32(reduced));
    for (const auto* v : {&layout.dims, &layout.strides[s0], &layout.strides[s1]}) {
        for (std::size_t k = 0; k < kMulMaxRank; ++k) {
            p.u32(k < v->size() ? u32((*v)[k]) : 0u);
        }
    }
    return p;
}

} // namespace nw::gpu::vulkan
