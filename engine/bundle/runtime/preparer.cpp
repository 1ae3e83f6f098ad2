#include "engine/bundle/runtime/preparer.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace nw::rt {

using namespace dnnl;
using bundle::Dims;

namespace {

// A one-step bundle activation as a oneDNN eltwise: `alpha` passes the layer's alpha (the
// negative slope of leaky_relu, elu's alpha); the others take 0.
struct Activation {
    std::string_view name;
    algorithm algo;
    bool alpha;
};

constexpr std::array<Activation, 8> kActivations{{
    {"relu", algorithm::eltwise_relu, false},
    {"leaky_relu", algorithm::eltwise_relu, true},
    {"elu", algorithm::eltwise_elu, true},
    {"hard_swish", algorithm::eltwise_hardswish, false},
    {"gelu_erf", algorithm::eltwise_gelu_erf, false},
    {"gelu_tanh", algorithm::eltwise_gelu_tanh, false},
    {"sigmoid", algorithm::eltwise_logistic, false},
    {"tanh", algorithm::eltwise_tanh, false},
}};

} // namespace

std::vector<EltwiseStep> eltwiseFor(const std::string& name, float alpha, float beta) {
    // clip_v2: alpha the lower bound, beta the upper.
    if (name == "relu6") {
        return {{algorithm::eltwise_clip_v2, 0.0f, 6.0f}};
    }
    if (name == "hard_sigmoid") { // oneDNN 2.6 has no hardsigmoid: linear, then clip
        return {{algorithm::eltwise_linear, alpha, beta}, {algorithm::eltwise_clip_v2, 0.0f, 1.0f}};
    }
    for (const Activation& a : kActivations) {
        if (a.name == name) {
            return {{a.algo, a.alpha ? alpha : 0.0f, 0.0f}};
        }
    }
    return {};
}

void Preparer::fail(const std::string& why) const {
    throw Invalid{"layer '" + m_layer->name + "' (" + m_layer->op + "): " + why};
}

void Preparer::expectInputs(std::size_t n, bool atLeast) const {
    if (atLeast ? m_layer->inputs.size() < n : m_layer->inputs.size() != n) {
        fail("has " + std::to_string(m_layer->inputs.size()) + " inputs");
    }
}

const std::vector<std::int64_t>& Preparer::ints(const char* key, std::size_t n) const {
    auto it = m_layer->ints.find(key);
    if (it == m_layer->ints.end() || it->second.size() != n) {
        fail(std::string("attribute ") + key + " needs " + std::to_string(n) + " values");
    }
    return it->second;
}

double Preparer::real(const char* key, double fallback) const {
    auto it = m_layer->reals.find(key);
    return it == m_layer->reals.end() ? fallback : it->second;
}

const bundle::BlobRef& Preparer::blob(const char* key, const Dims& dims, bundle::DType type) const {
    auto it = m_layer->blobs.find(key);
    if (it == m_layer->blobs.end()) {
        fail(std::string("the weight ") + key + " is missing");
    }
    if (it->second.count() != bundle::elementCount(dims)) {
        fail(std::string("the weight ") + key + " is " + dimsText(it->second.dims) + ", expected " +
             dimsText(dims));
    }
    if (it->second.dtype != type) {
        fail(std::string("the weight ") + key + " has the wrong data type");
    }
    if (!it->second.layout.empty() && std::string_view(key) != "weight") {
        fail(std::string("only weights are pre-laid-out, not ") + key);
    }
    return it->second;
}

std::vector<float> Preparer::floats(const char* key, const Dims& dims) const {
    const auto& ref = blob(key, dims);
    return {m_bundle.data(ref), m_bundle.data(ref) + ref.count()};
}

memory Preparer::blobMemory(const bundle::BlobRef& ref, const Dims& dims, DT type) const {
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
            fail("the weight layout '" + ref.layout + "' takes " + std::to_string(d.get_size()) +
                 " bytes, the bundle has " + std::to_string(ref.packedBytes));
        }
    }
    void* data = type == DT::f32
                     ? static_cast<void*>(const_cast<float*>(m_bundle.data(ref)))
                     : static_cast<void*>(const_cast<std::int8_t*>(m_bundle.int8Data(ref)));
    return memory(d, m_ex.m_engine, data);
}

std::vector<EltwiseStep> Preparer::activationSteps() const {
    auto steps = eltwiseFor(m_layer->activation, float(real("alpha", 0)), float(real("beta", 0)));
    if (steps.empty()) {
        fail("unknown activation '" + m_layer->activation + "'");
    }
    return steps;
}

primitive_attr Preparer::postOps() const {
    primitive_attr attr;
    if (!m_layer->activation.empty()) {
        post_ops ops;
        for (const EltwiseStep& e : activationSteps()) {
            ops.append_eltwise(1.0f, e.algo, e.alpha, e.beta);
        }
        attr.set_post_ops(ops);
    }
    return attr;
}

Dims Preparer::batched(const Dims& perSample) const {
    Dims d{m_batch};
    d.insert(d.end(), perSample.begin(), perSample.end());
    return d;
}

memory Preparer::convert(std::size_t t, const memory::desc& want, float scale) {
    auto [src, from] = m_ex.m_tensors[t];
    if (src.get_desc() == want && from == scale) {
        return src;
    }
    memory dst(want, m_ex.m_engine);
    m_ex.m_steps.push_back(
        {reorder(src, dst, scaling(from, scale)), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}});
    return dst;
}

memory Preparer::input(std::size_t i, const memory::desc& want, float scale) {
    return convert(tensorOf(i), want, scale);
}

memory Preparer::inputF32(std::size_t i) {
    const memory& m = m_ex.m_tensors[tensorOf(i)].first;
    return input(i, retyped(m.get_desc(), DT::f32));
}

memory Preparer::inputPlain(std::size_t i) {
    return input(i, plainDesc(batched(m_shapes[tensorOf(i)])));
}

memory Preparer::constant(const memory& src, const memory::desc& want) {
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

memory Preparer::constant(const void* data, const memory::desc& plain, const memory::desc& want) {
    return constant(memory(plain, m_ex.m_engine, const_cast<void*>(data)), want);
}

memory Preparer::constant(const bundle::BlobRef& ref, const memory::desc& plain,
                          const memory::desc& want) {
    return constant(m_bundle.data(ref), plain, want);
}

memory Preparer::view(const memory& base, const memory::desc& d) {
    memory v(d, m_ex.m_engine, base.get_data_handle());
    if (base.get() == m_ex.m_input.get()) {
        m_ex.m_inputViews.push_back(v);
    }
    return v;
}

memory Preparer::values(const std::vector<float>& v) {
    memory m(plainDesc({std::int64_t(v.size())}), m_ex.m_engine);
    std::copy(v.begin(), v.end(), static_cast<float*>(m.get_data_handle()));
    m_ex.m_keepAlive.push_back(m);
    return m;
}

void Preparer::step(primitive p, std::unordered_map<int, memory> args) {
    m_ex.m_steps.push_back({std::move(p), std::move(args)});
}

void Preparer::output(const memory& m, Dims perSample, float scale) {
    m_ex.m_tensors.push_back({m, scale});
    m_shapes.push_back(std::move(perSample));
}

void Preparer::recordWeights(const memory& weights, bool hwcColumns) {
    m_ex.m_weights[layerIndex()] = {weights, hwcColumns};
}

} // namespace nw::rt
