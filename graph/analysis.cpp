#include "graph/analysis.h"

#include <algorithm>
#include <deque>
#include <unordered_map>

namespace nw::graph {

std::string Problem::toString() const {
    std::string where = nodeId.empty() ? std::string("graph") : "node '" + nodeId + "'";
    if (!field.empty()) {
        where += ", field '" + field + "'";
    }
    return where + ": " + message;
}

bool GraphAnalysis::hasErrors() const {
    return errorCount() > 0;
}

std::size_t GraphAnalysis::errorCount() const {
    return static_cast<std::size_t>(std::count_if(problems.begin(), problems.end(), [](auto& p) {
        return p.severity == Problem::Severity::Error;
    }));
}

const NodeInfo* GraphAnalysis::info(std::string_view id) const {
    auto it = nodes.find(id);
    return it == nodes.end() ? nullptr : &it->second;
}

namespace {

// The most input ports a variadic op may use; keeps hostile port numbers bounded.
constexpr int kMaxVariadicInputs = 64;

class Analyzer {
public:
    Analyzer(const Graph& graph, const OpRegistry& registry)
        : m_graph(graph)
        , m_reg(registry) {}

    GraphAnalysis run() {
        indexNodes();
        checkNodes();
        checkEdges();
        checkInputsConnected();
        sortTopologically();
        inferShapes();
        checkGraphWide();
        return std::move(m_out);
    }

private:
    struct State {
        const Node* node = nullptr;
        const OpSchema* schema = nullptr;
        AttrMap attrs; // node attributes with defaults filled in
        bool attrsOk = false;
        int inputCount = 0;          // ports the node uses
        std::vector<const Edge*> in; // per input port, the edge feeding it
        std::vector<std::size_t> successors;
        bool connected = true;
        bool usedOutput = false;
    };

    void error(const std::string& node, std::string field, std::string message) {
        m_out.problems.push_back(
            {Problem::Severity::Error, node, std::move(field), std::move(message)});
    }
    void warning(const std::string& node, std::string field, std::string message) {
        m_out.problems.push_back(
            {Problem::Severity::Warning, node, std::move(field), std::move(message)});
    }

    void indexNodes() {
        const auto& nodes = m_graph.nodes();
        m_states.resize(nodes.size());
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            m_states[i].node = &nodes[i];
            if (nodes[i].id.empty()) {
                error("", "id",
                      "node #" + std::to_string(i + 1) + " (" + nodes[i].op + ") has an empty id");
                continue;
            }
            if (!m_index.emplace(nodes[i].id, i).second) {
                error(nodes[i].id, "id", "the id is used by more than one node");
            }
        }
    }

    void checkNodes() {
        for (auto& st : m_states) {
            const Node& n = *st.node;
            st.schema = m_reg.find(n.op);
            if (!st.schema) {
                if (n.plugin.empty()) {
                    error(n.id, "op", "unknown op '" + n.op + "'");
                } else {
                    error(n.id, "op",
                          "op '" + n.op + "' comes from the plugin '" + n.plugin +
                              "', which is not loaded (netwright-cli plugins lists the plugins "
                              "found)");
                }
                continue;
            }
            st.attrsOk = true;
            for (const auto& [name, value] : n.attrs) {
                if (!st.schema->findAttr(name)) {
                    error(n.id, name, "unknown attribute of " + n.op);
                    st.attrsOk = false;
                }
            }
            st.attrs = st.schema->defaults();
            for (const auto& spec : st.schema->attrs) {
                auto it = n.attrs.find(spec.name);
                if (it == n.attrs.end()) {
                    continue;
                }
                if (auto why = spec.check(it->second)) {
                    error(n.id, spec.name, *why);
                    st.attrsOk = false;
                } else {
                    st.attrs[spec.name] = it->second;
                }
            }
            st.inputCount = st.schema->hasVariadicInput()
                                ? st.schema->minInputs()
                                : static_cast<int>(st.schema->inputs.size());
            st.in.assign(static_cast<std::size_t>(st.inputCount), nullptr);
        }
    }

    State* stateOf(const std::string& id) {
        auto it = m_index.find(id);
        return it == m_index.end() ? nullptr : &m_states[it->second];
    }

    void checkEdges() {
        for (const Edge& e : m_graph.edges()) {
            std::string what = "edge " + e.from.node + ":" + std::to_string(e.from.port) + " -> " +
                               e.to.node + ":" + std::to_string(e.to.port);
            State* from = stateOf(e.from.node);
            State* to = stateOf(e.to.node);
            if (!from || !to) {
                const std::string& missing = from ? e.to.node : e.from.node;
                const std::string& blame = from ? e.from.node : (to ? e.to.node : "");
                error(blame, "edges", what + " refers to a missing node '" + missing + "'");
                continue;
            }
            // An unknown op is reported already; its edges still count as connections, so that
            // its neighbours report no "not connected" or "not used" in its wake.
            if (!to->schema) {
                from->usedOutput = true;
                continue;
            }
            int outputs = from->schema ? static_cast<int>(from->schema->outputs.size()) : 0;
            if (from->schema && (e.from.port < 0 || e.from.port >= outputs)) {
                error(e.from.node, "edges",
                      what + ": " + from->node->op + " has " + std::to_string(outputs) +
                          " output port" + (outputs == 1 ? "" : "s") + ", no port " +
                          std::to_string(e.from.port));
                continue;
            }
            int maxInputs = to->schema->hasVariadicInput()
                                ? kMaxVariadicInputs
                                : static_cast<int>(to->schema->inputs.size());
            if (e.to.port < 0 || e.to.port >= maxInputs) {
                error(e.to.node, "edges",
                      what + ": " + to->node->op + " has no input port " +
                          std::to_string(e.to.port));
                continue;
            }
            auto port = static_cast<std::size_t>(e.to.port);
            if (port >= to->in.size()) {
                to->in.resize(port + 1, nullptr);
                to->inputCount = static_cast<int>(to->in.size());
            }
            if (to->in[port]) {
                error(e.to.node, to->schema->inputName(e.to.port),
                      "input has more than one incoming edge (from '" + to->in[port]->from.node +
                          "' and '" + e.from.node + "')");
                continue;
            }
            to->in[port] = &e;
            from->usedOutput = true;
            from->successors.push_back(m_index[e.to.node]);
        }
    }

    void checkInputsConnected() {
        for (auto& st : m_states) {
            if (!st.schema) {
                continue;
            }
            for (std::size_t p = 0; p < st.in.size(); ++p) {
                if (!st.in[p]) {
                    st.connected = false;
                    error(st.node->id, st.schema->inputName(static_cast<int>(p)),
                          "input is not connected");
                }
            }
        }
    }

    void sortTopologically() {
        std::vector<int> indegree(m_states.size(), 0);
        for (const auto& st : m_states) {
            for (auto s : st.successors) {
                ++indegree[s];
            }
        }
        std::deque<std::size_t> ready;
        for (std::size_t i = 0; i < m_states.size(); ++i) {
            if (indegree[i] == 0) {
                ready.push_back(i);
            }
        }
        while (!ready.empty()) {
            auto i = ready.front();
            ready.pop_front();
            m_out.order.push_back(m_states[i].node->id);
            for (auto s : m_states[i].successors) {
                if (--indegree[s] == 0) {
                    ready.push_back(s);
                }
            }
        }
        if (m_out.order.size() != m_states.size()) {
            reportCycles(indegree);
        }
    }

    // Nodes left with incoming edges after Kahn's algorithm lie on or behind a cycle. Walking
    // back along remaining incoming edges from any of them must loop: that loop is a cycle.
    void reportCycles(const std::vector<int>& indegree) {
        std::vector<std::vector<std::size_t>> preds(m_states.size());
        for (std::size_t i = 0; i < m_states.size(); ++i) {
            for (auto s : m_states[i].successors) {
                if (indegree[i] > 0) {
                    preds[s].push_back(i);
                }
            }
        }
        std::vector<bool> reported(m_states.size(), false);
        for (std::size_t start = 0; start < m_states.size(); ++start) {
            if (indegree[start] == 0 || reported[start]) {
                continue;
            }
            std::vector<std::size_t> path;
            std::vector<int> seenAt(m_states.size(), -1);
            std::size_t cur = start;
            while (seenAt[cur] < 0) {
                seenAt[cur] = static_cast<int>(path.size());
                path.push_back(cur);
                cur = preds[cur].front();
            }
            std::vector<std::size_t> cycle(path.begin() + seenAt[cur], path.end());
            if (reported[cycle.front()]) {
                continue;
            }
            std::reverse(cycle.begin(), cycle.end()); // follow the edges' direction
            std::string text;
            for (auto i : cycle) {
                text += m_states[i].node->id + " -> ";
            }
            text += m_states[cycle.front()].node->id;
            for (auto i : cycle) {
                reported[i] = true;
                error(m_states[i].node->id, "edges", "is part of a cycle: " + text);
            }
        }
    }

    void inferShapes() {
        for (const auto& id : m_out.order) {
            State& st = m_states[m_index[id]];
            NodeInfo& info = m_out.nodes[id];
            if (!st.schema || !st.attrsOk || !st.connected) {
                continue;
            }
            bool inputsKnown = true;
            for (const Edge* e : st.in) {
                const NodeInfo* up = m_out.info(e->from.node);
                if (!up || up->outputs.empty()) {
                    inputsKnown = false; // the upstream node's problem is reported already
                    break;
                }
                info.inputs.push_back(up->outputs[static_cast<std::size_t>(e->from.port)]);
            }
            if (!inputsKnown) {
                continue;
            }
            auto result = st.schema->inferNode(InferContext(st.attrs, info.inputs));
            if (!result) {
                error(id, result.error().field, result.error().message);
                continue;
            }
            info.outputs = std::move(result->outputs);
            info.params = std::move(result->params);
            info.cost = result->cost;
            info.valid = true;
            addCost(info.cost);
        }
    }

    void addCost(const OpCost& c) {
        auto add = [](std::int64_t& total, std::int64_t v) {
            total = checkedAdd(total, v).value_or(INT64_MAX);
        };
        add(m_out.totals.trainableParams, c.trainableParams);
        add(m_out.totals.nonTrainableParams, c.nonTrainableParams);
        add(m_out.totals.flops, c.flops);
    }

    void checkGraphWide() {
        std::vector<std::string> losses;
        bool hasInput = false;
        for (const auto& st : m_states) {
            if (st.node->op == "Input") {
                hasInput = true;
            } else if (st.node->op == "Loss") {
                losses.push_back(st.node->id);
            }
            if (st.schema && !st.schema->outputs.empty() && !st.usedOutput) {
                warning(st.node->id, "output", "the output is not used");
            }
        }
        if (!hasInput) {
            error("", "", "the graph has no Input node");
        }
        if (losses.empty()) {
            warning("", "", "the graph has no Loss node, so it cannot be trained");
        } else if (losses.size() > 1) {
            for (const auto& id : losses) {
                error(id, "op",
                      "the graph has " + std::to_string(losses.size()) +
                          " Loss nodes; only one is supported");
            }
        }
    }

    const Graph& m_graph;
    const OpRegistry& m_reg;
    std::vector<State> m_states;
    std::unordered_map<std::string, std::size_t> m_index;
    GraphAnalysis m_out;
};

} // namespace

GraphAnalysis analyze(const Graph& graph, const OpRegistry& registry) {
    return Analyzer(graph, registry).run();
}

} // namespace nw::graph
