#include "graph/connection.h"

#include <algorithm>
#include <unordered_map>

namespace nw::graph {

int visibleInputCount(const OpSchema* schema, int highestConnectedPort) {
    if (!schema) {
        return 0;
    }
    if (!schema->hasVariadicInput()) {
        return static_cast<int>(schema->inputs.size());
    }
    return std::min(64, std::max(schema->minInputs(), highestConnectedPort + 2));
}

int visibleInputCount(const Graph& graph, const Node& node, const OpRegistry& registry) {
    const OpSchema* schema = registry.find(node.op);
    if (!schema || !schema->hasVariadicInput()) {
        return visibleInputCount(schema, -1);
    }
    int highest = -1;
    for (const auto& e : graph.edges()) {
        if (e.to.node == node.id) {
            highest = std::max(highest, e.to.port);
        }
    }
    return visibleInputCount(schema, highest);
}

int outputCount(const Node& node, const OpRegistry& registry) {
    const OpSchema* schema = registry.find(node.op);
    return schema ? static_cast<int>(schema->outputs.size()) : 0;
}

std::set<std::string, std::less<>> upstreamOf(const Graph& graph, std::string_view id) {
    std::unordered_map<std::string_view, std::vector<std::string_view>> preds;
    for (const auto& e : graph.edges()) {
        preds[e.to.node].push_back(e.from.node);
    }
    std::set<std::string, std::less<>> seen;
    std::vector<std::string_view> stack{id};
    while (!stack.empty()) {
        auto cur = stack.back();
        stack.pop_back();
        auto it = preds.find(cur);
        if (it == preds.end()) {
            continue;
        }
        for (auto p : it->second) {
            if (seen.emplace(p).second) {
                stack.push_back(p);
            }
        }
    }
    seen.erase(std::string(id));
    return seen;
}

std::optional<std::string> checkStructure(const Graph& graph, const PortRef& from,
                                          const PortRef& to, const OpRegistry& registry) {
    const Node* src = graph.findNode(from.node);
    const Node* dst = graph.findNode(to.node);
    if (!src || !dst) {
        return "node '" + (src ? to.node : from.node) + "' does not exist";
    }
    if (from.node == to.node) {
        return "a node cannot feed itself";
    }
    if (from.port < 0 || from.port >= outputCount(*src, registry)) {
        return src->op + " '" + src->id + "' has no output port " + std::to_string(from.port);
    }
    const OpSchema* schema = registry.find(dst->op);
    int maxIn = !schema ? 0 : schema->hasVariadicInput() ? 64 : int(schema->inputs.size());
    if (to.port < 0 || to.port >= maxIn) {
        return dst->op + " '" + dst->id + "' has no input port " + std::to_string(to.port);
    }
    const auto& edges = graph.edges();
    if (std::find(edges.begin(), edges.end(), Edge{from, to}) != edges.end()) {
        return "the ports are already connected";
    }
    auto upstream = upstreamOf(graph, from.node);
    if (upstream.contains(to.node)) {
        return "connecting '" + from.node + "' to '" + to.node + "' would create a cycle";
    }
    return std::nullopt;
}

std::optional<std::string> checkConnection(const Graph& graph, const GraphAnalysis& analysis,
                                           const PortRef& from, const PortRef& to,
                                           const OpRegistry& registry,
                                           const std::set<std::string, std::less<>>* upstream) {
    const Node* src = graph.findNode(from.node);
    const Node* dst = graph.findNode(to.node);
    if (!src || !dst || from.node == to.node) {
        return "a node cannot feed itself";
    }
    if (upstream) { // fast path during a drag: cheap checks only, no full structure walk
        if (upstream->contains(to.node)) {
            return "connecting '" + from.node + "' to '" + to.node + "' would create a cycle";
        }
        const OpSchema* schema = registry.find(dst->op);
        int maxIn = !schema ? 0 : schema->hasVariadicInput() ? 64 : int(schema->inputs.size());
        if (to.port < 0 || to.port >= maxIn || from.port < 0 ||
            from.port >= outputCount(*src, registry)) {
            return "no such port";
        }
    } else if (auto why = checkStructure(graph, from, to, registry)) {
        return why;
    }

    const NodeInfo* srcInfo = analysis.info(from.node);
    const OpSchema* schema = registry.find(dst->op);
    if (!srcInfo || srcInfo->outputs.size() <= static_cast<std::size_t>(from.port) || !schema) {
        return std::nullopt; // the source shape is unknown: nothing to check against
    }
    // The target's inputs as they would be: known shapes of its other edges plus the new one.
    int count = std::max(visibleInputCount(graph, *dst, registry) - (schema->hasVariadicInput()),
                         to.port + 1);
    count = std::max(count, schema->minInputs());
    std::vector<Shape> inputs(static_cast<std::size_t>(count));
    std::vector<bool> known(inputs.size(), false);
    for (const auto& e : graph.edges()) {
        if (e.to.node != to.node || e.to.port >= count || e.to.port == to.port) {
            continue;
        }
        const NodeInfo* up = analysis.info(e.from.node);
        if (up && up->outputs.size() > static_cast<std::size_t>(e.from.port)) {
            inputs[static_cast<std::size_t>(e.to.port)] = up->outputs[e.from.port];
            known[static_cast<std::size_t>(e.to.port)] = true;
        }
    }
    inputs[static_cast<std::size_t>(to.port)] = srcInfo->outputs[from.port];
    known[static_cast<std::size_t>(to.port)] = true;
    if (std::find(known.begin(), known.end(), false) != known.end()) {
        return std::nullopt; // another input is open: the shapes are checked once it is set
    }
    AttrMap attrs = schema->defaults();
    for (const auto& spec : schema->attrs) {
        auto it = dst->attrs.find(spec.name);
        if (it != dst->attrs.end() && !spec.check(it->second)) {
            attrs[spec.name] = it->second;
        }
    }
    auto result = schema->infer(InferContext(attrs, inputs));
    if (!result) {
        return dst->op + " '" + dst->id + "' cannot take " +
               srcInfo->outputs[from.port].toString() + ": " + result.error().message;
    }
    return std::nullopt;
}

} // namespace nw::graph
