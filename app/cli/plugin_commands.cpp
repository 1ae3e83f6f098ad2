// netwright-cli plugins: what was loaded from where, and what was refused and why.
#include "app/cli/commands.h"

#include <iostream>
#include <netwright/plugin.h>
#include <nlohmann/json.hpp>

namespace nw::cli {

int runPlugins(const plugins::PluginSet& set, bool json) {
    const std::string sdk = std::to_string(NW_PLUGIN_SDK_VERSION_MAJOR) + "." +
                            std::to_string(NW_PLUGIN_SDK_VERSION_MINOR);
    if (json) {
        nlohmann::ordered_json j{{"sdk_version", sdk},
                                 {"search_path", set.searchFolders()},
                                 {"loaded", nlohmann::ordered_json::array()},
                                 {"refused", nlohmann::ordered_json::array()}};
        for (const auto& p : set.loaded()) {
            j["loaded"].push_back({{"file", p.file},
                                   {"name", p.name},
                                   {"version", p.version},
                                   {"description", p.description},
                                   {"ops", p.ops}});
        }
        for (const auto& r : set.refused()) {
            j["refused"].push_back({{"file", r.file}, {"reason", r.reason}});
        }
        std::cout << j.dump() << "\n";
        return kExitOk;
    }
    std::cout << "plugin SDK " << sdk << "; searched";
    for (const auto& f : set.searchFolders()) {
        std::cout << " " << f;
    }
    std::cout << "\n";
    if (set.loaded().empty() && set.refused().empty()) {
        std::cout << "no plugins found\n";
    }
    for (const auto& p : set.loaded()) {
        std::cout << "loaded  " << p.name << " " << p.version << "  " << p.file << "\n        ops:";
        for (const auto& op : p.ops) {
            std::cout << " " << op;
        }
        std::cout << "\n";
    }
    for (const auto& r : set.refused()) {
        std::cout << "refused " << r.file << "\n        " << r.reason << "\n";
    }
    return kExitOk;
}

} // namespace nw::cli
