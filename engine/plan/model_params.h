#pragma once
// ModelParams: the parameters and state of one model on one backend, shared by every
// execution plan compiled for it (a training plan at batch 128 and an evaluation plan for the
// last, smaller batch read and update the same tensors).

#include "base/expected.h"
#include "engine/core/backend.h"
#include "engine/core/kernel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nw::engine {

class ModelParams {
public:
    struct Entry {
        std::string nodeId;
        ParamSpec spec;
        Tensor value;
        Tensor grad; // trainable parameters only
        bool initialized = false;
    };

    explicit ModelParams(Backend& backend)
        : m_backend(backend) {}

    // The entry for (node, spec.name), allocated on first request. A second request must
    // agree on the shape.
    Expected<Entry*> ensure(const std::string& nodeId, const ParamSpec& spec);

    // Initialises every entry not initialised yet, from (seed, node, parameter name).
    Status initialize(std::uint64_t seed);

    const std::vector<std::unique_ptr<Entry>>& entries() const { return m_entries; }
    // Trainable entries, in creation order: the optimizer's order.
    std::vector<Entry*> trainable() const;
    std::int64_t trainableCount() const;

private:
    Backend& m_backend;
    std::vector<std::unique_ptr<Entry>> m_entries;
};

} // namespace nw::engine
