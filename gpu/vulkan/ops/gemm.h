#pragma once
// Recording shaders/gemm.comp: strided matrix products (Dense) and convolutions as implicit
// GEMM, with split-K where the output has too few tiles to fill the device, and the channel
// sums of bias gradients (split_sum.comp).

#include "gpu/vulkan/vulkan_backend.h"

namespace nw::gpu::vulkan {

// C = A B over strided matrices (element strides), batched along `batch`.
struct MatrixProduct {
    std::uint32_t m = 0, n = 0, k = 0;
    std::uint32_t sam = 0, sak = 0, sbk = 0, sbn = 0, scm = 0, scn = 0;
    std::uint32_t batch = 1, sbatchA = 0, sbatchB = 0, sbatchC = 0;
};

// Convolution geometry, NCHW; weights [F, C/groups, KH, KW].
struct ConvGeometry {
    std::uint32_t batch = 0, c = 0, h = 0, w = 0, f = 0, oh = 0, ow = 0, kh = 0, kw = 0;
    std::uint32_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
};

enum class ConvPass { Forward = 1, DataGradient = 2, WeightGradient = 3 };

// How a product is split along k: `splits` partials of `chunk` each (1: no split).
struct SplitK {
    std::uint32_t splits = 1, chunk = 0;
};
// Splits k when m x n gives fewer workgroups than keep a device busy.
SplitK chooseSplitK(std::uint32_t m, std::uint32_t n, std::uint32_t k, std::uint32_t batch);

class GemmRecorder {
public:
    // Creates the pipelines (once, when the plan is compiled).
    static Expected<GemmRecorder> create(VulkanBackend& backend);

    // c = a b (+ bias) (+ c when accumulate).
    Status matrix(const MatrixProduct& mp, const engine::Tensor& a, const engine::Tensor& b,
                  const engine::Tensor& c, const engine::Tensor& bias, bool accumulate,
                  const std::string& label);
    // The GEMM of one convolution pass: Forward (a = x, b = w, c = y, bias optional),
    // DataGradient (a = dy, b = w, c = dx), WeightGradient (a = dy, b = x, c = dw).
    Status conv(ConvPass pass, const ConvGeometry& g, const engine::Tensor& a,
                const engine::Tensor& b, const engine::Tensor& c, const engine::Tensor& bias,
                const std::string& label);
    // y[c] = sum over a, b of x viewed as [outer, channels, inner] (bias gradients).
    Status channelSum(const engine::Tensor& x, const engine::Tensor& y, std::uint32_t outer,
                      std::uint32_t channels, std::uint32_t inner, const std::string& label);

private:
    GemmRecorder(VulkanBackend& backend)
        : m_backend(&backend) {}
    // Split-K scratch of at least `elements` floats, grown as needed.
    Expected<engine::Tensor> partials(std::size_t elements);
    // m x n outputs summing over k, `batch` times (workgroup z).
    struct Extent {
        std::uint32_t m, n, k, batch;
    };
    // Records one product in gemm.comp's `mode`: the common push constants, then `tail`
    // appends the mode's own; sums the split-K partials when k is split.
    template <class Tail>
    Status record(int mode, const Extent& e, const SplitK& split, const engine::Tensor& a,
                  const engine::Tensor& b, const engine::Tensor& c, const engine::Tensor& bias,
                  std::uint32_t flags, Tail&& tail, const std::string& label);
    // Where a product writes: `c`, or the split-K partials when k is split.
    Expected<engine::Tensor> outputFor(const SplitK& split, const engine::Tensor& c);
    Status finishSplit(const SplitK& split, const engine::Tensor& partial, const engine::Tensor& c,
                       std::uint32_t elements, const std::string& label);

    VulkanBackend* m_backend;
    const Pipeline* m_pipelines[4] = {};
    const Pipeline* m_splitSum = nullptr;
    const Pipeline* m_channelSum = nullptr;
    engine::Tensor m_partials;
};

} // namespace nw::gpu::vulkan
