#include "engine/plan/placement.h"

namespace nw::engine {

std::vector<NodePlacement> placeNodes(const graph::Graph& graph, const Backend& backend) {
    std::vector<NodePlacement> out;
    const std::string device = backend.device().toString();
    for (const auto& n : graph.nodes()) {
        NodePlacement p{n.id, n.op, device, {}};
        if (!backend.supportsOp(n.op)) {
            std::string why = backend.opCoverage().unsupportedReason(n.op);
            p.device = "cpu";
            p.reason = device + " has no " + n.op + " kernel" + (why.empty() ? "" : ": " + why);
        }
        out.push_back(std::move(p));
    }
    return out;
}

} // namespace nw::engine
