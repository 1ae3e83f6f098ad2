#include "engine/train/initializers.h"

#include "base/rng.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace nw::engine {

namespace {

enum class Distribution { Normal, Uniform };

} // namespace

Status initializeParameter(Backend& backend, const Tensor& t, const ParamSpec& spec,
                           std::uint64_t seed, std::string_view nodeId) {
    const std::string where = "initializing " + std::string(nodeId) + "/" + spec.name + ": ";
    if (!t.defined() || t.dtype() != DType::F32) {
        return Error::internal(where + "the tensor " + t.toString() +
                               " is not a defined f32 tensor");
    }
    if (t.numel() != numelOf(spec.shape)) {
        return Error::internal(where + "the tensor " + t.toString() + " does not match shape " +
                               dimsToString(spec.shape));
    }

    std::vector<float> values(static_cast<std::size_t>(t.numel()));
    if (spec.init == Init::Zeros || spec.init == Init::Ones) {
        std::fill(values.begin(), values.end(), spec.init == Init::Ones ? 1.0f : 0.0f);
    } else if (spec.init == Init::StdNormal || spec.init == Init::SmallNormal) {
        CounterRng rng(seed, streamId("init/" + std::string(nodeId) + "/" + spec.name));
        rng.fillNormal(values, 0.0f, spec.init == Init::StdNormal ? 1.0f : 0.02f);
    } else {
        const bool he = spec.init == Init::HeNormal || spec.init == Init::HeUniform ||
                        spec.init == Init::FanInUniform;
        const std::int64_t fan = he ? spec.fanIn : spec.fanIn + spec.fanOut;
        if (spec.fanIn <= 0 || fan <= 0) {
            return Error::internal(where + "fan-in " + std::to_string(spec.fanIn) +
                                   " and fan-out " + std::to_string(spec.fanOut) +
                                   " do not give a positive scale");
        }
        const auto dist = spec.init == Init::HeNormal || spec.init == Init::GlorotNormal
                              ? Distribution::Normal
                              : Distribution::Uniform;
        CounterRng rng(seed, streamId("init/" + std::string(nodeId) + "/" + spec.name));
        if (dist == Distribution::Normal) {
            const auto stddev = static_cast<float>(std::sqrt(2.0 / static_cast<double>(fan)));
            rng.fillNormal(values, 0.0f, stddev);
        } else {
            // FanInUniform: U(±1/sqrt(fanIn)); He and Glorot: U(±sqrt(6/fan)).
            const double numerator = spec.init == Init::FanInUniform ? 1.0 : 6.0;
            const auto limit = static_cast<float>(std::sqrt(numerator / static_cast<double>(fan)));
            rng.fillUniform(values, -limit, limit);
        }
    }

    if (spec.zeroRow >= 0 && !spec.shape.empty() && spec.zeroRow < spec.shape[0]) {
        const std::int64_t row = t.numel() / spec.shape[0];
        std::fill_n(values.begin() + spec.zeroRow * row, row, 0.0f);
    }
    if (Status s = backend.copyFromHost(t, values.data()); !s) {
        return s;
    }
    return backend.synchronize(); // `values` must outlive the copy
}

} // namespace nw::engine
