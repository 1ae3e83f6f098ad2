#include "app/cli/dataset_commands.h"

#include "app/cli/commands.h"
#include "base/rng.h"
#include "datasets/augmentation.h"
#include "datasets/catalog.h"
#include "datasets/dataset_stats.h"
#include "datasets/shuffle.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <unistd.h>

namespace nw::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct DatasetOptions {
    std::string spec;
    bool json = false;
    std::string project;
    int samples = 8;  // preview: originals (rows)
    int variants = 8; // preview: augmented variants per original (columns after the first)
    std::optional<std::uint64_t> seed;
    std::string out;
};

std::optional<datasets::DatasetSplits> open(const std::string& spec) {
    auto ref = datasets::datasetRefForSpec(spec);
    if (!ref) {
        std::cerr << "error: " << ref.error().message << "\n";
        return std::nullopt;
    }
    auto splits = datasets::openDataset(*ref, fs::current_path());
    if (!splits) {
        std::cerr << "error: " << splits.error().message << "\n";
        return std::nullopt;
    }
    for (const auto& w : splits->warnings) {
        std::cerr << "warning: " << w << "\n";
    }
    return std::move(*splits);
}

ordered_json splitJson(const datasets::Dataset& ds) {
    ordered_json counts = ordered_json::object();
    const auto names = ds.classNames();
    const auto n = ds.classCounts();
    for (std::size_t c = 0; c < names.size(); ++c) {
        counts[names[c]] = n[c];
    }
    return {{"name", ds.name()}, {"samples", ds.size()}, {"class_counts", counts}};
}

int runInfo(const DatasetOptions& o) {
    auto splits = open(o.spec);
    if (!splits) {
        return kExitUser;
    }
    const auto& train = *splits->train;
    const auto stats = datasets::computeStats(train);
    ordered_json splitsJson = ordered_json::object();
    splitsJson["train"] = splitJson(train);
    if (splits->test) {
        splitsJson["test"] = splitJson(*splits->test);
    }
    ordered_json info = {{"spec", o.spec},
                         {"format", splits->format},
                         {"sample_shape", train.sampleShape()},
                         {"classes", train.classNames()},
                         {"splits", splitsJson},
                         {"value_range", {stats.min, stats.max}},
                         {"mean", stats.mean},
                         {"std", stats.std},
                         {"warnings", splits->warnings}};
    if (o.json) {
        std::cout << info.dump() << "\n";
        return kExitOk;
    }
    std::cout << o.spec << ": " << splits->format << ", samples " << info["sample_shape"].dump()
              << ", " << train.numClasses() << " classes\n";
    for (const auto& [split, j] : splitsJson.items()) {
        std::cout << "  " << split << ": " << j["samples"].get<std::int64_t>() << " samples\n";
        for (const auto& [cls, count] : j["class_counts"].items()) {
            std::cout << "    " << cls << ": " << count.get<std::int64_t>() << "\n";
        }
    }
    std::cout << "  value range (train): [" << stats.min << ", " << stats.max << "]\n"
              << "  mean per channel (train): " << info["mean"].dump() << "\n"
              << "  std per channel (train): " << info["std"].dump() << "\n";
    return kExitOk;
}

// Sample [C, H, W] in [0, 1] as an 8-bit image (grey or BGR), each side times `zoom`.
cv::Mat tile(const std::vector<float>& s, const datasets::Dims& shape, int zoom) {
    const int c = int(shape[0]);
    const int h = int(shape[1]);
    const int w = int(shape[2]);
    std::vector<cv::Mat> planes;
    for (int ch = c - 1; ch >= 0; --ch) { // R, G, B -> B, G, R
        cv::Mat p(h, w, CV_32FC1, const_cast<float*>(s.data()) + std::size_t(ch) * h * w);
        planes.push_back(p);
    }
    cv::Mat img;
    cv::merge(planes, img);
    img.convertTo(img, CV_8U, 255.0);
    cv::resize(img, img, cv::Size(w * zoom, h * zoom), 0, 0, cv::INTER_NEAREST);
    return img;
}

// Writes `img` to `out` through a temporary file in the same folder, renamed into place.
std::optional<std::string> writeAtomically(const cv::Mat& img, const fs::path& out) {
    const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
    const fs::path tmp = dir / ("." + out.stem().string() + ".tmp" + std::to_string(::getpid()) +
                                out.extension().string());
    try {
        if (!cv::imwrite(tmp.string(), img)) {
            std::error_code ec;
            fs::remove(tmp, ec);
            return out.string() + ": cannot be written";
        }
    } catch (const cv::Exception& e) {
        std::error_code ec;
        fs::remove(tmp, ec);
        return out.string() + ": cannot be written (use .png or .jpg)";
    }
    std::error_code ec;
    fs::rename(tmp, out, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return out.string() + ": cannot be written (" + ec.message() + ")";
    }
    return std::nullopt;
}

int runPreview(const DatasetOptions& o) {
    std::vector<graph::AugmentationStep> steps;
    std::uint64_t seed = 42;
    if (!o.project.empty()) {
        auto registry = graph::makeCoreRegistry();
        auto project = graph::readProject(o.project, registry);
        if (!project) {
            std::cerr << "error: " << project.error().message << "\n";
            return kExitUser;
        }
        steps = project->augmentation;
        seed = project->training.seed;
    }
    seed = o.seed.value_or(seed);
    if (steps.empty()) {
        std::cerr << "note: no augmentation (" << (o.project.empty() ? "no --project" : o.project)
                  << "): the variants equal the originals\n";
    }
    auto pipeline = datasets::AugmentationPipeline::create(steps);
    if (!pipeline) {
        std::cerr << "error: " << o.project << ": " << pipeline.error().message << "\n";
        return kExitUser;
    }
    auto splits = open(o.spec);
    if (!splits) {
        return kExitUser;
    }
    const auto& train = *splits->train;
    const auto shape = train.sampleShape();
    if (shape.size() != 3 || (shape[0] != 1 && shape[0] != 3)) {
        std::cerr << "error: " << o.spec
                  << ": preview needs image samples [C, H, W] with 1 or 3 channels\n";
        return kExitUser;
    }
    if (Status s = pipeline->checkShape(shape, train.name()); !s) {
        std::cerr << "error: " << s.error().message << "\n";
        return kExitUser;
    }
    // Rows: `samples` originals in a seeded order; column v + 1: what epoch v of a training
    // run with this seed makes of the sample.
    const auto order =
        datasets::shuffledIndices(train.size(), CounterRng(seed, streamId("preview")), 0);
    const int rows = int(std::min<std::int64_t>(o.samples, train.size()));
    const int zoom = std::max(1, int(96 / std::max<std::int64_t>(shape[1], shape[2])));
    const int th = int(shape[1]) * zoom;
    const int tw = int(shape[2]) * zoom;
    const int gap = 4;
    const int cols = 1 + o.variants;
    cv::Mat grid(rows * th + (rows + 1) * gap, cols * tw + (cols + 2) * gap,
                 shape[0] == 1 ? CV_8UC1 : CV_8UC3, cv::Scalar::all(128));
    std::vector<float> sample(std::size_t(train.sampleNumel()));
    for (int r = 0; r < rows; ++r) {
        const std::int64_t i = order[std::size_t(r)];
        for (int c = 0; c < cols; ++c) {
            train.readSample(i, sample);
            if (c > 0) {
                pipeline->apply(sample, shape, seed, std::uint64_t(c - 1), i);
            }
            const int x = gap + c * (tw + gap) + (c > 0 ? gap : 0); // a wider gap after originals
            tile(sample, shape, zoom).copyTo(grid(cv::Rect(x, gap + r * (th + gap), tw, th)));
        }
    }
    if (auto err = writeAtomically(grid, o.out)) {
        std::cerr << "error: " << *err << "\n";
        return kExitUser;
    }
    std::cout << o.out << ": " << rows << " samples x " << o.variants << " variants ("
              << pipeline->size() << " augmentation steps, seed " << seed << ")\n";
    return kExitOk;
}

} // namespace

std::function<std::optional<int>()> addDatasetCommands(CLI::App& app) {
    auto o = std::make_shared<DatasetOptions>();
    auto* dataset = app.add_subcommand("dataset", "Inspect a dataset and preview augmentation");
    dataset->require_subcommand(1);
    const char* specHelp = "A built-in name (fashion-mnist), a dataset folder (IDX, CIFAR, image "
                           "folder) or a .csv file";
    auto* info = dataset->add_subcommand(
        "info", "Format, splits, samples per class, sample shape, value range, mean/std");
    info->add_option("SPEC", o->spec, specHelp)->required();
    info->add_flag("--json", o->json, "Print one JSON object");
    auto* preview = dataset->add_subcommand(
        "preview", "A PNG grid: originals in the first column, augmented variants beside");
    preview->add_option("SPEC", o->spec, specHelp)->required();
    preview->add_option("--project", o->project, "Project whose augmentation to apply");
    preview->add_option("--samples", o->samples, "Originals, one per row (default 8)")
        ->check(CLI::Range(1, 64));
    preview->add_option("--variants", o->variants, "Augmented variants per original (default 8)")
        ->check(CLI::Range(1, 64));
    preview->add_option("--seed", o->seed, "Seed (default: the project's, else 42)");
    preview->add_option("--out", o->out, "Output image (.png)")->required();
    return [o, info, preview]() -> std::optional<int> {
        if (info->parsed()) {
            return runInfo(*o);
        }
        if (preview->parsed()) {
            return runPreview(*o);
        }
        return std::nullopt;
    };
}

} // namespace nw::cli
