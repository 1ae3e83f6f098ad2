#pragma once
// The netwright-cli subcommands. Each returns the process exit status:
// 0 success, 2 a user error (bad file, invalid graph, bad argument), 1 an internal failure.

#include <string>

namespace nw::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUser = 2;

// Checks a project file; lists every problem (errors and warnings) with node and field.
int runValidate(const std::string& file, bool json);

// Prints the per-layer table and totals, or one JSON object with --json.
int runSummary(const std::string& file, bool json);

} // namespace nw::cli
