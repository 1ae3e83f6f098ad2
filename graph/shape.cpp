#include "graph/shape.h"

namespace nw::graph {

Shape Shape::batched(std::vector<std::int64_t> perSample) {
    Shape s;
    s.dims.reserve(perSample.size() + 1);
    s.dims.push_back(kBatch);
    s.dims.insert(s.dims.end(), perSample.begin(), perSample.end());
    return s;
}

std::optional<std::int64_t> Shape::perSampleElements() const {
    std::int64_t n = 1;
    for (std::size_t i = hasBatch() ? 1 : 0; i < dims.size(); ++i) {
        auto next = checkedMul(n, dims[i]);
        if (!next) {
            return std::nullopt;
        }
        n = *next;
    }
    return n;
}

std::string Shape::toString() const {
    std::string out = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i > 0) {
            out += ", ";
        }
        out += dims[i] == kBatch ? std::string("N") : std::to_string(dims[i]);
    }
    return out + "]";
}

std::optional<std::int64_t> checkedMul(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) {
        return std::nullopt;
    }
    return r;
}

std::optional<std::int64_t> checkedAdd(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) {
        return std::nullopt;
    }
    return r;
}

} // namespace nw::graph
