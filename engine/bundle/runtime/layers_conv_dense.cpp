// Convolution and dense layers, f32 and INT8 (s8 weights with per-output-channel scales).
#include "engine/bundle/runtime/layer_builders.h"

#include <cmath>

namespace nw::rt::layers {

using namespace dnnl;
using bundle::Dims;
using bundle::Layer;

namespace {

// A dense layer reading a channels-last tensor treats it as a matrix from this batch on
// (brgemm): measured 0.67 ms against 1.01 ms for the sample CNN's first dense layer at batch
// 256, but 0.060 ms against 0.052 ms for the whole model at batch 1, even at batch 8.
constexpr std::int64_t kMinRowsForMatrix = 16;

// Whether this CPU's int8 kernels can saturate: without VNNI (or AMX) oneDNN multiplies
// u8 x s8 with vpmaddubsw, which adds each pair of products into a saturating int16, so
// two u8 values near 255 times s8 weights near 127 (more than 32767) clip. oneDNN corrects
// this itself only for convolutions with an s8 source (it halves their weights, "sa0.5" in
// DNNL_VERBOSE); convolutions with a u8 source and every inner product (gemm, which shifts an
// s8 source to u8) are left to the caller. Measured on an AVX2 EPYC (oneDNN 2.6): a u8 dense
// layer of 784 inputs off by 89,000 of 1,100,000 in int32, the mlp template's INT8 output 6.1%
// of its range off the f32 bundle's. Read from oneDNN's effective ISA, so DNNL_MAX_CPU_ISA
// (which makes a VNNI CPU run these kernels) counts too.
bool int8SumsSaturate() {
    using isa = cpu_isa;
    switch (get_effective_cpu_isa()) {
    case isa::sse41:
    case isa::avx:
    case isa::avx2:
    case isa::avx512_mic:
    case isa::avx512_mic_4ops:
    case isa::avx512_core:
        return true;
    default: // VNNI, AMX: vpdpbusd accumulates in int32
        return false;
    }
}

// `w` (s8, in the primitive's layout) with every value halved, round(q / 2) in [-64, 64]:
// then a u8 pair is at most 2 x 255 x 64 = 32,640, inside int16. A copy: `w` may be the
// bundle's own bytes. The layer's weight scales double (quantScales' weightFactor 2); the
// layer keeps 7 bits of weight, as oneDNN's own halving does for s8 sources.
memory halvedWeights(const Preparer& p, const memory& w) {
    const memory::desc d = w.get_desc();
    if (d.data_type() != DT::s8 || d.data.extra.flags != 0) {
        p.fail("cannot halve int8 weights that carry compensation");
    }
    memory out(d, p.engine());
    const auto* from = static_cast<const std::int8_t*>(w.get_data_handle());
    auto* to = static_cast<std::int8_t*>(out.get_data_handle());
    for (std::size_t i = 0; i < d.get_size(); ++i) { // padding holds zeros, which stay zero
        to[i] = std::int8_t(std::nearbyint(float(from[i]) / 2.0f));
    }
    return out;
}

// An INT8 layer's output scales (input scale x weight scale / output scale, per output
// channel) and its bias in the accumulator's units (oneDNN 2 adds the bias before the
// output scales). `weightFactor`: how much larger the weight scales are than the bundle's
// (2 for halvedWeights).
std::vector<float> quantScales(const Preparer& p, const bundle::Quantization& q,
                               std::int64_t channels, std::vector<float>& bias,
                               double weightFactor) {
    auto ws = p.floats("weight_scale", {channels});
    std::vector<float> scales(std::size_t(channels), 0.0f);
    for (std::size_t c = 0; c < scales.size(); ++c) {
        double acc = q.inputScale * ws[c] * weightFactor;
        if (!(acc > 0) || !std::isfinite(acc)) {
            p.fail("weight_scale must be positive");
        }
        scales[c] = float(acc / (q.outputScale > 0 ? q.outputScale : 1.0));
        bias[c] = float(bias[c] / acc);
    }
    return scales;
}

} // namespace

void conv2d(Preparer& p, const Layer& l) {
    p.expectInputs(1);
    const Dims& x = p.inShape(0);
    if (x.size() != 3) {
        p.fail("expects [C, H, W] samples, got " + dimsText(x));
    }
    auto k = p.ints("kernel", 2), s = p.ints("stride", 2), d = p.ints("dilation", 2);
    auto pl = p.ints("pad_l", 2), pr = p.ints("pad_r", 2);
    auto groups = p.ints("groups", 1)[0];
    auto wref = l.blobs.find("weight");
    if (wref == l.blobs.end() || wref->second.dims.size() != 4) {
        p.fail("the weight must be [F, C/groups, kh, kw]");
    }
    std::int64_t f = wref->second.dims[0];
    if (groups < 1 || x[0] % groups != 0 || f % groups != 0) {
        p.fail("groups " + std::to_string(groups) + " do not divide the channels");
    }
    Dims w{f, x[0] / groups, k[0], k[1]};
    Dims y{f, 0, 0};
    for (int i = 0; i < 2; ++i) {
        if (k[i] < 1 || s[i] < 1 || d[i] < 1 || pl[i] < 0 || pr[i] < 0) {
            p.fail("kernel, stride, dilation and pads must be positive");
        }
        std::int64_t eff = d[i] * (k[i] - 1) + 1;
        y[1 + i] = (x[1 + i] + pl[i] + pr[i] - eff) / s[i] + 1;
        if (x[1 + i] + pl[i] + pr[i] < eff) {
            p.fail("the kernel is larger than the padded input " + dimsText(x));
        }
    }
    const bundle::Quantization* q = l.int8 ? &*l.int8 : nullptr;
    DT srcType = q ? quantType(q->inputUnsigned) : DT::f32;
    DT dstType = q && q->outputScale > 0 ? quantType(q->outputUnsigned) : DT::f32;
    DT weightType = q ? DT::s8 : DT::f32;
    Dims wDnnl = groups == 1 ? w : Dims{groups, f / groups, x[0] / groups, k[0], k[1]};
    const auto& wblob = p.blob("weight", w, q ? bundle::DType::S8 : bundle::DType::F32);
    if (groups > 1 && !wblob.layout.empty()) {
        p.fail("grouped weights must be row-major");
    }
    memory wSource = p.blobMemory(wblob, w, weightType);
    if (groups > 1) {
        wSource = memory(memory::desc(memory::dims(wDnnl), weightType, Tag::goihw), p.engine(),
                         wSource.get_data_handle());
    }
    std::vector<float> bias = p.floats("bias", {f});
    // An s8 source: oneDNN halves the weights itself where they could saturate.
    const bool halve = q && q->inputUnsigned && int8SumsSaturate();
    primitive_attr attr = p.postOps();
    if (q) {
        attr.set_output_scales(1 << 1, quantScales(p, *q, f, bias, halve ? 2.0 : 1.0));
    }
    // The primitive picks its layouts (format_tag::any): on AVX-512 that is nhwc through
    // the conv/pool chain. Winograd and forced nChw16c were measured slower here.
    convolution_forward::primitive_desc pd({prop_kind::forward_inference,
                                            algorithm::convolution_direct,
                                            anyDesc(p.batched(x), srcType),
                                            anyDesc(wDnnl, weightType),
                                            plainDesc({f}),
                                            anyDesc(p.batched(y), dstType),
                                            {s[0], s[1]},
                                            {d[0] - 1, d[1] - 1},
                                            {pl[0], pl[1]},
                                            {pr[0], pr[1]}},
                                           attr, p.engine());
    memory src = p.input(0, pd.src_desc(), q ? float(q->inputScale) : 0.0f);
    memory dst(pd.dst_desc(), p.engine());
    memory weights = p.constant(wSource, pd.weights_desc());
    p.recordWeights(weights, false); // the bundle's values: what packWeights stores
    if (halve) {
        weights = halvedWeights(p, weights);
    }
    p.step(convolution_forward(pd), {{DNNL_ARG_SRC, src},
                                     {DNNL_ARG_WEIGHTS, weights},
                                     {DNNL_ARG_BIAS, p.values(bias)},
                                     {DNNL_ARG_DST, dst}});
    p.output(dst, y, q && q->outputScale > 0 ? float(q->outputScale) : 0.0f);
}

void dense(Preparer& p, const Layer& l) {
    p.expectInputs(1);
    const Dims& x = p.inShape(0);
    if (x.empty() || x.size() > 4) { // oneDNN's inner product reads 2-D to 5-D tensors
        p.fail("expects samples of rank 1 to 4, got " + dimsText(x));
    }
    auto wref = l.blobs.find("weight");
    if (wref == l.blobs.end() || wref->second.dims.size() != 2) {
        p.fail("the weight must be [units, features]");
    }
    std::int64_t units = wref->second.dims[0];
    const bundle::Quantization* q = l.int8 ? &*l.int8 : nullptr;
    DT srcType = q ? quantType(q->inputUnsigned) : DT::f32;
    DT dstType = q && q->outputScale > 0 ? quantType(q->outputUnsigned) : DT::f32;
    DT weightType = q ? DT::s8 : DT::f32;
    float inScale = q ? float(q->inputScale) : 0.0f;
    // The weight [units, F] seen with the input's sample shape, so the primitive reads a
    // [C, H, W] input (a folded Flatten) in the layout its producer chose.
    Dims w{units};
    w.insert(w.end(), x.begin(), x.end());
    const auto& wblob = p.blob("weight", w, q ? bundle::DType::S8 : bundle::DType::F32);
    const std::int64_t features = wblob.count() / units;
    const Dims matrix{units, features};
    // weight_hwc: the columns are in H, W, C order (pre-laid-out for a channels-last input).
    const bool hwcColumns = l.ints.count("weight_hwc") && p.ints("weight_hwc", 1)[0] == 1;
    if (hwcColumns && x.size() != 3) {
        p.fail("weight_hwc needs [C, H, W] samples");
    }
    memory stored = p.blobMemory(wblob, matrix, weightType);
    // The weight as [units, x...] in the input's dimension order.
    auto logical = [&]() -> memory {
        if (x.size() == 1) {
            return stored;
        }
        memory rows =
            wblob.layout.empty() ? stored : p.constant(stored, plainDesc(matrix, weightType));
        return memory(hwcColumns ? memory::desc(memory::dims(w), weightType, Tag::acdb)
                                 : plainDesc(w, weightType),
                      p.engine(), rows.get_data_handle());
    };
    std::vector<float> bias = p.floats("bias", {units});
    const bool halve = q && int8SumsSaturate(); // u8 and s8 sources (gemm shifts s8 to u8)
    primitive_attr attr = p.postOps();
    if (q) {
        attr.set_output_scales(1 << 1, quantScales(p, *q, units, bias, halve ? 2.0 : 1.0));
    }
    auto ipDesc = [&](const memory::desc& xd, const memory::desc& wd) {
        return inner_product_forward::desc(prop_kind::forward_inference, xd, wd, plainDesc({units}),
                                           plainDesc({p.batch(), units}, dstType));
    };
    memory produced = p.produced(0).first;
    memory src, weights;
    inner_product_forward::primitive_desc pd;
    auto hwc = x.size() == 3 ? memory::desc(memory::dims(p.batched(x)), srcType, Tag::acdb)
                             : memory::desc();
    if (x.size() == 3 && p.batch() >= kMinRowsForMatrix &&
        retyped(produced.get_desc(), srcType) == hwc) {
        // A channels-last [C, H, W] input is a plain [N, H*W*C] matrix: a 2-D inner product
        // (brgemm) over it, with the weight's columns in that order (permuted once now unless
        // the bundle has them so).
        memory hwcMatrix = stored;
        if (!hwcColumns) {
            memory permuted =
                p.constant(logical(), memory::desc(memory::dims(w), weightType, Tag::acdb));
            hwcMatrix =
                memory(plainDesc(matrix, weightType), p.engine(), permuted.get_data_handle());
        }
        memory src4 = p.input(0, hwc, inScale);
        src = p.view(src4, plainDesc({p.batch(), features}, srcType));
        pd = inner_product_forward::primitive_desc(
            ipDesc(src.get_desc(), anyDesc(matrix, weightType)), attr, p.engine());
        weights = p.constant(hwcMatrix, pd.weights_desc());
        p.recordWeights(weights, true);
    } else {
        // Read the input in its producer's layout when the primitive can (no reorder).
        try {
            pd = inner_product_forward::primitive_desc(
                ipDesc(retyped(produced.get_desc(), srcType), anyDesc(w, weightType)), attr,
                p.engine());
        } catch (const dnnl::error&) {
            pd = inner_product_forward::primitive_desc(
                ipDesc(anyDesc(p.batched(x), srcType), anyDesc(w, weightType)), attr, p.engine());
        }
        src = p.input(0, pd.src_desc(), inScale);
        weights = p.constant(logical(), pd.weights_desc());
        if (x.size() == 1) {
            p.recordWeights(weights, false);
        }
    }
    if (halve) { // after recordWeights: packWeights stores the bundle's values
        weights = halvedWeights(p, weights);
    }
    memory dst(pd.dst_desc(), p.engine());
    p.step(inner_product_forward(pd), {{DNNL_ARG_SRC, src},
                                       {DNNL_ARG_WEIGHTS, weights},
                                       {DNNL_ARG_BIAS, p.values(bias)},
                                       {DNNL_ARG_DST, dst}});
    p.output(dst, {units}, q && q->outputScale > 0 ? float(q->outputScale) : 0.0f);
}

} // namespace nw::rt::layers
