#pragma once
// netwright-cli dataset info | preview: look at a dataset (a built-in name, a folder or a .csv
// file) and at what a project's augmentation pipeline makes of it.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

namespace nw::cli {

// Adds the `dataset` subcommand (info, preview) to `app`. The returned function, called after
// app.parse(), runs the one that was parsed and returns its exit status (0, 2 for a user
// error naming the file or field, 1 internal), or nullopt when `dataset` was not given.
std::function<std::optional<int>()> addDatasetCommands(CLI::App& app);

} // namespace nw::cli
