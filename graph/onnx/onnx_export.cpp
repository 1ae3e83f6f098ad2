// exportModel(): the graph, in topological order, as an ONNX GraphProto; metadata; and the
// file writer. The per-op emitters are in op_mapping.cpp, the checks in onnx_check.cpp.
#include "graph/onnx/onnx_export.h"

#include "graph/analysis.h"
#include "graph/onnx/op_mapping.h"
#include "graph/project_file.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace nw::graph::onnx_export {

namespace {

// "[N, 1, 28, 28]"-style per-sample dims of a batched shape.
std::vector<std::int64_t> perSample(const Shape& s) {
    return {s.dims.begin() + 1, s.dims.end()};
}

std::string layoutOf(const Shape& input) {
    switch (input.rank()) {
    case 4:
        return "NCHW";
    case 2:
        return "NC";
    default:
        return "N" + std::string(static_cast<std::size_t>(input.rank() - 1), '?');
    }
}

// Why the graph cannot be exported, every offending node named; empty when it can.
std::string unsupportedNodes(const Graph& graph, const OpTable<EmitFn>& emitters) {
    std::string message;
    for (const Node& n : graph.nodes()) {
        if (!emitters.supports(n.op)) {
            std::string why = emitters.unsupportedReason(n.op);
            message += (message.empty() ? "" : "; ") + std::string("node '") + n.id + "': op '" +
                       n.op + "' has no ONNX mapping" + (why.empty() ? "" : " (" + why + ")");
        }
    }
    return message;
}

// The ONNX value a node's output becomes: its id, unless that is one of the graph's own
// input and output names.
std::string valueName(const std::string& id) {
    for (const char* reserved : {kInputName, kLogitsName, kOutputName, kProbabilitiesName}) {
        if (id == reserved) {
            return id + ".out";
        }
    }
    return id;
}

void addMetadata(onnx::ModelProto& model, const std::string& key, const std::string& value) {
    auto* p = model.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
}

} // namespace

Expected<ExportResult> exportModel(const Graph& graph, const OpRegistry& registry,
                                   const WeightMap& weights, const ExportOptions& options) {
    GraphAnalysis analysis = analyze(graph, registry);
    if (analysis.hasErrors()) {
        for (const Problem& p : analysis.problems) {
            if (p.severity == Problem::Severity::Error) {
                return Error::user("the graph does not validate (" +
                                   std::to_string(analysis.errorCount()) +
                                   " errors), first: " + p.toString());
            }
        }
    }
    const auto emitters = makeOnnxEmitterTable(&registry);
    if (std::string bad = unsupportedNodes(graph, emitters); !bad.empty()) {
        return Error::user("cannot export to ONNX: " + bad);
    }
    // Where each input port's data comes from.
    std::map<std::pair<std::string, int>, std::string> source;
    for (const Edge& e : graph.edges()) {
        source[{e.to.node, e.to.port}] = e.from.node;
    }
    const Node* inputNode = nullptr;
    const Node* lossNode = nullptr;
    int inputCount = 0;
    for (const Node& n : graph.nodes()) {
        if (n.op == "Input") {
            inputNode = &n;
            ++inputCount;
        } else if (n.op == "Loss") {
            lossNode = &n;
        }
    }
    if (inputCount != 1 || lossNode == nullptr) {
        return Error::user("cannot export to ONNX: the graph needs exactly one Input and one "
                           "Loss node (the Loss node's input is the model's output)");
    }
    const AttrMap lossAttrs = [&] {
        AttrMap a = registry.find("Loss")->defaults();
        for (const auto& [k, v] : lossNode->attrs) {
            a[k] = v;
        }
        return a;
    }();
    const std::string& lossKind = std::get<std::string>(lossAttrs.find("loss")->second);
    const std::string outputName = lossKind == "mse" ? kOutputName : kLogitsName;

    // The node whose value is the model's output: the Loss's input, through any Dropouts.
    std::string finalNode = source[{lossNode->id, 0}];
    while (graph.findNode(finalNode)->op == "Dropout") {
        finalNode = source[{finalNode, 0}];
    }

    ExportResult result;
    onnx::ModelProto& model = result.model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("netwright");
    model.set_producer_version(options.producerVersion);
    model.set_doc_string("Exported by Netwright " + options.producerVersion);
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(kOpsetVersion);
    for (const std::string& domain : pluginDomains(graph, registry)) { // plugins' ops
        auto* custom = model.add_opset_import();
        custom->set_domain(domain);
        custom->set_version(1);
    }
    onnx::GraphProto& g = *model.mutable_graph();
    g.set_name(options.modelName.empty() ? "netwright_model" : options.modelName);
    ModelBuilder builder(g);

    std::map<std::string, std::string, std::less<>> valueOf; // node id -> ONNX value name
    for (const std::string& id : analysis.order) {
        const Node& node = *graph.findNode(id);
        const NodeInfo& info = *analysis.info(id);
        std::vector<std::string> inputs;
        for (int p = 0; p < static_cast<int>(info.inputs.size()); ++p) {
            inputs.push_back(valueOf[source[{id, p}]]);
        }
        if (node.op == "Input") {
            valueOf[id] = kInputName;
            continue;
        }
        if (node.op == "Dropout") { // the identity at inference
            valueOf[id] = inputs[0];
            continue;
        }
        if (node.op == "Loss") {
            continue;
        }
        AttrMap attrs = registry.find(node.op)->defaults();
        for (const auto& [k, v] : node.attrs) {
            attrs[k] = v;
        }
        std::string output = id == finalNode ? outputName : valueName(id);
        MapContext ctx{builder,          node,   attrs,   info,
                       std::move(inputs), output, weights, registry.find(node.op)};
        if (Status st = (*emitters.find(node.op))(ctx); !st) {
            return st.error();
        }
        valueOf[id] = output;
    }
    if (finalNode == inputNode->id) { // a network that is only an Input (and Dropouts)
        builder.node("Identity", "output_identity", {kInputName}, {outputName});
    }

    const Shape& inputShape = analysis.info(inputNode->id)->outputs[0];
    const Shape& outShape = analysis.info(finalNode)->outputs[0];
    ModelBuilder::setBatchedType(*g.add_input(), kInputName, perSample(inputShape));
    ModelBuilder::setBatchedType(*g.add_output(), outputName, perSample(outShape));
    result.outputs.push_back({outputName, perSample(outShape)});
    if (options.addProbabilities && lossKind == "softmax_cross_entropy" && outShape.rank() == 2) {
        auto& n = builder.node("Softmax", "probabilities", {outputName}, {kProbabilitiesName});
        ModelBuilder::attr(n, "axis", std::int64_t{1});
        ModelBuilder::setBatchedType(*g.add_output(), kProbabilitiesName, perSample(outShape));
        result.outputs.push_back({kProbabilitiesName, perSample(outShape)});
    }

    addMetadata(model, "producer", "netwright " + options.producerVersion);
    addMetadata(model, "input_layout", layoutOf(inputShape));
    addMetadata(model, "input_shape", inputShape.toString());
    addMetadata(model, "output_kind",
                lossKind == "mse" ? "regression" : std::string(outputName) + " (" + lossKind + ")");
    if (!options.classLabels.empty()) {
        addMetadata(model, "class_labels", nlohmann::json(options.classLabels).dump());
    }
    if (!options.mean.empty()) {
        nlohmann::ordered_json norm{{"formula", "(x / 255 - mean[c]) / std[c]"},
                                    {"mean", options.mean},
                                    {"std", options.std}};
        addMetadata(model, "input_normalization", norm.dump());
    }
    return result;
}

Status writeModel(const onnx::ModelProto& model, const std::filesystem::path& path) {
    std::string bytes;
    if (!model.SerializeToString(&bytes)) {
        return Error::internal(path.string() + ": the ONNX model could not be serialised");
    }
    return writeFileAtomically(path, bytes);
}

} // namespace nw::graph::onnx_export
