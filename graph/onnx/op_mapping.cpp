// Per-op ONNX emitters, opset 17. Parameter shapes are the op schemas' declarations
// (graph/ops/): Conv2D weight [F, C/groups, kh, kw], Dense weight [units, F], BatchNorm
// gamma, beta, running_mean, running_var [C], LayerNorm gamma, beta [normalised, flattened].
#include "graph/onnx/op_mapping.h"

#include "graph/onnx/onnx_export.h"
#include "graph/ops/pool_window.h"
#include "graph/ops/positional_encoding.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

namespace nw::graph::onnx_export {

std::int64_t MapContext::i(std::string_view name) const {
    return std::get<std::int64_t>(attrs.find(name)->second);
}
double MapContext::f(std::string_view name) const {
    return std::get<double>(attrs.find(name)->second);
}
bool MapContext::b(std::string_view name) const {
    return std::get<bool>(attrs.find(name)->second);
}
const std::string& MapContext::s(std::string_view name) const {
    return std::get<std::string>(attrs.find(name)->second);
}
const IntList& MapContext::ints(std::string_view name) const {
    return std::get<IntList>(attrs.find(name)->second);
}

Expected<std::string> MapContext::param(const std::string& name,
                                        const std::vector<std::int64_t>& onnxDims) {
    auto decl = std::find_if(info.params.begin(), info.params.end(),
                             [&](const ParamSpec& p) { return p.name == name; });
    if (decl == info.params.end()) {
        return Error::internal("node '" + node.id + "': " + node.op + " declares no parameter '" +
                               name + "'");
    }
    const std::vector<std::int64_t>& engineDims = decl->shape;
    auto it = weights.find({node.id, name});
    if (it == weights.end()) {
        return Error::user("node '" + node.id + "': parameter '" + name +
                           "' is missing from the weights");
    }
    const HostTensor& t = it->second;
    std::int64_t count = 1;
    for (std::int64_t d : engineDims) {
        count *= d;
    }
    if (t.dims != engineDims || static_cast<std::int64_t>(t.data.size()) != count) {
        return Error::user("node '" + node.id + "': parameter '" + name +
                           "' has the wrong shape for the graph");
    }
    std::string initName = node.id + "." + name;
    builder.floatInitializer(initName, onnxDims.empty() ? engineDims : onnxDims, t.data);
    return initName;
}

std::string MapContext::helper(std::string_view suffix) const {
    return node.id + "/" + std::string(suffix);
}

namespace {

using Dims = std::vector<std::int64_t>;

Status emitConv2d(MapContext& c) {
    const Shape& x = c.info.inputs[0];
    const Shape& y = c.info.outputs[0];
    const IntList& k = c.ints("kernel_size");
    const IntList& stride = c.ints("stride");
    const IntList& dil = c.ints("dilation");
    std::int64_t groups = c.i("groups");
    // ONNX pads: the begins, then the ends ([top, left, bottom, right] for 2-D). "same" as
    // TensorFlow: the extra pixel of an odd total goes to the end, exactly as the CPU pads.
    const std::size_t spatial = k.size(); // Conv2D 2, Conv3D 3
    std::vector<std::int64_t> pads(2 * spatial);
    for (std::size_t d = 0; d < spatial; ++d) {
        if (c.s("padding_mode") == "same") {
            std::int64_t effective = dil[d] * (k[d] - 1) + 1;
            std::int64_t total = std::max<std::int64_t>(
                (y[int(2 + d)] - 1) * stride[d] + effective - x[int(2 + d)], 0);
            pads[d] = total / 2;
            pads[spatial + d] = total - total / 2;
        } else {
            pads[d] = pads[spatial + d] = c.ints("padding")[d];
        }
    }
    std::vector<std::string> in{c.inputs[0]};
    auto w = c.param("weight");
    if (!w) {
        return w.error();
    }
    in.push_back(*w);
    if (c.b("use_bias")) {
        auto bias = c.param("bias");
        if (!bias) {
            return bias.error();
        }
        in.push_back(*bias);
    }
    auto& n = c.builder.node("Conv", c.node.id, in, {c.output});
    ModelBuilder::attr(n, "kernel_shape", k);
    ModelBuilder::attr(n, "strides", stride);
    ModelBuilder::attr(n, "dilations", dil);
    ModelBuilder::attr(n, "pads", pads);
    ModelBuilder::attr(n, "group", groups);
    return Status::success();
}

Status emitDense(MapContext& c) {
    auto w = c.param("weight");
    if (!w) {
        return w.error();
    }
    std::vector<std::string> inputs{c.inputs[0], *w};
    if (c.b("use_bias")) {
        auto bias = c.param("bias");
        if (!bias) {
            return bias.error();
        }
        inputs.push_back(*bias);
    }
    if (c.info.inputs[0].rank() > 2) {
        // [N, ..., F]: MatMul with W^T [F, units] (a Transpose of the weight, which runtimes
        // fold), then Add of the bias broadcast over the last axis.
        auto& t = c.builder.node("Transpose", c.helper("weight_t"), {*w}, {c.helper("weight_t")});
        ModelBuilder::attr(t, "perm", std::vector<std::int64_t>{1, 0});
        bool bias = inputs.size() > 2;
        std::string product = bias ? c.helper("matmul") : c.output;
        c.builder.node("MatMul", bias ? c.helper("matmul") : c.node.id,
                       {c.inputs[0], c.helper("weight_t")}, {product});
        if (bias) {
            c.builder.node("Add", c.node.id, {product, inputs[2]}, {c.output});
        }
        return Status::success();
    }
    auto& n = c.builder.node("Gemm", c.node.id, inputs, {c.output});
    ModelBuilder::attr(n, "transB", std::int64_t{1});
    return Status::success();
}

Status emitBatchNorm(MapContext& c) {
    std::vector<std::string> inputs{c.inputs[0]};
    for (const char* name : {"gamma", "beta", "running_mean", "running_var"}) {
        auto p = c.param(name);
        if (!p) {
            return p.error();
        }
        inputs.push_back(*p);
    }
    auto& n = c.builder.node("BatchNormalization", c.node.id, inputs, {c.output});
    ModelBuilder::attr(n, "epsilon", static_cast<float>(c.f("epsilon")));
    return Status::success();
}

Status emitLayerNorm(MapContext& c) {
    const Shape& x = c.info.inputs[0];
    std::int64_t k = c.i("normalized_dims");
    Dims normalized(x.dims.end() - k, x.dims.end());
    auto gamma = c.param("gamma", normalized);
    if (!gamma) {
        return gamma.error();
    }
    auto beta = c.param("beta", normalized);
    if (!beta) {
        return beta.error();
    }
    auto& n =
        c.builder.node("LayerNormalization", c.node.id, {c.inputs[0], *gamma, *beta}, {c.output});
    ModelBuilder::attr(n, "axis", x.rank() - k);
    ModelBuilder::attr(n, "epsilon", static_cast<float>(c.f("epsilon")));
    return Status::success();
}

// MaxPool / AveragePool with pads [top, left, bottom, right]; ceil_mode and dilations only
// when they are not ONNX's defaults, so the exports of older projects keep their bytes.
Status emitPool(MapContext& c, const char* type) {
    const Shape& x = c.info.inputs[0];
    const ops::PoolWindow win = ops::poolWindow(c.attrs, x[2], x[3]);
    const ops::PoolAxis &r = win.rows, &col = win.cols;
    auto& n = c.builder.node(type, c.node.id, {c.inputs[0]}, {c.output});
    ModelBuilder::attr(n, "kernel_shape", c.ints("kernel_size"));
    ModelBuilder::attr(n, "strides", c.ints("stride"));
    ModelBuilder::attr(n, "pads", {r.padBegin, col.padBegin, r.padEnd, col.padEnd});
    if (r.dilation != 1 || col.dilation != 1) {
        ModelBuilder::attr(n, "dilations", {r.dilation, col.dilation});
    }
    if (r.ceil) {
        ModelBuilder::attr(n, "ceil_mode", std::int64_t{1});
    }
    if (std::string_view(type) == "AveragePool") { // 1: padding counts as zeros
        ModelBuilder::attr(n, "count_include_pad", std::int64_t{win.includePad ? 1 : 0});
    }
    return Status::success();
}

Status emitMaxPool(MapContext& c) {
    return emitPool(c, "MaxPool");
}
Status emitAvgPool(MapContext& c) {
    const IntList& d = c.ints("dilation");
    if (d[0] != 1 || d[1] != 1) { // AveragePool's dilations came with opset 19
        return Error::user("node '" + c.node.id +
                           "' (AvgPool2D): a dilated average pooling "
                           "needs ONNX opset 19 or later; the exporter writes opset 17");
    }
    return emitPool(c, "AveragePool");
}

// LRN with ONNX's own attributes (our schema takes its names, defaults and formula).
Status emitLrn(MapContext& c) {
    auto& n = c.builder.node("LRN", c.node.id, {c.inputs[0]}, {c.output});
    ModelBuilder::attr(n, "size", c.i("size"));
    ModelBuilder::attr(n, "alpha", static_cast<float>(c.f("alpha")));
    ModelBuilder::attr(n, "beta", static_cast<float>(c.f("beta")));
    ModelBuilder::attr(n, "bias", static_cast<float>(c.f("bias")));
    return Status::success();
}

// Pad (opset 11 on): the pads as the int64 input "<node>/pads", [begin of each axis, end of
// each axis] = [0, 0, top, left, 0, 0, bottom, right]; constant mode's fill as the scalar input
// "<node>/value".
Status emitPad(MapContext& c) {
    const IntList& p = c.ints("padding"); // top, bottom, left, right
    c.builder.int64Initializer(c.helper("pads"),
                               std::vector<std::int64_t>{0, 0, p[0], p[2], 0, 0, p[1], p[3]});
    std::vector<std::string> in{c.inputs[0], c.helper("pads")};
    if (c.s("mode") == "constant") {
        c.builder.scalar(c.helper("value"), static_cast<float>(c.f("value")));
        in.push_back(c.helper("value"));
    }
    auto& n = c.builder.node("Pad", c.node.id, in, {c.output});
    ModelBuilder::attr(n, "mode", c.s("mode"));
    return Status::success();
}

// Slice (opset 10 on): starts, ends, axes and steps as the int64 inputs "<node>/starts",
// "<node>/ends", "<node>/axes" and "<node>/steps", one entry each; the axis as the schema has
// it (ONNX counts a negative one from the end too).
Status emitSlice(MapContext& c) {
    c.builder.int64Initializer(c.helper("starts"), std::vector<std::int64_t>{c.i("start")});
    c.builder.int64Initializer(c.helper("ends"), std::vector<std::int64_t>{c.i("end")});
    c.builder.int64Initializer(c.helper("axes"), std::vector<std::int64_t>{c.i("axis")});
    c.builder.int64Initializer(c.helper("steps"), std::vector<std::int64_t>{1});
    c.builder.node(
        "Slice", c.node.id,
        {c.inputs[0], c.helper("starts"), c.helper("ends"), c.helper("axes"), c.helper("steps")},
        {c.output});
    return Status::success();
}

// [N, C, H, W] -> GlobalAveragePool / GlobalMaxPool [N, C, 1, 1] -> Flatten [N, C].
Status emitGlobalPool(MapContext& c, const char* type) {
    std::string pooled = c.helper("pooled");
    c.builder.node(type, c.node.id, {c.inputs[0]}, {pooled});
    auto& f = c.builder.node("Flatten", c.helper("flatten"), {pooled}, {c.output});
    ModelBuilder::attr(f, "axis", std::int64_t{1});
    return Status::success();
}

Status emitGlobalAvgPool(MapContext& c) {
    return emitGlobalPool(c, "GlobalAveragePool");
}
Status emitGlobalMaxPool(MapContext& c) {
    return emitGlobalPool(c, "GlobalMaxPool");
}

Status emitUnary(MapContext& c, const char* type) {
    c.builder.node(type, c.node.id, {c.inputs[0]}, {c.output});
    return Status::success();
}

Status emitReLU(MapContext& c) {
    return emitUnary(c, "Relu");
}
Status emitSigmoid(MapContext& c) {
    return emitUnary(c, "Sigmoid");
}
Status emitTanh(MapContext& c) {
    return emitUnary(c, "Tanh");
}

Status emitLeakyReLU(MapContext& c) {
    auto& n = c.builder.node("LeakyRelu", c.node.id, {c.inputs[0]}, {c.output});
    ModelBuilder::attr(n, "alpha", static_cast<float>(c.f("alpha")));
    return Status::success();
}

Status emitELU(MapContext& c) {
    auto& n = c.builder.node("Elu", c.node.id, {c.inputs[0]}, {c.output});
    ModelBuilder::attr(n, "alpha", static_cast<float>(c.f("alpha")));
    return Status::success();
}

// Clip with its bounds as scalar inputs (opset 11 on).
Status emitReLU6(MapContext& c) {
    c.builder.scalar(c.helper("min"), 0.0f);
    c.builder.scalar(c.helper("max"), 6.0f);
    c.builder.node("Clip", c.node.id, {c.inputs[0], c.helper("min"), c.helper("max")}, {c.output});
    return Status::success();
}

Status emitHardSigmoid(MapContext& c) {
    auto& n = c.builder.node("HardSigmoid", c.node.id, {c.inputs[0]}, {c.output});
    ModelBuilder::attr(n, "alpha", static_cast<float>(c.f("alpha")));
    ModelBuilder::attr(n, "beta", static_cast<float>(c.f("beta")));
    return Status::success();
}

// HardSwish is ONNX's from opset 14.
Status emitHardSwish(MapContext& c) {
    return emitUnary(c, "HardSwish");
}

// ONNX has Gelu only from opset 20, so: erf form 0.5 * x * (1 + Erf(x / sqrt(2)));
// tanh form 0.5 * x * (1 + Tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))).
Status emitGELU(MapContext& c) {
    ModelBuilder& b = c.builder;
    const std::string& x = c.inputs[0];
    b.scalar(c.helper("one"), 1.0f);
    b.scalar(c.helper("half"), 0.5f);
    std::string core; // Erf(...) or Tanh(...)
    if (c.s("approximate") == "tanh") {
        b.scalar(c.helper("k"), 0.044715f);
        b.scalar(c.helper("sqrt_2_over_pi"), static_cast<float>(std::sqrt(2.0 / std::numbers::pi)));
        b.node("Mul", c.helper("x2"), {x, x}, {c.helper("x2")});
        b.node("Mul", c.helper("x3"), {c.helper("x2"), x}, {c.helper("x3")});
        b.node("Mul", c.helper("kx3"), {c.helper("x3"), c.helper("k")}, {c.helper("kx3")});
        b.node("Add", c.helper("inner"), {x, c.helper("kx3")}, {c.helper("inner")});
        b.node("Mul", c.helper("scaled"), {c.helper("inner"), c.helper("sqrt_2_over_pi")},
               {c.helper("scaled")});
        b.node("Tanh", c.helper("tanh"), {c.helper("scaled")}, {c.helper("tanh")});
        core = c.helper("tanh");
    } else {
        b.scalar(c.helper("sqrt2"), static_cast<float>(std::numbers::sqrt2));
        b.node("Div", c.helper("div"), {x, c.helper("sqrt2")}, {c.helper("div")});
        b.node("Erf", c.helper("erf"), {c.helper("div")}, {c.helper("erf")});
        core = c.helper("erf");
    }
    b.node("Add", c.helper("plus1"), {core, c.helper("one")}, {c.helper("plus1")});
    b.node("Mul", c.helper("times_x"), {x, c.helper("plus1")}, {c.helper("times_x")});
    b.node("Mul", c.node.id, {c.helper("times_x"), c.helper("half")}, {c.output});
    return Status::success();
}

Status emitSoftmax(MapContext& c) {
    auto& n = c.builder.node("Softmax", c.node.id, {c.inputs[0]}, {c.output});
    ModelBuilder::attr(n, "axis", c.i("axis"));
    return Status::success();
}

Status emitFlatten(MapContext& c) {
    auto& n = c.builder.node("Flatten", c.node.id, {c.inputs[0]}, {c.output});
    ModelBuilder::attr(n, "axis", std::int64_t{1});
    return Status::success();
}

// The target shape is the inferred one with the batch as 0 ("copy the input's batch"), so
// the batch stays dynamic and no -1 is left for the runtime to resolve.
Status emitReshape(MapContext& c) {
    Dims target = c.info.outputs[0].dims;
    target[0] = 0;
    c.builder.int64Initializer(c.helper("shape"), target);
    c.builder.node("Reshape", c.node.id, {c.inputs[0], c.helper("shape")}, {c.output});
    return Status::success();
}

Status emitAdd(MapContext& c) {
    c.builder.node(c.inputs.size() == 2 ? "Add" : "Sum", c.node.id, c.inputs, {c.output});
    return Status::success();
}

// Our broadcast rule (same rank, a dim of 1 in either input) is a case of ONNX's.
Status emitMul(MapContext& c) {
    c.builder.node("Mul", c.node.id, c.inputs, {c.output});
    return Status::success();
}

// x · scale + shift: Mul and Add with the parameters as initializers of the attribute's
// shape, which ONNX broadcasts over the trailing dims as we do.
Status emitScale(MapContext& c) {
    std::string x = c.inputs[0];
    const bool shift = c.b("use_shift");
    if (c.b("use_scale")) {
        auto scale = c.param("scale");
        if (!scale) {
            return scale.error();
        }
        const std::string out = shift ? c.helper("scaled") : c.output;
        c.builder.node("Mul", shift ? out : c.node.id, {x, *scale}, {out});
        x = out;
    }
    if (shift) {
        auto b = c.param("shift");
        if (!b) {
            return b.error();
        }
        c.builder.node("Add", c.node.id, {x, *b}, {c.output});
    }
    return Status::success();
}

// Cast to float16 or bfloat16 and back to float (our tensors stay float32). The float8,
// float4 and 2- and 4-bit formats need opsets 19 to 25; the exporter writes 17.
Status emitCast(MapContext& c) {
    const std::string& to = c.s("to");
    if (to != "float16" && to != "bfloat16") {
        return Error::user("node '" + c.node.id + "' (Cast): a cast to " + to +
                           " needs ONNX opset 19 or later; the exporter writes opset 17 (float16 "
                           "and bfloat16 export)");
    }
    auto& narrow = c.builder.node("Cast", c.helper("narrow"), {c.inputs[0]}, {c.helper("narrow")});
    ModelBuilder::attr(
        narrow, "to",
        std::int64_t{to == "float16" ? onnx::TensorProto::FLOAT16 : onnx::TensorProto::BFLOAT16});
    auto& back = c.builder.node("Cast", c.node.id, {c.helper("narrow")}, {c.output});
    ModelBuilder::attr(back, "to", std::int64_t{onnx::TensorProto::FLOAT});
    return Status::success();
}

// value [shape] repeated over the batch: Expand to [N, shape...], N from the input's Shape.
Status emitConstant(MapContext& c) {
    auto value = c.param("value");
    if (!value) {
        return value.error();
    }
    auto& batch = c.builder.node("Shape", c.helper("batch"), {kInputName}, {c.helper("batch")});
    ModelBuilder::attr(batch, "end", std::int64_t{1});
    c.builder.int64Initializer(c.helper("sample"), c.ints("shape"));
    auto& shape = c.builder.node("Concat", c.helper("shape"),
                                 {c.helper("batch"), c.helper("sample")}, {c.helper("shape")});
    ModelBuilder::attr(shape, "axis", std::int64_t{0});
    c.builder.node("Expand", c.node.id, {*value, c.helper("shape")}, {c.output});
    return Status::success();
}

Status emitConcat(MapContext& c) {
    auto& n = c.builder.node("Concat", c.node.id, c.inputs, {c.output});
    ModelBuilder::attr(n, "axis", c.i("axis"));
    return Status::success();
}

// [N, T] ids (f32) -> Cast to int64 -> Gather rows of weight [V, D] -> [N, T, D].
Status emitEmbedding(MapContext& c) {
    auto w = c.param("weight");
    if (!w) {
        return w.error();
    }
    auto& cast = c.builder.node("Cast", c.helper("ids"), {c.inputs[0]}, {c.helper("ids")});
    ModelBuilder::attr(cast, "to", std::int64_t{onnx::TensorProto::INT64});
    auto& g = c.builder.node("Gather", c.node.id, {*w, c.helper("ids")}, {c.output});
    ModelBuilder::attr(g, "axis", std::int64_t{0});
    return Status::success();
}

// x [N, T, C] + a table [T, C]: the sinusoidal constant or the learned `position`.
Status emitPositionalEncoding(MapContext& c) {
    const Shape& x = c.info.inputs[0];
    std::string table;
    if (c.s("kind") == "learned") {
        auto p = c.param("position");
        if (!p) {
            return p.error();
        }
        table = *p;
    } else {
        table = c.helper("table");
        std::vector<std::int64_t> dims{x[1], x[2]};
        c.builder.floatInitializer(table, dims, ops::sinusoidalTable(x[1], x[2]));
    }
    c.builder.node("Add", c.node.id, {c.inputs[0], table}, {c.output});
    return Status::success();
}

// [N, T, C] -> [N, C]: ReduceMean / ReduceMax over axis 1, or Gather of step T - 1 and a
// Squeeze of that axis.
Status emitSequencePool(MapContext& c) {
    const std::string& mode = c.s("mode");
    if (mode == "last") {
        std::int64_t last = c.info.inputs[0][1] - 1;
        c.builder.int64Initializer(c.helper("last"), std::vector<std::int64_t>{last});
        auto& g = c.builder.node("Gather", c.helper("gather"), {c.inputs[0], c.helper("last")},
                                 {c.helper("gather")});
        ModelBuilder::attr(g, "axis", std::int64_t{1});
        c.builder.int64Initializer(c.helper("axes"), std::vector<std::int64_t>{1});
        c.builder.node("Squeeze", c.node.id, {c.helper("gather"), c.helper("axes")}, {c.output});
        return Status::success();
    }
    auto& n = c.builder.node(mode == "max" ? "ReduceMax" : "ReduceMean", c.node.id, {c.inputs[0]},
                             {c.output});
    ModelBuilder::attr(n, "axes", {1});
    ModelBuilder::attr(n, "keepdims", std::int64_t{0});
    return Status::success();
}

Status emitMatMul(MapContext& c) {
    c.builder.node("MatMul", c.node.id, c.inputs, {c.output});
    return Status::success();
}

// The schema's perm already lists the batch axis first, as ONNX's does.
Status emitTranspose(MapContext& c) {
    auto& n = c.builder.node("Transpose", c.node.id, {c.inputs[0]}, {c.output});
    ModelBuilder::attr(n, "perm", std::span<const std::int64_t>(c.ints("perm")));
    return Status::success();
}

// Input, Dropout (the identity at inference) and Loss: wired by exportModel itself.
Status emitStructural(MapContext& c) {
    return Error::internal("node '" + c.node.id + "': " + c.node.op +
                           " is wired by the exporter, not emitted");
}

} // namespace

// A plugin's op: one node of the domain named after the plugin, op_type the op's name, its
// attributes (bools as 0/1 ints), its input then every parameter (initializers
// "<node>.<param>"), and its output's shape declared, since ONNX cannot infer it.
Status emitPluginOp(MapContext& c) {
    std::vector<std::string> inputs = c.inputs;
    for (const ParamSpec& p : c.info.params) {
        auto name = c.param(p.name);
        if (!name) {
            return name.error();
        }
        inputs.push_back(*name);
    }
    auto& n = c.builder.node(c.node.op, c.node.id, inputs, {c.output});
    n.set_domain(c.schema ? c.schema->plugin : std::string());
    for (const auto& [name, value] : c.attrs) {
        if (const auto* i = std::get_if<std::int64_t>(&value)) {
            ModelBuilder::attr(n, name, *i);
        } else if (const auto* f = std::get_if<double>(&value)) {
            ModelBuilder::attr(n, name, static_cast<float>(*f));
        } else if (const auto* b = std::get_if<bool>(&value)) {
            ModelBuilder::attr(n, name, std::int64_t{*b ? 1 : 0});
        } else if (const auto* s = std::get_if<std::string>(&value)) {
            ModelBuilder::attr(n, name, *s);
        } else if (const auto* l = std::get_if<IntList>(&value)) {
            ModelBuilder::attr(n, name, std::span<const std::int64_t>(*l));
        }
    }
    if (!c.info.outputs.empty()) {
        const auto& dims = c.info.outputs[0].dims;
        c.builder.valueInfo(c.output, std::vector<std::int64_t>(dims.begin() + 1, dims.end()));
    }
    return Status::success();
}

graph::OpTable<EmitFn> makeOnnxEmitterTable(const OpRegistry* registry) {
    graph::OpTable<EmitFn> t;
    if (registry) {
        for (const OpSchema* schema : registry->all()) {
            if (!schema->plugin.empty()) {
                t.add(schema->name, emitPluginOp);
            }
        }
    }
    t.add("Input", emitStructural)
        .add("Dense", emitDense)
        .add("Conv2D", emitConv2d)
        .add("Conv3D", emitConv2d)
        .add("MaxPool2D", emitMaxPool)
        .add("AvgPool2D", emitAvgPool)
        .add("GlobalAvgPool", emitGlobalAvgPool)
        .add("GlobalMaxPool", emitGlobalMaxPool)
        .add("BatchNorm", emitBatchNorm)
        .add("LayerNorm", emitLayerNorm)
        .add("LRN", emitLrn)
        .add("Dropout", emitStructural)
        .add("ReLU", emitReLU)
        .add("LeakyReLU", emitLeakyReLU)
        .add("ELU", emitELU)
        .add("ReLU6", emitReLU6)
        .add("HardSigmoid", emitHardSigmoid)
        .add("HardSwish", emitHardSwish)
        .add("GELU", emitGELU)
        .add("Sigmoid", emitSigmoid)
        .add("Tanh", emitTanh)
        .add("Softmax", emitSoftmax)
        .add("Flatten", emitFlatten)
        .add("Reshape", emitReshape)
        .add("Pad", emitPad)
        .add("Slice", emitSlice)
        .add("Add", emitAdd)
        .add("Mul", emitMul)
        .add("Scale", emitScale)
        .add("Cast", emitCast)
        .add("Constant", emitConstant)
        .add("Concat", emitConcat)
        .add("Embedding", emitEmbedding)
        .add("PositionalEncoding", emitPositionalEncoding)
        .add("SequencePool", emitSequencePool)
        .add("MatMul", emitMatMul)
        .add("Transpose", emitTranspose)
        .add("Loss", emitStructural)
        .add("MultiHeadAttention", emitMultiHeadAttention)
        .add("LSTM", emitLstm)
        .add("GRU", emitGru);
    return t;
}

bool isStructuralOp(std::string_view op) {
    return op == "Input" || op == "Dropout" || op == "Loss";
}

std::vector<std::string> pluginDomains(const Graph& graph, const OpRegistry& registry) {
    std::set<std::string> domains;
    for (const Node& n : graph.nodes()) {
        const OpSchema* schema = registry.find(n.op);
        if (schema && !schema->plugin.empty()) {
            domains.insert(schema->plugin);
        }
    }
    return {domains.begin(), domains.end()};
}

} // namespace nw::graph::onnx_export
