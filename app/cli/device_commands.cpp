// netwright-cli devices: what the backend registry finds on this machine.
#include "app/cli/commands.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace nw::cli {

namespace {

std::string gibibytes(std::uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GiB", double(bytes) / double(1ull << 30));
    return buf;
}

} // namespace

int runDevices(const engine::BackendRegistry& backends, bool json) {
    const auto devices = backends.availableDevices();
    const auto absent = backends.absentBackends();
    if (json) {
        nlohmann::ordered_json out{{"devices", nlohmann::ordered_json::array()},
                                   {"absent", nlohmann::ordered_json::array()}};
        for (const auto& d : devices) {
            out["devices"].push_back({{"id", d.id},
                                      {"name", d.name},
                                      {"driver", d.driver},
                                      {"memory_bytes", d.memoryBytes},
                                      {"threads", d.threads}});
        }
        for (const auto& a : absent) {
            out["absent"].push_back({{"backend", a.kind}, {"reason", a.reason}});
        }
        std::cout << out.dump() << std::endl;
        return kExitOk;
    }
    for (const auto& d : devices) {
        std::printf("%-10s %s  (%s, %s%s)\n", d.id.c_str(), d.name.c_str(), d.driver.c_str(),
                    gibibytes(d.memoryBytes).c_str(),
                    d.threads > 0 ? (", " + std::to_string(d.threads) + " threads").c_str() : "");
    }
    for (const auto& a : absent) {
        std::printf("%-10s absent: %s\n", a.kind.c_str(), a.reason.c_str());
    }
    return kExitOk;
}

} // namespace nw::cli
