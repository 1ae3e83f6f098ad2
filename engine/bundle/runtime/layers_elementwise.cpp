// Element-wise and shape layers: activation, softmax, reshape, add, mul, concat.
#include "engine/bundle/runtime/layer_builders.h"

#include <algorithm>

namespace nw::rt::layers {

using namespace dnnl;
using bundle::Dims;
using bundle::Layer;

// x: any shape, in its producer's layout, as f32. A chain of steps (hard_sigmoid) runs the
// later ones in place on the output.
void activation(Preparer& p, const Layer&) {
    p.expectInputs(1);
    memory src = p.inputF32(0);
    memory dst(src.get_desc(), p.engine());
    for (const EltwiseStep& e : p.activationSteps()) {
        eltwise_forward::primitive_desc pd(eltwise_forward::desc(prop_kind::forward_inference,
                                                                 e.algo, src.get_desc(), e.alpha,
                                                                 e.beta),
                                           p.engine());
        p.step(eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
        src = dst;
    }
    p.output(dst, p.inShape(0));
}

// x: any shape, plain; `axis` counts the batch as 0, so it is 1..rank of the sample.
void softmax(Preparer& p, const Layer&) {
    p.expectInputs(1);
    const Dims& x = p.inShape(0);
    auto axis = p.ints("axis", 1)[0];
    if (axis < 1 || axis > std::int64_t(x.size())) {
        p.fail("axis " + std::to_string(axis) + " is not a sample axis of " + dimsText(x));
    }
    memory src = p.inputPlain(0);
    softmax_forward::primitive_desc pd({prop_kind::forward_inference, src.get_desc(), int(axis)},
                                       p.engine());
    memory dst(pd.dst_desc(), p.engine());
    p.step(softmax_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    p.output(dst, x);
}

// x: any shape with the layer's element count; the output is a plain tensor of its own.
void reshape(Preparer& p, const Layer& l) {
    p.expectInputs(1);
    if (bundle::elementCount(l.shape) != bundle::elementCount(p.inShape(0))) {
        p.fail("cannot reshape " + dimsText(p.inShape(0)) + " to " + dimsText(l.shape));
    }
    memory plain = p.inputPlain(0);
    if (plain.get() == p.produced(0).first.get()) {
        // Already plain: still copy, so that the output is a tensor of its own.
        memory copy(plain.get_desc(), p.engine());
        p.step(reorder(plain, copy), {{DNNL_ARG_FROM, plain}, {DNNL_ARG_TO, copy}});
        plain = copy;
    }
    p.output(p.view(plain, plainDesc(p.batched(l.shape))), l.shape);
}

// Inputs: two or more of one shape, summed left to right (each read in the first's layout);
// the fused activation applies to the last sum.
void add(Preparer& p, const Layer& l) {
    p.expectInputs(2, true);
    memory acc = p.inputF32(0);
    for (std::size_t i = 1; i < l.inputs.size(); ++i) {
        if (p.inShape(i) != p.inShape(0)) {
            p.fail("adds " + dimsText(p.inShape(i)) + " to " + dimsText(p.inShape(0)));
        }
        memory rhs = p.input(i, acc.get_desc());
        bool last = i + 1 == l.inputs.size();
        binary::primitive_desc pd(
            {algorithm::binary_add, acc.get_desc(), rhs.get_desc(), acc.get_desc()},
            last ? p.postOps() : primitive_attr(), p.engine());
        memory dst(pd.dst_desc(), p.engine());
        p.step(binary(pd), {{DNNL_ARG_SRC_0, acc}, {DNNL_ARG_SRC_1, rhs}, {DNNL_ARG_DST, dst}});
        acc = dst;
    }
    p.output(acc, p.inShape(0));
}

// Inputs: two of one rank, each dim equal or 1 in one of them, and one of them of the output's
// shape: that one is read in its producer's layout, the other (plain, when it broadcasts) is
// broadcast over it by the binary primitive; the fused activation applies to the product.
void mul(Preparer& p, const Layer&) {
    p.expectInputs(2);
    const Dims& a = p.inShape(0);
    const Dims& b = p.inShape(1);
    Dims y = a;
    bool ok = a.size() == b.size();
    for (std::size_t k = 0; ok && k < a.size(); ++k) {
        ok = a[k] == b[k] || a[k] == 1 || b[k] == 1;
        y[k] = std::max(a[k], b[k]);
    }
    if (!ok) {
        p.fail("cannot multiply " + dimsText(a) + " by " + dimsText(b));
    }
    if (a != y && b != y) {
        p.fail("multiplies " + dimsText(a) + " by " + dimsText(b) +
               ": one of them must have the product's shape");
    }
    const std::size_t full = a == y ? 0 : 1, other = 1 - full;
    memory src0 = p.inputF32(full);
    memory src1 = a == b ? p.input(other, src0.get_desc()) : p.inputPlain(other);
    binary::primitive_desc pd(
        {algorithm::binary_mul, src0.get_desc(), src1.get_desc(), src0.get_desc()}, p.postOps(),
        p.engine());
    memory dst(pd.dst_desc(), p.engine());
    p.step(binary(pd), {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}});
    p.output(dst, y);
}

// Inputs: two or more of one rank, plain, joined along `axis` (1..rank, the batch being 0).
void concat(Preparer& p, const Layer& l) {
    p.expectInputs(2, true);
    auto axis = p.ints("axis", 1)[0];
    std::vector<memory::desc> descs;
    std::unordered_map<int, memory> args;
    Dims out = p.inShape(0);
    for (std::size_t i = 0; i < l.inputs.size(); ++i) {
        const Dims& x = p.inShape(i);
        if (axis < 1 || axis > std::int64_t(x.size()) || x.size() != out.size()) {
            p.fail("cannot join " + dimsText(x) + " along axis " + std::to_string(axis));
        }
        if (i > 0) {
            out[std::size_t(axis - 1)] += x[std::size_t(axis - 1)];
        }
        memory m = p.inputPlain(i);
        descs.push_back(m.get_desc());
        args.emplace(DNNL_ARG_MULTIPLE_SRC + int(i), m);
    }
    dnnl::concat::primitive_desc pd(plainDesc(p.batched(out)), int(axis), descs, p.engine());
    memory dst(pd.dst_desc(), p.engine());
    args.emplace(DNNL_ARG_DST, dst);
    p.step(dnnl::concat(pd), std::move(args));
    p.output(dst, out);
}

} // namespace nw::rt::layers
