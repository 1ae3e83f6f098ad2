#include "graph/layout.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <unordered_map>

namespace nw::graph {

std::map<std::string, Position>
layeredLayout(const Graph& graph, const std::vector<std::string>& ids, LayoutSpacing spacing) {
    std::vector<const Node*> nodes;
    std::unordered_map<std::string_view, std::size_t> index;
    for (const auto& n : graph.nodes()) {
        if (ids.empty() || std::find(ids.begin(), ids.end(), n.id) != ids.end()) {
            index.emplace(n.id, nodes.size());
            nodes.push_back(&n);
        }
    }
    const std::size_t count = nodes.size();
    std::vector<std::vector<std::size_t>> succ(count), pred(count);
    for (const auto& e : graph.edges()) {
        auto a = index.find(e.from.node);
        auto b = index.find(e.to.node);
        if (a != index.end() && b != index.end() && a->second != b->second) {
            succ[a->second].push_back(b->second);
            pred[b->second].push_back(a->second);
        }
    }
    // Longest-path layering over a topological order (Kahn); nodes on a cycle, which never
    // become ready, go one layer below everything else.
    std::vector<int> indegree(count), layer(count, 0);
    for (std::size_t i = 0; i < count; ++i) {
        indegree[i] = static_cast<int>(pred[i].size());
    }
    std::deque<std::size_t> ready;
    for (std::size_t i = 0; i < count; ++i) {
        if (indegree[i] == 0) {
            ready.push_back(i);
        }
    }
    std::vector<bool> placed(count, false);
    int deepest = 0;
    while (!ready.empty()) {
        auto i = ready.front();
        ready.pop_front();
        placed[i] = true;
        deepest = std::max(deepest, layer[i]);
        for (auto s : succ[i]) {
            layer[s] = std::max(layer[s], layer[i] + 1);
            if (--indegree[s] == 0) {
                ready.push_back(s);
            }
        }
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (!placed[i]) {
            layer[i] = deepest + 1;
        }
    }
    // Order within layers: by the mean column of predecessors (one downward sweep).
    std::map<int, std::vector<std::size_t>> layers;
    for (std::size_t i = 0; i < count; ++i) {
        layers[layer[i]].push_back(i);
    }
    std::vector<double> column(count, 0);
    for (auto& [l, members] : layers) {
        std::vector<std::pair<double, std::size_t>> keyed;
        for (std::size_t k = 0; k < members.size(); ++k) {
            auto i = members[k];
            double key = static_cast<double>(k);
            if (!pred[i].empty()) {
                double sum = 0;
                for (auto p : pred[i]) {
                    sum += column[p];
                }
                key = sum / static_cast<double>(pred[i].size());
            }
            keyed.emplace_back(key, i);
        }
        std::stable_sort(keyed.begin(), keyed.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        double first = -static_cast<double>(keyed.size() - 1) / 2.0;
        for (std::size_t k = 0; k < keyed.size(); ++k) {
            column[keyed[k].second] = first + static_cast<double>(k);
        }
    }
    // A subset keeps its top-left corner where it was.
    Position origin{0, 0};
    if (!ids.empty() && count > 0) {
        origin = {std::numeric_limits<double>::max(), std::numeric_limits<double>::max()};
        for (const Node* n : nodes) {
            origin.x = std::min(origin.x, n->position.x);
            origin.y = std::min(origin.y, n->position.y);
        }
        double minColumn = *std::min_element(column.begin(), column.end());
        for (auto& c : column) {
            c -= minColumn;
        }
    }
    std::map<std::string, Position> out;
    for (std::size_t i = 0; i < count; ++i) {
        out[nodes[i]->id] = {origin.x + column[i] * spacing.columnStep,
                             origin.y + layer[i] * spacing.rowStep};
    }
    return out;
}

bool needsLayout(const Graph& graph, double cardWidth, double cardHeight) {
    // Sorted by y, each node is compared with the nodes less than one card height below it.
    std::vector<Position> pos;
    pos.reserve(graph.nodes().size());
    for (const auto& n : graph.nodes()) {
        pos.push_back(n.position);
    }
    std::sort(pos.begin(), pos.end(), [](auto& a, auto& b) { return a.y < b.y; });
    const double minDx = cardWidth;
    const double minDy = cardHeight;
    for (std::size_t i = 0; i < pos.size(); ++i) {
        for (std::size_t j = i + 1; j < pos.size() && pos[j].y - pos[i].y < minDy; ++j) {
            if (std::abs(pos[j].x - pos[i].x) < minDx) {
                return true;
            }
        }
    }
    return false;
}

} // namespace nw::graph
