#pragma once
// Graph fragments for copy, paste and duplicate: the selected nodes with the edges between
// them, carried as JSON (the project-file format with only a graph) so that they travel
// through the clipboard between two open projects.

#include "base/expected.h"
#include "graph/graph.h"
#include "graph/op_registry.h"

#include <string>
#include <vector>

namespace nw::graph {

// The nodes in `ids` (graph order), the edges whose both ends are among them, and the
// blocks (groups) all of whose members are among them.
Graph extractFragment(const Graph& graph, const std::vector<std::string>& ids);

// The fragment made ready to insert into `target`: ids that clash get fresh ones
// ("conv1" -> "conv3" when conv1 and conv2 are taken), edges and blocks follow the renaming,
// clashing block ids get fresh ones, and every position is shifted by `offset`.
Graph prepareFragment(const Graph& target, const Graph& fragment, Position offset);

std::string fragmentToJson(const Graph& fragment);
// Fails with a message when `text` is not a Netwright fragment or project.
Expected<Graph> fragmentFromJson(std::string_view text, const OpRegistry& registry);

} // namespace nw::graph
