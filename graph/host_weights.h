#pragma once
// A model's trained parameters in host memory, by node and parameter name — what exporters
// (graph/onnx, engine/bundle) read. The engine fills it from its device tensors.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace nw::graph {

// One parameter or state tensor in host memory, row-major f32 (the engine's layout).
struct HostTensor {
    std::vector<std::int64_t> dims;
    std::vector<float> data;
};

// (node id, parameter name) -> tensor, e.g. ("conv1", "weight"), ("bn1", "running_var").
using WeightMap = std::map<std::pair<std::string, std::string>, HostTensor>;

} // namespace nw::graph
