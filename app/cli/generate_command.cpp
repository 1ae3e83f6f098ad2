// netwright-cli generate: text from a trained language model, streamed to stdout as it is
// drawn (engine/train/text_generator.h).
#include "app/cli/commands.h"
#include "app/export/run_weights.h"
#include "app/training_run.h"
#include "datasets/catalog.h"
#include "engine/train/text_generator.h"
#include "engine/train/weights_file.h"
#include "graph/project_file.h"

#include <cstdio>
#include <iostream>

namespace nw::cli {

namespace {

int fail(const Error& e) {
    std::cerr << "error: " << e.message << "\n";
    return e.kind == Error::Kind::User ? kExitUser : kExitInternal;
}

} // namespace

int runGenerate(const GenerateOptions& o, const graph::OpRegistry& registry,
                const engine::BackendRegistry& backends) {
    if (o.weights.empty() == (o.run == 0)) {
        std::cerr << "error: generate needs the trained weights: --weights FILE (written by "
                     "train --save-weights) or --run ID (a tracked run's last checkpoint)\n";
        return kExitUser;
    }
    auto project = graph::readProject(o.project, registry);
    if (!project) {
        return fail(project.error());
    }
    std::optional<app::RunWeights> run;
    if (o.run != 0) { // the graph as the run trained it
        auto found = app::findRunWeights(o.run, o.db, registry);
        if (!found) {
            return fail(found.error());
        }
        run = std::move(*found);
        *project = run->project;
    }
    // The vocabulary is the corpus's, so the dataset is opened (read only).
    auto splits =
        datasets::openDataset(project->dataset, std::filesystem::path(o.project).parent_path());
    if (!splits) {
        return fail(splits.error());
    }
    if (!splits->vocabulary) {
        std::cerr << "error: " << o.project
                  << ": generate needs a language model trained on a text corpus (dataset kind "
                     "\"text\" or the built-in \"fortunes\"); this project's dataset is "
                  << splits->format << "\n";
        return kExitUser;
    }
    const auto& vocabulary = *splits->vocabulary;
    app::TrainingOverrides overrides;
    overrides.device = o.device;
    overrides.threads = o.threads;
    auto backend = app::openTrainingDevice(backends, *project, overrides, o.project);
    if (!backend) {
        return fail(backend.error());
    }
    engine::ModelParams params(**backend);
    auto generator = engine::TextGenerator::create(project->graph, registry, **backend, params);
    if (!generator) {
        return fail(generator.error());
    }
    if (auto st = run ? app::loadRunWeights(**backend, params, *run)
                      : engine::loadWeights(**backend, params, o.weights);
        !st) {
        return fail(st.error());
    }
    if ((*generator)->vocabularySize() != vocabulary.size()) {
        std::cerr << "error: the model predicts " << (*generator)->vocabularySize()
                  << " tokens but the corpus has " << vocabulary.size() << " characters\n";
        return kExitUser;
    }
    auto prompt = vocabulary.encode(o.prompt);
    if (!prompt) {
        return fail(Error::user("--prompt: " + prompt.error().message));
    }
    if (prompt->empty()) {
        std::cerr << "error: --prompt must hold at least one character\n";
        return kExitUser;
    }
    engine::SamplingOptions sampling{o.temperature, o.topK, o.seed};
    std::cout << o.prompt << std::flush;
    auto text = (*generator)->generate(*prompt, o.tokens, sampling, [&](std::int32_t token) {
        std::cout << vocabulary.decode(token) << std::flush;
        return bool(std::cout);
    });
    std::cout << std::endl;
    if (!text) {
        return fail(text.error());
    }
    return kExitOk;
}

} // namespace nw::cli
