// The pad layer: [C, H, W] -> [C, H + top + bottom, W + left + right], channels-last. One
// reorder copies the input into the output's interior; constant mode fills the border once,
// when the layer is prepared (nothing else writes it); reflect and edge copy each border
// column from the interior column it mirrors or repeats, then each border row (full width,
// so the corners follow) from its source row, one reorder per column or row.
#include "engine/bundle/runtime/layer_builders.h"

#include <algorithm>

namespace nw::rt::layers {

using namespace dnnl;
using bundle::Dims;
using bundle::Layer;

namespace {

enum Mode : std::int64_t { kConstant = 0, kReflect = 1, kEdge = 2 };

// The input index that output index `o` of a dimension of `size` padded by `before` reads
// (reflect or edge, outside the input).
std::int64_t sourceOf(std::int64_t o, std::int64_t before, std::int64_t size, std::int64_t mode) {
    std::int64_t i = o - before;
    if (mode == kEdge) {
        return std::clamp<std::int64_t>(i, 0, size - 1);
    }
    return i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i;
}

} // namespace

// ints pad [top, bottom, left, right] and mode [0 constant, 1 reflect, 2 edge]; reals value.
void pad(Preparer& p, const Layer&) {
    p.expectInputs(1);
    const Dims& x = p.inShape(0);
    if (x.size() != 3) {
        p.fail("expects [C, H, W] samples, got " + dimsText(x));
    }
    const auto& pad = p.ints("pad", 4);
    const std::int64_t mode = p.ints("mode", 1)[0];
    if (mode < kConstant || mode > kEdge) {
        p.fail("mode " + std::to_string(mode) + " is not 0 (constant), 1 (reflect) or 2 (edge)");
    }
    for (int k = 0; k < 4; ++k) {
        const std::int64_t dim = x[1 + std::size_t(k / 2)];
        if (pad[std::size_t(k)] < 0 || pad[std::size_t(k)] > 1024 ||
            (mode == kReflect && pad[std::size_t(k)] >= dim)) {
            p.fail("bad padding " + dimsText(pad) + " for " + dimsText(x));
        }
    }
    const std::int64_t top = pad[0], left = pad[2], h = x[1], w = x[2];
    const Dims y{x[0], h + pad[0] + pad[1], w + pad[2] + pad[3]};
    const std::int64_t oh = y[1], ow = y[2], c = x[0];
    memory src = p.input(0, memory::desc(p.batched(x), DT::f32, Tag::acdb));
    memory::desc yd(p.batched(y), DT::f32, Tag::acdb);
    memory dst(yd, p.engine());
    auto* base = static_cast<float*>(dst.get_data_handle());
    if (mode == kConstant) {
        std::fill(base, base + yd.get_size() / sizeof(float), float(p.real("value", 0)));
    }
    memory inner(yd.submemory_desc(p.batched(x), {0, 0, top, left}), p.engine(), base);
    p.step(reorder(src, inner), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, inner}});
    if (mode == kConstant) {
        return p.output(dst, y);
    }
    // One column of the interior rows and one full row, as strided views of the output.
    const memory::dims strides{oh * ow * c, 1, ow * c, c};
    const memory::desc column({p.batch(), c, h, 1}, DT::f32, strides);
    const memory::desc row({p.batch(), c, 1, ow}, DT::f32, strides);
    reorder copyColumn(reorder::primitive_desc(p.engine(), column, p.engine(), column));
    reorder copyRow(reorder::primitive_desc(p.engine(), row, p.engine(), row));
    auto copy = [&](const reorder& r, const memory::desc& d, std::int64_t from, std::int64_t to) {
        memory a(d, p.engine(), base + from * c), b(d, p.engine(), base + to * c);
        p.step(r, {{DNNL_ARG_FROM, a}, {DNNL_ARG_TO, b}});
    };
    for (std::int64_t o = 0; o < ow; ++o) {
        if (o < left || o >= left + w) {
            copy(copyColumn, column, top * ow + left + sourceOf(o, left, w, mode), top * ow + o);
        }
    }
    for (std::int64_t o = 0; o < oh; ++o) {
        if (o < top || o >= top + h) {
            copy(copyRow, row, (top + sourceOf(o, top, h, mode)) * ow, o * ow);
        }
    }
    p.output(dst, y);
}

} // namespace nw::rt::layers
