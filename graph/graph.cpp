#include "graph/graph.h"

#include <algorithm>
#include <utility>

namespace nw::graph {

const Node* Graph::findNode(std::string_view id) const {
    auto it =
        std::find_if(m_nodes.begin(), m_nodes.end(), [id](const Node& n) { return n.id == id; });
    return it == m_nodes.end() ? nullptr : &*it;
}

Node* Graph::findNode(std::string_view id) {
    return const_cast<Node*>(std::as_const(*this).findNode(id));
}

bool Graph::addNode(Node node) {
    if (node.id.empty() || findNode(node.id)) {
        return false;
    }
    m_nodes.push_back(std::move(node));
    return true;
}

bool Graph::removeNode(std::string_view id) {
    auto it =
        std::find_if(m_nodes.begin(), m_nodes.end(), [id](const Node& n) { return n.id == id; });
    if (it == m_nodes.end()) {
        return false;
    }
    m_nodes.erase(it);
    std::erase_if(m_edges, [id](const Edge& e) { return e.from.node == id || e.to.node == id; });
    return true;
}

bool Graph::removeEdge(const Edge& edge) {
    auto it = std::find(m_edges.begin(), m_edges.end(), edge);
    if (it == m_edges.end()) {
        return false;
    }
    m_edges.erase(it);
    return true;
}

void Graph::insertNodeAt(std::size_t index, Node node) {
    m_nodes.insert(m_nodes.begin() + static_cast<std::ptrdiff_t>(index), std::move(node));
}

void Graph::eraseNodeAt(std::size_t index) {
    m_nodes.erase(m_nodes.begin() + static_cast<std::ptrdiff_t>(index));
}

void Graph::insertEdgeAt(std::size_t index, Edge edge) {
    m_edges.insert(m_edges.begin() + static_cast<std::ptrdiff_t>(index), std::move(edge));
}

void Graph::eraseEdgeAt(std::size_t index) {
    m_edges.erase(m_edges.begin() + static_cast<std::ptrdiff_t>(index));
}

const NodeGroup* Graph::findGroup(std::string_view id) const {
    for (const auto& g : m_groups) {
        if (g.id == id) {
            return &g;
        }
    }
    return nullptr;
}

std::string Graph::uniqueId(std::string_view prefix) const {
    for (std::size_t i = 1;; ++i) {
        std::string id = std::string(prefix) + std::to_string(i);
        if (!findNode(id)) {
            return id;
        }
    }
}

} // namespace nw::graph
