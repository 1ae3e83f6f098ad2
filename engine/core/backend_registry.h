#pragma once
// The backend registry: which compute devices this machine has and how to open one.
//
// Each backend kind (cpu, cuda, vulkan) is one BackendProvider, added explicitly: the CPU
// backend by registerCpuBackend() in nw_engine, the GPU backends by the composition roots'
// list (app/backends.h). A known backend that was not built, or that finds no device, is
// listed with the reason, so `netwright-cli devices` and the IDE can say why it is missing.
// Nothing registers itself.

#include "base/expected.h"
#include "engine/core/backend.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nw::engine {

// One device a backend can run on.
struct DeviceInfo {
    std::string id;     // "cpu", "cuda:0", "vulkan:1": what --device and training.device take
    std::string name;   // "Intel(R) Xeon(R) Processor", "NVIDIA H100 80GB HBM3"
    std::string driver; // "oneDNN 2.7.3", "CUDA 13.0, cuDNN 9.1", "Mesa 22.3.6 (llvmpipe)"
    std::uint64_t memoryBytes = 0; // device memory; for the CPU, the machine's RAM
    int threads = 0;               // the CPU's default worker threads; 0 elsewhere
};

// A known backend kind with no device here, and why ("not built: ...", "no device found").
struct AbsentBackend {
    std::string kind; // "cuda", "vulkan"
    std::string reason;
};

// How a backend is opened; each backend reads what applies to it.
struct BackendOptions {
    int threads = 0; // CPU worker threads; 0: every core
    // Alignment of the tensors the plan places in one arena, in bytes; 0: the backend's own
    // (64 on the CPU). A power of two. Tests use it to plan like a GPU (256) on the CPU.
    std::size_t alignment = 0;
};

class BackendProvider {
public:
    virtual ~BackendProvider() = default;
    // The device kind this provider opens: "cpu", "cuda", "vulkan".
    virtual std::string kind() const = 0;
    // The devices found; empty when there are none (absentReason() then says why).
    virtual std::vector<DeviceInfo> devices() const = 0;
    virtual std::string absentReason() const { return "no device found"; }
    // The ops this kind's backends run (the same table every opened backend starts with),
    // without opening a device: what the editor's layer table shows placement from.
    virtual const graph::OpCoverage& opCoverage() const = 0;
    // Opens device `index` of this kind (an index into devices()).
    virtual Expected<std::unique_ptr<Backend>> open(int index, const BackendOptions& options) = 0;
};

class BackendRegistry {
public:
    // Adds a backend kind; a second provider of the same kind is refused (user error).
    Status add(std::unique_ptr<BackendProvider> provider);
    // Records a known kind that this build or machine lacks, with the reason.
    void addAbsent(std::string kind, std::string reason);

    // Every device of every provider, CPU first, in registration order.
    std::vector<DeviceInfo> availableDevices() const;
    // The known kinds without devices (not built, or no device found), with their reasons.
    std::vector<AbsentBackend> absentBackends() const;

    // Opens the device named `id` ("cpu", "cuda:0"). An id that is malformed or names no
    // device here is a user error that lists the devices this machine has.
    Expected<std::unique_ptr<Backend>> openBackend(std::string_view id,
                                                   const BackendOptions& options = {}) const;
    // Checks `id` without opening it: the same errors as openBackend().
    Status checkDevice(std::string_view id) const;
    // The op table of the backend `id` would open, without opening it.
    Expected<const graph::OpCoverage*> opCoverage(std::string_view id) const;
    // "cpu (Intel Xeon), vulkan:0 (llvmpipe)": for error messages.
    std::string describeAvailable() const;

private:
    Expected<std::pair<BackendProvider*, int>> resolve(std::string_view id) const;

    std::vector<std::unique_ptr<BackendProvider>> m_providers;
    std::vector<AbsentBackend> m_absent;
};

// Adds the CPU backend (oneDNN) to `registry`. Defined in nw_engine (engine/cpu).
void registerCpuBackend(BackendRegistry& registry);

} // namespace nw::engine
