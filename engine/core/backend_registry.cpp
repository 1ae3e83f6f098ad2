#include "engine/core/backend_registry.h"

#include "engine/core/device.h"

#include <algorithm>

namespace nw::engine {

namespace {

std::string kindOf(Device::Kind kind) {
    switch (kind) {
    case Device::Kind::Cpu:
        return "cpu";
    case Device::Kind::Cuda:
        return "cuda";
    case Device::Kind::Vulkan:
        return "vulkan";
    }
    return "?";
}

} // namespace

Status BackendRegistry::add(std::unique_ptr<BackendProvider> provider) {
    std::string kind = provider->kind();
    for (const auto& p : m_providers) {
        if (p->kind() == kind) {
            return Error::user("backend '" + kind + "' is registered twice");
        }
    }
    std::erase_if(m_absent, [&](const AbsentBackend& a) { return a.kind == kind; });
    m_providers.push_back(std::move(provider));
    return Status::success();
}

void BackendRegistry::addAbsent(std::string kind, std::string reason) {
    m_absent.push_back({std::move(kind), std::move(reason)});
}

std::vector<DeviceInfo> BackendRegistry::availableDevices() const {
    std::vector<DeviceInfo> out;
    for (const auto& p : m_providers) {
        auto devices = p->devices();
        out.insert(out.end(), devices.begin(), devices.end());
    }
    return out;
}

std::vector<AbsentBackend> BackendRegistry::absentBackends() const {
    std::vector<AbsentBackend> out = m_absent;
    for (const auto& p : m_providers) {
        if (p->devices().empty()) {
            out.push_back({p->kind(), p->absentReason()});
        }
    }
    return out;
}

std::string BackendRegistry::describeAvailable() const {
    std::string out;
    for (const auto& d : availableDevices()) {
        out += (out.empty() ? "" : ", ") + d.id + " (" + d.name + ")";
    }
    return out.empty() ? "none" : out;
}

Expected<std::pair<BackendProvider*, int>> BackendRegistry::resolve(std::string_view id) const {
    auto unknown = [&](const std::string& why) {
        return Error::user("device '" + std::string(id) + "': " + why +
                           "; this machine has: " + describeAvailable());
    };
    auto device = Device::parse(id);
    if (!device) {
        return unknown("expected cpu, cuda:N or vulkan:N");
    }
    std::string kind = kindOf(device->kind);
    for (const auto& p : m_providers) {
        if (p->kind() != kind) {
            continue;
        }
        auto count = static_cast<int>(p->devices().size());
        if (device->index >= count) {
            return unknown(count == 0 ? "no " + kind + " device (" + p->absentReason() + ")"
                                      : "there are " + std::to_string(count) + " " + kind +
                                            " devices, numbered from 0");
        }
        return std::pair{p.get(), device->index};
    }
    auto absent = std::find_if(m_absent.begin(), m_absent.end(),
                               [&](const AbsentBackend& a) { return a.kind == kind; });
    return unknown(absent != m_absent.end()
                       ? "the " + kind + " backend is absent (" + absent->reason + ")"
                       : "no " + kind + " backend in this build");
}

Expected<const graph::OpCoverage*> BackendRegistry::opCoverage(std::string_view id) const {
    auto r = resolve(id);
    if (!r) {
        return r.error();
    }
    return &r->first->opCoverage();
}

Status BackendRegistry::checkDevice(std::string_view id) const {
    auto r = resolve(id);
    return r ? Status::success() : Status(r.error());
}

Expected<std::unique_ptr<Backend>>
BackendRegistry::openBackend(std::string_view id, const BackendOptions& options) const {
    auto r = resolve(id);
    if (!r) {
        return r.error();
    }
    if (options.alignment != 0 && (options.alignment & (options.alignment - 1)) != 0) {
        return Error::user("backend alignment must be a power of two, got " +
                           std::to_string(options.alignment));
    }
    return r->first->open(r->second, options);
}

} // namespace nw::engine
