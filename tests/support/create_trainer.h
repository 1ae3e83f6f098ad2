#pragma once
// A Trainer over a project's dataset, opened as the Trainer's callers open it (a relative
// path: the working directory's).

#include "datasets/catalog.h"
#include "engine/train/trainer.h"

namespace nw::testing {

inline Expected<std::unique_ptr<engine::Trainer>> createTrainer(const graph::Project& project,
                                                                const graph::OpRegistry& registry,
                                                                engine::Backend& backend,
                                                                engine::TrainOptions options) {
    auto splits = datasets::openDataset(project.dataset, {});
    if (!splits) {
        return splits.error();
    }
    return engine::Trainer::create(project, std::move(*splits), registry, backend,
                                   std::move(options));
}

} // namespace nw::testing
