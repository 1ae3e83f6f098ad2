#include "engine/bundle/writer.h"

#include "graph/analysis.h"
#include "graph/ops/pool_window.h"
#include "graph/project_file.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace nw::bundle {

namespace {

struct Failure {
    std::string message;
};

} // namespace

// Turns the graph into layers, node by node in topological order, through the emitter
// table. Everything is public: the emitters below are its methods' only callers.
class BundleBuilder {
public:
    BundleBuilder(const graph::Graph& g, const graph::OpRegistry& r, const graph::WeightMap& w)
        : m_graph(g)
        , m_registry(r)
        , m_weights(w)
        , m_emitters(makeBundleEmitterTable(&r)) {}

    Bundle build(const BundleMetadata& meta) {
        m_analysis = graph::analyze(m_graph, m_registry);
        for (const auto& p : m_analysis.problems) {
            if (p.severity == graph::Problem::Severity::Error) {
                throw Failure{"the graph is invalid: " + p.toString()};
            }
        }
        for (const auto& e : m_graph.edges()) {
            m_consumers[e.from.node].push_back(e.to.node);
        }
        m_bundle.header.producer = meta.producer;
        m_bundle.header.labels = meta.labels;
        m_bundle.header.mean = meta.mean;
        m_bundle.header.std = meta.std;
        std::string prediction;
        for (const auto& id : m_analysis.order) {
            const graph::Node& n = *m_graph.findNode(id);
            if (n.op == "Input") {
                m_tensor[id] = 0;
                m_bundle.header.inputShape = perSample(id);
            } else if (n.op == "Loss") {
                prediction = input(n, 0) >= 0 ? inputNode(n, 0) : "";
            } else if (!m_tensor.count(id)) {
                const BundleEmitter* e = m_emitters.find(n.op);
                if (!e) {
                    std::string why = m_emitters.unsupportedReason(n.op);
                    throw Failure{"node '" + n.id + "': " + n.op + " cannot go into a bundle" +
                                  (why.empty() ? "" : " (" + why + ")")};
                }
                e->emit(*this, n);
            }
        }
        if (m_bundle.header.inputShape.empty() || prediction.empty()) {
            throw Failure{"the graph needs one Input and one Loss node"};
        }
        int out = m_tensor.at(prediction);
        if (out != int(m_bundle.header.layers.size())) {
            // The prediction is not the last layer written: copy it through a reshape.
            addLayer(m_graph.findNode(prediction)->id, "reshape", {out}, perSample(prediction));
        }
        return std::move(m_bundle);
    }

    graph::AttrMap attrs(const graph::Node& n) const {
        auto a = m_registry.find(n.op)->defaults();
        for (const auto& [k, v] : n.attrs) {
            a[k] = v;
        }
        return a;
    }
    Dims perSample(const std::string& id) const {
        const auto& s = m_analysis.info(id)->outputs.at(0).dims;
        return Dims(s.begin() + 1, s.end());
    }
    std::string inputNode(const graph::Node& n, int port) const {
        for (const auto& e : m_graph.edges()) {
            if (e.to.node == n.id && e.to.port == port) {
                return e.from.node;
            }
        }
        throw Failure{"node '" + n.id + "': input " + std::to_string(port) + " is missing"};
    }
    int input(const graph::Node& n, int port) const { return m_tensor.at(inputNode(n, port)); }
    // The node that alone consumes `id`'s output, if any.
    const graph::Node* soleConsumer(const std::string& id) const {
        auto it = m_consumers.find(id);
        if (it == m_consumers.end() || it->second.size() != 1) {
            return nullptr;
        }
        return m_graph.findNode(it->second.front());
    }
    // A parameter of `node`, checked against its op schema's declaration.
    const graph::HostTensor& weight(const std::string& node, const char* name) const {
        auto it = m_weights.find({node, name});
        if (it == m_weights.end()) {
            throw Failure{"node '" + node + "': the weights have no " + name};
        }
        const auto& declared = m_analysis.info(node)->params;
        auto decl = std::find_if(declared.begin(), declared.end(),
                                 [&](const graph::ParamSpec& p) { return p.name == name; });
        if (decl == declared.end() || decl->shape != it->second.dims ||
            std::int64_t(it->second.data.size()) != decl->numel()) {
            throw Failure{"node '" + node + "': " + name + " in the weights does not match " +
                          "the graph's declaration"};
        }
        return it->second;
    }
    BlobRef blob(const std::vector<float>& data, Dims dims) {
        return m_bundle.append(data.data(), data.size() * sizeof(float), std::move(dims),
                               DType::F32);
    }
    Layer& addLayer(const std::string& name, const std::string& op, std::vector<int> inputs,
                    Dims shape) {
        Layer l;
        l.op = op;
        l.name = name;
        l.inputs = std::move(inputs);
        l.shape = std::move(shape);
        m_bundle.header.layers.push_back(std::move(l));
        return m_bundle.header.layers.back();
    }
    int lastTensor() const { return int(m_bundle.header.layers.size()); }

    // The bundle's name of activation `n` ("" when it is none), and in `reals` the
    // parameters that name takes (alpha; hard_sigmoid also beta).
    static std::string activationName(const graph::Node& n, const graph::AttrMap& a,
                                      std::map<std::string, double>& reals) {
        reals["alpha"] = a.count("alpha") ? std::get<double>(a.at("alpha")) : 0.0;
        if (n.op == "ReLU") {
            return "relu";
        }
        if (n.op == "ReLU6") {
            return "relu6";
        }
        if (n.op == "HardSigmoid") {
            reals["beta"] = std::get<double>(a.at("beta"));
            return "hard_sigmoid";
        }
        if (n.op == "HardSwish") {
            return "hard_swish";
        }
        if (n.op == "LeakyReLU") {
            return "leaky_relu";
        }
        if (n.op == "ELU") {
            return "elu";
        }
        if (n.op == "GELU") {
            return std::get<std::string>(a.at("approximate")) == "tanh" ? "gelu_tanh" : "gelu_erf";
        }
        if (n.op == "Sigmoid") {
            return "sigmoid";
        }
        if (n.op == "Tanh") {
            return "tanh";
        }
        return "";
    }

    // Folds a BatchNorm consuming `producer` into its weights [F, ...] and bias [F].
    void foldBatchNorm(const graph::Node& bn, std::vector<float>& w, std::vector<float>& b) {
        const auto& gamma = weight(bn.id, "gamma").data;
        const auto& beta = weight(bn.id, "beta").data;
        const auto& mean = weight(bn.id, "running_mean").data;
        const auto& var = weight(bn.id, "running_var").data;
        double eps = std::get<double>(attrs(bn).at("epsilon"));
        std::size_t f = b.size(), per = w.size() / f;
        for (std::size_t i = 0; i < f; ++i) {
            double scale = gamma[i] / std::sqrt(double(var[i]) + eps);
            for (std::size_t k = 0; k < per; ++k) {
                w[i * per + k] = float(w[i * per + k] * scale);
            }
            b[i] = float((b[i] - mean[i]) * scale + beta[i]);
        }
    }

    // After a conv/dense/bn layer for `node`: folds a following BatchNorm (when `canFold`)
    // and a following activation into it, and records which graph nodes it stands for.
    void absorbFollowers(const graph::Node& node, Layer* layer, std::vector<float>* w,
                         std::vector<float>* b) {
        std::string last = node.id;
        m_tensor[last] = lastTensor();
        const graph::Node* next = soleConsumer(last);
        if (w && next && next->op == "BatchNorm") {
            foldBatchNorm(*next, *w, *b);
            last = next->id;
            m_tensor[last] = lastTensor();
            next = soleConsumer(last);
        }
        if (w) {
            layer->blobs["weight"] = blob(*w, layer->blobs["weight"].dims);
            layer->blobs["bias"] = blob(*b, {std::int64_t(b->size())});
        }
        if (next && (layer->op != "batch_norm" || next->op == "ReLU")) {
            std::map<std::string, double> reals;
            std::string act = activationName(*next, attrs(*next), reals);
            if (!act.empty()) {
                layer->activation = act;
                for (const auto& [key, value] : reals) {
                    layer->reals[key] = value;
                }
                m_tensor[next->id] = lastTensor();
            }
        }
    }

    void emitWeighted(const graph::Node& n) {
        const auto a = attrs(n);
        const Dims shape = perSample(n.id);
        if (n.op == "Dense" && shape.size() > 1) {
            // The runtime's dense layer reads everything after the batch as one row.
            throw Failure{"node '" + n.id + "': Dense over the last axis of " +
                          m_analysis.info(n.id)->inputs.at(0).toString() +
                          " cannot go into a bundle (its runtime's dense layer takes [N, F] "
                          "only)"};
        }
        const auto& w = weight(n.id, "weight");
        bool hasBias = std::get<bool>(a.at("use_bias"));
        std::vector<float> wd = w.data;
        std::vector<float> bd =
            hasBias ? weight(n.id, "bias").data : std::vector<float>(std::size_t(w.dims[0]), 0.0f);
        int in = input(n, 0);
        Layer& l = addLayer(n.id, n.op == "Conv2D" ? "conv2d" : "dense", {in}, shape);
        l.blobs["weight"].dims = w.dims;
        if (n.op == "Conv2D") {
            const auto& k = std::get<graph::IntList>(a.at("kernel_size"));
            const auto& s = std::get<graph::IntList>(a.at("stride"));
            const auto& d = std::get<graph::IntList>(a.at("dilation"));
            Dims x = in == 0 ? m_bundle.header.inputShape
                             : m_bundle.header.layers[std::size_t(in - 1)].shape;
            std::vector<std::int64_t> padL(2), padR(2);
            bool same = std::get<std::string>(a.at("padding_mode")) == "same";
            for (int i = 0; i < 2; ++i) {
                std::int64_t eff = d[i] * (k[i] - 1) + 1;
                if (same) {
                    std::int64_t total =
                        std::max<std::int64_t>((shape[1 + i] - 1) * s[i] + eff - x[1 + i], 0);
                    padL[i] = total / 2;
                    padR[i] = total - total / 2;
                } else {
                    padL[i] = padR[i] = std::get<graph::IntList>(a.at("padding"))[i];
                }
            }
            l.ints = {{"kernel", k},   {"stride", s},
                      {"dilation", d}, {"pad_l", padL},
                      {"pad_r", padR}, {"groups", {std::get<std::int64_t>(a.at("groups"))}}};
        }
        absorbFollowers(n, &m_bundle.header.layers.back(), &wd, &bd);
    }

    const graph::Graph& m_graph;
    const graph::OpRegistry& m_registry;
    const graph::WeightMap& m_weights;
    graph::GraphAnalysis m_analysis;
    std::unordered_map<std::string, std::vector<std::string>> m_consumers;
    std::unordered_map<std::string, int> m_tensor; // graph node -> bundle tensor
    Bundle m_bundle;
    graph::OpTable<BundleEmitter> m_emitters;
};

namespace {

using Builder = BundleBuilder;

// Dropout is the identity at inference: its consumers read its input.
void emitPassThrough(Builder& b, const graph::Node& n) {
    b.m_tensor[n.id] = b.input(n, 0);
}

void emitReshape(Builder& b, const graph::Node& n) {
    const graph::Node* next = b.soleConsumer(n.id);
    if (n.op == "Flatten" && next && next->op == "Dense") {
        b.m_tensor[n.id] = b.input(n, 0); // Dense reads the unflattened tensor
        return;
    }
    b.addLayer(n.id, "reshape", {b.input(n, 0)}, b.perSample(n.id));
    b.m_tensor[n.id] = b.lastTensor();
}

void emitWeighted(Builder& b, const graph::Node& n) {
    b.emitWeighted(n);
}

void emitBatchNorm(Builder& b, const graph::Node& n) {
    Layer& l = b.addLayer(n.id, "batch_norm", {b.input(n, 0)}, b.perSample(n.id));
    l.reals["epsilon"] = std::get<double>(b.attrs(n).at("epsilon"));
    for (auto [from, to] : {std::pair{"gamma", "scale"},
                            {"beta", "shift"},
                            {"running_mean", "mean"},
                            {"running_var", "variance"}}) {
        const auto& t = b.weight(n.id, from);
        l.blobs[to] = b.blob(t.data, t.dims);
    }
    b.absorbFollowers(n, &b.m_bundle.header.layers.back(), nullptr, nullptr);
}

void emitLayerNorm(Builder& b, const graph::Node& n) {
    const auto a = b.attrs(n);
    Layer& l = b.addLayer(n.id, "layer_norm", {b.input(n, 0)}, b.perSample(n.id));
    l.reals["epsilon"] = std::get<double>(a.at("epsilon"));
    l.ints["normalized_dims"] = {std::get<std::int64_t>(a.at("normalized_dims"))};
    for (auto [from, to] : {std::pair{"gamma", "scale"}, {"beta", "shift"}}) {
        const auto& t = b.weight(n.id, from);
        l.blobs[to] = b.blob(t.data, t.dims);
    }
    b.m_tensor[n.id] = b.lastTensor();
}

// Pools: ints kernel, stride and pad, [h, w] each, as before. The later forms — asymmetric
// padding, ceil_mode, dilation, count_include_pad false — write pad as [top, bottom, left,
// right], the bottom and right reaching ceil_mode's overhang (so the runtime's rounding is
// always floor), with dilation [h, w] and exclude_pad [1] where they apply: a runtime from
// before them refuses the 4 values instead of computing something else.
void emitPool(Builder& b, const graph::Node& n) {
    const auto a = b.attrs(n);
    const bool isMax = n.op == "MaxPool2D";
    const Dims x = b.perSample(b.inputNode(n, 0)); // [C, H, W]
    const graph::ops::PoolWindow win = graph::ops::poolWindow(a, x[1], x[2]);
    const graph::ops::PoolAxis &r = win.rows, &c = win.cols;
    if (!isMax && (win.rows.dilation != 1 || win.cols.dilation != 1)) {
        throw Failure{"node '" + n.id +
                      "': a dilated AvgPool2D has no bundle layer (the runtime's dilation is "
                      "max pooling's); export to ONNX instead"};
    }
    if (!isMax && win.includePad && !win.fullDivisors()) {
        throw Failure{"node '" + n.id +
                      "': AvgPool2D with ceil_mode and count_include_pad divides its last "
                      "windows by fewer cells than the kernel's; the bundle runtime cannot "
                      "(set count_include_pad to false, or ceil_mode to false)"};
    }
    Layer& l =
        b.addLayer(n.id, isMax ? "max_pool" : "avg_pool", {b.input(n, 0)}, b.perSample(n.id));
    l.ints["kernel"] = {r.kernel, c.kernel};
    l.ints["stride"] = {r.stride, c.stride};
    const bool dilated = r.dilation != 1 || c.dilation != 1;
    const bool exclude = !isMax && !win.includePad;
    if (!dilated && !exclude && r.reachedPadEnd() == r.padBegin &&
        c.reachedPadEnd() == c.padBegin) {
        l.ints["pad"] = {r.padBegin, c.padBegin};
    } else {
        l.ints["pad"] = {r.padBegin, r.reachedPadEnd(), c.padBegin, c.reachedPadEnd()};
    }
    if (dilated) {
        l.ints["dilation"] = {r.dilation, c.dilation};
    }
    if (exclude) {
        l.ints["exclude_pad"] = {1};
    }
    b.m_tensor[n.id] = b.lastTensor();
}

// Pad: ints pad [top, bottom, left, right] and mode [0 constant, 1 reflect, 2 edge], reals
// value.
void emitPad(Builder& b, const graph::Node& n) {
    const auto a = b.attrs(n);
    const std::string& mode = std::get<std::string>(a.at("mode"));
    Layer& l = b.addLayer(n.id, "pad", {b.input(n, 0)}, b.perSample(n.id));
    l.ints["pad"] = std::get<graph::IntList>(a.at("padding"));
    l.ints["mode"] = {mode == "reflect" ? 1 : mode == "edge" ? 2 : 0};
    l.reals["value"] = std::get<double>(a.at("value"));
    b.m_tensor[n.id] = b.lastTensor();
}

void emitLrn(Builder& b, const graph::Node& n) {
    const auto a = b.attrs(n);
    Layer& l = b.addLayer(n.id, "lrn", {b.input(n, 0)}, b.perSample(n.id));
    l.ints["size"] = {std::get<std::int64_t>(a.at("size"))};
    for (const char* key : {"alpha", "beta", "bias"}) {
        l.reals[key] = std::get<double>(a.at(key));
    }
    b.m_tensor[n.id] = b.lastTensor();
}

void emitGlobalPool(Builder& b, const graph::Node& n) {
    b.addLayer(n.id, n.op == "GlobalMaxPool" ? "global_max_pool" : "global_avg_pool",
               {b.input(n, 0)}, b.perSample(n.id));
    b.m_tensor[n.id] = b.lastTensor();
}

// Softmax and Concat: an axis relative to the whole tensor, batch included.
void emitAxisOp(Builder& b, const graph::Node& n) {
    const Dims shape = b.perSample(n.id);
    auto rank = std::int64_t(shape.size()) + 1;
    auto axis = std::get<std::int64_t>(b.attrs(n).at("axis"));
    std::vector<int> ins;
    int ports = n.op == "Concat" ? int(b.m_analysis.info(n.id)->inputs.size()) : 1;
    for (int p = 0; p < ports; ++p) {
        ins.push_back(b.input(n, p));
    }
    Layer& l = b.addLayer(n.id, n.op == "Softmax" ? "softmax" : "concat", ins, shape);
    l.ints["axis"] = {axis < 0 ? axis + rank : axis};
    b.m_tensor[n.id] = b.lastTensor();
}

void emitAdd(Builder& b, const graph::Node& n) {
    std::vector<int> ins;
    for (int p = 0; p < int(b.m_analysis.info(n.id)->inputs.size()); ++p) {
        ins.push_back(b.input(n, p));
    }
    b.addLayer(n.id, "add", ins, b.perSample(n.id));
    b.absorbFollowers(n, &b.m_bundle.header.layers.back(), nullptr, nullptr);
}

// The runtime broadcasts one input over the other, which must have the output's shape.
void emitMul(Builder& b, const graph::Node& n) {
    const graph::NodeInfo& info = *b.m_analysis.info(n.id);
    if (info.inputs[0] != info.outputs[0] && info.inputs[1] != info.outputs[0]) {
        const std::string shapes = info.inputs[0].toString() + " · " + info.inputs[1].toString();
        const std::string why = "the bundle runtime multiplies only when one input has the "
                                "output's shape (" +
                                shapes + " broadcasts both); export to ONNX instead";
        throw Failure{"node '" + n.id + "': " + why};
    }
    b.addLayer(n.id, "mul", {b.input(n, 0), b.input(n, 1)}, b.perSample(n.id));
    b.m_tensor[n.id] = b.lastTensor();
}

// An activation that no producer absorbed: a layer of its own.
void emitActivation(Builder& b, const graph::Node& n) {
    std::map<std::string, double> reals;
    std::string act = Builder::activationName(n, b.attrs(n), reals);
    Layer& l = b.addLayer(n.id, "activation", {b.input(n, 0)}, b.perSample(n.id));
    l.activation = act;
    l.reals = std::move(reals);
    b.m_tensor[n.id] = b.lastTensor();
}

// Input and Loss are handled by BundleBuilder::build itself.
void emitStructural(Builder&, const graph::Node& n) {
    throw Failure{"node '" + n.id + "': " + n.op + " is wired by the writer, not emitted"};
}

} // namespace

graph::OpTable<BundleEmitter> makeBundleEmitterTable(const graph::OpRegistry* registry) {
    graph::OpTable<BundleEmitter> t;
    if (registry) {
        for (const graph::OpSchema* schema : registry->all()) {
            if (!schema->plugin.empty()) {
                t.unsupported(schema->name, "an op from the plugin '" + schema->plugin +
                                                "': the bundle runtime runs built-in ops only");
            }
        }
    }
    // Conv2D and Dense absorb a following BatchNorm and activation.
    t.add("Input", {emitStructural, {}})
        .add("Dense", {emitWeighted, {"dense"}})
        .add("Conv2D", {emitWeighted, {"conv2d"}})
        .add("MaxPool2D", {emitPool, {"max_pool"}})
        .add("AvgPool2D", {emitPool, {"avg_pool"}})
        .add("GlobalAvgPool", {emitGlobalPool, {"global_avg_pool"}})
        .add("GlobalMaxPool", {emitGlobalPool, {"global_max_pool"}})
        .add("BatchNorm", {emitBatchNorm, {"batch_norm"}})
        .add("LayerNorm", {emitLayerNorm, {"layer_norm"}})
        .add("LRN", {emitLrn, {"lrn"}})
        .add("Dropout", {emitPassThrough, {}})
        .add("ReLU", {emitActivation, {"activation"}})
        .add("LeakyReLU", {emitActivation, {"activation"}})
        .add("ELU", {emitActivation, {"activation"}})
        .add("ReLU6", {emitActivation, {"activation"}})
        .add("HardSigmoid", {emitActivation, {"activation"}})
        .add("HardSwish", {emitActivation, {"activation"}})
        .add("GELU", {emitActivation, {"activation"}})
        .add("Sigmoid", {emitActivation, {"activation"}})
        .add("Tanh", {emitActivation, {"activation"}})
        .add("Softmax", {emitAxisOp, {"softmax"}})
        .add("Flatten", {emitReshape, {"reshape"}})
        .add("Reshape", {emitReshape, {"reshape"}})
        .add("Pad", {emitPad, {"pad"}})
        .unsupported("Slice", "the bundle runtime has no slice layer (a range of one axis of "
                              "its channels-last tensors); export to ONNX instead")
        .add("Add", {emitAdd, {"add"}})
        .add("Mul", {emitMul, {"mul"}})
        .unsupported("Conv3D", "the bundle runtime has no 3-D convolution layer; export to ONNX "
                               "instead")
        .unsupported("Constant", "the bundle runtime has no stored-tensor layer; export to ONNX "
                                 "instead")
        .unsupported("Cast", "the bundle runtime has no rounding to narrow number formats; "
                             "export to ONNX instead")
        .unsupported("Scale", "the bundle runtime has no layer that multiplies and adds stored "
                              "tensors broadcast over the sample; export to ONNX instead")
        .add("Concat", {emitAxisOp, {"concat"}})
        .unsupported("Embedding", "the bundle runtime has no table-lookup layer; export to "
                                  "ONNX instead")
        .unsupported("PositionalEncoding", "the bundle runtime takes no sequence tensors "
                                           "[N, T, C]; export to ONNX instead")
        .unsupported("SequencePool", "the bundle runtime has no reduction over sequence steps; "
                                     "export to ONNX instead")
        .unsupported("MatMul", "the bundle runtime has no product of two activations, only "
                               "dense and conv2d layers with stored weights; export to ONNX "
                               "instead")
        .unsupported("Transpose", "the bundle runtime has no permute layer; export to ONNX "
                                  "instead")
        .add("Loss", {emitStructural, {}})
        .unsupported("LSTM", "the bundle runtime has no recurrent layer; export to ONNX instead "
                             "(native LSTM)")
        .unsupported("GRU", "the bundle runtime has no recurrent layer; export to ONNX instead "
                            "(native GRU)")
        .unsupported("MultiHeadAttention",
                     "the bundle runtime has no attention layer (batched matmul and softmax "
                     "over [N, heads, T, T]); export to ONNX instead");
    return t;
}

Expected<Bundle> buildBundle(const graph::Graph& graph, const graph::OpRegistry& registry,
                             const graph::WeightMap& weights, const BundleMetadata& metadata) {
    try {
        return BundleBuilder(graph, registry, weights).build(metadata);
    } catch (const Failure& f) {
        return Error::user(f.message);
    }
}

Status writeBundle(const Bundle& bundle, const std::string& path) {
    return graph::writeFileAtomically(path, serializeBundle(bundle));
}

} // namespace nw::bundle
