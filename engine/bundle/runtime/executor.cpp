#include "engine/bundle/runtime/executor.h"

#include <cmath>
#include <map>
#include <oneapi/dnnl/dnnl_debug.h>
#include <optional>
#include <string_view>

namespace nw::rt {

using namespace dnnl;
using bundle::Dims;
using bundle::Layer;

namespace {

struct Invalid {
    std::string message;
};

using Tag = memory::format_tag;
using DT = memory::data_type;

memory::desc plainDesc(const Dims& dims, DT type = DT::f32) {
    static const Tag tags[] = {Tag::a, Tag::ab, Tag::abc, Tag::abcd, Tag::abcde, Tag::abcdef};
    if (dims.empty() || dims.size() > 6) {
        throw Invalid{"a tensor of rank " + std::to_string(dims.size()) + " is not supported"};
    }
    return {memory::dims(dims.begin(), dims.end()), type, tags[dims.size() - 1]};
}

memory::desc anyDesc(const Dims& dims, DT type = DT::f32) {
    return {memory::dims(dims.begin(), dims.end()), type, Tag::any};
}

// The same layout holding another data type.
memory::desc retyped(const memory::desc& d, DT type) {
    memory::desc r = d;
    r.data.data_type = static_cast<dnnl_data_type_t>(type);
    return r;
}

// A dense layer reading a channels-last tensor treats it as a matrix from this batch on
// (brgemm): measured 0.67 ms against 1.01 ms for the sample CNN's first dense layer at batch
// 256, but 0.060 ms against 0.052 ms for the whole model at batch 1, even at batch 8.
constexpr std::int64_t kMinRowsForMatrix = 16;

// The layout of the tensor between two parts of a plan: channels-last for [N, C, H, W] (as
// the convolutions and pools before it choose), else plain. The model's own input and output
// (`inner` false) are plain.
memory::desc boundaryDesc(const Dims& dims, bool inner) {
    return inner && dims.size() == 4 ? memory::desc(memory::dims(dims), DT::f32, Tag::acdb)
                                     : plainDesc(dims);
}

// oneDNN's format tags by their names (dnnl_fmt_tag2str), for pre-laid-out weights.
const std::map<std::string, Tag>& tagsByName() {
    static const std::map<std::string, Tag> tags = [] {
        std::map<std::string, Tag> m;
        for (int t = dnnl_format_tag_undef + 1; t < dnnl_format_tag_last; ++t) {
            if (t != dnnl_format_tag_any) {
                m.emplace(dnnl_fmt_tag2str(static_cast<dnnl_format_tag_t>(t)), Tag(t));
            }
        }
        return m;
    }();
    return tags;
}

// A reorder's attribute that multiplies by from/to: quantisation scales, 0 standing for f32.
primitive_attr scaling(float from, float to) {
    primitive_attr attr;
    float factor = (from > 0 ? from : 1.0f) / (to > 0 ? to : 1.0f);
    if (factor != 1.0f) {
        attr.set_output_scales(0, {factor});
    }
    return attr;
}

DT quantType(bool isUnsigned) {
    return isUnsigned ? DT::u8 : DT::s8;
}

std::string dimsText(const Dims& d) {
    std::string s = "[";
    for (std::size_t i = 0; i < d.size(); ++i) {
        s += (i ? ", " : "") + std::to_string(d[i]);
    }
    return s + "]";
}

std::optional<std::pair<algorithm, float>> eltwiseFor(const std::string& name, float alpha) {
    if (name == "relu") {
        return std::pair{algorithm::eltwise_relu, 0.0f};
    }
    if (name == "leaky_relu") {
        return std::pair{algorithm::eltwise_relu, alpha};
    }
    if (name == "elu") {
        return std::pair{algorithm::eltwise_elu, alpha};
    }
    if (name == "gelu_erf") {
        return std::pair{algorithm::eltwise_gelu_erf, 0.0f};
    }
    if (name == "gelu_tanh") {
        return std::pair{algorithm::eltwise_gelu_tanh, 0.0f};
    }
    if (name == "sigmoid") {
        return std::pair{algorithm::eltwise_logistic, 0.0f};
    }
    if (name == "tanh") {
        return std::pair{algorithm::eltwise_tanh, 0.0f};
    }
    return std::nullopt;
}

} // namespace

// Builds an Executor layer by layer; throws Invalid with a message naming the layer.
class Preparer {
public:
    Preparer(Executor& ex, const bundle::Bundle& b, std::int64_t batch)
        : m_ex(ex)
        , m_bundle(b)
        , m_batch(batch) {}

    // Layers [first, last): their input is tensor `first`, given plain f32.
    void run(std::size_t first, std::size_t last) {
        const auto& layers = m_bundle.header.layers;
        m_shapes.resize(first + 1);
        for (std::size_t t = 1; t <= first; ++t) {
            m_shapes[t] = layers[t - 1].shape;
        }
        m_shapes[0] = m_bundle.header.inputShape;
        m_ex.m_input =
            memory(boundaryDesc(batched(m_shapes[first]), first > 0), m_ex.m_engine, nullptr);
        m_ex.m_tensors.assign(first, {memory(), 0.0f}); // not readable from these layers
        m_ex.m_tensors.push_back({m_ex.m_input, 0.0f});
        for (std::size_t i = first; i < last; ++i) {
            const Layer& l = layers[i];
            m_layer = &l;
            for (int in : l.inputs) {
                if (std::size_t(in) < first) {
                    fail("reads a tensor from before this part of the plan");
                }
            }
            add(l);
            if (m_shapes.back() != l.shape) {
                fail("computes " + dimsText(m_shapes.back()) + " but the bundle says " +
                     dimsText(l.shape));
            }
        }
        Dims out = batched(m_shapes.back());
        m_ex.m_output = memory(boundaryDesc(out, last < layers.size()), m_ex.m_engine, nullptr);
        auto [lastTensor, scale] = m_ex.m_tensors.back();
        if (!m_ex.m_steps.empty() && scale == 0 &&
            lastTensor.get_desc() == m_ex.m_output.get_desc()) {
            // The last step writes the caller's buffer directly.
            auto& args = m_ex.m_steps.back().args;
            auto dst = args.find(DNNL_ARG_DST);
            if (dst != args.end() && dst->second.get() == lastTensor.get()) {
                dst->second = m_ex.m_output;
                m_ex.m_tensors.back().first = m_ex.m_output;
                return;
            }
        }
        m_ex.m_outputReorder = {reorder(lastTensor, m_ex.m_output, scaling(scale, 0)),
                                {{DNNL_ARG_FROM, lastTensor}, {DNNL_ARG_TO, m_ex.m_output}}};
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw Invalid{"layer '" + m_layer->name + "' (" + m_layer->op + "): " + why};
    }
    Dims batched(const Dims& perSample) const {
        Dims d{m_batch};
        d.insert(d.end(), perSample.begin(), perSample.end());
        return d;
    }
    const std::vector<std::int64_t>& ints(const char* key, std::size_t n) const {
        auto it = m_layer->ints.find(key);
        if (it == m_layer->ints.end() || it->second.size() != n) {
            fail(std::string("attribute ") + key + " needs " + std::to_string(n) + " values");
        }
        return it->second;
    }
    double real(const char* key, double fallback) const {
        auto it = m_layer->reals.find(key);
        return it == m_layer->reals.end() ? fallback : it->second;
    }
    const bundle::BlobRef& blob(const char* key, const Dims& dims,
                                bundle::DType type = bundle::DType::F32) const {
        auto it = m_layer->blobs.find(key);
        if (it == m_layer->blobs.end()) {
            fail(std::string("the weight ") + key + " is missing");
        }
        if (it->second.count() != bundle::elementCount(dims)) {
            fail(std::string("the weight ") + key + " is " + dimsText(it->second.dims) +
                 ", expected " + dimsText(dims));
        }
        if (it->second.dtype != type) {
            fail(std::string("the weight ") + key + " has the wrong data type");
        }
        if (!it->second.layout.empty() && std::string_view(key) != "weight") {
            fail(std::string("only weights are pre-laid-out, not ") + key);
        }
        return it->second;
    }
    std::vector<float> floats(const char* key, const Dims& dims) const {
        const auto& ref = blob(key, dims);
        return {m_bundle.data(ref), m_bundle.data(ref) + ref.count()};
    }
    // The bytes of `ref` described as [dims]: row-major, or in the layout they were
    // pre-laid-out in.
    memory blobMemory(const bundle::BlobRef& ref, const Dims& dims, DT type) const {
        memory::desc d = plainDesc(dims, type);
        if (!ref.layout.empty()) {
            auto tag = tagsByName().find(ref.layout);
            if (tag == tagsByName().end()) {
                fail("the weight layout '" + ref.layout + "' is unknown to this runtime");
            }
            try {
                d = memory::desc(memory::dims(dims), type, tag->second);
            } catch (const dnnl::error&) {
                fail("the weight layout '" + ref.layout + "' does not fit " + dimsText(dims));
            }
            if (d.get_size() != ref.packedBytes) {
                fail("the weight layout '" + ref.layout + "' takes " +
                     std::to_string(d.get_size()) + " bytes, the bundle has " +
                     std::to_string(ref.packedBytes));
            }
        }
        void* data = type == DT::f32
                         ? static_cast<void*>(const_cast<float*>(m_bundle.data(ref)))
                         : static_cast<void*>(const_cast<std::int8_t*>(m_bundle.int8Data(ref)));
        return memory(d, m_ex.m_engine, data);
    }
    // A constant in the primitive's layout: `src` itself when it already is (weights
    // pre-laid-out in the bundle), else reordered once now.
    memory constant(const memory& src, const memory::desc& want) {
        if (src.get_desc() == want &&
            reinterpret_cast<std::uintptr_t>(src.get_data_handle()) % 64 == 0) {
            return src;
        }
        memory dst(want, m_ex.m_engine);
        reorder(src, dst).execute(m_ex.m_stream, const_cast<memory&>(src), dst);
        m_ex.m_stream.wait();
        m_ex.m_keepAlive.push_back(dst);
        return dst;
    }
    memory constant(const void* data, const memory::desc& plain, const memory::desc& want) {
        return constant(memory(plain, m_ex.m_engine, const_cast<void*>(data)), want);
    }
    memory constant(const bundle::BlobRef& ref, const memory::desc& plain,
                    const memory::desc& want) {
        return constant(m_bundle.data(ref), plain, want);
    }
    // Tensor `t` as `want` (layout and data type) with quantisation scale `scale` (0: f32):
    // itself when it already is, else through a reorder step.
    memory convert(std::size_t t, const memory::desc& want, float scale) {
        auto [src, from] = m_ex.m_tensors[t];
        if (src.get_desc() == want && from == scale) {
            return src;
        }
        memory dst(want, m_ex.m_engine);
        m_ex.m_steps.push_back(
            {reorder(src, dst, scaling(from, scale)), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}});
        return dst;
    }
    std::size_t tensorOf(std::size_t i) const { return std::size_t(m_layer->inputs[i]); }
    std::size_t layerIndex() const { return std::size_t(m_layer - m_bundle.header.layers.data()); }
    // Input `i` of the layer as `want`, reordering when its producer chose another layout,
    // data type or scale.
    memory input(std::size_t i, const memory::desc& want, float scale = 0) {
        return convert(tensorOf(i), want, scale);
    }
    // Input `i` in its producer's layout, as f32.
    memory inputF32(std::size_t i) {
        const memory& m = m_ex.m_tensors[tensorOf(i)].first;
        return input(i, retyped(m.get_desc(), DT::f32));
    }
    memory inputPlain(std::size_t i) { return input(i, plainDesc(batched(m_shapes[tensorOf(i)]))); }
    const Dims& inShape(std::size_t i) const { return m_shapes[tensorOf(i)]; }
    void output(const memory& m, Dims perSample, float scale = 0) {
        m_ex.m_tensors.push_back({m, scale});
        m_shapes.push_back(std::move(perSample));
    }
    // An INT8 layer's output scales (input scale x weight scale / output scale, per output
    // channel) and its bias in the accumulator's units (oneDNN 2 adds the bias before the
    // output scales).
    std::vector<float> quantScales(const bundle::Quantization& q, std::int64_t channels,
                                   std::vector<float>& bias) const {
        auto ws = floats("weight_scale", {channels});
        std::vector<float> scales(std::size_t(channels), 0.0f);
        for (std::size_t c = 0; c < scales.size(); ++c) {
            double acc = q.inputScale * ws[c];
            if (!(acc > 0) || !std::isfinite(acc)) {
                fail("weight_scale must be positive");
            }
            scales[c] = float(acc / (q.outputScale > 0 ? q.outputScale : 1.0));
            bias[c] = float(bias[c] / acc);
        }
        return scales;
    }
    // `base`'s data seen as `d`. Views of the model's input follow it from run to run.
    memory view(const memory& base, const memory::desc& d) {
        memory v(d, m_ex.m_engine, base.get_data_handle());
        if (base.get() == m_ex.m_input.get()) {
            m_ex.m_inputViews.push_back(v);
        }
        return v;
    }
    memory values(const std::vector<float>& v) {
        memory m(plainDesc({std::int64_t(v.size())}), m_ex.m_engine);
        std::copy(v.begin(), v.end(), static_cast<float*>(m.get_data_handle()));
        m_ex.m_keepAlive.push_back(m);
        return m;
    }
    void step(primitive p, std::unordered_map<int, memory> args) {
        m_ex.m_steps.push_back({std::move(p), std::move(args)});
    }
    primitive_attr postOps() const {
        primitive_attr attr;
        if (!m_layer->activation.empty()) {
            auto e = eltwiseFor(m_layer->activation, float(real("alpha", 0)));
            if (!e) {
                fail("unknown activation '" + m_layer->activation + "'");
            }
            post_ops ops;
            ops.append_eltwise(1.0f, e->first, e->second, 0.0f);
            attr.set_post_ops(ops);
        }
        return attr;
    }
    void expectInputs(std::size_t n, bool atLeast = false) const {
        if (atLeast ? m_layer->inputs.size() < n : m_layer->inputs.size() != n) {
            fail("has " + std::to_string(m_layer->inputs.size()) + " inputs");
        }
    }

    void add(const Layer& l);
    void conv(const Layer& l);
    void dense(const Layer& l);
    void pool(const Layer& l);

    Executor& m_ex;
    const bundle::Bundle& m_bundle;
    std::int64_t m_batch;
    const Layer* m_layer = nullptr;
    std::vector<Dims> m_shapes; // per sample, for each of m_ex.m_tensors
};

void Preparer::add(const Layer& l) {
    if (l.op == "conv2d") {
        return conv(l);
    }
    if (l.op == "dense") {
        return dense(l);
    }
    if (l.op == "max_pool" || l.op == "avg_pool" || l.op == "global_avg_pool") {
        return pool(l);
    }
    if (l.op == "batch_norm") {
        expectInputs(1);
        const Dims& x = inShape(0);
        if (x.size() != 1 && x.size() != 3) {
            fail("expects [C] or [C, H, W] samples, got " + dimsText(x));
        }
        Dims c{x[0]};
        memory src = inputF32(0);
        auto flags = normalization_flags::use_global_stats | normalization_flags::use_scale |
                     normalization_flags::use_shift;
        if (l.activation == "relu") {
            flags = flags | normalization_flags::fuse_norm_relu;
        } else if (!l.activation.empty()) {
            fail("only ReLU fuses into batch norm");
        }
        batch_normalization_forward::primitive_desc pd(
            {prop_kind::forward_inference, src.get_desc(), float(real("epsilon", 1e-5)), flags},
            m_ex.m_engine);
        memory dst(pd.dst_desc(), m_ex.m_engine);
        auto cd = plainDesc(c);
        step(batch_normalization_forward(pd),
             {{DNNL_ARG_SRC, src},
              {DNNL_ARG_DST, dst},
              {DNNL_ARG_SCALE, constant(blob("scale", c), cd, cd)},
              {DNNL_ARG_SHIFT, constant(blob("shift", c), cd, cd)},
              {DNNL_ARG_MEAN, constant(blob("mean", c), cd, cd)},
              {DNNL_ARG_VARIANCE, constant(blob("variance", c), cd, cd)}});
        return output(dst, x);
    }
    if (l.op == "layer_norm") {
        expectInputs(1);
        const Dims& x = inShape(0);
        auto k = std::size_t(ints("normalized_dims", 1)[0]);
        if (k < 1 || k > x.size()) {
            fail("cannot normalise " + std::to_string(k) + " dims of " + dimsText(x));
        }
        std::int64_t inner = 1;
        for (std::size_t i = x.size() - k; i < x.size(); ++i) {
            inner *= x[i];
        }
        std::int64_t rows = m_batch * bundle::elementCount(x) / inner;
        memory plain = inputPlain(0);
        auto flat = plainDesc({rows, inner});
        memory src = view(plain, flat);
        layer_normalization_forward::primitive_desc pd(
            {prop_kind::forward_inference, flat, float(real("epsilon", 1e-5)),
             normalization_flags::use_scale | normalization_flags::use_shift},
            m_ex.m_engine);
        memory dst(flat, m_ex.m_engine);
        auto sd = plainDesc({inner});
        step(layer_normalization_forward(pd),
             {{DNNL_ARG_SRC, src},
              {DNNL_ARG_DST, dst},
              {DNNL_ARG_SCALE, constant(blob("scale", {inner}), sd, sd)},
              {DNNL_ARG_SHIFT, constant(blob("shift", {inner}), sd, sd)},
              {DNNL_ARG_MEAN, memory(pd.mean_desc(), m_ex.m_engine)},
              {DNNL_ARG_VARIANCE, memory(pd.variance_desc(), m_ex.m_engine)}});
        return output(view(dst, plainDesc(batched(x))), x);
    }
    if (l.op == "activation") {
        expectInputs(1);
        auto e = eltwiseFor(l.activation, float(real("alpha", 0)));
        if (!e) {
            fail("unknown activation '" + l.activation + "'");
        }
        memory src = inputF32(0);
        eltwise_forward::primitive_desc pd(eltwise_forward::desc(prop_kind::forward_inference,
                                                                 e->first, src.get_desc(),
                                                                 e->second),
                                           m_ex.m_engine);
        memory dst(pd.dst_desc(), m_ex.m_engine);
        step(eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
        return output(dst, inShape(0));
    }
    if (l.op == "softmax") {
        expectInputs(1);
        const Dims& x = inShape(0);
        auto axis = ints("axis", 1)[0];
        if (axis < 1 || axis > std::int64_t(x.size())) {
            fail("axis " + std::to_string(axis) + " is not a sample axis of " + dimsText(x));
        }
        memory src = inputPlain(0);
        softmax_forward::primitive_desc pd(
            {prop_kind::forward_inference, src.get_desc(), int(axis)}, m_ex.m_engine);
        memory dst(pd.dst_desc(), m_ex.m_engine);
        step(softmax_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
        return output(dst, x);
    }
    if (l.op == "reshape") {
        expectInputs(1);
        if (bundle::elementCount(l.shape) != bundle::elementCount(inShape(0))) {
            fail("cannot reshape " + dimsText(inShape(0)) + " to " + dimsText(l.shape));
        }
        memory plain = inputPlain(0);
        if (plain.get() == m_ex.m_tensors[tensorOf(0)].first.get()) {
            // Already plain: still copy, so that the output is a tensor of its own.
            memory copy(plain.get_desc(), m_ex.m_engine);
            step(reorder(plain, copy), {{DNNL_ARG_FROM, plain}, {DNNL_ARG_TO, copy}});
            plain = copy;
        }
        return output(view(plain, plainDesc(batched(l.shape))), l.shape);
    }
    if (l.op == "add") {
        expectInputs(2, true);
        memory acc = inputF32(0);
        for (std::size_t i = 1; i < l.inputs.size(); ++i) {
            if (inShape(i) != inShape(0)) {
                fail("adds " + dimsText(inShape(i)) + " to " + dimsText(inShape(0)));
            }
            memory rhs = input(i, acc.get_desc());
            bool last = i + 1 == l.inputs.size();
            binary::primitive_desc pd(
                {algorithm::binary_add, acc.get_desc(), rhs.get_desc(), acc.get_desc()},
                last ? postOps() : primitive_attr(), m_ex.m_engine);
            memory dst(pd.dst_desc(), m_ex.m_engine);
            step(binary(pd), {{DNNL_ARG_SRC_0, acc}, {DNNL_ARG_SRC_1, rhs}, {DNNL_ARG_DST, dst}});
            acc = dst;
        }
        return output(acc, inShape(0));
    }
    if (l.op == "concat") {
        expectInputs(2, true);
        auto axis = ints("axis", 1)[0];
        std::vector<memory::desc> descs;
        std::unordered_map<int, memory> args;
        Dims out = inShape(0);
        for (std::size_t i = 0; i < l.inputs.size(); ++i) {
            const Dims& x = inShape(i);
            if (axis < 1 || axis > std::int64_t(x.size()) || x.size() != out.size()) {
                fail("cannot join " + dimsText(x) + " along axis " + std::to_string(axis));
            }
            if (i > 0) {
                out[std::size_t(axis - 1)] += x[std::size_t(axis - 1)];
            }
            memory m = inputPlain(i);
            descs.push_back(m.get_desc());
            args.emplace(DNNL_ARG_MULTIPLE_SRC + int(i), m);
        }
        concat::primitive_desc pd(plainDesc(batched(out)), int(axis), descs, m_ex.m_engine);
        memory dst(pd.dst_desc(), m_ex.m_engine);
        args.emplace(DNNL_ARG_DST, dst);
        step(concat(pd), std::move(args));
        return output(dst, out);
    }
    fail("unknown op");
}

void Preparer::conv(const Layer& l) {
    expectInputs(1);
    const Dims& x = inShape(0);
    if (x.size() != 3) {
        fail("expects [C, H, W] samples, got " + dimsText(x));
    }
    auto k = ints("kernel", 2), s = ints("stride", 2), d = ints("dilation", 2);
    auto pl = ints("pad_l", 2), pr = ints("pad_r", 2);
    auto groups = ints("groups", 1)[0];
    auto wref = l.blobs.find("weight");
    if (wref == l.blobs.end() || wref->second.dims.size() != 4) {
        fail("the weight must be [F, C/groups, kh, kw]");
    }
    std::int64_t f = wref->second.dims[0];
    if (groups < 1 || x[0] % groups != 0 || f % groups != 0) {
        fail("groups " + std::to_string(groups) + " do not divide the channels");
    }
    Dims w{f, x[0] / groups, k[0], k[1]};
    Dims y{f, 0, 0};
    for (int i = 0; i < 2; ++i) {
        if (k[i] < 1 || s[i] < 1 || d[i] < 1 || pl[i] < 0 || pr[i] < 0) {
            fail("kernel, stride, dilation and pads must be positive");
        }
        std::int64_t eff = d[i] * (k[i] - 1) + 1;
        y[1 + i] = (x[1 + i] + pl[i] + pr[i] - eff) / s[i] + 1;
        if (x[1 + i] + pl[i] + pr[i] < eff) {
            fail("the kernel is larger than the padded input " + dimsText(x));
        }
    }
    const bundle::Quantization* q = l.int8 ? &*l.int8 : nullptr;
    DT srcType = q ? quantType(q->inputUnsigned) : DT::f32;
    DT dstType = q && q->outputScale > 0 ? quantType(q->outputUnsigned) : DT::f32;
    DT weightType = q ? DT::s8 : DT::f32;
    Dims wDnnl = groups == 1 ? w : Dims{groups, f / groups, x[0] / groups, k[0], k[1]};
    const auto& wblob = blob("weight", w, q ? bundle::DType::S8 : bundle::DType::F32);
    if (groups > 1 && !wblob.layout.empty()) {
        fail("grouped weights must be row-major");
    }
    memory wSource = blobMemory(wblob, w, weightType);
    if (groups > 1) {
        wSource = memory(memory::desc(memory::dims(wDnnl), weightType, Tag::goihw), m_ex.m_engine,
                         wSource.get_data_handle());
    }
    std::vector<float> bias = floats("bias", {f});
    primitive_attr attr = postOps();
    if (q) {
        attr.set_output_scales(1 << 1, quantScales(*q, f, bias));
    }
    // The primitive picks its layouts (format_tag::any): on AVX-512 that is nhwc through
    // the conv/pool chain. Winograd and forced nChw16c were measured slower here.
    convolution_forward::primitive_desc pd({prop_kind::forward_inference,
                                            algorithm::convolution_direct,
                                            anyDesc(batched(x), srcType),
                                            anyDesc(wDnnl, weightType),
                                            plainDesc({f}),
                                            anyDesc(batched(y), dstType),
                                            {s[0], s[1]},
                                            {d[0] - 1, d[1] - 1},
                                            {pl[0], pl[1]},
                                            {pr[0], pr[1]}},
                                           attr, m_ex.m_engine);
    memory src = input(0, pd.src_desc(), q ? float(q->inputScale) : 0.0f);
    memory dst(pd.dst_desc(), m_ex.m_engine);
    memory weights = constant(wSource, pd.weights_desc());
    m_ex.m_weights[layerIndex()] = {weights, false};
    step(convolution_forward(pd), {{DNNL_ARG_SRC, src},
                                   {DNNL_ARG_WEIGHTS, weights},
                                   {DNNL_ARG_BIAS, values(bias)},
                                   {DNNL_ARG_DST, dst}});
    output(dst, y, q && q->outputScale > 0 ? float(q->outputScale) : 0.0f);
}

void Preparer::dense(const Layer& l) {
    expectInputs(1);
    const Dims& x = inShape(0);
    if (x.empty() || x.size() > 4) { // oneDNN's inner product reads 2-D to 5-D tensors
        fail("expects samples of rank 1 to 4, got " + dimsText(x));
    }
    auto wref = l.blobs.find("weight");
    if (wref == l.blobs.end() || wref->second.dims.size() != 2) {
        fail("the weight must be [units, features]");
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
    const auto& wblob = blob("weight", w, q ? bundle::DType::S8 : bundle::DType::F32);
    const std::int64_t features = wblob.count() / units;
    const Dims matrix{units, features};
    // weight_hwc: the columns are in H, W, C order (pre-laid-out for a channels-last input).
    const bool hwcColumns = l.ints.count("weight_hwc") && ints("weight_hwc", 1)[0] == 1;
    if (hwcColumns && x.size() != 3) {
        fail("weight_hwc needs [C, H, W] samples");
    }
    memory stored = blobMemory(wblob, matrix, weightType);
    // The weight as [units, x...] in the input's dimension order.
    auto logical = [&]() -> memory {
        if (x.size() == 1) {
            return stored;
        }
        memory rows =
            wblob.layout.empty() ? stored : constant(stored, plainDesc(matrix, weightType));
        return memory(hwcColumns ? memory::desc(memory::dims(w), weightType, Tag::acdb)
                                 : plainDesc(w, weightType),
                      m_ex.m_engine, rows.get_data_handle());
    };
    std::vector<float> bias = floats("bias", {units});
    primitive_attr attr = postOps();
    if (q) {
        attr.set_output_scales(1 << 1, quantScales(*q, units, bias));
    }
    auto ipDesc = [&](const memory::desc& xd, const memory::desc& wd) {
        return inner_product_forward::desc(prop_kind::forward_inference, xd, wd, plainDesc({units}),
                                           plainDesc({m_batch, units}, dstType));
    };
    memory produced = m_ex.m_tensors[tensorOf(0)].first;
    memory src, weights;
    inner_product_forward::primitive_desc pd;
    auto hwc =
        x.size() == 3 ? memory::desc(memory::dims(batched(x)), srcType, Tag::acdb) : memory::desc();
    if (x.size() == 3 && m_batch >= kMinRowsForMatrix &&
        retyped(produced.get_desc(), srcType) == hwc) {
        // A channels-last [C, H, W] input is a plain [N, H*W*C] matrix: a 2-D inner product
        // (brgemm) over it, with the weight's columns in that order (permuted once now unless
        // the bundle has them so).
        memory hwcMatrix = stored;
        if (!hwcColumns) {
            memory permuted =
                constant(logical(), memory::desc(memory::dims(w), weightType, Tag::acdb));
            hwcMatrix =
                memory(plainDesc(matrix, weightType), m_ex.m_engine, permuted.get_data_handle());
        }
        memory src4 = input(0, hwc, inScale);
        src = view(src4, plainDesc({m_batch, features}, srcType));
        pd = inner_product_forward::primitive_desc(
            ipDesc(src.get_desc(), anyDesc(matrix, weightType)), attr, m_ex.m_engine);
        weights = constant(hwcMatrix, pd.weights_desc());
        m_ex.m_weights[layerIndex()] = {weights, true};
    } else {
        // Read the input in its producer's layout when the primitive can (no reorder).
        try {
            pd = inner_product_forward::primitive_desc(
                ipDesc(retyped(produced.get_desc(), srcType), anyDesc(w, weightType)), attr,
                m_ex.m_engine);
        } catch (const dnnl::error&) {
            pd = inner_product_forward::primitive_desc(
                ipDesc(anyDesc(batched(x), srcType), anyDesc(w, weightType)), attr, m_ex.m_engine);
        }
        src = input(0, pd.src_desc(), inScale);
        weights = constant(logical(), pd.weights_desc());
        if (x.size() == 1) {
            m_ex.m_weights[layerIndex()] = {weights, false};
        }
    }
    memory dst(pd.dst_desc(), m_ex.m_engine);
    step(inner_product_forward(pd), {{DNNL_ARG_SRC, src},
                                     {DNNL_ARG_WEIGHTS, weights},
                                     {DNNL_ARG_BIAS, values(bias)},
                                     {DNNL_ARG_DST, dst}});
    output(dst, {units}, q && q->outputScale > 0 ? float(q->outputScale) : 0.0f);
}

void Preparer::pool(const Layer& l) {
    expectInputs(1);
    const Dims& x = inShape(0);
    if (x.size() != 3) {
        fail("expects [C, H, W] samples, got " + dimsText(x));
    }
    bool global = l.op == "global_avg_pool";
    std::vector<std::int64_t> k{x[1], x[2]}, s{1, 1}, p{0, 0};
    if (!global) {
        k = ints("kernel", 2);
        s = ints("stride", 2);
        p = ints("pad", 2);
    }
    Dims y{x[0], 0, 0};
    for (int i = 0; i < 2; ++i) {
        if (k[i] < 1 || s[i] < 1 || p[i] < 0 || 2 * p[i] > k[i] || x[1 + i] + 2 * p[i] < k[i]) {
            fail("bad window for " + dimsText(x));
        }
        y[1 + i] = (x[1 + i] + 2 * p[i] - k[i]) / s[i] + 1;
    }
    // Pooling keeps a quantised input quantised, at its scale.
    auto [src, scale] = m_ex.m_tensors[tensorOf(0)];
    DT type = src.get_desc().data_type();
    auto algo =
        l.op == "max_pool" ? algorithm::pooling_max : algorithm::pooling_avg_include_padding;
    // The global pool writes plain [N, C, 1, 1] so that it reads as [N, C] afterwards.
    auto dstDesc = global ? plainDesc(batched(y), type) : anyDesc(batched(y), type);
    pooling_forward::primitive_desc pd({prop_kind::forward_inference,
                                        algo,
                                        src.get_desc(),
                                        dstDesc,
                                        {s[0], s[1]},
                                        {k[0], k[1]},
                                        {p[0], p[1]},
                                        {p[0], p[1]}},
                                       m_ex.m_engine);
    memory dst(pd.dst_desc(), m_ex.m_engine);
    step(pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    if (global) {
        return output(view(dst, plainDesc({m_batch, x[0]}, type)), {x[0]}, scale);
    }
    output(dst, y, scale);
}

Expected<std::unique_ptr<Executor>> Executor::prepare(const bundle::Bundle& b, std::int64_t batch,
                                                      const std::string& source,
                                                      std::size_t firstLayer,
                                                      std::size_t lastLayer) {
    if (batch < 1 || batch > (1 << 20)) {
        return Error::user("batch size " + std::to_string(batch) + " is out of range");
    }
    lastLayer = std::min(lastLayer, b.header.layers.size());
    if (firstLayer >= lastLayer) {
        return Error::internal(source + ": an empty part of the plan");
    }
    std::unique_ptr<Executor> ex(new Executor());
    try {
        Preparer(*ex, b, batch).run(firstLayer, lastLayer);
    } catch (const Invalid& e) {
        return Error::user(source + ": " + e.message);
    } catch (const dnnl::error& e) {
        return Error::internal(source + ": oneDNN cannot run the bundle: " + e.what());
    } catch (const std::bad_alloc&) {
        return Error::internal(source + ": out of memory preparing batch " + std::to_string(batch));
    }
    return ex;
}

Status Executor::run(const float* input, float* output) {
    try {
        m_input.set_data_handle(const_cast<float*>(input));
        for (auto& v : m_inputViews) {
            v.set_data_handle(const_cast<float*>(input));
        }
        m_output.set_data_handle(output);
        for (auto& s : m_steps) {
            s.primitive.execute(m_stream, s.args);
        }
        if (m_outputReorder.primitive) {
            m_outputReorder.primitive.execute(m_stream, m_outputReorder.args);
        }
        m_stream.wait();
    } catch (const dnnl::error& e) {
        return Error::internal(std::string("oneDNN failed while running: ") + e.what());
    }
    return Status::success();
}

Status Executor::observe(std::vector<bundle::TensorRange>& ranges) {
    try {
        ranges.resize(std::max(ranges.size(), m_tensors.size()));
        std::vector<float> values;
        for (std::size_t t = 0; t < m_tensors.size(); ++t) {
            auto [m, scale] = m_tensors[t];
            if (!m) {
                continue;
            }
            auto plain = plainDesc(Dims(m.get_desc().dims()));
            values.resize(plain.get_size() / sizeof(float));
            memory dst(plain, m_engine, values.data());
            reorder(m, dst, scaling(scale, 0)).execute(m_stream, m, dst);
            m_stream.wait();
            auto [lo, hi] = std::minmax_element(values.begin(), values.end());
            if (lo != values.end()) {
                ranges[t].add(*lo, *hi);
            }
        }
    } catch (const dnnl::error& e) {
        return Error::internal(std::string("oneDNN failed while calibrating: ") + e.what());
    }
    return Status::success();
}

} // namespace nw::rt
