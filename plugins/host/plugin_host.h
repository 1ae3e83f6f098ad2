#pragma once
// The host side of the plugin SDK (plugins/sdk/include/netwright/plugin.h): finds plugin
// libraries, loads them, checks their SDK version and declarations, and turns their ops into
// Netwright's own op schemas (graph/op_schema.h, with OpSchema::plugin naming the plugin) and
// CPU kernels (engine/core/kernel.h), so the palette, inspector, validation, summary, the
// trainer, the harness and the exporters treat them like built-in ops.
//
// Plugins come from, in this order: the files given explicitly (--plugin FILE), every *.so in
// the folders of NETWRIGHT_PLUGIN_PATH (colon-separated), and every *.so in
// $XDG_DATA_HOME/netwright/plugins (~/.local/share/netwright/plugins). A file reached twice
// is loaded once. A plugin is refused, with its file and the reason, when it cannot be
// loaded, has no entry point, returns none, was built against another SDK major version (or a
// newer minor one), declares something invalid, or names an op that exists already; a refused
// plugin adds nothing. Loaded libraries stay loaded for the process's life.
//
// Only the composition roots (app/) load plugins. Plain C++20, no Qt.

#include "base/expected.h"
#include "engine/core/kernel.h"
#include "engine/cpu/cpu_backend.h"
#include "graph/op_registry.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nw::plugins {

struct PluginOp; // plugin_ops.h

struct LoadedPlugin {
    std::string file; // absolute
    std::string name;
    std::string version;
    std::string description;
    std::vector<std::string> ops;
};

struct RefusedPlugin {
    std::string file; // absolute
    std::string reason;
};

// Where plugins are looked for: the explicit files, then the folders.
struct PluginSearch {
    std::vector<std::string> files;
    std::vector<std::string> folders;
    // NETWRIGHT_PLUGIN_PATH's folders, then the XDG data folder's netwright/plugins.
    static PluginSearch fromEnvironment(std::vector<std::string> files = {});
};

class PluginSet {
public:
    // Loads every plugin `search` finds and adds the ops of those accepted to `registry`
    // (which holds the built-in ops already). Never fails: what cannot be loaded is refused.
    static std::shared_ptr<PluginSet> load(const PluginSearch& search, graph::OpRegistry& registry);
    ~PluginSet();
    PluginSet(const PluginSet&) = delete;
    PluginSet& operator=(const PluginSet&) = delete;

    const std::vector<LoadedPlugin>& loaded() const { return m_loaded; }
    const std::vector<RefusedPlugin>& refused() const { return m_refused; }
    const std::vector<std::string>& searchFolders() const { return m_folders; }

    // The ops the loaded plugins declare.
    std::vector<std::string> ops() const;
    // A CPU kernel for a plugin op (KernelConfig::op); an internal error for another op.
    Expected<std::unique_ptr<engine::OpKernel>>
    createCpuKernel(engine::cpu::CpuBackend& backend, const engine::KernelConfig& config) const;

private:
    PluginSet() = default;

    std::vector<LoadedPlugin> m_loaded;
    std::vector<RefusedPlugin> m_refused;
    std::vector<std::string> m_folders;
    std::vector<std::unique_ptr<PluginOp>> m_ops; // the loaded plugins' ops
};

// The CPU kernels of `plugins`' ops, for registerCpuBackend() (engine/cpu/cpu_backend.h).
engine::cpu::KernelTableExtension cpuKernels(std::shared_ptr<const PluginSet> plugins);

} // namespace nw::plugins
