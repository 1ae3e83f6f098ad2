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
        Tensor grad; // trainable parameters of nodes that train only
        bool initialized = false;
        // Its node is frozen (graph::Node::trainable false): no gradient, no optimizer state,
        // never changed by a step. State tensors (running statistics) still update.
        bool frozen = false;
        // Trains: a trainable parameter of a node that is not frozen.
        bool trains() const { return spec.trainable && !frozen; }
    };

    explicit ModelParams(Backend& backend)
        : m_backend(backend) {}

    // The entry for (node, spec.name), allocated on first request; a trainable one of a node
    // that is not `frozen` with its gradient. A second request must agree on the shape; one
    // that thaws a frozen entry allocates its gradient then.
    Expected<Entry*> ensure(const std::string& nodeId, const ParamSpec& spec, bool frozen = false);

    // Initialises every entry not initialised yet, from (seed, node, parameter name).
    Status initialize(std::uint64_t seed);

    const std::vector<std::unique_ptr<Entry>>& entries() const { return m_entries; }
    // The entries that train (Entry::trains()), in creation order: the optimizer's order.
    // A frozen node's parameters are not among them.
    std::vector<Entry*> trainable() const;
    std::int64_t trainableCount() const;
    // Elements of the frozen nodes' trainable parameters.
    std::int64_t frozenCount() const;

private:
    Backend& m_backend;
    std::vector<std::unique_ptr<Entry>> m_entries;
};

} // namespace nw::engine
