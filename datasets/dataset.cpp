#include "datasets/dataset.h"

namespace nw::datasets {

std::int64_t numElements(const Dims& dims) {
    std::int64_t n = 1;
    for (std::int64_t d : dims) {
        n *= d;
    }
    return n;
}

std::vector<std::int64_t> Dataset::classCounts() const {
    std::vector<std::int64_t> counts(static_cast<std::size_t>(numClasses()), 0);
    for (std::int64_t i = 0, n = size(); i < n; ++i) {
        ++counts[static_cast<std::size_t>(label(i))];
    }
    return counts;
}

} // namespace nw::datasets
