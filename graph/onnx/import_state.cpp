#include "graph/onnx/import_state.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace nw::graph::onnx_import {

namespace {

std::string dimsText(const std::vector<std::int64_t>& dims) {
    std::string s = "[";
    for (std::size_t k = 0; k < dims.size(); ++k) {
        s += (k ? ", " : "") + (dims[k] == kBatchDim ? std::string("N") : std::to_string(dims[k]));
    }
    return s + "]";
}

} // namespace

ImportState::ImportState(const onnx::GraphProto& model, const OpRegistry& ops, std::int64_t version)
    : graph(model)
    , registry(ops)
    , opset(version) {
    for (int k = 0; k < graph.node_size(); ++k) {
        m_index[&graph.node(k)] = k;
    }
}

bool ImportState::learnedConstant(const std::string& value) const {
    const Constant* c = constant(value);
    if (!c || c->numel() <= 1) {
        return false;
    }
    for (const auto& t : graph.initializer()) {
        if (t.name() == value) {
            return true;
        }
    }
    return false;
}

const Constant* ImportState::constant(const std::string& value) const {
    auto it = m_constants.find(value);
    return it == m_constants.end() ? nullptr : &it->second;
}

void ImportState::setConstant(const std::string& value, Constant c) {
    m_constants[value] = std::move(c);
}

std::optional<int> ImportState::activation(const std::string& value) const {
    auto it = m_activations.find(value);
    if (it == m_activations.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<Shape> ImportState::shapeOf(int ref) const {
    if (ref < 0 || ref >= static_cast<int>(plan.size())) {
        return std::nullopt;
    }
    return plan[static_cast<std::size_t>(ref)].output;
}

void ImportState::setLive(std::vector<const onnx::NodeProto*> order, std::string output) {
    m_order = std::move(order);
    m_output = std::move(output);
    for (const onnx::NodeProto* n : m_order) {
        for (const std::string& in : n->input()) {
            auto& list = m_consumers[in];
            if (!in.empty() && std::find(list.begin(), list.end(), n) == list.end()) {
                list.push_back(n);
            }
        }
    }
}

const std::vector<const onnx::NodeProto*>& ImportState::consumers(const std::string& value) const {
    static const std::vector<const onnx::NodeProto*> none;
    auto it = m_consumers.find(value);
    return it == m_consumers.end() ? none : it->second;
}

const onnx::NodeProto* ImportState::soleConsumer(const std::string& value) const {
    const auto& list = consumers(value);
    return list.size() == 1 && value != m_output ? list.front() : nullptr;
}

std::string ImportState::nameOf(const onnx::NodeProto& n) const {
    if (!n.name().empty()) {
        return n.name();
    }
    auto it = m_index.find(&n);
    return n.op_type() + "#" + std::to_string(it == m_index.end() ? 0 : it->second);
}

std::string ImportState::label(const onnx::NodeProto& n) const {
    return "node '" + nameOf(n) + "' (" + n.op_type() + ")";
}

std::optional<std::string> ImportState::check(std::size_t first) {
    for (std::size_t k = first; k < plan.size(); ++k) {
        PlannedNode& p = plan[k];
        const OpSchema* schema = registry.find(p.op);
        if (!schema) {
            return "the registry has no op '" + p.op + "'";
        }
        AttrMap attrs = schema->defaults();
        for (const auto& [name, value] : p.attrs) {
            const AttrSpec* spec = schema->findAttr(name);
            if (!spec) {
                return "as " + p.op + ": no attribute '" + name + "'";
            }
            if (auto why = spec->check(value)) {
                return "as " + p.op + ", its " + name + " " + attrValueToString(value) + " " + *why;
            }
            attrs[name] = value;
        }
        std::vector<Shape> inputs;
        for (int in : p.inputs) {
            auto s = shapeOf(in);
            if (!s) {
                break;
            }
            inputs.push_back(*s);
        }
        if (inputs.size() != p.inputs.size()) {
            p.output.reset(); // downstream of a node that did not map
            continue;
        }
        auto inferred = schema->inferNode(InferContext(attrs, inputs));
        if (!inferred) {
            const auto& e = inferred.error();
            return "as " + p.op + ": " + (e.field.empty() ? "" : e.field + ": ") + e.message;
        }
        for (const ParamSpec& spec : inferred->params) {
            auto it = std::find_if(p.params.begin(), p.params.end(),
                                   [&](const auto& kv) { return kv.first == spec.name; });
            if (it == p.params.end()) {
                return "as " + p.op + ": no value for its parameter '" + spec.name + "'";
            }
            if (it->second.dims != spec.shape) {
                return "as " + p.op + ", its " + spec.name + " is " + dimsText(it->second.dims) +
                       " where the op expects " + dimsText(spec.shape);
            }
        }
        if (p.params.size() != inferred->params.size()) {
            return "as " + p.op + ": " + std::to_string(p.params.size()) + " parameters for " +
                   std::to_string(inferred->params.size());
        }
        p.output =
            inferred->outputs.empty() ? std::nullopt : std::optional<Shape>(inferred->outputs[0]);
    }
    return std::nullopt;
}

const onnx::AttributeProto* MapContext::attrOf(const onnx::NodeProto& n, std::string_view name) {
    for (const auto& a : n.attribute()) {
        if (a.name() == name) {
            return &a;
        }
    }
    return nullptr;
}

std::int64_t MapContext::attrInt(std::string_view name, std::int64_t def) const {
    const auto* a = attr(name);
    return a ? a->i() : def;
}

float MapContext::attrFloat(std::string_view name, float def) const {
    const auto* a = attr(name);
    return a ? a->f() : def;
}

std::vector<std::int64_t> MapContext::attrInts(std::string_view name,
                                               std::vector<std::int64_t> def) const {
    const auto* a = attr(name);
    return a ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end()) : def;
}

std::string MapContext::attrString(std::string_view name, std::string def) const {
    const auto* a = attr(name);
    return a ? a->s() : def;
}

bool MapContext::outputUsed(int k) const {
    if (k >= node.output_size() || node.output(k).empty()) {
        return false;
    }
    const std::string& v = node.output(k);
    return v == state.output() || !state.consumers(v).empty();
}

int MapContext::add(std::string op, AttrMap attrs, std::vector<int> inputs,
                    std::vector<std::pair<std::string, HostTensor>> params,
                    const std::string& suffix) {
    state.plan.push_back(
        {hint + suffix, std::move(op), std::move(attrs), std::move(inputs), std::move(params), {}});
    return static_cast<int>(state.plan.size()) - 1;
}

std::string scopeName(const std::string& name, const std::string& opType) {
    auto slash = name.rfind('/');
    if (slash != std::string::npos && slash > 0 &&
        name.compare(slash + 1, opType.size(), opType) == 0) {
        return name.substr(0, slash);
    }
    return name;
}

void MapContext::nameGroup() {
    std::vector<const onnx::NodeProto*> members{&node};
    members.insert(members.end(), absorbed.begin(), absorbed.end());
    for (const auto* m : members) {
        if (!m->name().empty() && m->name().find('/') == std::string::npos) {
            hint = m->name();
            return;
        }
    }
    const std::string& name = node.name();
    const std::string scope = scopeName(name, node.op_type());
    if (scope != name) { // PyTorch's "/module/Op": the module
        hint = scope;
        return;
    }
    auto slash = name.rfind('/');
    if (slash != std::string::npos && slash > 0) { // ours: "<id>/<helper>"
        hint = name.substr(0, slash);
    }
}

std::optional<HostTensor> biasVector(const Constant& c, std::int64_t units) {
    if (!c.isFloat) {
        return std::nullopt;
    }
    if (c.numel() == 1 && units > 1) { // one value for every unit
        return HostTensor{{units}, std::vector<float>(static_cast<std::size_t>(units), c.f[0])};
    }
    std::int64_t leading = 1;
    for (std::size_t k = 0; k + 1 < c.dims.size(); ++k) {
        leading *= c.dims[k];
    }
    if (c.dims.empty() || leading != 1 || c.dims.back() != units) {
        return std::nullopt;
    }
    return HostTensor{{units}, c.f};
}

int addDense(MapContext& c, int input, const Constant& weight, const Constant* bias) {
    const std::int64_t units = weight.dims[0];
    std::vector<std::pair<std::string, HostTensor>> params{{"weight", hostTensor(weight)}};
    if (bias) {
        params.emplace_back("bias", *biasVector(*bias, units));
    }
    return c.add("Dense", {{"units", units}, {"use_bias", bias != nullptr}}, {input},
                 std::move(params));
}

std::optional<std::string> otherInput(const onnx::NodeProto& n, const std::string& value) {
    if (n.input_size() != 2) {
        return std::nullopt;
    }
    if (n.input(0) == value) {
        return n.input(1);
    }
    if (n.input(1) == value) {
        return n.input(0);
    }
    return std::nullopt;
}

bool isScalarNear(const Constant* c, double value, double relTol) {
    return c && c->isFloat && c->numel() == 1 &&
           std::abs(double(c->f[0]) - value) <= relTol * std::abs(value);
}

double shortestDouble(float value) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 1, value);
    if (ec != std::errc()) {
        return value;
    }
    *end = '\0';
    return std::strtod(buf, nullptr);
}

HostTensor hostTensor(const Constant& c) {
    return {c.dims, c.isFloat ? c.f : std::vector<float>(c.i.begin(), c.i.end())};
}

Expected<Shape, std::string> reshapeTarget(const Shape& input, std::vector<std::int64_t> target,
                                           bool allowZero,
                                           std::optional<std::int64_t> staticBatch) {
    const std::string text = dimsText(target);
    if (target.empty()) {
        return "the target shape " + text + " drops the batch";
    }
    int batchAt = -1, inferAt = -1;
    for (std::size_t k = 0; k < target.size(); ++k) {
        std::int64_t& t = target[k];
        if (t == kBatchDim || (t == 0 && !allowZero && k == 0)) {
            if (batchAt >= 0) {
                return "the target shape " + text + " uses the batch twice";
            }
            batchAt = static_cast<int>(k);
        } else if (t == 0 && !allowZero) {
            if (static_cast<int>(k) >= input.rank()) {
                return "the target shape " + text + " copies dim " + std::to_string(k) +
                       ", which " + input.toString() + " lacks";
            }
            t = input[static_cast<int>(k)];
        } else if (t == -1) {
            if (inferAt >= 0) {
                return "the target shape " + text + " has two -1 entries";
            }
            inferAt = static_cast<int>(k);
        } else if (t <= 0) {
            return "the target shape " + text + " has the entry " + std::to_string(t);
        }
    }
    const std::string keepsNoBatch =
        "the target shape " + text + " does not keep the batch as its first dimension";
    const bool batchFromInfer = batchAt < 0 && inferAt == 0;
    if (batchAt < 0 && staticBatch && target[0] == *staticBatch) {
        batchAt = 0; // a model exported for one batch size reshapes to that number
    } else if (batchFromInfer) {
        batchAt = 0; // [-1, known...]: the -1 is the batch when the rest is one sample
        inferAt = -1;
    }
    if (batchAt != 0) {
        return keepsNoBatch;
    }
    auto perSample = input.perSampleElements();
    std::int64_t known = 1;
    for (std::size_t k = 1; k < target.size(); ++k) {
        if (static_cast<int>(k) != inferAt) {
            auto next = checkedMul(known, target[k]);
            if (!next) {
                return "the target shape " + text + " is too large";
            }
            known = *next;
        }
    }
    if (!perSample) {
        return "the input " + input.toString() + " is too large";
    }
    if (inferAt > 0) {
        if (known == 0 || *perSample % known != 0) {
            return "cannot reshape " + input.toString() + " to " + text;
        }
        target[static_cast<std::size_t>(inferAt)] = *perSample / known;
    } else if (known != *perSample) {
        if (batchFromInfer) {
            return keepsNoBatch + " (its -1 would not be the batch)";
        }
        return "cannot reshape " + input.toString() + " (" + std::to_string(*perSample) +
               " elements per sample) to " + text;
    }
    return Shape::batched(std::vector<std::int64_t>(target.begin() + 1, target.end()));
}

} // namespace nw::graph::onnx_import
