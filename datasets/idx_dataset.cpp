#include "datasets/idx_dataset.h"

#include <algorithm>
#include <cassert>

namespace nw::datasets {

namespace {

std::string shapeText(const Dims& dims) {
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) {
        s += (i ? ", " : "") + std::to_string(dims[i]);
    }
    return s + "]";
}

} // namespace

Expected<std::shared_ptr<IdxDataset>> IdxDataset::open(std::string name,
                                                       const std::filesystem::path& images,
                                                       const std::filesystem::path& labels,
                                                       const IdxDatasetOptions& options) {
    auto imageArray = readIdx(images);
    if (!imageArray) {
        return imageArray.error();
    }
    auto labelArray = readIdx(labels);
    if (!labelArray) {
        return labelArray.error();
    }
    return fromArrays(std::move(name), std::move(*imageArray), images, std::move(*labelArray),
                      labels, options);
}

Expected<std::shared_ptr<IdxDataset>>
IdxDataset::fromArrays(std::string name, IdxArray images, const std::filesystem::path& imagesPath,
                       IdxArray labels, const std::filesystem::path& labelsPath,
                       const IdxDatasetOptions& options) {
    const std::string imagesFile = imagesPath.string();
    const std::string labelsFile = labelsPath.string();
    const Dims& d = images.dims;
    if (d.size() != 3 && d.size() != 4) {
        return Error::user(imagesFile + ": images must be [N, H, W] or [N, C, H, W], got " +
                           shapeText(d));
    }
    if (labels.dims.size() != 1) {
        return Error::user(labelsFile + ": labels must be [N], got " + shapeText(labels.dims));
    }
    Dims shape = d.size() == 3 ? Dims{1, d[1], d[2]} : Dims{d[1], d[2], d[3]};
    if (d[0] == 0 || numElements(shape) == 0) {
        return Error::user(imagesFile + ": no image data (shape " + shapeText(d) + ")");
    }
    if (labels.dims[0] != d[0]) {
        return Error::user(labelsFile + ": " + std::to_string(labels.dims[0]) + " labels for the " +
                           std::to_string(d[0]) + " images of " + imagesFile);
    }

    const int maxLabel = *std::max_element(labels.data.begin(), labels.data.end());
    int numClasses = options.numClasses;
    if (numClasses <= 0) {
        numClasses = options.classNames.empty() ? std::max(10, maxLabel + 1)
                                                : static_cast<int>(options.classNames.size());
    }
    if (!options.classNames.empty() && options.classNames.size() != std::size_t(numClasses)) {
        return Error::internal(imagesFile + ": " + std::to_string(options.classNames.size()) +
                               " class names for " + std::to_string(numClasses) + " classes");
    }
    if (maxLabel >= numClasses) {
        auto at = std::find_if(labels.data.begin(), labels.data.end(),
                               [&](std::uint8_t l) { return l >= numClasses; });
        return Error::user(labelsFile + ": label " + std::to_string(*at) + " of sample " +
                           std::to_string(at - labels.data.begin()) + " is out of range (" +
                           std::to_string(numClasses) + " classes)");
    }

    std::shared_ptr<IdxDataset> ds(new IdxDataset());
    ds->m_name = std::move(name);
    ds->m_size = d[0];
    ds->m_sampleNumel = numElements(shape);
    ds->m_shape = std::move(shape);
    ds->m_pixels = std::move(images.data);
    ds->m_labels = std::move(labels.data);
    ds->m_classNames = options.classNames;
    for (int c = static_cast<int>(ds->m_classNames.size()); c < numClasses; ++c) {
        ds->m_classNames.push_back(std::to_string(c));
    }
    return ds;
}

void IdxDataset::readSample(std::int64_t i, std::span<float> out) const {
    const auto n = static_cast<std::size_t>(m_sampleNumel);
    assert(i >= 0 && i < m_size && out.size() == n);
    const std::uint8_t* src = m_pixels.data() + static_cast<std::size_t>(i) * n;
    for (std::size_t k = 0; k < n; ++k) {
        out[k] = static_cast<float>(src[k]) / 255.0f; // exact 0 and 1 at the ends
    }
}

} // namespace nw::datasets
