#include "engine/plan/execution_plan.h"

#include "engine/plan/host_fallback.h"
#include "engine/plan/memory_planner.h"
#include "graph/analysis.h"

#include <algorithm>
#include <chrono>
#include <unordered_map>

namespace nw::engine {

struct ExecutionPlan::Step {
    std::string nodeId;
    std::unique_ptr<OpKernel> kernel;
    std::vector<Tensor> inputs, params, outputs;
    std::vector<Tensor> gradOutputs, gradInputs, gradParams;
    std::vector<Tensor> gradSummands; // further consumers' gradients, added into gradOutputs[0]
    bool runBackward = false;
    bool fused = false; // an activation its producer applies: no kernel, output aliased
};

namespace {

Dims concrete(const graph::Shape& s, std::int64_t batch) {
    Dims d = s.dims;
    for (auto& x : d) {
        if (x == graph::Shape::kBatch) {
            x = batch;
        }
    }
    return d;
}

struct EdgeRef {
    std::size_t from = 0; // step indices
    std::size_t to = 0;
    int toPort = 0;
    bool grad = false;
    std::size_t request = 0;
};

} // namespace

ExecutionPlan::~ExecutionPlan() = default;

const Tensor& ExecutionPlan::input() const {
    return m_steps[m_inputStep]->outputs[0];
}

const Tensor& ExecutionPlan::prediction() const {
    return m_steps[m_lossStep]->inputs[0];
}

const Tensor& ExecutionPlan::loss() const {
    return m_steps[m_lossStep]->outputs[0];
}

Expected<std::unique_ptr<ExecutionPlan>>
ExecutionPlan::compile(const graph::Graph& graph, const graph::OpRegistry& registry,
                       Backend& backend, ModelParams& params, const PlanOptions& options) {
    auto analysis = graph::analyze(graph, registry);
    if (analysis.hasErrors()) {
        std::size_t errors = analysis.errorCount();
        for (const auto& p : analysis.problems) {
            if (p.severity == graph::Problem::Severity::Error) {
                return Error::user(
                    "the graph is invalid: " + p.toString() +
                    (errors > 1 ? " (and " + std::to_string(errors - 1) + " more problems)" : ""));
            }
        }
    }
    if (options.batch < 1) {
        return Error::user("the batch size must be at least 1, got " +
                           std::to_string(options.batch));
    }

    std::unique_ptr<ExecutionPlan> plan(new ExecutionPlan());
    plan->m_backend = &backend;
    plan->m_batch = options.batch;
    plan->m_training = options.training;

    const auto& order = analysis.order;
    const std::size_t n = order.size();
    std::unordered_map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < n; ++i) {
        position[order[i]] = i;
    }

    // Kernels and parameters, node by node.
    std::vector<std::string> inputs, losses;
    std::vector<bool> needsGrad(n, false);
    std::vector<EdgeRef> edges;
    std::vector<std::vector<std::size_t>> inEdges(n), outEdges(n);
    for (const auto& e : graph.edges()) {
        EdgeRef ref{position.at(e.from.node), position.at(e.to.node), e.to.port};
        outEdges[ref.from].push_back(edges.size());
        inEdges[ref.to].push_back(edges.size());
        edges.push_back(ref);
    }
    auto filledAttrs = [&registry](const graph::Node& node) {
        graph::AttrMap attrs = registry.find(node.op)->defaults();
        for (const auto& [k, v] : node.attrs) {
            attrs[k] = v;
        }
        return attrs;
    };
    // Inference only: an activation whose producer feeds nothing else runs inside it.
    std::vector<std::ptrdiff_t> fusedInto(n, -1); // activation -> producer
    std::vector<std::ptrdiff_t> fusedWith(n, -1); // producer -> activation
    if (!options.training) {
        for (std::size_t v = 0; v < n; ++v) {
            if (outEdges[v].size() != 1) {
                continue;
            }
            std::size_t a = edges[outEdges[v].front()].to;
            const auto& producer = graph.findNode(order[v])->op;
            const auto& activation = graph.findNode(order[a])->op;
            if (fusedInto[v] < 0 && backend.supportsOp(producer) &&
                backend.supportsOp(activation) && backend.canFuseActivation(producer, activation)) {
                fusedInto[a] = static_cast<std::ptrdiff_t>(v);
                fusedWith[v] = static_cast<std::ptrdiff_t>(a);
            }
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        const graph::Node& node = *graph.findNode(order[i]);
        const graph::OpSchema& schema = *registry.find(node.op);
        const graph::NodeInfo& info = *analysis.info(node.id);
        if (node.op == "Input") {
            inputs.push_back(node.id);
            plan->m_inputStep = i;
        } else if (node.op == "Loss") {
            losses.push_back(node.id);
            plan->m_lossStep = i;
            plan->m_lossKind = std::get<std::string>(node.attrs.count("loss")
                                                         ? node.attrs.at("loss")
                                                         : schema.findAttr("loss")->defaultValue);
        }
        const bool onFallback = !backend.supportsOp(node.op);
        NodePlacement placed{node.id, node.op, backend.device().toString(), {}};
        if (onFallback) {
            std::string why = backend.opCoverage().unsupportedReason(node.op);
            placed.reason =
                placed.device + " has no " + node.op + " kernel" + (why.empty() ? "" : ": " + why);
            placed.device = "cpu";
            if (!options.fallback || backend.device() == Device::cpu()) {
                return Error::user("node '" + node.id + "': " + placed.reason);
            }
        }
        plan->m_placement.push_back(placed);
        KernelConfig config;
        config.nodeId = node.id;
        config.op = node.op;
        config.attrs = filledAttrs(node);
        if (fusedWith[i] >= 0) {
            const graph::Node& act = *graph.findNode(order[std::size_t(fusedWith[i])]);
            config.fusedActivation = act.op;
            config.fusedActivationAttrs = filledAttrs(act);
        }
        for (const auto& s : info.inputs) {
            config.inputs.push_back(concrete(s, options.batch));
        }
        for (const auto& s : info.outputs) {
            config.outputs.push_back(concrete(s, options.batch));
        }
        if (node.op == "Loss") {
            config.outputs = {{1}};
        }
        if (config.outputs.size() != 1) {
            return Error::internal("node '" + node.id +
                                   "': the engine runs ops with exactly "
                                   "one output");
        }
        config.seed = options.seed;
        config.shard = options.shard;
        config.shards = options.shards;
        config.syncStats = options.training ? options.syncBatchNorm : nullptr;
        config.params = info.params;
        auto step = std::make_unique<Step>();
        step->nodeId = node.id;
        step->outputs.resize(1);
        step->inputs.resize(config.inputs.size());
        step->gradInputs.resize(config.inputs.size());
        if (fusedInto[i] >= 0) {
            step->fused = true;
            plan->m_steps.push_back(std::move(step));
            continue;
        }
        auto kernel = onFallback ? makeHostFallbackKernel(backend, *options.fallback, config)
                                 : backend.createKernel(config);
        if (!kernel) {
            return kernel.error();
        }
        step->kernel = std::move(*kernel);
        // A frozen node's gradParams are undefined (BackwardArgs::gradParams): its kernel
        // computes only the input gradients, and only when something before it trains.
        bool trainable = false;
        for (const auto& spec : info.params) {
            auto entry = params.ensure(node.id, spec, !node.trainable);
            if (!entry) {
                return entry.error();
            }
            step->params.push_back((*entry)->value);
            if (spec.trainable) {
                const bool trains = node.trainable && (*entry)->trains();
                step->gradParams.push_back(trains ? (*entry)->grad : Tensor());
                trainable = trainable || trains;
            }
        }
        // Backward runs from the loss back to the first node that trains, and stops there: no
        // node before it (a frozen backbone) needs a gradient.
        needsGrad[i] = trainable;
        for (auto e : inEdges[i]) {
            needsGrad[i] = needsGrad[i] || needsGrad[edges[e].from];
        }
        plan->m_steps.push_back(std::move(step));
    }
    if (inputs.size() != 1) {
        return Error::user(inputs.empty() ? std::string("the graph has no Input node")
                                          : "the engine runs graphs with one Input node; "
                                            "this one has " +
                                                std::to_string(inputs.size()));
    }
    if (losses.size() != 1) {
        return Error::user("the graph has no Loss node, so it cannot be trained or evaluated");
    }

    // Lifetimes: forward step i runs at time i, its backward at time 2n - 1 - i.
    const int end = static_cast<int>(2 * n);
    auto fwd = [](std::size_t i) { return static_cast<int>(i); };
    auto bwd = [n](std::size_t i) { return static_cast<int>(2 * n - 1 - i); };
    std::vector<BufferRequest> requests;
    std::vector<Dims> shapes;
    for (std::size_t i = 0; i < n; ++i) {
        const graph::NodeInfo& info = *analysis.info(order[i]);
        Dims shape = i == plan->m_lossStep ? Dims{1} : concrete(info.outputs[0], options.batch);
        const OpKernel* k = plan->m_steps[i]->kernel.get(); // null for a fused activation
        int last = fwd(i);
        for (auto e : outEdges[i]) {
            std::size_t c = edges[e].to;
            last = std::max(last, fwd(c));
            // A consumer that never runs backward (before the first node that trains) does
            // not keep its input alive for it.
            if (options.training && needsGrad[c] && plan->m_steps[c]->kernel &&
                plan->m_steps[c]->kernel->backwardReadsInputs()) {
                last = std::max(last, bwd(c));
            }
            if (c == plan->m_lossStep) {
                last = end; // the prediction is read after the step, for metrics
            }
        }
        if (options.training && needsGrad[i] && k && k->backwardReadsOutputs()) {
            last = std::max(last, bwd(i));
        }
        // The loss, and the input: it stays as uploaded, so forward() may run again on it
        // (bench, the generator) without a new upload.
        if (i == plan->m_lossStep || i == plan->m_inputStep) {
            last = end;
        }
        requests.push_back({static_cast<std::size_t>(numelOf(shape)) * sizeof(float),
                            i == plan->m_inputStep ? 0 : fwd(i), last});
        shapes.push_back(shape);
    }
    // A fused activation writes nothing of its own: its producer's output lives as long as
    // the activation's would have.
    for (std::size_t a = 0; a < n; ++a) {
        if (fusedInto[a] >= 0) {
            auto& producer = requests[std::size_t(fusedInto[a])];
            producer.lastStep = std::max(producer.lastStep, requests[a].lastStep);
            requests[a].bytes = 0;
        }
    }
    for (auto& e : edges) {
        e.grad = options.training && needsGrad[e.from];
        if (e.grad) {
            e.request = requests.size();
            requests.push_back({requests[e.from].bytes, bwd(e.to), bwd(e.from)});
            shapes.push_back(shapes[e.from]);
        }
    }
    MemoryLayout layout = planMemory(requests, backend.alignment());
    plan->m_arenaBytes = layout.arenaBytes;
    plan->m_naiveBytes = layout.naiveBytes;
    auto arena = backend.allocate({static_cast<std::int64_t>(layout.arenaBytes / sizeof(float))},
                                  DType::F32);
    if (!arena) {
        return arena.error();
    }
    plan->m_arena = *arena;
    auto tensorFor = [&](std::size_t r) {
        return plan->m_arena.view(shapes[r], DType::F32, layout.offsets[r]);
    };

    // Wire every step's arguments to the arena.
    for (std::size_t i = 0; i < n; ++i) {
        plan->m_steps[i]->outputs[0] =
            fusedInto[i] >= 0 ? plan->m_steps[std::size_t(fusedInto[i])]->outputs[0] : tensorFor(i);
    }
    for (const auto& e : edges) {
        Step& to = *plan->m_steps[e.to];
        to.inputs[static_cast<std::size_t>(e.toPort)] = plan->m_steps[e.from]->outputs[0];
        if (e.grad) {
            Tensor g = tensorFor(e.request);
            to.gradInputs[static_cast<std::size_t>(e.toPort)] = g;
            Step& from = *plan->m_steps[e.from];
            (from.gradOutputs.empty() ? from.gradOutputs : from.gradSummands).push_back(g);
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        Step& s = *plan->m_steps[i];
        bool hasGradient = i == plan->m_lossStep || !s.gradOutputs.empty();
        s.runBackward = options.training && needsGrad[i] && hasGradient;
    }

    const Tensor& pred = plan->prediction();
    const bool crossEntropy = plan->m_lossKind == "softmax_cross_entropy";
    // Softmax cross-entropy: a class label per row of the prediction, [N] or [N, T].
    auto targets =
        crossEntropy
            ? backend.allocate(Dims(pred.shape().begin(), pred.shape().end() - 1), DType::I32)
            : backend.allocate(pred.shape(), DType::F32);
    if (!targets) {
        return targets.error();
    }
    plan->m_targets = *targets;
    if (pred.rank() == 2 || (crossEntropy && pred.rank() > 2)) {
        if (plan->m_targets.dtype() == DType::I32) {
            plan->m_labels = plan->m_targets;
        } else {
            auto labels = backend.allocate({options.batch}, DType::I32);
            if (!labels) {
                return labels.error();
            }
            plan->m_labels = *labels;
        }
        auto metrics = backend.allocate({3}, DType::F32);
        if (!metrics) {
            return metrics.error();
        }
        plan->m_metrics = *metrics;
    }
    return plan;
}

std::vector<std::string> ExecutionPlan::backwardNodes() const {
    std::vector<std::string> out;
    for (const auto& s : m_steps) {
        if (s->runBackward) {
            out.push_back(s->nodeId);
        }
    }
    return out;
}

std::vector<NodePlacement> ExecutionPlan::fallbackNodes() const {
    std::vector<NodePlacement> out;
    for (const auto& p : m_placement) {
        if (!p.reason.empty()) {
            out.push_back(p);
        }
    }
    return out;
}

Status ExecutionPlan::labelsToTargets() {
    if (!m_labels.defined()) {
        return Error::internal("labelsToTargets() on a plan without class labels");
    }
    return m_targets.dtype() == DType::I32 ? Status::success()
                                           : m_backend->oneHot(m_labels, m_targets);
}

Status ExecutionPlan::computeMetrics() {
    if (!m_metrics.defined()) {
        return Error::internal("computeMetrics() on a plan without a classification output");
    }
    // A label per step ([N, T, K] logits): the metrics count every step's label, as rows.
    const Tensor& pred = prediction();
    const std::int64_t k = pred.shape().back();
    return m_backend->classificationMetrics(pred.reshaped({pred.numel() / k, k}),
                                            m_labels.reshaped({m_labels.numel()}), loss(),
                                            m_metrics);
}

Status ExecutionPlan::forward(bool training, std::uint64_t step) {
    if (training && !m_training) {
        return Error::internal("forward(training) on a plan compiled for inference");
    }
    for (auto& s : m_steps) {
        if (s->fused) {
            continue;
        }
        ForwardArgs args;
        args.inputs = s->inputs;
        args.params = s->params;
        args.outputs = s->outputs;
        args.training = training;
        args.step = step;
        args.targets = &m_targets;
        if (auto status = timed(s->nodeId, " forward", [&] { return s->kernel->forward(args); });
            !status) {
            return status;
        }
    }
    return Status::success();
}

template <class Fn>
Status ExecutionPlan::timed(const std::string& node, const char* what, Fn&& fn) {
    if (!m_hostTiming) {
        if (!m_backend->profiling()) {
            return fn();
        }
        m_backend->beginProfileRange(node + what);
        Status status = fn();
        m_backend->endProfileRange();
        return status;
    }
    const auto start = std::chrono::steady_clock::now();
    Status status = fn();
    if (status) {
        status = m_backend->synchronize();
    }
    KernelTiming& t = m_timings[node + what];
    t.label = node + what;
    ++t.calls;
    t.milliseconds +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return status;
}

std::vector<KernelTiming> ExecutionPlan::takeHostTiming() {
    std::vector<KernelTiming> out;
    for (auto& [label, t] : m_timings) {
        out.push_back(std::move(t));
    }
    m_timings.clear();
    std::sort(out.begin(), out.end(), [](const KernelTiming& a, const KernelTiming& b) {
        return a.milliseconds > b.milliseconds;
    });
    return out;
}

Status ExecutionPlan::backward(const GradientsReady& ready) {
    if (!m_training) {
        return Error::internal("backward() on a plan compiled for inference");
    }
    for (auto it = m_steps.rbegin(); it != m_steps.rend(); ++it) {
        Step& s = **it;
        if (!s.runBackward) {
            continue;
        }
        for (const Tensor& g : s.gradSummands) {
            if (auto status = m_backend->addInto(s.gradOutputs[0], g); !status) {
                return status;
            }
        }
        BackwardArgs args;
        args.inputs = s.inputs;
        args.params = s.params;
        args.outputs = s.outputs;
        args.gradOutputs = s.gradOutputs;
        args.gradInputs = s.gradInputs;
        args.gradParams = s.gradParams;
        args.targets = &m_targets;
        if (auto status = timed(s.nodeId, " backward", [&] { return s.kernel->backward(args); });
            !status) {
            return status;
        }
        if (ready && !s.gradParams.empty()) {
            if (auto status = ready(s.gradParams); !status) {
                return status;
            }
        }
    }
    return Status::success();
}

} // namespace nw::engine
