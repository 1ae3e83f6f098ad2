#include "gpu/vulkan/ops/gemm.h"

#include <algorithm>

namespace nw::gpu::vulkan {

using engine::DType;
using engine::Tensor;

namespace {

constexpr std::uint32_t kTile = 64, kDepth = 32;
constexpr std::uint32_t kBusyWorkgroups = 128; // what we aim for before splitting k
constexpr std::uint32_t kBias = 1, kAccumulate = 2;

std::uint32_t ceilDiv(std::uint32_t a, std::uint32_t b) {
    return (a + b - 1) / b;
}

const char* shaderOf(int mode) {
    static const char* names[] = {"gemm", "gemm_conv_fwd", "gemm_conv_dx", "gemm_conv_dw"};
    return names[mode];
}

} // namespace

SplitK chooseSplitK(std::uint32_t m, std::uint32_t n, std::uint32_t k, std::uint32_t batch) {
    std::uint32_t tiles = ceilDiv(m, kTile) * ceilDiv(n, kTile) * batch;
    SplitK s;
    s.chunk = std::max(k, 1u);
    if (tiles >= kBusyWorkgroups || k < 1024) {
        return s;
    }
    // At least 256 k per split, so the partials stay small next to the work.
    s.splits = std::min({ceilDiv(kBusyWorkgroups, tiles), ceilDiv(k, 256), 64u});
    s.chunk = ceilDiv(ceilDiv(k, s.splits), kDepth) * kDepth;
    s.splits = ceilDiv(k, s.chunk);
    return s;
}

Expected<GemmRecorder> GemmRecorder::create(VulkanBackend& backend) {
    GemmRecorder g(backend);
    for (int mode = 0; mode < 4; ++mode) {
        auto p = backend.pipeline(shaderOf(mode), 256);
        if (!p) {
            return p.error();
        }
        g.m_pipelines[mode] = *p;
    }
    std::uint32_t split[] = {0}, channel[] = {1};
    auto s = backend.pipeline("split_sum", 256, split);
    auto c = backend.pipeline("split_sum", 256, channel);
    if (!s || !c) {
        return (!s ? s : c).error();
    }
    g.m_splitSum = *s;
    g.m_channelSum = *c;
    return g;
}

Expected<Tensor> GemmRecorder::partials(std::size_t elements) {
    if (!m_partials.defined() || std::size_t(m_partials.numel()) < elements) {
        auto t = m_backend->allocate({std::int64_t(elements)}, DType::F32);
        if (!t) {
            return t.error();
        }
        m_partials = *t;
    }
    return m_partials.view({std::int64_t(elements)}, DType::F32, 0);
}

Expected<Tensor> GemmRecorder::outputFor(const SplitK& split, const Tensor& c) {
    return split.splits > 1 ? partials(std::size_t(c.numel()) * split.splits) : Expected<Tensor>(c);
}

Status GemmRecorder::finishSplit(const SplitK& split, const Tensor& partial, const Tensor& c,
                                 std::uint32_t elements, const std::string& label) {
    Push p;
    p.addr(partial).addr(c).u32(elements).u32(split.splits).u32(0);
    std::string what = label + " (split-K sum)";
    return m_backend->dispatch(*m_splitSum, VulkanBackend::groupsFor(elements), p, {partial}, {c},
                               what.c_str());
}

template <class Tail>
Status GemmRecorder::record(int mode, const Extent& e, const SplitK& split, const Tensor& a,
                            const Tensor& b, const Tensor& c, const Tensor& bias,
                            std::uint32_t flags, Tail&& tail, const std::string& label) {
    const std::uint32_t elements = std::uint32_t(c.numel());
    auto target = outputFor(split, c);
    if (!target) {
        return target.error();
    }
    const Tensor& out = *target;
    Push p;
    p.addr(a).addr(b).addr(out).addr(bias.defined() ? bias : c);
    p.u32(e.m).u32(e.n).u32(e.k).u32(split.splits).u32(split.chunk).u32(flags).u32(elements);
    tail(p);
    std::array<std::uint32_t, 3> groups{ceilDiv(e.n, kTile), ceilDiv(e.m, kTile),
                                        e.batch * split.splits};
    // c is read when accumulating; listing it always costs at most a barrier.
    if (auto s = m_backend->dispatch(*m_pipelines[mode], groups, p, {a, b, bias, c}, {out},
                                     label.c_str());
        !s) {
        return s;
    }
    return split.splits > 1 ? finishSplit(split, out, c, elements, label) : Status::success();
}

Status GemmRecorder::matrix(const MatrixProduct& mp, const Tensor& a, const Tensor& b,
                            const Tensor& c, const Tensor& bias, bool accumulate,
                            const std::string& label) {
    SplitK split = accumulate || bias.defined() ? SplitK{1, std::max(mp.k, 1u)}
                                                : chooseSplitK(mp.m, mp.n, mp.k, mp.batch);
    std::uint32_t flags = (bias.defined() ? kBias : 0) | (accumulate ? kAccumulate : 0);
    return record(
        0, {mp.m, mp.n, mp.k, mp.batch}, split, a, b, c, bias, flags,
        [&mp](Push& p) {
            p.u32(mp.sam).u32(mp.sak).u32(mp.sbk).u32(mp.sbn).u32(mp.scm).u32(mp.scn);
            p.u32(mp.sbatchA).u32(mp.sbatchB).u32(mp.sbatchC);
        },
        label);
}

Status GemmRecorder::conv(ConvPass pass, const ConvGeometry& g, const Tensor& a, const Tensor& b,
                          const Tensor& c, const Tensor& bias, const std::string& label) {
    std::uint32_t cg = g.c / g.groups, fg = g.f / g.groups, taps = g.kh * g.kw;
    Extent e{0, 0, 0, g.groups};
    switch (pass) {
    case ConvPass::Forward:
        e.m = g.batch * g.oh * g.ow, e.n = fg, e.k = cg * taps;
        break;
    case ConvPass::DataGradient:
        e.m = g.batch * g.h * g.w, e.n = cg, e.k = fg * taps;
        break;
    case ConvPass::WeightGradient:
        e.m = fg, e.n = cg * taps, e.k = g.batch * g.oh * g.ow;
        break;
    }
    SplitK split = pass == ConvPass::WeightGradient ? chooseSplitK(e.m, e.n, e.k, g.groups)
                                                    : SplitK{1, std::max(e.k, 1u)};
    return record(
        int(pass), e, split, a, b, c, bias, bias.defined() ? kBias : 0,
        [&g](Push& p) {
            p.u32(g.c).u32(g.h).u32(g.w).u32(g.f).u32(g.oh).u32(g.ow).u32(g.kh);
            p.u32(g.kw).u32(g.sh).u32(g.sw).u32(g.ph).u32(g.pw).u32(g.dh).u32(g.dw);
            p.u32(g.groups);
        },
        label);
}

Status GemmRecorder::channelSum(const Tensor& x, const Tensor& y, std::uint32_t outer,
                                std::uint32_t channels, std::uint32_t inner,
                                const std::string& label) {
    Push p;
    p.addr(x).addr(y).u32(outer).u32(channels).u32(inner);
    std::array<std::uint32_t, 3> groups{std::min(channels, 65535u), ceilDiv(channels, 65535u), 1};
    return m_backend->dispatch(*m_channelSum, groups, p, {x}, {y}, label.c_str());
}

} // namespace nw::gpu::vulkan
