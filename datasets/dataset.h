#pragma once
// The Dataset interface: a fixed, indexable collection of labelled samples. Readers (IDX, ...)
// and views (SubsetDataset) implement it; the DataLoader batches it.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace nw::datasets {

// A sample's shape without the batch dimension: [C, H, W] for images. The same type as
// engine::Dims.
using Dims = std::vector<std::int64_t>;

// Number of elements of a shape (1 for an empty shape).
std::int64_t numElements(const Dims& dims);

// Implementations are immutable once constructed: every method is const and may be called
// from several threads at once (the DataLoader reads samples on its own thread).
class Dataset {
public:
    virtual ~Dataset() = default;

    // A short name for messages and the UI ("fashion-mnist/train").
    virtual std::string name() const = 0;
    // Number of samples; indices are [0, size()).
    virtual std::int64_t size() const = 0;
    // Shape of one sample: [C, H, W] for images.
    virtual Dims sampleShape() const = 0;
    virtual int numClasses() const = 0;
    // numClasses() names, index = label.
    virtual std::vector<std::string> classNames() const = 0;
    // Label of sample i, in [0, numClasses()). Precondition: 0 <= i < size().
    virtual int label(std::int64_t i) const = 0;
    // Writes sample i into `out` (numElements(sampleShape()) floats, row-major [C, H, W]),
    // values scaled to [0, 1], not normalised. Preconditions: 0 <= i < size(),
    // out.size() == sampleNumel().
    virtual void readSample(std::int64_t i, std::span<float> out) const = 0;

    // Shape of one sample's targets: {} (the default) for one class label per sample, the one
    // label() returns; {T} for one class label per step of a sequence (the next token of a
    // language model). Precondition of readTargets: out.size() == targetNumel().
    virtual Dims targetShape() const { return {}; }
    // Writes sample i's class labels, each in [0, numClasses()). The default writes label(i).
    virtual void readTargets(std::int64_t i, std::span<std::int32_t> out) const {
        out[0] = label(i);
    }

    // numElements(sampleShape()).
    std::int64_t sampleNumel() const { return numElements(sampleShape()); }
    // numElements(targetShape()): 1 for one label per sample.
    std::int64_t targetNumel() const { return numElements(targetShape()); }
    // Number of samples per label, numClasses() entries.
    std::vector<std::int64_t> classCounts() const;
};

} // namespace nw::datasets
