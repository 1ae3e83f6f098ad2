#include "engine/plan/model_params.h"

#include "engine/train/initializers.h"

namespace nw::engine {

Expected<ModelParams::Entry*> ModelParams::ensure(const std::string& nodeId, const ParamSpec& spec,
                                                  bool frozen) {
    auto withGrad = [this](Entry& e) -> Status {
        if (!e.trains() || e.grad.defined()) {
            return Status::success();
        }
        auto grad = m_backend.allocate(e.spec.shape, DType::F32);
        if (!grad) {
            return grad.error();
        }
        e.grad = *grad;
        return Status::success();
    };
    for (auto& e : m_entries) {
        if (e->nodeId == nodeId && e->spec.name == spec.name) {
            if (e->spec.shape != spec.shape) {
                return Error::internal("node '" + nodeId + "': parameter " + spec.name + " is " +
                                       dimsToString(e->spec.shape) + ", now asked as " +
                                       dimsToString(spec.shape));
            }
            // Plans of one graph agree; a later plan of an edited graph may thaw the node.
            e->frozen = e->frozen && frozen;
            if (auto s = withGrad(*e); !s) {
                return s.error();
            }
            return e.get();
        }
    }
    auto entry = std::make_unique<Entry>();
    entry->nodeId = nodeId;
    entry->spec = spec;
    entry->frozen = frozen;
    auto value = m_backend.allocate(spec.shape, DType::F32);
    if (!value) {
        return value.error();
    }
    entry->value = *value;
    if (auto s = withGrad(*entry); !s) {
        return s.error();
    }
    m_entries.push_back(std::move(entry));
    return m_entries.back().get();
}

Status ModelParams::initialize(std::uint64_t seed) {
    for (auto& e : m_entries) {
        if (e->initialized) {
            continue;
        }
        if (auto s = initializeParameter(m_backend, e->value, e->spec, seed, e->nodeId); !s) {
            return s;
        }
        e->initialized = true;
    }
    return Status::success();
}

std::vector<ModelParams::Entry*> ModelParams::trainable() const {
    std::vector<Entry*> out;
    for (const auto& e : m_entries) {
        if (e->trains()) {
            out.push_back(e.get());
        }
    }
    return out;
}

std::int64_t ModelParams::trainableCount() const {
    std::int64_t n = 0;
    for (const auto* e : trainable()) {
        n += e->value.numel();
    }
    return n;
}

std::int64_t ModelParams::frozenCount() const {
    std::int64_t n = 0;
    for (const auto& e : m_entries) {
        if (e->spec.trainable && e->frozen) {
            n += e->value.numel();
        }
    }
    return n;
}

} // namespace nw::engine
