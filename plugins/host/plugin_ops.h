#pragma once
// A plugin's op declarations (netwright/plugin.h) as Netwright's own: the checks a declaration
// must pass, the OpSchema built from it (its shape inference and parameter declarations call
// the plugin's infer()), and the OpKernel that runs its CPU kernel on the CPU backend's host
// tensors. Used by plugin_host.cpp only.

#include "base/expected.h"
#include "engine/core/kernel.h"
#include "graph/op_schema.h"

#include <memory>
#include <netwright/plugin.h>
#include <string>
#include <vector>

namespace nw::plugins {

struct PluginOp {
    graph::OpSchema schema; // schema.plugin names the plugin
    const nw_op_decl* decl = nullptr;
    std::string file; // the plugin's library, for messages
};

// Every op of `plugin`, checked: names (UpperCamelCase, unique), attributes (types, defaults
// within their ranges, choices), ports (at least one input, exactly one output in SDK 1.0),
// and the functions (infer and all four CPU kernel functions). The first problem is a user
// error naming the op and the field.
Expected<std::vector<std::unique_ptr<PluginOp>>> declareOps(const nw_plugin& plugin,
                                                            const std::string& file);

// The op's CPU kernel for one node (f32 host tensors: the CPU backend's).
Expected<std::unique_ptr<engine::OpKernel>> createPluginKernel(const PluginOp& op,
                                                               const engine::KernelConfig& config);

} // namespace nw::plugins
