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

Status checkF32On(const Tensor& t, Device device, const char* op, const char* what) {
    if (!t.defined()) {
        return Error::internal(std::string(op) + ": the " + what + " tensor is undefined");
    }
    if (t.device() != device) {
        return Error::internal(std::string(op) + ": the " + what + " tensor " + t.toString() +
                               " is not on " + device.toString());
    }
    if (t.dtype() != DType::F32) {
        return Error::internal(std::string(op) + ": the " + what + " tensor " + t.toString() +
                               " is not f32");
    }
    return Status::success();
}

Status checkOptimizerArgs(const OptimizerStep& step, const Tensor& param, const Tensor& grad,
                          std::span<const Tensor> state, Device device) {
    const char* op = "optimizerStep";
    if (Status s = checkF32On(param, device, op, "parameter"); !s) {
        return s;
    }
    auto like = [&](const Tensor& t, const char* what) {
        if (Status s = checkF32On(t, device, op, what); !s) {
            return s;
        }
        if (t.numel() != param.numel()) {
            return Status(Error::internal(std::string(op) + ": the " + what + " tensor " +
                                          t.toString() + " has " + std::to_string(t.numel()) +
                                          " elements but the parameter " + param.toString() +
                                          " has " + std::to_string(param.numel())));
        }
        return Status::success();
    };
    if (Status s = like(grad, "gradient"); !s) {
        return s;
    }
    const int expected = optimizerSlotCount(step);
    if (static_cast<int>(state.size()) != expected) {
        return Error::internal(std::string(op) + ": " + std::to_string(state.size()) +
                               " state tensors given for the parameter " + param.toString() +
                               ", this optimizer needs " + std::to_string(expected));
    }
    for (const Tensor& t : state) {
        if (Status s = like(t, "state"); !s) {
            return s;
        }
    }
    if (step.step < 1) {
        return Error::internal(std::string(op) + ": step count " + std::to_string(step.step) +
                               " is not 1-based");
    }
    return Status::success();
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
