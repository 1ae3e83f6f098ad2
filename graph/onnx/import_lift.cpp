// liftToOneSample(): the model rewritten so that every activation gains a leading axis of 1,
// the batch of a project that takes the whole original input as one sample. Axis attributes
// and inputs move up by one (negative ones count from the end and stay), permutations, target
// shapes and Shape's range gain the new axis, defaults that would reach it (Transpose's
// reversal, Squeeze and the reductions over every axis, Slice's axes) are written out, Flatten
// becomes a Reshape and Gemm a MatMul (it is 2-D only). Ops whose layout puts the batch first
// (convolution, pooling, batch norm, LRN, Pad, the recurrent ops) refuse: such a model's first
// axis is a batch.
#include "graph/onnx/import_lift.h"

#include "graph/onnx/import_tensor.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <onnx/shape_inference/implementation.h>
#include <optional>
#include <set>

namespace nw::graph::onnx_import {

namespace {

using Dims = std::vector<std::int64_t>;

class Lifter {
public:
    Lifter(const onnx::ModelProto& model, std::int64_t opset)
        : m_model(model)
        , m_opset(opset) {
        onnx::ModelProto inferred = model;
        try {
            onnx::shape_inference::InferShapes(inferred);
        } catch (const std::exception&) { // what cannot be inferred stays unknown
        }
        auto note = [this](const onnx::ValueInfoProto& v) {
            const auto& t = v.type().tensor_type();
            if (!t.has_shape()) {
                return;
            }
            Dims d;
            for (const auto& dim : t.shape().dim()) {
                d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
            }
            m_shapes[v.name()] = std::move(d);
        };
        for (const auto& v : inferred.graph().value_info()) {
            note(v);
        }
        for (const auto& v : inferred.graph().input()) {
            note(v);
        }
        for (const auto& v : inferred.graph().output()) {
            note(v);
        }
        for (const auto& t : model.graph().initializer()) {
            m_constants[t.name()] = &t;
        }
        for (const auto& n : model.graph().node()) {
            if (n.op_type() == "Constant" && n.output_size() == 1) {
                for (const auto& a : n.attribute()) {
                    if (a.name() == "value" && a.has_t()) {
                        m_constants[n.output(0)] = &a.t();
                    }
                }
            }
        }
    }

    Expected<onnx::ModelProto> run() {
        onnx::ModelProto out = m_model;
        onnx::GraphProto& g = *out.mutable_graph();
        g.clear_value_info(); // the shapes change; the importer infers its own
        g.clear_node();
        m_graph = &g;
        std::set<std::string> initializers;
        for (const auto& t : g.initializer()) {
            initializers.insert(t.name());
        }
        for (const auto& v : g.input()) {
            if (!initializers.count(v.name())) {
                m_lifted.insert(v.name());
            }
        }
        // Values computed from the input gain the axis; constants and what the shape
        // arithmetic computes from them (Shape's output included) do not.
        for (const auto& n : m_model.graph().node()) {
            const bool reads = std::any_of(n.input().begin(), n.input().end(),
                                           [this](const auto& in) { return m_lifted.count(in); });
            if (!reads) {
                emit(n);
                continue;
            }
            if (auto s = lift(n); !s) {
                return s.error();
            }
            if (n.op_type() != "Shape" && n.op_type() != "Size") {
                m_lifted.insert(n.output().begin(), n.output().end());
            }
        }
        for (auto& v : *g.mutable_input()) {
            if (!initializers.count(v.name())) {
                prependBatch(v);
            }
        }
        for (auto& v : *g.mutable_output()) {
            prependBatch(v);
        }
        return out;
    }

private:
    static void prependBatch(onnx::ValueInfoProto& v) {
        auto* shape = v.mutable_type()->mutable_tensor_type()->mutable_shape();
        const onnx::TensorShapeProto before = *shape;
        shape->clear_dim();
        shape->add_dim()->set_dim_param("N");
        for (const auto& d : before.dim()) {
            *shape->add_dim() = d;
        }
    }

    static Error refuse(const onnx::NodeProto& n, const std::string& why) {
        return Error::user("node '" + n.name() + "' (" + n.op_type() + "): " + why);
    }

    std::optional<Dims> shapeOf(const std::string& value) const {
        auto it = m_shapes.find(value);
        if (it == m_shapes.end() ||
            std::find(it->second.begin(), it->second.end(), -1) != it->second.end()) {
            return std::nullopt;
        }
        return it->second;
    }
    std::optional<std::int64_t> rankOf(const std::string& value) const {
        auto it = m_shapes.find(value);
        if (it != m_shapes.end()) {
            return static_cast<std::int64_t>(it->second.size());
        }
        if (auto c = m_constants.find(value); c != m_constants.end()) {
            return c->second->dims_size();
        }
        return std::nullopt;
    }
    std::optional<Dims> constInts(const std::string& value) const {
        auto it = m_constants.find(value);
        if (it == m_constants.end()) {
            return std::nullopt;
        }
        auto c = decodeTensor(*it->second, value);
        if (!c) {
            return std::nullopt;
        }
        return c->ints();
    }
    std::optional<Constant> constant(const std::string& value) const {
        auto it = m_constants.find(value);
        if (it == m_constants.end()) {
            return std::nullopt;
        }
        auto c = decodeTensor(*it->second, value);
        return c ? std::optional<Constant>(std::move(*c)) : std::nullopt;
    }

    std::string fresh(const std::string& what) {
        return "one_sample/" + what + "_" + std::to_string(m_fresh++);
    }
    std::string addInts(const Dims& values) {
        onnx::TensorProto& t = *m_graph->add_initializer();
        t.set_name(fresh("ints"));
        t.set_data_type(onnx::TensorProto::INT64);
        t.add_dims(static_cast<std::int64_t>(values.size()));
        for (auto v : values) {
            t.add_int64_data(v);
        }
        return t.name();
    }
    std::string addFloats(const Dims& dims, const std::vector<float>& values) {
        onnx::TensorProto& t = *m_graph->add_initializer();
        t.set_name(fresh("floats"));
        t.set_data_type(onnx::TensorProto::FLOAT);
        for (auto d : dims) {
            t.add_dims(d);
        }
        for (float v : values) {
            t.add_float_data(v);
        }
        return t.name();
    }
    onnx::NodeProto& emit(const onnx::NodeProto& n) { return *m_graph->add_node() = n; }
    onnx::NodeProto& emit(const std::string& op, std::vector<std::string> in, std::string out) {
        onnx::NodeProto& n = *m_graph->add_node();
        n.set_op_type(op);
        n.set_name(fresh(op));
        for (auto& i : in) {
            n.add_input(i);
        }
        n.add_output(out);
        return n;
    }

    static onnx::AttributeProto* findAttr(onnx::NodeProto& n, const std::string& name) {
        for (auto& a : *n.mutable_attribute()) {
            if (a.name() == name) {
                return &a;
            }
        }
        return nullptr;
    }
    static void setInt(onnx::NodeProto& n, const std::string& name, std::int64_t v) {
        onnx::AttributeProto* a = findAttr(n, name);
        if (!a) {
            a = n.add_attribute();
            a->set_name(name);
            a->set_type(onnx::AttributeProto::INT);
        }
        a->set_i(v);
    }
    static void setInts(onnx::NodeProto& n, const std::string& name, const Dims& v) {
        onnx::AttributeProto* a = findAttr(n, name);
        if (!a) {
            a = n.add_attribute();
            a->set_name(name);
            a->set_type(onnx::AttributeProto::INTS);
        }
        a->clear_ints();
        for (auto x : v) {
            a->add_ints(x);
        }
    }
    static Dims shifted(Dims axes) {
        for (auto& a : axes) {
            a = a >= 0 ? a + 1 : a;
        }
        return axes;
    }
    static Dims allAxes(std::int64_t rank) { // [1, ..., rank] in the lifted model
        Dims d(static_cast<std::size_t>(rank));
        std::iota(d.begin(), d.end(), std::int64_t{1});
        return d;
    }

    // Axes given as the attribute `attr` (before `inputSince`) or as input `index` (from
    // then on), shifted; absent: `fallback` (already shifted), or kept absent when it is empty.
    Status liftAxes(onnx::NodeProto& n, const char* attr, std::int64_t inputSince, int index,
                    const std::optional<Dims>& fallback) {
        if (m_opset >= inputSince) {
            if (n.input_size() > index && !n.input(index).empty()) {
                auto axes = constInts(n.input(index));
                if (!axes) {
                    return refuse(n, "its axes are not a constant");
                }
                // An empty list means every axis where the op has no noop_with_empty_axes.
                n.set_input(index, addInts(axes->empty() && fallback ? *fallback : shifted(*axes)));
            } else if (fallback) {
                while (n.input_size() <= index) {
                    n.add_input("");
                }
                n.set_input(index, addInts(*fallback));
            }
            return Status::success();
        }
        if (onnx::AttributeProto* a = findAttr(n, attr)) {
            setInts(n, attr, shifted(Dims(a->ints().begin(), a->ints().end())));
        } else if (fallback) {
            setInts(n, attr, *fallback);
        }
        return Status::success();
    }

    Status lift(const onnx::NodeProto& original) {
        static const std::set<std::string> kBatchFirst{"Conv",
                                                       "ConvTranspose",
                                                       "MaxPool",
                                                       "AveragePool",
                                                       "GlobalAveragePool",
                                                       "GlobalMaxPool",
                                                       "BatchNormalization",
                                                       "LRN",
                                                       "InstanceNormalization",
                                                       "Pad",
                                                       "LSTM",
                                                       "GRU",
                                                       "RNN",
                                                       "LpPool",
                                                       "Resize",
                                                       "Upsample",
                                                       "DepthToSpace",
                                                       "SpaceToDepth",
                                                       "MaxUnpool",
                                                       "RoiAlign"};
        const std::string& op = original.op_type();
        if (kBatchFirst.count(op)) {
            return refuse(original, "its layout puts the batch first");
        }
        onnx::NodeProto n = original;
        const std::string x = n.input_size() > 0 ? n.input(0) : std::string();
        if (op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") {
            if (onnx::AttributeProto* a = findAttr(n, "axis")) {
                setInt(n, "axis", a->i() >= 0 ? a->i() + 1 : a->i());
            } else if (m_opset < 13) {
                setInt(n, "axis", 2); // the default 1, moved
            }
        } else if (op == "Concat" || op == "Split" || op == "Gather" ||
                   op == "LayerNormalization" || op == "ArgMax" || op == "ArgMin") {
            const std::int64_t def = op == "LayerNormalization" ? -1 : 0;
            const onnx::AttributeProto* a = findAttr(n, "axis");
            const std::int64_t axis = a ? a->i() : def;
            setInt(n, "axis", axis >= 0 ? axis + 1 : axis);
        } else if (op == "Flatten") {
            auto s = shapeOf(x);
            if (!s) {
                return refuse(original, "the shape it flattens is not known");
            }
            const auto rank = static_cast<std::int64_t>(s->size());
            const onnx::AttributeProto* a = findAttr(n, "axis");
            std::int64_t axis = a ? a->i() : 1;
            axis = axis < 0 ? axis + rank : axis;
            const auto mid = s->begin() + axis;
            const std::int64_t outer =
                std::accumulate(s->begin(), mid, std::int64_t{1}, std::multiplies<>());
            const std::int64_t inner =
                std::accumulate(mid, s->end(), std::int64_t{1}, std::multiplies<>());
            onnx::NodeProto& r = emit("Reshape", {x, addInts({0, outer, inner})}, n.output(0));
            r.set_name(n.name());
            return Status::success();
        } else if (op == "Reshape") { // the new axis in front, as 0: the input's (the batch)
            if (const onnx::AttributeProto* a = findAttr(n, "allowzero"); a && a->i() != 0) {
                return refuse(original, "allowzero = 1 takes 0 as a size, not a copy");
            }
            if (auto target = constInts(n.input(1))) {
                target->insert(target->begin(), 0);
                n.set_input(1, addInts(*target));
            } else { // computed from the Shape of an activation
                const std::string joined = fresh("shape");
                setInt(emit("Concat", {addInts({0}), n.input(1)}, joined), "axis", 0);
                n.set_input(1, joined);
            }
        } else if (op == "Expand") { // the new axis in front, as 1: kept
            if (auto target = constInts(n.input(1))) {
                target->insert(target->begin(), 1);
                n.set_input(1, addInts(*target));
            } else {
                const std::string joined = fresh("shape");
                setInt(emit("Concat", {addInts({1}), n.input(1)}, joined), "axis", 0);
                n.set_input(1, joined);
            }
        } else if (op == "Transpose") {
            if (onnx::AttributeProto* a = findAttr(n, "perm")) {
                Dims perm = shifted(Dims(a->ints().begin(), a->ints().end()));
                perm.insert(perm.begin(), 0);
                setInts(n, "perm", perm);
            } else if (auto r = rankOf(x)) { // the reversal, of every axis but the new one
                Dims perm{0};
                for (std::int64_t k = *r; k >= 1; --k) {
                    perm.push_back(k);
                }
                setInts(n, "perm", perm);
            } else {
                return refuse(original, "the rank it reverses is not known");
            }
        } else if (op == "Squeeze") {
            std::optional<Dims> ones;
            if (auto s = shapeOf(x)) {
                ones.emplace();
                for (std::size_t k = 0; k < s->size(); ++k) {
                    if ((*s)[k] == 1) {
                        ones->push_back(static_cast<std::int64_t>(k) + 1);
                    }
                }
            }
            const bool given = m_opset >= 13 ? n.input_size() > 1 && !n.input(1).empty()
                                             : findAttr(n, "axes") != nullptr;
            if (!given && !ones) {
                return refuse(original, "the axes of 1 it squeezes are not known");
            }
            if (auto s = liftAxes(n, "axes", 13, 1, ones); !s) {
                return s;
            }
        } else if (op == "Unsqueeze") {
            if (auto s = liftAxes(n, "axes", 13, 1, std::nullopt); !s) {
                return s;
            }
        } else if (op.rfind("Reduce", 0) == 0) {
            const std::int64_t since = op == "ReduceSum" ? 13 : 18;
            const onnx::AttributeProto* noop = findAttr(n, "noop_with_empty_axes");
            std::optional<Dims> every;
            if (!(noop && noop->i() != 0)) {
                if (auto r = rankOf(x)) {
                    every = allAxes(*r);
                } else {
                    return refuse(original, "the rank it reduces is not known");
                }
            }
            if (auto s = liftAxes(n, "axes", since, 1, every); !s) {
                return s;
            }
        } else if (op == "Slice") {
            std::optional<Dims> axes;
            if (auto starts = constInts(n.input(1))) {
                axes = allAxes(static_cast<std::int64_t>(starts->size()));
            }
            if (!(n.input_size() > 3 && !n.input(3).empty()) && !axes) {
                return refuse(original, "its starts are not a constant");
            }
            if (auto s = liftAxes(n, "axes", 10, 3, axes); !s) {
                return s;
            }
        } else if (op == "Shape") {
            const onnx::AttributeProto* start = findAttr(n, "start");
            const std::int64_t from = start ? start->i() : 0;
            setInt(n, "start", from >= 0 ? from + 1 : from);
            if (const onnx::AttributeProto* end = findAttr(n, "end"); end && end->i() >= 0) {
                setInt(n, "end", end->i() + 1);
            }
        } else if (op == "Gemm") {
            return liftGemm(original);
        } else if (op == "MatMul" && !m_constants.count(n.input(1)) && rankOf(n.input(1)) == 1) {
            return refuse(original, "a vector as its second operand would become a matrix");
        }
        emit(n);
        return Status::success();
    }

    // Gemm is 2-D: alpha · A' · B' + beta · C as a MatMul (A' through a Transpose under
    // transA) with B' = alpha · B (transposed under transB) and an Add of beta · C.
    Status liftGemm(const onnx::NodeProto& n) {
        auto b = n.input_size() > 1 ? constant(n.input(1)) : std::nullopt;
        if (!b || !b->isFloat || b->dims.size() != 2) {
            return refuse(n, "its B is not a constant matrix");
        }
        auto attr = [&](const char* name, float def) {
            for (const auto& a : n.attribute()) {
                if (a.name() == name) {
                    return a.type() == onnx::AttributeProto::INT ? float(a.i()) : a.f();
                }
            }
            return def;
        };
        const float alpha = attr("alpha", 1.0f), beta = attr("beta", 1.0f);
        Constant w = attr("transB", 0) != 0 ? transposed(*b, {1, 0}) : *b;
        for (float& v : w.f) {
            v *= alpha;
        }
        std::string a = n.input(0);
        if (attr("transA", 0) != 0) {
            const std::string t = fresh("transposed");
            setInts(emit("Transpose", {a}, t), "perm", {0, 2, 1});
            a = t;
        }
        const bool bias = n.input_size() > 2 && !n.input(2).empty();
        const std::string product = bias ? fresh("product") : n.output(0);
        onnx::NodeProto& mm = emit("MatMul", {a, addFloats(w.dims, w.f)}, product);
        mm.set_name(n.name());
        if (!bias) {
            return Status::success();
        }
        std::string c = n.input(2);
        if (auto k = constant(c)) {
            if (!k->isFloat) {
                return refuse(n, "its C is not a float constant");
            }
            for (float& v : k->f) {
                v *= beta;
            }
            c = addFloats(k->dims, k->f);
        } else if (beta != 1.0f) {
            return refuse(n, "it scales a computed C by beta");
        }
        emit("Add", {product, c}, n.output(0)).set_name(n.name() + "/bias");
        return Status::success();
    }

    const onnx::ModelProto& m_model;
    const std::int64_t m_opset;
    onnx::GraphProto* m_graph = nullptr;
    std::map<std::string, Dims> m_shapes; // the original's, -1 where a dim is not known
    std::map<std::string, const onnx::TensorProto*> m_constants;
    std::set<std::string> m_lifted; // values with the new axis
    int m_fresh = 0;
};

} // namespace

const onnx::ValueInfoProto* soleInput(const onnx::ModelProto& model) {
    std::set<std::string> initializers;
    for (const auto& t : model.graph().initializer()) {
        initializers.insert(t.name());
    }
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& v : model.graph().input()) {
        if (!initializers.count(v.name())) {
            if (input) {
                return nullptr;
            }
            input = &v;
        }
    }
    return input;
}

bool hasFixedFirstAxis(const onnx::ModelProto& model) {
    const onnx::ValueInfoProto* input = soleInput(model);
    if (!input || !input->type().tensor_type().has_shape()) {
        return false;
    }
    const auto& shape = input->type().tensor_type().shape();
    return shape.dim_size() >= 1 && shape.dim(0).has_dim_value() && shape.dim(0).dim_value() >= 1;
}

Expected<onnx::ModelProto> liftToOneSample(const onnx::ModelProto& model, std::int64_t opset) {
    return Lifter(model, opset).run();
}

} // namespace nw::graph::onnx_import
