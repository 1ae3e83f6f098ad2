#include "datasets/catalog.h"

#include "datasets/idx_dataset.h"
#include "datasets/readers.h"
#include "datasets/shuffle.h"
#include "datasets/subset_dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace nw::datasets {

namespace {

namespace fs = std::filesystem;

struct BuiltinDataset {
    const char* name;
    const char* debianPackage;
    std::vector<std::string> classNames; // IDX datasets
    // A text corpus at this absolute path (Debian's own place for it) instead of an IDX
    // folder under builtinDatasetsRoot().
    const char* textPath = nullptr;
};

const std::vector<BuiltinDataset>& builtins() {
    static const std::vector<BuiltinDataset> list = {
        {"fashion-mnist",
         "dataset-fashion-mnist",
         {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
          "Bag", "Ankle boot"}},
        {"fortunes", "fortunes", {}, "/usr/share/games/fortunes"},
    };
    return list;
}

std::string joined(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) {
        s += (s.empty() ? "" : ", ") + n;
    }
    return s;
}

// The four files of an MNIST-style folder, without ".gz".
constexpr const char* kTrainImages = "train-images-idx3-ubyte";
constexpr const char* kTrainLabels = "train-labels-idx1-ubyte";
constexpr const char* kTestImages = "t10k-images-idx3-ubyte";
constexpr const char* kTestLabels = "t10k-labels-idx1-ubyte";

// `folder/base` or `folder/base.gz`, whichever exists (plain first); `hint` ends the message
// when neither does.
Expected<fs::path> findIdxFile(const fs::path& folder, const std::string& base,
                               const std::string& hint) {
    std::error_code ec;
    for (const fs::path& p : {folder / base, folder / (base + ".gz")}) {
        if (fs::is_regular_file(p, ec)) {
            return p;
        }
    }
    return Error::user(folder.string() + ": missing " + base + " (or " + base + ".gz)" + hint);
}

// Reads the train and test pairs of an MNIST-style folder. The test set gets the training
// set's classes.
Expected<TrainTest> openIdxFolder(const fs::path& folder, const std::string& name,
                                  IdxDatasetOptions options, const std::string& hint) {
    std::vector<fs::path> files;
    for (const char* base : {kTrainImages, kTrainLabels, kTestImages, kTestLabels}) {
        auto file = findIdxFile(folder, base, hint);
        if (!file) {
            return file.error();
        }
        files.push_back(std::move(*file));
    }
    auto train = IdxDataset::open(name + "/train", files[0], files[1], options);
    if (!train) {
        return train.error();
    }
    options.numClasses = (*train)->numClasses();
    options.classNames = (*train)->classNames();
    auto test = IdxDataset::open(name + "/test", files[2], files[3], options);
    if (!test) {
        return test.error();
    }
    if ((*test)->sampleShape() != (*train)->sampleShape()) {
        return Error::user(files[2].string() +
                           ": test images have another shape than the "
                           "training images in " +
                           files[0].string());
    }
    return TrainTest{name, "idx", std::move(*train), std::move(*test), {}, nullptr};
}

Expected<TrainTest> openBuiltin(const std::string& name, std::int64_t sequenceLength) {
    auto it = std::find_if(builtins().begin(), builtins().end(),
                           [&](const BuiltinDataset& b) { return name == b.name; });
    if (it == builtins().end()) {
        return Error::user("dataset.name: unknown built-in dataset \"" + name +
                           "\" (known: " + joined(builtinDatasetNames()) + ")");
    }
    const std::string apt = std::string("; install the Debian package ") + it->debianPackage +
                            " (apt install " + it->debianPackage + ")";
    std::error_code ec;
    if (it->textPath) {
        if (!fs::is_directory(it->textPath, ec)) {
            return Error::user(std::string(it->textPath) + ": built-in dataset \"" + name +
                               "\" is not installed" + apt);
        }
        auto corpus = openTextCorpus(it->textPath, sequenceLength);
        if (corpus) {
            corpus->name = name;
        }
        return corpus;
    }
    const fs::path folder = builtinDatasetsRoot() / it->name;
    const std::string install =
        apt + " or point NETWRIGHT_DATASETS_DIR at a folder holding " + it->name + "/";
    if (!fs::is_directory(folder, ec)) {
        return Error::user(folder.string() + ": built-in dataset \"" + name +
                           "\" is not installed" + install);
    }
    IdxDatasetOptions options;
    options.classNames = it->classNames;
    return openIdxFolder(folder, name, options, install);
}

// ref.path resolved against projectDir; `what` says what the kind needs.
Expected<fs::path> resolvePath(const graph::DatasetRef& ref, const fs::path& projectDir,
                               const std::string& what) {
    if (ref.path.empty()) {
        return Error::user("dataset.path: empty; a \"" + ref.kind + "\" dataset needs " + what);
    }
    fs::path p = fs::path(ref.path);
    if (p.is_relative()) {
        p = projectDir / p;
    }
    std::error_code ec;
    if (!fs::exists(p, ec)) {
        return Error::user(p.string() +
                           (ref.kind == "csv"    ? ": CSV file not found"
                            : ref.kind == "text" ? ": text corpus not found"
                                                 : ": dataset folder not found") +
                           " (dataset.path)");
    }
    return p;
}

Expected<TrainTest> openIdx(const graph::DatasetRef& ref, const fs::path& projectDir) {
    auto folder = resolvePath(ref, projectDir, "the folder holding its IDX files");
    if (!folder) {
        return folder.error();
    }
    std::error_code ec;
    if (!fs::is_directory(*folder, ec)) {
        return Error::user(folder->string() + ": dataset folder not found (dataset.path)");
    }
    return openIdxFolder(*folder, folder->filename().string(), {}, "");
}

bool hasIdxFiles(const fs::path& folder) {
    return bool(findIdxFile(folder, kTrainImages, ""));
}

Expected<TrainTest> openByKind(const graph::DatasetRef& ref, const fs::path& projectDir) {
    if (ref.kind == "builtin") {
        return openBuiltin(ref.name, ref.sequenceLength);
    }
    if (ref.kind == "idx") {
        return openIdx(ref, projectDir);
    }
    if (ref.kind == "cifar" || ref.kind == "image_folder" || ref.kind == "csv" ||
        ref.kind == "text") {
        auto path = resolvePath(ref, projectDir,
                                ref.kind == "csv"    ? "a .csv file or a folder with train.csv"
                                : ref.kind == "text" ? "a text file or a folder of them"
                                                     : "its folder");
        if (!path) {
            return path.error();
        }
        return ref.kind == "cifar"          ? openCifarFolder(*path)
               : ref.kind == "image_folder" ? openImageFolder(*path)
               : ref.kind == "csv"          ? openCsv(*path)
                                            : openTextCorpus(*path, ref.sequenceLength);
    }
    return Error::user("dataset.kind: unknown kind \"" + ref.kind +
                       "\" (known: builtin, idx, cifar, image_folder, csv, text)");
}

// A view of `indices` of `base`, listed in the original order.
std::shared_ptr<Dataset> subset(const std::shared_ptr<Dataset>& base,
                                std::vector<std::int64_t> indices, const std::string& name) {
    std::sort(indices.begin(), indices.end());
    return std::make_shared<SubsetDataset>(base, std::move(indices), name);
}

} // namespace

std::vector<std::string> builtinDatasetNames() {
    std::vector<std::string> names;
    for (const auto& b : builtins()) {
        names.emplace_back(b.name);
    }
    return names;
}

fs::path builtinDatasetsRoot() {
    const char* env = std::getenv("NETWRIGHT_DATASETS_DIR");
    return env && *env ? fs::path(env) : fs::path("/usr/share/datasets");
}

Expected<DatasetSplits> openDataset(const graph::DatasetRef& ref, const fs::path& projectDir) {
    if (!(ref.validationSplit >= 0.0 && ref.validationSplit <= 0.9)) {
        return Error::user("dataset.validation_split: " + std::to_string(ref.validationSplit) +
                           " is outside [0, 0.9]");
    }
    auto opened = openByKind(ref, projectDir);
    if (!opened) {
        return opened.error();
    }
    DatasetSplits splits;
    splits.format = opened->format;
    splits.warnings = std::move(opened->warnings);
    splits.train = std::move(opened->train);
    splits.test = std::move(opened->test);
    splits.vocabulary = std::move(opened->vocabulary);
    const std::int64_t n = splits.train->size();
    if (ref.validationSplit > 0.0 && n >= 2) {
        auto held = static_cast<std::int64_t>(std::llround(ref.validationSplit * double(n)));
        held = std::clamp<std::int64_t>(held, 1, n - 1);
        CounterRng rng(0, streamId("validation_split"));
        std::vector<std::int64_t> order = shuffledIndices(n, rng, 0);
        const auto cut = order.begin() + (n - held);
        std::shared_ptr<Dataset> all = splits.train;
        splits.validation = subset(all, {cut, order.end()}, opened->name + "/validation");
        splits.train = subset(all, {order.begin(), cut}, opened->name + "/train");
    }
    return splits;
}

} // namespace nw::datasets

namespace nw::datasets {

Expected<graph::DatasetRef> datasetRefForSpec(const std::string& spec) {
    const auto names = builtinDatasetNames();
    graph::DatasetRef ref;
    std::error_code ec;
    if (std::find(names.begin(), names.end(), spec) != names.end() && !fs::exists(spec, ec)) {
        ref.kind = "builtin";
        ref.name = spec;
        return ref;
    }
    const fs::path p = fs::absolute(fs::path(spec), ec);
    ref.path = p.string();
    if (fs::is_regular_file(p, ec) && p.extension() == ".csv") {
        ref.kind = "csv";
    } else if (fs::is_regular_file(p, ec) && p.extension() == ".txt") {
        ref.kind = "text";
    } else if (!fs::is_directory(p, ec)) {
        return Error::user(spec + ": neither a built-in dataset (" + joined(names) +
                           "), a dataset folder, a .csv file nor a .txt file");
    } else if (hasIdxFiles(p)) {
        ref.kind = "idx";
    } else if (isCifarFolder(p)) {
        ref.kind = "cifar";
    } else if (fs::is_regular_file(p / "train.csv", ec)) {
        ref.kind = "csv";
    } else {
        ref.kind = "image_folder";
    }
    return ref;
}

} // namespace nw::datasets
