#pragma once
// An image-classification dataset read from a pair of IDX files, held in memory as bytes.

#include "base/expected.h"
#include "datasets/dataset.h"
#include "datasets/idx.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace nw::datasets {

struct IdxDatasetOptions {
    // Number of classes; labels must be smaller. 0: classNames.size() when names are given,
    // else max(10, largest label + 1).
    int numClasses = 0;
    // Class names by label; empty: "0", "1", ...
    std::vector<std::string> classNames;
};

class IdxDataset : public Dataset {
public:
    // images: an IDX file of [N, H, W] (one channel) or [N, C, H, W] unsigned bytes;
    // labels: an IDX file of [N] unsigned bytes. Errors name the offending file.
    static Expected<std::shared_ptr<IdxDataset>> open(std::string name,
                                                      const std::filesystem::path& images,
                                                      const std::filesystem::path& labels,
                                                      const IdxDatasetOptions& options = {});
    // The same from arrays already read; the paths only name the files in messages.
    static Expected<std::shared_ptr<IdxDataset>> fromArrays(std::string name, IdxArray images,
                                                            const std::filesystem::path& imagesPath,
                                                            IdxArray labels,
                                                            const std::filesystem::path& labelsPath,
                                                            const IdxDatasetOptions& options = {});

    std::string name() const override { return m_name; }
    std::int64_t size() const override { return m_size; }
    Dims sampleShape() const override { return m_shape; }
    int numClasses() const override { return static_cast<int>(m_classNames.size()); }
    std::vector<std::string> classNames() const override { return m_classNames; }
    int label(std::int64_t i) const override { return m_labels[static_cast<std::size_t>(i)]; }
    // Bytes divided by 255.
    void readSample(std::int64_t i, std::span<float> out) const override;

private:
    IdxDataset() = default;

    std::string m_name;
    std::int64_t m_size = 0;
    Dims m_shape;                       // [C, H, W]
    std::int64_t m_sampleNumel = 0;     // C * H * W
    std::vector<std::uint8_t> m_pixels; // [N, C, H, W]
    std::vector<std::uint8_t> m_labels; // [N]
    std::vector<std::string> m_classNames;
};

} // namespace nw::datasets
