// CIFAR-10 / CIFAR-100 binary batches (see readers.h), held in an IdxDataset.
#include "datasets/idx_dataset.h"
#include "datasets/readers.h"

#include <fstream>
#include <iterator>
#include <optional>

namespace nw::datasets {

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kPixels = 3 * 32 * 32;

const std::vector<std::string>& cifar10Names() {
    static const std::vector<std::string> names = {
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
    return names;
}

struct Layout {
    fs::path folder;
    bool cifar100 = false;
};

// The folder holding the batches: `folder` itself or a known sub-folder.
std::optional<Layout> findLayout(const fs::path& folder) {
    std::error_code ec;
    for (const fs::path& f :
         {folder, folder / "cifar-10-batches-bin", folder / "cifar-100-binary"}) {
        if (fs::is_regular_file(f / "data_batch_1.bin", ec)) {
            return Layout{f, false};
        }
        if (fs::is_regular_file(f / "train.bin", ec) && fs::is_regular_file(f / "test.bin", ec)) {
            return Layout{f, true};
        }
    }
    return std::nullopt;
}

// Appends the records of `file` to images/labels. labelBytes: 1 (CIFAR-10) or 2 (coarse,
// fine).
Status readBatch(const fs::path& file, int labelBytes, int numClasses, IdxArray& images,
                 IdxArray& labels) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return Error::user(file.string() + ": cannot be read");
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::int64_t record = labelBytes + kPixels;
    const auto size = static_cast<std::int64_t>(bytes.size());
    if (size == 0 || size % record != 0) {
        return Error::user(file.string() +
                           ": truncated or not a CIFAR batch: " + std::to_string(size) +
                           " bytes is not a whole number of " + std::to_string(record) +
                           "-byte records (" + std::to_string(size / record) + " full, " +
                           std::to_string(size % record) + " bytes left over)");
    }
    const std::int64_t n = size / record;
    for (std::int64_t r = 0; r < n; ++r) {
        const auto* rec = reinterpret_cast<const std::uint8_t*>(bytes.data() + r * record);
        if (labelBytes == 2 && rec[0] >= 20) {
            return Error::user(file.string() + ": record " + std::to_string(r) + ": coarse label " +
                               std::to_string(rec[0]) + " is out of range (20 classes)");
        }
        const std::uint8_t label = rec[labelBytes - 1];
        if (label >= numClasses) {
            return Error::user(file.string() + ": record " + std::to_string(r) + ": label " +
                               std::to_string(label) + " is out of range (" +
                               std::to_string(numClasses) + " classes)");
        }
        labels.data.push_back(label);
        images.data.insert(images.data.end(), rec + labelBytes, rec + record);
    }
    images.dims[0] += n;
    labels.dims[0] += n;
    return Status::success();
}

// Non-empty lines of `file`, when it exists and has exactly `count` of them; else `fallback`.
std::vector<std::string> classNames(const fs::path& file, std::size_t count,
                                    std::vector<std::string> fallback) {
    std::ifstream in(file);
    std::vector<std::string> names;
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
            line.pop_back();
        }
        if (!line.empty()) {
            names.push_back(line);
        }
    }
    return names.size() == count ? names : fallback;
}

Expected<std::shared_ptr<Dataset>> readSplit(const std::string& name,
                                             const std::vector<fs::path>& files, int labelBytes,
                                             const std::vector<std::string>& names) {
    IdxArray images{{0, 3, 32, 32}, {}};
    IdxArray labels{{0}, {}};
    for (const auto& f : files) {
        if (Status s = readBatch(f, labelBytes, int(names.size()), images, labels); !s) {
            return s.error();
        }
    }
    IdxDatasetOptions options;
    options.numClasses = int(names.size());
    options.classNames = names;
    auto ds = IdxDataset::fromArrays(name, std::move(images), files.front(), std::move(labels),
                                     files.front(), options);
    if (!ds) {
        return ds.error();
    }
    return std::shared_ptr<Dataset>(std::move(*ds));
}

} // namespace

bool isCifarFolder(const fs::path& folder) {
    return findLayout(folder).has_value();
}

Expected<TrainTest> openCifarFolder(const fs::path& folder) {
    auto layout = findLayout(folder);
    if (!layout) {
        return Error::user(folder.string() +
                           ": not a CIFAR folder (no data_batch_1.bin, nor train.bin and "
                           "test.bin)");
    }
    const fs::path& f = layout->folder;
    TrainTest out;
    out.name = folder.filename().empty() ? folder.parent_path().filename().string()
                                         : folder.filename().string();
    std::vector<fs::path> trainFiles;
    std::vector<fs::path> testFiles;
    std::vector<std::string> names;
    int labelBytes = 1;
    if (layout->cifar100) {
        out.format = "cifar-100";
        labelBytes = 2;
        trainFiles = {f / "train.bin"};
        testFiles = {f / "test.bin"};
        std::vector<std::string> numbered;
        for (int c = 0; c < 100; ++c) {
            numbered.push_back(std::to_string(c));
        }
        names = classNames(f / "fine_label_names.txt", 100, numbered);
    } else {
        out.format = "cifar-10";
        std::error_code ec;
        for (int b = 1; b <= 5; ++b) {
            const fs::path p = f / ("data_batch_" + std::to_string(b) + ".bin");
            if (fs::is_regular_file(p, ec)) {
                trainFiles.push_back(p);
            }
        }
        testFiles = {f / "test_batch.bin"};
        if (!fs::is_regular_file(testFiles[0], ec)) {
            return Error::user(f.string() + ": missing test_batch.bin (CIFAR-10)");
        }
        names = classNames(f / "batches.meta.txt", 10, cifar10Names());
    }
    auto train = readSplit(out.name + "/train", trainFiles, labelBytes, names);
    if (!train) {
        return train.error();
    }
    auto test = readSplit(out.name + "/test", testFiles, labelBytes, names);
    if (!test) {
        return test.error();
    }
    out.train = std::move(*train);
    out.test = std::move(*test);
    return out;
}

} // namespace nw::datasets
