#include "engine/core/backend.h"

namespace nw::engine {

int optimizerSlotCount(const OptimizerStep& step) {
    switch (step.kind) {
    case OptimizerStep::Kind::Sgd:
        return step.momentum > 0.0f ? 1 : 0;
    case OptimizerStep::Kind::Adam:
    case OptimizerStep::Kind::AdamW:
        return 2;
    case OptimizerStep::Kind::RmsProp:
        return step.momentum > 0.0f ? 2 : 1;
    }
    return 0;
}

} // namespace nw::engine
