#include "plugins/host/plugin_host.h"

#include "engine/cpu/cpu_backend.h"
#include "plugins/host/plugin_ops.h"

#include <algorithm>
#include <cstdlib>
#include <dlfcn.h>
#include <set>
#include <system_error>

namespace nw::plugins {

namespace {

std::string versionText(std::uint32_t v) {
    return std::to_string(v >> 16) + "." + std::to_string(v & 0xffffu);
}

std::vector<std::string> splitPath(const char* value) {
    std::vector<std::string> out;
    std::string s = value ? value : "";
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find(':', start);
        if (end == std::string::npos) {
            end = s.size();
        }
        if (end > start) {
            out.push_back(s.substr(start, end - start));
        }
        start = end + 1;
    }
    return out;
}

std::string absolute(const std::string& file) {
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(file, ec), ec);
    return ec ? file : p.string();
}

// The *.so files of `folder`, sorted; none when it does not exist.
std::vector<std::string> librariesIn(const std::string& folder) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
        if (entry.path().extension() == ".so" && !entry.is_directory(ec)) {
            out.push_back(entry.path().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

PluginSearch PluginSearch::fromEnvironment(std::vector<std::string> files) {
    PluginSearch s;
    s.files = std::move(files);
    s.folders = splitPath(std::getenv("NETWRIGHT_PLUGIN_PATH"));
    const char* xdg = std::getenv("XDG_DATA_HOME");
    const char* home = std::getenv("HOME");
    if (xdg && *xdg) {
        s.folders.push_back((std::filesystem::path(xdg) / "netwright" / "plugins").string());
    } else if (home && *home) {
        s.folders.push_back(
            (std::filesystem::path(home) / ".local/share/netwright/plugins").string());
    }
    return s;
}

std::shared_ptr<PluginSet> PluginSet::load(const PluginSearch& search,
                                           graph::OpRegistry& registry) {
    auto set = std::shared_ptr<PluginSet>(new PluginSet());
    set->m_folders = search.folders;
    std::vector<std::string> files;
    for (const auto& f : search.files) {
        files.push_back(f);
    }
    for (const auto& folder : search.folders) {
        for (auto& f : librariesIn(folder)) {
            files.push_back(std::move(f));
        }
    }
    std::set<std::string> seen;
    for (const auto& given : files) {
        const std::string file = absolute(given);
        if (!seen.insert(file).second) {
            continue; // reached twice: loaded (or refused) once
        }
        auto refuse = [&](const std::string& why) { set->m_refused.push_back({file, why}); };
        std::error_code ec;
        if (!std::filesystem::is_regular_file(file, ec)) {
            refuse("no such file");
            continue;
        }
        ::dlerror();
        void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char* why = ::dlerror();
            refuse(std::string("cannot be loaded: ") + (why ? why : "dlopen failed"));
            continue;
        }
        auto close = [&] { ::dlclose(handle); };
        auto entry = reinterpret_cast<nw_plugin_entry_fn>(::dlsym(handle, NW_PLUGIN_ENTRY_NAME));
        if (!entry) {
            refuse("not a Netwright plugin: it exports no " NW_PLUGIN_ENTRY_NAME);
            close();
            continue;
        }
        const nw_plugin* plugin = entry(NW_PLUGIN_SDK_VERSION);
        if (!plugin) {
            refuse(NW_PLUGIN_ENTRY_NAME " returned nothing: the plugin declined this Netwright "
                                        "(SDK " +
                   versionText(NW_PLUGIN_SDK_VERSION) + ")");
            close();
            continue;
        }
        const std::uint32_t theirs = plugin->sdk_version;
        if ((theirs >> 16) != NW_PLUGIN_SDK_VERSION_MAJOR ||
            (theirs & 0xffffu) > NW_PLUGIN_SDK_VERSION_MINOR) {
            refuse("built against plugin SDK " + versionText(theirs) +
                   "; this Netwright supports SDK " + versionText(NW_PLUGIN_SDK_VERSION) +
                   " (the same major version, a minor version up to its own)");
            close();
            continue;
        }
        const std::string name = plugin->name ? plugin->name : "";
        auto sameName = std::find_if(set->m_loaded.begin(), set->m_loaded.end(),
                                     [&](const LoadedPlugin& p) { return p.name == name; });
        if (!name.empty() && sameName != set->m_loaded.end()) {
            refuse("a plugin named '" + name + "' is loaded already, from " + sameName->file);
            close();
            continue;
        }
        auto ops = declareOps(*plugin, file);
        if (!ops) {
            refuse(ops.error().message);
            close();
            continue;
        }
        std::string clash;
        for (const auto& op : *ops) {
            if (const graph::OpSchema* existing = registry.find(op->schema.name)) {
                clash = "op '" + op->schema.name + "' is already defined (" +
                        (existing->plugin.empty() ? std::string("a built-in op")
                                                  : "by the plugin '" + existing->plugin + "'") +
                        ")";
                break;
            }
        }
        // The registry's own checks, on a scratch one first, so that a refused plugin adds
        // nothing.
        graph::OpRegistry trial;
        for (const auto& op : *ops) {
            if (Status s = trial.add(op->schema); !s && clash.empty()) {
                clash = s.error().message;
            }
        }
        if (!clash.empty()) {
            refuse(clash);
            close();
            continue;
        }
        LoadedPlugin info{file,
                          name,
                          plugin->version ? plugin->version : "",
                          plugin->description ? plugin->description : "",
                          {}};
        for (auto& op : *ops) {
            info.ops.push_back(op->schema.name);
            (void)registry.add(op->schema); // checked above: no clash, a valid schema
        }
        for (auto& op : *ops) {
            set->m_ops.push_back(std::move(op));
        }
        set->m_loaded.push_back(std::move(info));
    }
    return set;
}

// The libraries are never closed: the registry's schemas call into them for the process's
// life.
PluginSet::~PluginSet() = default;

std::vector<std::string> PluginSet::ops() const {
    std::vector<std::string> out;
    for (const auto& p : m_loaded) {
        out.insert(out.end(), p.ops.begin(), p.ops.end());
    }
    return out;
}

Expected<std::unique_ptr<engine::OpKernel>>
PluginSet::createCpuKernel(engine::cpu::CpuBackend&, const engine::KernelConfig& config) const {
    for (const auto& op : m_ops) {
        if (op->schema.name == config.op) {
            return createPluginKernel(*op, config);
        }
    }
    return Error::internal("no plugin declares op '" + config.op + "'");
}

engine::cpu::KernelTableExtension cpuKernels(std::shared_ptr<const PluginSet> plugins) {
    return [plugins](graph::OpTable<engine::cpu::KernelFactory>& table) {
        for (const auto& op : plugins->ops()) {
            table.add(op, [plugins](engine::cpu::CpuBackend& backend,
                                    const engine::KernelConfig& config) {
                return plugins->createCpuKernel(backend, config);
            });
        }
    };
}

} // namespace nw::plugins
