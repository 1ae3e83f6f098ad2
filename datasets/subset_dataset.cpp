#include "datasets/subset_dataset.h"

#include <cassert>

namespace nw::datasets {

SubsetDataset::SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<std::int64_t> indices,
                             std::string name)
    : m_base(std::move(base))
    , m_indices(std::move(indices))
    , m_name(std::move(name)) {
    assert(m_base);
#ifndef NDEBUG
    for (std::int64_t i : m_indices) {
        assert(i >= 0 && i < m_base->size());
    }
#endif
}

} // namespace nw::datasets
