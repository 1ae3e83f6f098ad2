// Image folders (see readers.h): decoded with OpenCV imgcodecs, held in an IdxDataset.
#include "datasets/idx_dataset.h"
#include "datasets/readers.h"

#include <algorithm>
#include <cctype>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace nw::datasets {

namespace {

namespace fs = std::filesystem;

bool isImageFile(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::vector<fs::path> sortedEntries(const fs::path& folder, bool directories) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        if (directories ? e.is_directory(ec) : (e.is_regular_file(ec) && isImageFile(e.path()))) {
            out.push_back(e.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The decoded images of one split, as bytes [N, C, H, W]. The first image sets C, H, W
// unless `shape` already holds them.
struct Decoder {
    Dims shape; // [C, H, W]; empty until the first image
    std::vector<std::string>* warnings;

    // `file` as 8-bit grey (shape[0] 1) or RGB (3), shape[1] x shape[2]; empty when OpenCV
    // cannot decode it. The first image sets `shape`: grey (with or without alpha) gives 1
    // channel, anything else 3.
    cv::Mat decode(const fs::path& file) {
        if (shape.empty()) {
            const cv::Mat probe = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
            if (probe.empty()) {
                return {};
            }
            shape = {probe.channels() <= 2 ? 1 : 3, probe.rows, probe.cols};
        }
        cv::Mat img =
            cv::imread(file.string(), shape[0] == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
        if (img.empty()) {
            return {};
        }
        if (shape[0] == 3) {
            cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
        }
        if (img.rows != shape[1] || img.cols != shape[2]) {
            cv::resize(img, img, cv::Size(int(shape[2]), int(shape[1])), 0, 0, cv::INTER_AREA);
        }
        return img;
    }

    // Appends `file` to images/labels, or a warning when OpenCV cannot decode it.
    void add(const fs::path& file, std::uint8_t label, IdxArray& images, IdxArray& labels) {
        cv::Mat img;
        try {
            img = decode(file);
        } catch (const cv::Exception&) {
            img.release();
        }
        if (img.empty()) {
            warnings->push_back(file.string() + ": not a readable image (skipped)");
            return;
        }
        // Interleaved H x W x C -> planes [C, H, W].
        std::vector<cv::Mat> planes;
        cv::split(img, planes);
        for (const auto& p : planes) {
            const cv::Mat c = p.isContinuous() ? p : p.clone();
            images.data.insert(images.data.end(), c.ptr<std::uint8_t>(),
                               c.ptr<std::uint8_t>() + c.total());
        }
        labels.data.push_back(label);
        ++images.dims[0];
        ++labels.dims[0];
    }
};

Expected<std::shared_ptr<Dataset>> readSplit(const fs::path& folder, const std::string& name,
                                             const std::vector<std::string>& classes,
                                             Decoder& decoder) {
    IdxArray images{{0, 0, 0, 0}, {}};
    IdxArray labels{{0}, {}};
    for (std::size_t c = 0; c < classes.size(); ++c) {
        std::error_code ec;
        if (!fs::is_directory(folder / classes[c], ec)) {
            continue; // a class without images in this split
        }
        for (const auto& file : sortedEntries(folder / classes[c], false)) {
            decoder.add(file, std::uint8_t(c), images, labels);
        }
    }
    if (images.dims[0] == 0) {
        return Error::user(folder.string() +
                           ": no readable images (.png, .jpg, .jpeg, .bmp) in its class "
                           "folders");
    }
    images.dims = {images.dims[0], decoder.shape[0], decoder.shape[1], decoder.shape[2]};
    IdxDatasetOptions options;
    options.numClasses = int(classes.size());
    options.classNames = classes;
    auto ds =
        IdxDataset::fromArrays(name, std::move(images), folder, std::move(labels), folder, options);
    if (!ds) {
        return ds.error();
    }
    return std::shared_ptr<Dataset>(std::move(*ds));
}

} // namespace

Expected<TrainTest> openImageFolder(const fs::path& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
        return Error::user(folder.string() + ": image folder not found");
    }
    TrainTest out;
    out.format = "image_folder";
    out.name = folder.filename().empty() ? folder.parent_path().filename().string()
                                         : folder.filename().string();
    const bool split =
        fs::is_directory(folder / "train", ec) && fs::is_directory(folder / "test", ec);
    const fs::path trainDir = split ? folder / "train" : folder;
    std::vector<std::string> classes;
    for (const auto& d : sortedEntries(trainDir, true)) {
        classes.push_back(d.filename().string());
    }
    if (classes.empty()) {
        return Error::user(trainDir.string() + ": no class sub-folders (expected one folder of "
                                               "images per class)");
    }
    if (classes.size() > 256) {
        return Error::user(trainDir.string() + ": " + std::to_string(classes.size()) +
                           " class folders; at most 256 are supported");
    }
    Decoder decoder{{}, &out.warnings};
    auto train = readSplit(trainDir, out.name + "/train", classes, decoder);
    if (!train) {
        return train.error();
    }
    out.train = std::move(*train);
    if (split) {
        for (const auto& d : sortedEntries(folder / "test", true)) {
            if (std::find(classes.begin(), classes.end(), d.filename().string()) == classes.end()) {
                return Error::user(d.string() + ": class \"" + d.filename().string() +
                                   "\" has no folder in " + trainDir.string());
            }
        }
        auto test = readSplit(folder / "test", out.name + "/test", classes, decoder);
        if (!test) {
            return test.error();
        }
        out.test = std::move(*test);
    }
    return out;
}

} // namespace nw::datasets
