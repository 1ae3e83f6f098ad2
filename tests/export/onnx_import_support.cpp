#include "tests/export/onnx_import_support.h"

#include "graph/analysis.h"
#include "graph/onnx/model_builder.h"
#include "graph/project_file.h"
#include "tests/support/backends.h"

#include <QtTest>
#include <cmath>
#include <cstring>
#include <fstream>

namespace nw::testing {

namespace ox = graph::onnx_export;

std::unique_ptr<Model> compile(const graph::Graph& g, const graph::OpRegistry& registry,
                               std::int64_t batch) {
    auto m = std::make_unique<Model>();
    m->backend = openCpu();
    m->params = std::make_unique<engine::ModelParams>(*m->backend);
    auto plan =
        engine::ExecutionPlan::compile(g, registry, *m->backend, *m->params, {batch, false, 5});
    if (!plan) {
        qWarning("%s", plan.error().message.c_str());
        return nullptr;
    }
    m->plan = std::move(*plan);
    return m;
}

bool load(Model& m, const graph::WeightMap& weights) {
    std::size_t used = 0;
    for (const auto& e : m.params->entries()) {
        auto it = weights.find({e->nodeId, e->spec.name});
        if (it == weights.end() || it->second.dims != e->value.shape()) {
            qWarning("weight %s.%s missing or misshapen", e->nodeId.c_str(), e->spec.name.c_str());
            return false;
        }
        if (!upload(*m.backend, e->value, it->second.data)) {
            return false;
        }
        e->initialized = true;
        ++used;
    }
    return used == weights.size();
}

namespace {

// The attributes as ONNX carries them: defaults filled in; the training-only ones dropped
// (weight_init, BatchNorm's momentum, attention's dropout, Embedding's padding_index, the
// loss's label_smoothing); Reshape's shape, attention's head_dim and Conv2D's padding as what
// they resolve to (the exporter writes -1, 0 and "same" resolved).
std::string canonicalAttrs(const graph::Node& n, const graph::NodeInfo& info,
                           const graph::OpSchema& schema) {
    graph::AttrMap a = schema.defaults();
    for (const auto& [k, v] : n.attrs) {
        a[k] = v;
    }
    for (const char* trainingOnly :
         {"weight_init", "momentum", "dropout", "padding_index", "label_smoothing"}) {
        a.erase(trainingOnly);
    }
    const auto ints = [&](const char* k) { return std::get<graph::IntList>(a.at(k)); };
    if (n.op == "Reshape") {
        const auto& y = info.outputs.at(0).dims;
        a["shape"] = graph::IntList(y.begin() + 1, y.end());
    } else if (n.op == "MultiHeadAttention" && std::get<std::int64_t>(a.at("head_dim")) == 0) {
        a["head_dim"] = info.inputs.at(0)[2] / std::get<std::int64_t>(a.at("heads"));
    } else if (n.op == "Conv2D") {
        graph::IntList pads;
        const auto k = ints("kernel_size"), s = ints("stride"), d = ints("dilation");
        for (int i = 0; i < 2; ++i) {
            const std::int64_t in = info.inputs.at(0)[2 + i], out = info.outputs.at(0)[2 + i];
            const std::int64_t total =
                std::max<std::int64_t>((out - 1) * s[std::size_t(i)] +
                                           d[std::size_t(i)] * (k[std::size_t(i)] - 1) + 1 - in,
                                       0);
            pads.push_back(std::get<std::string>(a.at("padding_mode")) == "same"
                               ? total / 2
                               : ints("padding")[std::size_t(i)]);
            pads.push_back(std::get<std::string>(a.at("padding_mode")) == "same"
                               ? total - total / 2
                               : ints("padding")[std::size_t(i)]);
        }
        a.erase("padding_mode");
        a["padding"] = pads;
    }
    std::string s;
    for (const auto& [k, v] : a) {
        s += k + "=" + graph::attrValueToString(v) + " ";
    }
    return s;
}

// Each node's structural identity: op, canonical attributes and its inputs' identities in
// port order (a Dropout is its input: the exporter leaves it out). Ids play no part.
struct Structure {
    std::vector<std::pair<std::size_t, std::string>> nodes; // (identity, id) in topological order
    std::map<std::string, std::string> text;                // id -> "op attrs"
};

Structure structureOf(const graph::Graph& g, const graph::OpRegistry& registry) {
    const graph::GraphAnalysis analysis = graph::analyze(g, registry);
    std::map<std::pair<std::string, int>, std::string> source;
    for (const auto& e : g.edges()) {
        source[{e.to.node, e.to.port}] = e.from.node;
    }
    Structure s;
    std::map<std::string, std::size_t> identity;
    for (const std::string& id : analysis.order) {
        const graph::Node& n = *g.findNode(id);
        const graph::NodeInfo& info = *analysis.info(id);
        std::vector<std::size_t> inputs;
        for (int p = 0; p < static_cast<int>(info.inputs.size()); ++p) {
            inputs.push_back(identity.at(source.at({id, p})));
        }
        if (n.op == "Dropout") {
            identity[id] = inputs.at(0);
            continue;
        }
        std::string sig = n.op + " " + canonicalAttrs(n, info, *registry.find(n.op));
        s.text[id] = sig;
        for (std::size_t in : inputs) {
            sig += "|" + std::to_string(in);
        }
        identity[id] = std::hash<std::string>{}(sig);
        s.nodes.emplace_back(identity[id], id);
    }
    return s;
}

} // namespace

bool sameBits(const graph::HostTensor& a, const graph::HostTensor& b) {
    return a.dims == b.dims && a.data.size() == b.data.size() &&
           std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0;
}

void compareProjects(const graph::Graph& original, const graph::WeightMap& originalWeights,
                     const graph::Graph& imported, const graph::WeightMap& importedWeights,
                     const graph::OpRegistry& registry) {
    const Structure a = structureOf(original, registry), b = structureOf(imported, registry);
    std::multimap<std::size_t, std::string> twins;
    for (const auto& [h, id] : b.nodes) {
        twins.emplace(h, id);
    }
    std::size_t compared = 0;
    for (const auto& [h, id] : a.nodes) {
        auto it = twins.find(h);
        QVERIFY2(it != twins.end(), ("no twin for '" + id + "': " + a.text.at(id)).c_str());
        const std::string twin = it->second;
        twins.erase(it);
        for (const auto& [key, tensor] : originalWeights) {
            if (key.first == id) {
                auto w = importedWeights.find({twin, key.second});
                QVERIFY2(w != importedWeights.end() && sameBits(tensor, w->second),
                         (id + "." + key.second + " differs in '" + twin + "'").c_str());
                ++compared;
            }
        }
    }
    QVERIFY2(twins.empty(), twins.empty() ? ""
                                          : ("extra node '" + twins.begin()->second +
                                             "': " + b.text.at(twins.begin()->second))
                                                .c_str());
    QCOMPARE(compared, originalWeights.size());
    QCOMPARE(importedWeights.size(), originalWeights.size());
}

void compareOnnx(const onnx::GraphProto& a, const onnx::GraphProto& b) {
    auto byName = [](const auto& items) {
        std::map<std::string, std::string> m;
        for (const auto& item : items) {
            m[item.name()] = item.SerializeAsString();
        }
        return m;
    };
    const auto nodesA = byName(a.node()), nodesB = byName(b.node());
    QCOMPARE(a.node_size(), b.node_size());
    for (const auto& [name, bytes] : nodesA) {
        QVERIFY2(nodesB.count(name) && nodesB.at(name) == bytes, ("ONNX node " + name).c_str());
    }
    const auto initsA = byName(a.initializer()), initsB = byName(b.initializer());
    QCOMPARE(a.initializer_size(), b.initializer_size());
    for (const auto& [name, bytes] : initsA) {
        QVERIFY2(initsB.count(name) && initsB.at(name) == bytes, ("initializer " + name).c_str());
    }
}

double relativeError(const std::vector<float>& got, const std::vector<float>& want) {
    double err = 0, scale = 1e-6;
    for (std::size_t i = 0; i < want.size(); ++i) {
        err = std::max(err, std::abs(double(got[i]) - double(want[i])));
        scale = std::max(scale, std::abs(double(want[i])));
    }
    return err / scale;
}

std::optional<Exported> exportProject(const QString& file, const graph::OpRegistry& registry,
                                      const ox::ExportOptions& options) {
    auto project = graph::readProject(file.toStdString(), registry);
    if (!project) {
        qWarning("%s", project.error().message.c_str());
        return std::nullopt;
    }
    auto m = compile(project->graph, registry, 2);
    if (!m || !seedParams(*m->backend, *m->params)) {
        return std::nullopt;
    }
    auto weights = app::hostWeights(*m->backend, *m->params);
    if (!weights) {
        return std::nullopt;
    }
    auto result = ox::exportModel(project->graph, registry, *weights, options);
    if (!result) {
        qWarning("%s", result.error().message.c_str());
        return std::nullopt;
    }
    return Exported{std::move(*project), std::move(*weights), std::move(*result)};
}

bool writeBytes(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(out);
}

bool writeWithExternalData(onnx::ModelProto model, const std::filesystem::path& modelPath,
                           const std::string& dataName) {
    std::string data;
    for (auto& t : *model.mutable_graph()->mutable_initializer()) {
        if (t.data_type() != onnx::TensorProto::FLOAT) {
            continue;
        }
        const std::size_t offset = data.size(), length = t.raw_data().size();
        data += t.raw_data();
        data.resize((data.size() + 63) / 64 * 64, '\0'); // aligned, as PyTorch does
        t.clear_raw_data();
        t.set_data_location(onnx::TensorProto::EXTERNAL);
        for (const auto& [k, v] : {std::pair<std::string, std::string>{"location", dataName},
                                   {"offset", std::to_string(offset)},
                                   {"length", std::to_string(length)}}) {
            auto* e = t.add_external_data();
            e->set_key(k);
            e->set_value(v);
        }
    }
    return writeBytes(modelPath.parent_path() / dataName, data) &&
           ox::writeModel(model, modelPath).ok();
}

onnx::NodeProto& addNode(onnx::GraphProto& g, const std::string& op, const std::string& name,
                         std::vector<std::string> inputs, std::vector<std::string> outputs) {
    auto& n = *g.add_node();
    n.set_op_type(op);
    n.set_name(name);
    for (auto& i : inputs) {
        n.add_input(i);
    }
    for (auto& o : outputs) {
        n.add_output(o);
    }
    return n;
}

namespace {

// A new attribute `name` of `type` on `n`, its value still to set.
onnx::AttributeProto& addAttribute(onnx::NodeProto& n, const std::string& name,
                                   onnx::AttributeProto::AttributeType type) {
    auto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(type);
    return a;
}

// `t` as the int64 tensor `dims` holding `values`.
void setInt64Tensor(onnx::TensorProto& t, const std::vector<std::int64_t>& dims,
                    const std::vector<std::int64_t>& values) {
    t.set_data_type(onnx::TensorProto::INT64);
    for (auto d : dims) {
        t.add_dims(d);
    }
    for (auto v : values) {
        t.add_int64_data(v);
    }
}

} // namespace

void addInts(onnx::NodeProto& n, const std::string& name, std::vector<std::int64_t> v) {
    auto& a = addAttribute(n, name, onnx::AttributeProto::INTS);
    for (auto x : v) {
        a.add_ints(x);
    }
}

void addInt(onnx::NodeProto& n, const std::string& name, std::int64_t v) {
    addAttribute(n, name, onnx::AttributeProto::INT).set_i(v);
}

void addFloat(onnx::NodeProto& n, const std::string& name, float v) {
    addAttribute(n, name, onnx::AttributeProto::FLOAT).set_f(v);
}

void addString(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    addAttribute(n, name, onnx::AttributeProto::STRING).set_s(v);
}

void addIntConstant(onnx::GraphProto& g, const std::string& name, std::vector<std::int64_t> dims,
                    std::vector<std::int64_t> values) {
    auto& n = addNode(g, "Constant", name, {}, {name + "_output_0"});
    setInt64Tensor(*addAttribute(n, "value", onnx::AttributeProto::TENSOR).mutable_t(), dims,
                   values);
}

void addInt64Init(onnx::GraphProto& g, const std::string& name, std::vector<std::int64_t> dims,
                  std::vector<std::int64_t> values) {
    auto& t = *g.add_initializer();
    t.set_name(name);
    setInt64Tensor(t, dims, values);
}

void addFloatInit(onnx::GraphProto& g, const std::string& name, std::vector<std::int64_t> dims,
                  std::mt19937& rng) {
    auto& t = *g.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t n = 1;
    for (auto d : dims) {
        t.add_dims(d);
        n *= d;
    }
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (float& x : v) {
        x = u(rng);
    }
    t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
}

onnx::ModelProto emptyModel(std::int64_t opset) {
    onnx::ModelProto m;
    m.set_ir_version(8);
    auto* o = m.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    return m;
}

onnx::ModelProto handBuilt(std::vector<std::int64_t> perSample, Body body, std::int64_t opset) {
    onnx::ModelProto m = emptyModel(opset);
    onnx::GraphProto& g = *m.mutable_graph();
    ox::ModelBuilder::setBatchedType(*g.add_input(), "x", perSample);
    std::mt19937 rng(9);
    const std::string out = body(g, rng);
    for (auto& n : *g.mutable_node()) { // the body's last value is the graph output "y"
        for (auto& v : *n.mutable_output()) {
            v = v == out ? "y" : v;
        }
        for (auto& v : *n.mutable_input()) {
            v = v == out ? "y" : v;
        }
    }
    ox::ModelBuilder::setBatchedType(*g.add_output(), "y", std::vector<std::int64_t>{1});
    return m;
}

} // namespace nw::testing
