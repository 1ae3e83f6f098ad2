#pragma once
// The op reference (docs/ops.md), generated from the op schemas so that it cannot disagree
// with them: `netwright-cli ops --markdown` prints it, tests/graph/test_op_reference.cpp
// fails when the committed file differs.

#include "graph/op_registry.h"

#include <string>

namespace nw::graph {

// A complete Markdown document: a header paragraph with the conventions, then per op in
// `registry.all()` order its heading, doc, ports, notes and attribute table. Deterministic
// (no dates, nothing from the machine it runs on); ends with one newline.
std::string opReferenceMarkdown(const OpRegistry& registry);

} // namespace nw::graph
