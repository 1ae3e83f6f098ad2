// bench_augment: how fast the DataLoader makes augmented batches, without a training step.
// Fashion-MNIST (the built-in), batch 128, shuffled, normalised, with a typical pipeline
// (horizontal_flip 0.5, pad_crop 2, color_jitter 0.8, random_erasing 0.25), with 1 and 2
// worker threads, and without augmentation for reference; then a heavy pipeline (the typical
// one + affine, gaussian_blur 0.5, gaussian_noise). Prints batches/s and samples/s.
//
//   bench_augment [BATCHES]   (default 400 timed batches after 20 warm-up batches)
#include "datasets/catalog.h"
#include "datasets/data_loader.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace nw::datasets;

namespace {

std::vector<nw::graph::AugmentationStep> typicalPipeline() {
    return {{"horizontal_flip", 0.5, {}},
            {"pad_crop", 1.0, {{"padding", std::int64_t(2)}}},
            {"color_jitter", 0.8, {{"brightness", 0.2}, {"contrast", 0.2}}},
            {"random_erasing", 0.25, {}}};
}

// Geometric and filtering ops on top: the costliest per sample.
std::vector<nw::graph::AugmentationStep> heavyPipeline() {
    auto steps = typicalPipeline();
    steps.push_back({"affine", 1.0, {{"degrees", 15.0}, {"scale_min", 0.9}, {"scale_max", 1.1}}});
    steps.push_back({"gaussian_blur", 0.5, {}});
    steps.push_back({"gaussian_noise", 1.0, {{"std", 0.03}}});
    return steps;
}

// Times `batches` batches after a warm-up, crossing epochs as needed. Returns batches/s.
double timeLoader(const std::shared_ptr<Dataset>& train, const char* label,
                  std::vector<nw::graph::AugmentationStep> steps, int workers, int batches) {
    LoaderOptions o;
    o.batchSize = 128;
    o.seed = 42;
    o.dropLast = true;
    o.workers = workers;
    o.mean = {0.286};
    o.std = {0.353};
    o.augmentation = std::move(steps);
    auto loader = DataLoader::create(train, o);
    if (!loader) {
        std::fprintf(stderr, "error: %s\n", loader.error().message.c_str());
        std::exit(2);
    }
    std::int64_t epoch = 0;
    (*loader)->startEpoch(epoch);
    auto take = [&] {
        auto b = (*loader)->next();
        if (!b) {
            (*loader)->startEpoch(++epoch);
            b = (*loader)->next();
        }
        return b->size;
    };
    for (int i = 0; i < 20; ++i) {
        take();
    }
    const auto start = std::chrono::steady_clock::now();
    std::int64_t samples = 0;
    for (int i = 0; i < batches; ++i) {
        samples += take();
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-22s workers %d: %8.1f batches/s %10.0f samples/s\n", label, workers, batches / s,
                double(samples) / s);
    return batches / s;
}

} // namespace

int main(int argc, char** argv) {
    const int batches = argc > 1 ? std::max(1, std::atoi(argv[1])) : 400;
    nw::graph::DatasetRef ref; // builtin fashion-mnist
    auto splits = openDataset(ref, ".");
    if (!splits) {
        std::fprintf(stderr, "error: %s\n", splits.error().message.c_str());
        return 2;
    }
    std::printf("Fashion-MNIST train (%lld samples), batch 128, %d timed batches\n",
                static_cast<long long>(splits->train->size()), batches);
    timeLoader(splits->train, "no augmentation", {}, 1, batches);
    for (int workers : {1, 2}) {
        timeLoader(splits->train, "typical pipeline", typicalPipeline(), workers, batches);
    }
    for (int workers : {1, 2}) {
        timeLoader(splits->train, "heavy pipeline", heavyPipeline(), workers, batches);
    }
    return 0;
}
