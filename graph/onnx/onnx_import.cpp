// importOnnx(): load, fold, map every node that the first output needs, and only then build
// the project (ids, edges, the Loss node, layout, metadata) and validate it. The mappers are
// in import_mapping.cpp, import_patterns.cpp and import_recurrent.cpp.
#include "graph/onnx/onnx_import.h"

#include "graph/analysis.h"
#include "graph/layout.h"
#include "graph/onnx/import_lift.h"
#include "graph/onnx/import_loader.h"
#include "graph/onnx/import_state.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>

namespace nw::graph::onnx_import {

namespace {

using Dims = std::vector<std::int64_t>;

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string s;
    for (const auto& p : parts) {
        s += (s.empty() ? "" : sep) + p;
    }
    return s;
}

// The Input node from the graph's only non-initializer input: its dims without the batch,
// which must be symbolic or a number (then remembered: a Reshape may name it).
Status planInput(ImportState& st, const std::string& file) {
    std::set<std::string> initializers;
    for (const auto& t : st.graph.initializer()) {
        initializers.insert(t.name());
    }
    std::vector<const onnx::ValueInfoProto*> inputs;
    for (const auto& v : st.graph.input()) {
        if (!initializers.count(v.name())) {
            inputs.push_back(&v);
        }
    }
    if (inputs.size() != 1) {
        std::vector<std::string> names;
        for (const auto* v : inputs) {
            names.push_back("'" + v->name() + "'");
        }
        return Error::user(file + ": a Netwright model has one input; this one has " +
                           std::to_string(inputs.size()) +
                           (names.empty() ? "" : " (" + join(names, ", ") + ")"));
    }
    const onnx::ValueInfoProto& in = *inputs[0];
    const auto& type = in.type().tensor_type();
    if (!type.has_shape() || type.shape().dim_size() < 2) {
        return Error::user(file + ": input '" + in.name() +
                           "' has no shape [batch, ...] of two or more dims");
    }
    const auto& batch = type.shape().dim(0);
    if (batch.has_dim_value()) {
        if (batch.dim_value() < 1) {
            return Error::user(file + ": input '" + in.name() + "' has batch size " +
                               std::to_string(batch.dim_value()));
        }
        st.staticBatch = batch.dim_value();
        if (batch.dim_value() != 1) {
            st.notes.push_back("the model was exported for batches of " +
                               std::to_string(batch.dim_value()) +
                               "; the project runs any batch size");
        }
    }
    Dims perSample;
    for (int k = 1; k < type.shape().dim_size(); ++k) {
        const auto& d = type.shape().dim(k);
        if (!d.has_dim_value() || d.dim_value() < 1) {
            return Error::user(file + ": input '" + in.name() + "' has the symbolic or empty dim " +
                               std::to_string(k) + " ('" + d.dim_param() +
                               "'); only the batch may vary");
        }
        perSample.push_back(d.dim_value());
    }
    const auto elem = type.elem_type();
    // float32 holds these exactly (the 8- and 4-bit formats, bfloat16, small integers) or
    // nearly (doubles, wide integers).
    const bool fed = elem == onnx::TensorProto::DOUBLE || elem == onnx::TensorProto::INT64 ||
                     elem == onnx::TensorProto::UINT64 || elem == onnx::TensorProto::INT32 ||
                     elem == onnx::TensorProto::UINT32 ||
                     holdsExactly(onnx::TensorProto::FLOAT, elem);
    if (!fed) {
        return Error::user(
            file + ": input '" + in.name() + "' holds " + elementTypeName(elem) +
            " values; Netwright feeds float32, which holds floats, integers and booleans "
            "of the common types exactly or nearly, not this one");
    }
    if (elem != onnx::TensorProto::FLOAT) {
        st.notes.push_back("input '" + in.name() + "' holds " + elementTypeName(elem) +
                           " values; the project feeds them as float32" +
                           (isFloatType(elem) ? "" : " (token ids as numbers)"));
    }
    st.inputElemType = elem;
    st.plan.push_back({in.name(), "Input", {{"shape", perSample}}, {}, {}, {}});
    if (auto bad = st.check(0)) {
        return Error::user(file + ": input '" + in.name() + "': " + *bad);
    }
    st.defineActivation(in.name(), 0);
    return Status::success();
}

// The nodes the first output depends on, in topological order; malformed graphs (a value
// nothing defines, a cycle, a value defined twice) are errors naming the file.
Expected<std::vector<const onnx::NodeProto*>>
liveNodes(const ImportState& st, const std::string& output, const std::string& file) {
    const onnx::GraphProto& g = st.graph;
    std::map<std::string, const onnx::NodeProto*> producer;
    std::set<std::string> leaves; // graph inputs and initializers
    for (const auto& v : g.input()) {
        leaves.insert(v.name());
    }
    for (const auto& t : g.initializer()) {
        leaves.insert(t.name());
    }
    for (const auto& n : g.node()) {
        for (const auto& out : n.output()) {
            if (!out.empty() && (!producer.emplace(out, &n).second || leaves.count(out))) {
                return Error::user(file + ": value '" + out + "' is defined twice");
            }
        }
    }
    std::set<const onnx::NodeProto*> live;
    std::deque<std::string> pending{output};
    while (!pending.empty()) {
        const std::string v = pending.front();
        pending.pop_front();
        auto it = producer.find(v);
        if (it == producer.end()) {
            if (!leaves.count(v)) {
                return Error::user(file + ": value '" + v + "' is read but nothing defines it");
            }
            continue;
        }
        if (live.insert(it->second).second) {
            for (const auto& in : it->second->input()) {
                if (!in.empty()) {
                    pending.push_back(in);
                }
            }
        }
    }
    // Kahn's algorithm in file order, so that the plan follows the file where it can.
    std::map<const onnx::NodeProto*, int> waiting;
    std::map<const onnx::NodeProto*, std::vector<const onnx::NodeProto*>> readers;
    for (const auto& n : g.node()) {
        if (!live.count(&n)) {
            continue;
        }
        std::set<const onnx::NodeProto*> deps;
        for (const auto& in : n.input()) {
            auto it = producer.find(in);
            if (it != producer.end()) {
                deps.insert(it->second);
            }
        }
        waiting[&n] = static_cast<int>(deps.size());
        for (const auto* d : deps) {
            readers[d].push_back(&n);
        }
    }
    std::vector<const onnx::NodeProto*> order;
    std::deque<const onnx::NodeProto*> ready;
    for (const auto& n : g.node()) {
        if (live.count(&n) && waiting[&n] == 0) {
            ready.push_back(&n);
        }
    }
    while (!ready.empty()) {
        const auto* n = ready.front();
        ready.pop_front();
        order.push_back(n);
        for (const auto* r : readers[n]) {
            if (--waiting[r] == 0) {
                ready.push_back(r);
            }
        }
    }
    if (order.size() != live.size()) {
        return Error::user(file + ": the graph has a cycle");
    }
    return order;
}

bool allInputsConstant(const ImportState& st, const onnx::NodeProto& n) {
    for (const auto& in : n.input()) {
        if (!in.empty() && !st.constant(in)) {
            return false;
        }
    }
    return true;
}

// Maps (or folds) one node; records its error, if any.
void mapOne(ImportState& st, const onnx::NodeProto& n) {
    MapContext c(st, n);
    const std::size_t mark = st.plan.size();
    const bool fold = n.op_type() == "Constant" ||
                      (isFoldable(n.op_type()) && allInputsConstant(st, n)) ||
                      (n.op_type() == "Shape" && n.input_size() > 0 && st.activation(n.input(0)));
    Why why = fold ? foldNode(c) : mapNode(c);
    st.markDone(n);
    if (!why) {
        for (const auto* m : c.absorbed) {
            st.markDone(*m);
        }
        if (auto bad = st.check(mark)) {
            why = *bad;
            c.defines.clear();
            for (const auto* m : c.absorbed) {
                for (const auto& out : m->output()) {
                    st.defineActivation(out, kUnknown);
                }
            }
        }
    }
    if (why) {
        st.plan.resize(mark);
        if (!why->empty()) {
            st.errors.push_back(st.label(n) + ": " + *why);
        }
        for (const auto& out : n.output()) {
            st.defineActivation(out, kUnknown);
        }
        return;
    }
    for (const auto& [value, ref] : c.defines) {
        st.defineActivation(value, ref);
    }
}

// The loss our exporter's "output_kind" metadata names; else softmax cross-entropy when the
// output is [N, ..., K >= 2], mse otherwise.
std::string lossFor(const Shape& out, const std::string& outputKind, ImportState& st) {
    const bool classes = out.rank() >= 2 && out[out.rank() - 1] >= 2;
    if (outputKind == "regression") {
        return "mse";
    }
    if (outputKind.find("binary_cross_entropy_with_logits") != std::string::npos) {
        return "binary_cross_entropy_with_logits";
    }
    if (classes) {
        if (outputKind.find("softmax_cross_entropy") == std::string::npos) {
            st.notes.push_back("added a softmax cross-entropy Loss on the output " +
                               out.toString() + " so the project trains");
        }
        return "softmax_cross_entropy";
    }
    st.notes.push_back("added an mse Loss on the output " + out.toString() +
                       " (too few classes for cross-entropy) so the project trains");
    return "mse";
}

// A node id from an id hint: characters outside [A-Za-z0-9_.-] become '_' (PyTorch's scope
// "/layer1/conv1" becomes "layer1_conv1"); empty: the op's name in lower case.
std::string idFrom(const std::string& name, const std::string& op) {
    std::string id;
    for (char ch : name) {
        const bool keep =
            std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
        if (keep || (!id.empty() && id.back() != '_')) {
            id += keep ? ch : '_';
        }
    }
    while (!id.empty() && (id.back() == '_' || id.back() == '.')) {
        id.pop_back();
    }
    if (id.empty()) {
        for (char ch : op) {
            id += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
    }
    return id;
}

std::string uniqueId(const std::string& base, std::set<std::string>& taken) {
    std::string id = base;
    for (int k = 2; !taken.insert(id).second; ++k) {
        id = base + "_" + std::to_string(k);
    }
    return id;
}

std::map<std::string, std::string> metadataOf(const onnx::ModelProto& m) {
    std::map<std::string, std::string> meta;
    for (const auto& p : m.metadata_props()) {
        meta[p.key()] = p.value();
    }
    return meta;
}

// Normalisation and class labels as our exporter writes them (onnx_export.cpp).
void applyMetadata(const std::map<std::string, std::string>& meta, ImportedModel& out) {
    if (auto it = meta.find("input_normalization"); it != meta.end()) {
        try {
            auto j = nlohmann::json::parse(it->second);
            auto mean = j.at("mean").get<std::vector<double>>();
            auto std = j.at("std").get<std::vector<double>>();
            if (mean.size() == std.size() && !mean.empty()) {
                out.project.dataset.mean = mean;
                out.project.dataset.std = std;
                out.notes.push_back("input normalisation (x / 255 - mean) / std from the "
                                    "model's metadata");
            }
        } catch (const std::exception&) {
            out.notes.push_back("the metadata 'input_normalization' is not readable; ignored");
        }
    }
    if (auto it = meta.find("class_labels"); it != meta.end()) {
        try {
            out.classLabels = nlohmann::json::parse(it->second).get<std::vector<std::string>>();
        } catch (const std::exception&) {
            out.notes.push_back("the metadata 'class_labels' is not readable; ignored");
        }
    }
}

// The project from a complete plan: Input, the mapped nodes, the Loss after `final`.
Expected<ImportedModel> build(ImportState& st, int final, const onnx::ModelProto& model,
                              const std::filesystem::path& file) {
    ImportedModel out;
    const auto meta = metadataOf(model);
    const std::string kind = meta.count("output_kind") ? meta.at("output_kind") : "";
    Graph& g = out.project.graph;
    std::set<std::string> taken;
    std::vector<std::string> ids(st.plan.size());
    std::vector<bool> used(st.plan.size(), false);
    used[0] = true;
    used[static_cast<std::size_t>(final)] = true;
    for (std::size_t k = st.plan.size(); k-- > 0;) { // what the output reads, transitively
        if (used[k]) {
            for (int in : st.plan[k].inputs) {
                used[static_cast<std::size_t>(in)] = true;
            }
        }
    }
    for (std::size_t k = 0; k < st.plan.size(); ++k) {
        if (!used[k]) {
            continue;
        }
        PlannedNode& p = st.plan[k];
        ids[k] = uniqueId(idFrom(p.name, k == 0 ? std::string("input") : p.op), taken);
        Node n{ids[k], p.op, p.attrs, {}, st.registry.find(p.op)->plugin};
        n.trainable = p.trainable;
        g.addNode(std::move(n));
        for (std::size_t port = 0; port < p.inputs.size(); ++port) {
            g.addEdge({{ids[static_cast<std::size_t>(p.inputs[port])], 0},
                       {ids[k], static_cast<int>(port)}});
        }
        for (auto& [name, tensor] : p.params) {
            out.weights[{ids[k], name}] = std::move(tensor);
        }
    }
    const std::string loss = uniqueId("loss", taken);
    g.addNode(
        {loss, "Loss", {{"loss", lossFor(*st.plan[std::size_t(final)].output, kind, st)}}, {}});
    g.addEdge({{ids[static_cast<std::size_t>(final)], 0}, {loss, 0}});
    for (const auto& [id, pos] : layeredLayout(g)) {
        g.findNode(id)->position = pos;
    }

    GraphAnalysis analysis = analyze(g, st.registry);
    for (const Problem& p : analysis.problems) {
        if (p.severity == Problem::Severity::Error) {
            return Error::internal(file.string() +
                                   ": the imported graph does not validate: " + p.toString());
        }
    }
    for (const Node& n : g.nodes()) {
        for (const ParamSpec& spec : analysis.info(n.id)->params) {
            auto it = out.weights.find({n.id, spec.name});
            if (it == out.weights.end() || it->second.dims != spec.shape ||
                static_cast<std::int64_t>(it->second.data.size()) != spec.numel()) {
                return Error::internal(file.string() + ": node '" + n.id + "': parameter '" +
                                       spec.name + "' does not have the shape its op declares");
            }
        }
    }
    const std::string& graphName = model.graph().name();
    const bool generic = graphName.empty() || graphName == "netwright_model" ||
                         graphName == "torch_jit" || graphName == "main_graph";
    out.project.name = generic ? file.stem().string() : graphName;
    out.project.description =
        "Imported from " + file.filename().string() +
        (model.producer_name().empty()
             ? std::string()
             : " (" + model.producer_name() +
                   (model.producer_version().empty() ? "" : " " + model.producer_version()) + ")") +
        ", ONNX opset " + std::to_string(st.opset) + ".";
    applyMetadata(meta, out);
    out.notes.insert(out.notes.begin(), st.notes.begin(), st.notes.end());
    return out;
}

Expected<ImportedModel> importLoaded(const LoadedModel* loaded, const std::filesystem::path& file,
                                     const OpRegistry& registry, const ImportOptions& options) {
    const onnx::GraphProto& g = loaded->model.graph();
    const std::string name = file.string();
    ImportState st(g, registry, loaded->opset);
    st.notes = loaded->notes;
    for (const auto& t : g.initializer()) {
        auto c = decodeTensor(t, "initializer '" + t.name() + "'");
        if (!c) {
            return Error::user(name + ": " + c.error().message);
        }
        st.setConstant(t.name(), std::move(*c));
    }
    if (auto s = planInput(st, name); !s) {
        return s.error();
    }
    if (g.output_size() == 0) {
        return Error::user(name + ": the model has no output");
    }
    if (g.output_size() > 1) {
        std::vector<std::string> rest;
        for (int k = 1; k < g.output_size(); ++k) {
            rest.push_back("'" + g.output(k).name() + "'");
        }
        st.notes.push_back("imported the first output '" + g.output(0).name() +
                           "' only; a Netwright model has one (left out: " + join(rest, ", ") +
                           ")");
    }
    auto order = liveNodes(st, g.output(0).name(), name);
    if (!order) {
        return order.error();
    }
    st.setLive(std::move(*order), g.output(0).name());

    // Constants first, so that patterns see their constant operands wherever they come from.
    for (const onnx::NodeProto* n : st.order()) {
        if ((n->op_type() == "Constant" || isFoldable(n->op_type())) && n->op_type() != "Shape" &&
            allInputsConstant(st, *n)) {
            MapContext c(st, *n);
            if (!foldNode(c)) {
                st.markDone(*n);
            }
        }
    }
    for (const onnx::NodeProto* n : st.order()) {
        if (!st.done(*n)) {
            mapOne(st, *n);
        }
    }
    if (!st.errors.empty()) {
        return Error::user(name + ": cannot import " + std::to_string(st.errors.size()) +
                           (st.errors.size() == 1 ? " node: " : " nodes: ") +
                           join(st.errors, "; "));
    }
    auto final = st.activation(g.output(0).name());
    if (!final || *final < 0) {
        return Error::user(name + ": the output '" + g.output(0).name() +
                           "' is a constant, not computed from the input");
    }
    const PlannedNode& last = st.plan[static_cast<std::size_t>(*final)];
    if (options.dropFinalSoftmax && last.op == "Softmax" && *final != 0) {
        st.notes.push_back("dropped the final Softmax '" + last.name +
                           "': the Loss takes logits (the project's output is its input)");
        *final = last.inputs[0];
    }
    return build(st, *final, loaded->model, file);
}

} // namespace

Expected<ImportedModel> importOnnx(const std::filesystem::path& file, const OpRegistry& registry,
                                   const ImportOptions& options) {
    auto loaded = loadModel(file);
    if (!loaded) {
        return loaded.error();
    }
    auto batched = importLoaded(&*loaded, file, registry, options);
    if (batched || batched.error().kind != Error::Kind::User || !hasFixedFirstAxis(loaded->model)) {
        return batched;
    }
    // The first axis may be no batch: the whole input as one sample, if that imports.
    auto lifted = liftToOneSample(loaded->model, loaded->opset);
    if (!lifted) {
        return batched;
    }
    LoadedModel one{std::move(*lifted), loaded->opset, loaded->notes};
    auto single = importLoaded(&one, file, registry, options);
    if (!single) { // a single axis is no batch: then the reason as one sample is the one
        const bool vector = soleInput(loaded->model)->type().tensor_type().shape().dim_size() == 1;
        return vector ? single : batched;
    }
    std::string shape;
    for (const auto& d : soleInput(loaded->model)->type().tensor_type().shape().dim()) {
        shape += (shape.empty() ? "" : ", ") + std::to_string(d.dim_value());
    }
    std::string why = batched.error().message;
    if (why.rfind(file.string() + ": ", 0) == 0) {
        why.erase(0, file.string().size() + 2);
    }
    single->oneSample = true;
    single->notes.insert(single->notes.begin(),
                         "the input [" + shape +
                             "] has a fixed first axis that is no batch (as a batch: " + why +
                             "): the project takes the whole input as one sample");
    return single;
}

} // namespace nw::graph::onnx_import
