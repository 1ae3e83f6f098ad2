#include "app/export/run_weights.h"

#include "engine/tracking/run_checkpoint.h"
#include "engine/tracking/sha256.h"
#include "engine/tracking/store.h"
#include "engine/train/checkpoint_file.h"
#include "engine/train/optimizer.h"

namespace nw::app {

Expected<RunWeights> findRunWeights(std::int64_t runId, const std::string& dbOverride,
                                    const graph::OpRegistry& registry) {
    auto store = tracking::ExperimentStore::open(tracking::defaultDatabasePath(dbOverride));
    if (!store) {
        return store.error();
    }
    auto found = tracking::findRunCheckpoint(**store, runId, registry, "to export");
    if (!found) {
        return found.error();
    }
    return RunWeights{runId, std::move(found->project), std::move(found->checkpoint)};
}

Status recordExport(const RunWeights& run, const std::string& dbOverride,
                    const std::filesystem::path& file, const std::string& kind) {
    auto store = tracking::ExperimentStore::open(tracking::defaultDatabasePath(dbOverride));
    if (!store) {
        return store.error();
    }
    auto sha = tracking::sha256File(file);
    if (!sha) {
        return sha.error();
    }
    std::error_code ec;
    auto bytes = static_cast<std::int64_t>(std::filesystem::file_size(file, ec));
    return (*store)->addArtifact(run.runId, {kind, std::filesystem::absolute(file).string(),
                                             ec ? 0 : bytes, *sha, tracking::nowSeconds()});
}

Status loadRunWeights(engine::Backend& backend, engine::ModelParams& params,
                      const RunWeights& run) {
    // A checkpoint holds the optimizer state too: load it into a scratch optimizer.
    auto optimizer = engine::Optimizer::create(run.project.training.optimizer, backend);
    if (!optimizer) {
        return optimizer.error();
    }
    for (auto* e : params.trainable()) {
        if (auto s = optimizer->addParameter(e->value, e->spec.decays); !s) {
            return s;
        }
    }
    auto progress = engine::loadCheckpoint(backend, params, *optimizer, run.checkpoint);
    if (!progress) {
        return progress.error();
    }
    return Status::success();
}

} // namespace nw::app
