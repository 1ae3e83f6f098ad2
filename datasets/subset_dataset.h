#pragma once
// A view of some samples of another dataset, by index: the training and validation parts of a
// split. Shares (does not copy) the underlying dataset.

#include "datasets/dataset.h"

#include <memory>

namespace nw::datasets {

class SubsetDataset : public Dataset {
public:
    // Sample i of the view is sample indices[i] of `base`. Precondition: every index is in
    // [0, base->size()).
    SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<std::int64_t> indices,
                  std::string name);

    std::string name() const override { return m_name; }
    std::int64_t size() const override { return static_cast<std::int64_t>(m_indices.size()); }
    Dims sampleShape() const override { return m_base->sampleShape(); }
    int numClasses() const override { return m_base->numClasses(); }
    std::vector<std::string> classNames() const override { return m_base->classNames(); }
    int label(std::int64_t i) const override { return m_base->label(baseIndex(i)); }
    void readSample(std::int64_t i, std::span<float> out) const override {
        m_base->readSample(baseIndex(i), out);
    }
    Dims targetShape() const override { return m_base->targetShape(); }
    void readTargets(std::int64_t i, std::span<std::int32_t> out) const override {
        m_base->readTargets(baseIndex(i), out);
    }

    // The index in the underlying dataset of sample i of this view.
    std::int64_t baseIndex(std::int64_t i) const { return m_indices[static_cast<std::size_t>(i)]; }
    const std::vector<std::int64_t>& indices() const { return m_indices; }

private:
    std::shared_ptr<const Dataset> m_base;
    std::vector<std::int64_t> m_indices;
    std::string m_name;
};

} // namespace nw::datasets
