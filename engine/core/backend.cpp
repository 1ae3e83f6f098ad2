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

Expected<Precision> parsePrecision(std::string_view name) {
    if (name == "fp32") {
        return Precision::Fp32;
    }
    if (name == "tf32") {
        return Precision::Tf32;
    }
    if (name == "bf16") {
        return Precision::Bf16;
    }
    return Error::user("unknown precision '" + std::string(name) + "' (fp32, tf32 or bf16)");
}

const char* precisionName(Precision p) {
    switch (p) {
    case Precision::Fp32:
        return "fp32";
    case Precision::Tf32:
        return "tf32";
    case Precision::Bf16:
        return "bf16";
    }
    return "fp32";
}

Status Backend::setPrecision(Precision p) {
    if (p != Precision::Fp32) {
        return Error::user(description() + " computes in fp32 only; " + precisionName(p) +
                           " needs a CUDA GPU" +
                           (p == Precision::Bf16 ? " or a CPU with AVX512-BF16" : ""));
    }
    m_precision = p;
    return Status::success();
}

} // namespace nw::engine
