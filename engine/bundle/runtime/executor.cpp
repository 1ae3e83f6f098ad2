#include "engine/bundle/runtime/executor.h"

#include <cmath>
#include <optional>

namespace nw::rt {

using namespace dnnl;
using bundle::Dims;
using bundle::Layer;

namespace {

struct Invalid {
    std::string message;
};

using Tag = memory::format_tag;

memory::desc plainDesc(const Dims& dims) {
    static const Tag tags[] = {Tag::a, Tag::ab, Tag::abc, Tag::abcd, Tag::abcde, Tag::abcdef};
    if (dims.empty() || dims.size() > 6) {
        throw Invalid{"a tensor of rank " + std::to_string(dims.size()) + " is not supported"};
    }
    return {memory::dims(dims.begin(), dims.end()), memory::data_type::f32, tags[dims.size() - 1]};
}

memory::desc anyDesc(const Dims& dims) {
    return {memory::dims(dims.begin(), dims.end()), memory::data_type::f32, Tag::any};
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

    void run() {
        Dims in = batched(m_bundle.header.inputShape);
        m_ex.m_input = memory(plainDesc(in), m_ex.m_engine, nullptr);
        m_tensors.push_back(m_ex.m_input);
        m_shapes.push_back(m_bundle.header.inputShape);
        for (const Layer& l : m_bundle.header.layers) {
            m_layer = &l;
            add(l);
            if (m_shapes.back() != l.shape) {
                fail("computes " + dimsText(m_shapes.back()) + " but the bundle says " +
                     dimsText(l.shape));
            }
        }
        Dims out = batched(m_shapes.back());
        m_ex.m_output = memory(plainDesc(out), m_ex.m_engine, nullptr);
        memory last = m_tensors.back();
        m_ex.m_outputReorder = {reorder(last, m_ex.m_output),
                                {{DNNL_ARG_FROM, last}, {DNNL_ARG_TO, m_ex.m_output}}};
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
    const bundle::BlobRef& blob(const char* key, const Dims& dims) const {
        auto it = m_layer->blobs.find(key);
        if (it == m_layer->blobs.end()) {
            fail(std::string("the weight ") + key + " is missing");
        }
        if (it->second.count() != bundle::BlobRef{0, dims}.count()) {
            fail(std::string("the weight ") + key + " is " + dimsText(it->second.dims) +
                 ", expected " + dimsText(dims));
        }
        return it->second;
    }
    // A constant in the primitive's layout, reordered once now.
    memory constant(const bundle::BlobRef& ref, const memory::desc& plain,
                    const memory::desc& want) {
        memory src(plain, m_ex.m_engine, const_cast<float*>(m_bundle.data(ref)));
        memory dst(want, m_ex.m_engine);
        reorder(src, dst).execute(m_ex.m_stream, src, dst);
        m_ex.m_stream.wait();
        m_ex.m_keepAlive.push_back(dst);
        return dst;
    }
    // Input `i` of the layer in layout `want`, reordering when its producer chose another.
    memory input(std::size_t i, const memory::desc& want) {
        memory src = m_tensors[std::size_t(m_layer->inputs[i])];
        if (src.get_desc() == want) {
            return src;
        }
        memory dst(want, m_ex.m_engine);
        m_ex.m_steps.push_back({reorder(src, dst), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}});
        return dst;
    }
    memory inputPlain(std::size_t i) {
        return input(i, plainDesc(batched(m_shapes[std::size_t(m_layer->inputs[i])])));
    }
    const Dims& inShape(std::size_t i) const { return m_shapes[std::size_t(m_layer->inputs[i])]; }
    void output(const memory& m, Dims perSample) {
        m_tensors.push_back(m);
        m_shapes.push_back(std::move(perSample));
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
    std::vector<memory> m_tensors;
    std::vector<Dims> m_shapes; // per sample
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
        memory src = m_tensors[std::size_t(l.inputs[0])];
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
        std::int64_t rows = m_batch * bundle::BlobRef{0, x}.count() / inner;
        memory plain = inputPlain(0);
        auto flat = plainDesc({rows, inner});
        memory src(flat, m_ex.m_engine, plain.get_data_handle());
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
        return output(memory(plainDesc(batched(x)), m_ex.m_engine, dst.get_data_handle()), x);
    }
    if (l.op == "activation") {
        expectInputs(1);
        auto e = eltwiseFor(l.activation, float(real("alpha", 0)));
        if (!e) {
            fail("unknown activation '" + l.activation + "'");
        }
        memory src = m_tensors[std::size_t(l.inputs[0])];
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
        if (bundle::BlobRef{0, l.shape}.count() != bundle::BlobRef{0, inShape(0)}.count()) {
            fail("cannot reshape " + dimsText(inShape(0)) + " to " + dimsText(l.shape));
        }
        memory plain = inputPlain(0);
        if (plain.get() == m_tensors[std::size_t(l.inputs[0])].get()) {
            // Already plain: still copy, so that the output is a tensor of its own.
            memory copy(plain.get_desc(), m_ex.m_engine);
            step(reorder(plain, copy), {{DNNL_ARG_FROM, plain}, {DNNL_ARG_TO, copy}});
            plain = copy;
        }
        return output(memory(plainDesc(batched(l.shape)), m_ex.m_engine, plain.get_data_handle()),
                      l.shape);
    }
    if (l.op == "add") {
        expectInputs(2, true);
        memory acc = m_tensors[std::size_t(l.inputs[0])];
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
    Dims wDnnl = groups == 1 ? w : Dims{groups, f / groups, x[0] / groups, k[0], k[1]};
    auto wPlain = groups == 1 ? plainDesc(w)
                              : memory::desc(memory::dims(wDnnl.begin(), wDnnl.end()),
                                             memory::data_type::f32, Tag::goihw);
    auto convDesc = [&](const memory::desc& xd, const memory::desc& yd) {
        return convolution_forward::desc(
            prop_kind::forward_inference, algorithm::convolution_direct, xd, anyDesc(wDnnl),
            plainDesc({f}), yd, {s[0], s[1]}, {d[0] - 1, d[1] - 1}, {pl[0], pl[1]}, {pr[0], pr[1]});
    };
    // The primitive picks its layouts (format_tag::any): on AVX-512 that is nhwc through
    // the conv/pool chain. Winograd and forced nChw16c were measured slower here.
    convolution_forward::primitive_desc pd(convDesc(anyDesc(batched(x)), anyDesc(batched(y))),
                                           postOps(), m_ex.m_engine);
    memory src = input(0, pd.src_desc());
    memory dst(pd.dst_desc(), m_ex.m_engine);
    step(convolution_forward(pd),
         {{DNNL_ARG_SRC, src},
          {DNNL_ARG_WEIGHTS, constant(blob("weight", w), wPlain, pd.weights_desc())},
          {DNNL_ARG_BIAS, constant(blob("bias", {f}), plainDesc({f}), plainDesc({f}))},
          {DNNL_ARG_DST, dst}});
    output(dst, y);
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
    // The weight [units, F] seen with the input's sample shape, so the primitive reads a
    // [C, H, W] input (a folded Flatten) in whatever layout its producer chose.
    Dims w{units};
    w.insert(w.end(), x.begin(), x.end());
    auto ipDesc = [&](const memory::desc& xd) {
        return inner_product_forward::desc(prop_kind::forward_inference, xd, anyDesc(w),
                                           plainDesc({units}), plainDesc({m_batch, units}));
    };
    // Read the input in its producer's layout when the primitive can (no reorder).
    inner_product_forward::primitive_desc pd;
    try {
        pd = inner_product_forward::primitive_desc(
            ipDesc(m_tensors[std::size_t(l.inputs[0])].get_desc()), postOps(), m_ex.m_engine);
    } catch (const dnnl::error&) {
        pd = inner_product_forward::primitive_desc(ipDesc(anyDesc(batched(x))), postOps(),
                                                   m_ex.m_engine);
    }
    memory src = input(0, pd.src_desc());
    memory dst(pd.dst_desc(), m_ex.m_engine);
    step(inner_product_forward(pd),
         {{DNNL_ARG_SRC, src},
          {DNNL_ARG_WEIGHTS, constant(blob("weight", w), plainDesc(w), pd.weights_desc())},
          {DNNL_ARG_BIAS, constant(blob("bias", {units}), plainDesc({units}), plainDesc({units}))},
          {DNNL_ARG_DST, dst}});
    output(dst, {units});
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
    memory src = m_tensors[std::size_t(l.inputs[0])];
    auto algo =
        l.op == "max_pool" ? algorithm::pooling_max : algorithm::pooling_avg_include_padding;
    // The global pool writes plain [N, C, 1, 1] so that it reads as [N, C] afterwards.
    auto dstDesc = global ? plainDesc(batched(y)) : anyDesc(batched(y));
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
        return output(memory(plainDesc({m_batch, x[0]}), m_ex.m_engine, dst.get_data_handle()),
                      {x[0]});
    }
    output(dst, y);
}

Expected<std::unique_ptr<Executor>> Executor::prepare(const bundle::Bundle& b, std::int64_t batch,
                                                      const std::string& source) {
    if (batch < 1 || batch > (1 << 20)) {
        return Error::user("batch size " + std::to_string(batch) + " is out of range");
    }
    std::unique_ptr<Executor> ex(new Executor());
    try {
        Preparer(*ex, b, batch).run();
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
        m_output.set_data_handle(output);
        for (auto& s : m_steps) {
            s.primitive.execute(m_stream, s.args);
        }
        m_outputReorder.primitive.execute(m_stream, m_outputReorder.args);
        m_stream.wait();
    } catch (const dnnl::error& e) {
        return Error::internal(std::string("oneDNN failed while running: ") + e.what());
    }
    return Status::success();
}

} // namespace nw::rt
