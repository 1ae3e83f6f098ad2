#include "engine/cpu/dnnl_util.h"

#include "engine/cpu/cpu_backend.h"

namespace nw::engine::cpu {

namespace {

Tag rowMajorTag(std::size_t rank) {
    switch (rank) {
    case 1:
        return Tag::a;
    case 2:
        return Tag::ab;
    case 3:
        return Tag::abc;
    case 4:
        return Tag::abcd;
    case 5:
        return Tag::abcde;
    case 6:
        return Tag::abcdef;
    default:
        return Tag::undef;
    }
}

} // namespace

std::vector<Eltwise> eltwiseFor(std::string_view op, const graph::AttrMap& attrs) {
    using dnnl::algorithm;
    auto real = [&attrs](const char* name) {
        return static_cast<float>(std::get<double>(attrs.find(name)->second));
    };
    if (op == "ReLU") {
        return {{algorithm::eltwise_relu, 0.0f}};
    }
    if (op == "LeakyReLU") {
        return {{algorithm::eltwise_relu, real("alpha")}};
    }
    if (op == "ELU") {
        return {{algorithm::eltwise_elu, real("alpha")}};
    }
    // clip_v2: alpha the lower bound, beta the upper; the gradient is 0 at both bounds.
    if (op == "ReLU6") {
        return {{algorithm::eltwise_clip_v2, 0.0f, 6.0f}};
    }
    if (op == "HardSigmoid") {
        return {{algorithm::eltwise_linear, real("alpha"), real("beta")},
                {algorithm::eltwise_clip_v2, 0.0f, 1.0f}};
    }
    // x * relu6(x + 3) / 6; the gradient is 0 at -3 and 1 at 3 (oneDNN's).
    if (op == "HardSwish") {
        return {{algorithm::eltwise_hardswish}};
    }
    if (op == "GELU") {
        bool tanh = std::get<std::string>(attrs.find("approximate")->second) == "tanh";
        return {{tanh ? algorithm::eltwise_gelu_tanh : algorithm::eltwise_gelu_erf}};
    }
    if (op == "Sigmoid") {
        return {{algorithm::eltwise_logistic}};
    }
    if (op == "Tanh") {
        return {{algorithm::eltwise_tanh}};
    }
    return {};
}

dnnl::primitive_attr activationAttr(const std::string& activation, const graph::AttrMap& attrs) {
    dnnl::primitive_attr attr;
    auto steps = eltwiseFor(activation, attrs);
    if (!steps.empty()) {
        dnnl::post_ops ops;
        for (const Eltwise& e : steps) {
            ops.append_eltwise(1.0f, e.algo, e.alpha, e.beta);
        }
        attr.set_post_ops(ops);
    }
    return attr;
}

dnnl::memory::desc plainDesc(const Dims& dims) {
    // 4-D tensors live channels-last (nhwc; OHWI for convolution weights): the layout
    // oneDNN's fastest convolution, pooling and batch-norm kernels use on this CPU, so
    // neighbouring primitives exchange tensors without reorders.
    Tag tag = dims.size() == 4 ? Tag::acdb : rowMajorTag(dims.size());
    return {toDnnl(dims), dnnl::memory::data_type::f32, tag};
}

dnnl::memory::desc rowMajorDesc(const Dims& dims) {
    return {toDnnl(dims), dnnl::memory::data_type::f32, rowMajorTag(dims.size())};
}

DnnlDims plainStrides(const Dims& dims) {
    DnnlDims order(dims.size()); // the dims from outermost to innermost in memory
    for (std::size_t d = 0; d < dims.size(); ++d) {
        order[d] = static_cast<std::int64_t>(d);
    }
    if (dims.size() == 4) {
        order = {0, 2, 3, 1}; // nhwc
    }
    DnnlDims strides(dims.size());
    std::int64_t stride = 1;
    for (std::size_t k = dims.size(); k-- > 0;) {
        strides[static_cast<std::size_t>(order[k])] = stride;
        stride *= dims[static_cast<std::size_t>(order[k])];
    }
    return strides;
}

dnnl::memory::desc anyDesc(const Dims& dims, dnnl::memory::data_type type) {
    return {toDnnl(dims), type, Tag::any};
}

dnnl::memory::data_type productType(const CpuBackend& backend) {
    return backend.computesInBf16() ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
}

dnnl::memory wrap(const DnnlContext& ctx, const Tensor& t) {
    return wrap(ctx, t, plainDesc(t.shape()));
}

dnnl::memory wrap(const DnnlContext& ctx, const Tensor& t, const dnnl::memory::desc& desc) {
    return dnnl::memory(desc, ctx.engine, CpuBackend::data(t));
}

LayoutBridge::LayoutBridge(const DnnlContext& ctx, const dnnl::memory::desc& plain,
                           const dnnl::memory::desc& want)
    : m_plain(plain) {
    if (plain == want) {
        return;
    }
    m_scratch = dnnl::memory(want, ctx.engine);
    m_toWanted = dnnl::reorder(dnnl::reorder::primitive_desc(ctx.engine, plain, ctx.engine, want));
    m_toPlain = dnnl::reorder(dnnl::reorder::primitive_desc(ctx.engine, want, ctx.engine, plain));
}

dnnl::memory LayoutBridge::input(const DnnlContext& ctx, const Tensor& t) {
    dnnl::memory user = wrap(ctx, t, m_plain);
    if (!m_scratch) {
        return user;
    }
    m_toWanted.execute(ctx.stream, user, *m_scratch);
    return *m_scratch;
}

dnnl::memory LayoutBridge::output(const DnnlContext& ctx, const Tensor& t) {
    return m_scratch ? *m_scratch : wrap(ctx, t, m_plain);
}

void LayoutBridge::commit(const DnnlContext& ctx, const Tensor& t) {
    if (m_scratch) {
        dnnl::memory user = wrap(ctx, t, m_plain);
        m_toPlain.execute(ctx.stream, *m_scratch, user);
    }
}

} // namespace nw::engine::cpu
