#include "engine/core/device.h"

#include <charconv>

namespace nw::engine {

Expected<Device> Device::parse(std::string_view text) {
    auto bad = [text] {
        return Error::user("unknown device '" + std::string(text) +
                           "': expected cpu, cuda:N or vulkan:N");
    };
    Device d;
    std::string_view rest;
    if (text == "cpu") {
        return d;
    }
    if (text.starts_with("cuda")) {
        d.kind = Kind::Cuda;
        rest = text.substr(4);
    } else if (text.starts_with("vulkan")) {
        d.kind = Kind::Vulkan;
        rest = text.substr(6);
    } else {
        return bad();
    }
    if (rest.empty()) {
        return d;
    }
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 4) {
        return bad();
    }
    auto [end, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), d.index);
    if (ec != std::errc() || end != rest.data() + rest.size() || d.index < 0) {
        return bad();
    }
    return d;
}

std::string Device::toString() const {
    switch (kind) {
    case Kind::Cpu:
        return "cpu";
    case Kind::Cuda:
        return "cuda:" + std::to_string(index);
    case Kind::Vulkan:
        return "vulkan:" + std::to_string(index);
    }
    return "?";
}

} // namespace nw::engine
