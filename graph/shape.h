#pragma once
// Tensor shapes with a symbolic batch dimension: [N, 32, 28, 28].

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nw::graph {

struct Shape {
    // The symbolic batch size, N. Only dims[0] may hold it.
    static constexpr std::int64_t kBatch = -1;

    std::vector<std::int64_t> dims;

    // [N, perSample...]
    static Shape batched(std::vector<std::int64_t> perSample);

    int rank() const { return static_cast<int>(dims.size()); }
    std::int64_t operator[](int i) const { return dims[static_cast<std::size_t>(i)]; }
    bool hasBatch() const { return !dims.empty() && dims[0] == kBatch; }

    // Number of elements per sample (every dim but the batch), or nullopt on overflow.
    std::optional<std::int64_t> perSampleElements() const;

    // "[N, 32, 28, 28]"
    std::string toString() const;

    friend bool operator==(const Shape&, const Shape&) = default;
};

// a * b, or nullopt when it overflows int64.
std::optional<std::int64_t> checkedMul(std::int64_t a, std::int64_t b);
// a + b, or nullopt when it overflows int64.
std::optional<std::int64_t> checkedAdd(std::int64_t a, std::int64_t b);

} // namespace nw::graph
