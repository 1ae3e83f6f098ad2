#pragma once
// Reading and writing .nwproj project files (JSON; docs/project-format.md).
//
// Reading never crashes or hangs on malformed, truncated or hostile input: every failure is
// an Error naming the file and the JSON path of the offending field
// ("net.nwproj: graph.nodes[2].attributes.kernel_size[1]: must be an integer, got a string").
// Reading checks structure and types; graph rules (cycles, shapes, ranges) are analyze()'s.
// Writing is atomic: a crash mid-save leaves the previous file intact.

#include "base/expected.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace nw::graph {

// The format this build writes; it reads this and every older version.
inline constexpr int kProjectFormatVersion = 1;
// Files larger than this are refused before parsing.
inline constexpr std::uintmax_t kMaxProjectFileBytes = 64u << 20;

// `registry` gives attribute types so that, e.g., `"epsilon": 1` reads as a number.
Expected<Project> parseProject(std::string_view text, const std::string& sourceName,
                               const OpRegistry& registry);
Expected<Project> readProject(const std::filesystem::path& path, const OpRegistry& registry);

// Pretty-printed JSON with a fixed key order, so that files diff well.
std::string serializeProject(const Project& project);
Status writeProject(const Project& project, const std::filesystem::path& path);

// Writes `contents` to `path` atomically: temporary file in the same folder, fsync, rename.
Status writeFileAtomically(const std::filesystem::path& path, std::string_view contents);

} // namespace nw::graph
