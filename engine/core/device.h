#pragma once
// Where a tensor lives and a backend runs: "cpu", "cuda:0", "vulkan:1".

#include "base/expected.h"

#include <string>
#include <string_view>

namespace nw::engine {

struct Device {
    enum class Kind { Cpu, Cuda, Vulkan };
    Kind kind = Kind::Cpu;
    int index = 0;

    static Device cpu() { return {}; }
    // Parses "cpu", "cuda:N", "vulkan:N" (a bare "cuda" or "vulkan" means index 0).
    static Expected<Device> parse(std::string_view text);
    std::string toString() const;

    friend bool operator==(const Device&, const Device&) = default;
};

} // namespace nw::engine
