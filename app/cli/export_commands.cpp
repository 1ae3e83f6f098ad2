// netwright-cli export: a project and its trained weights to ONNX, checked by the ONNX checker
// and shape inference, with the training engine's outputs on a reference batch.
#include "app/cli/bundle_commands.h"
#include "app/cli/commands.h"
#include "app/cli/export_support.h"
#include "app/cli/run_weights.h"
#include "datasets/catalog.h"
#include "datasets/data_loader.h"
#include "engine/cpu/cpu_backend.h"
#include "engine/train/weights_file.h"
#include "graph/analysis.h"
#include "graph/onnx/onnx_export.h"
#include "graph/project_file.h"

#include <cstdio>
#include <iostream>
#include <optional>
#include <random>

namespace nw::cli {

namespace {

namespace ox = graph::onnx_export;

// Largest absolute difference allowed between the engine and the exported model.
constexpr double kVerifyTolerance = 1e-4;

int fail(const Error& e) {
    std::cerr << "error: " << e.message << "\n";
    return e.kind == Error::Kind::User ? kExitUser : kExitInternal;
}

// The reference batch: the first `count` test samples, normalised as in training; seeded
// normal inputs when the dataset cannot be opened (`source` says which).
struct Reference {
    std::vector<float> inputs;
    std::int64_t batch = 0;
    std::string source;
    std::vector<std::string> classLabels;
};

Reference makeReference(const graph::Project& project, const std::filesystem::path& dir,
                        std::int64_t perSample, std::int64_t count) {
    Reference r;
    auto splits = datasets::openDataset(project.dataset, dir);
    if (splits && splits->test->sampleNumel() == perSample && splits->test->size() > 0) {
        r.classLabels = splits->test->classNames();
        datasets::LoaderOptions lo;
        lo.batchSize = std::min(count, splits->test->size());
        lo.shuffle = false;
        lo.mean = project.dataset.mean;
        lo.std = project.dataset.std;
        if (auto loader = datasets::DataLoader::create(splits->test, lo)) {
            (*loader)->startEpoch(0);
            if (auto b = (*loader)->next()) {
                r.inputs = std::move(b->inputs);
                r.batch = b->size;
                r.source = std::to_string(r.batch) + " test samples of " + splits->test->name() +
                           ", normalised as in training";
                return r;
            }
        }
    }
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    r.batch = count;
    r.inputs.resize(static_cast<std::size_t>(count * perSample));
    for (float& x : r.inputs) {
        x = normal(rng);
    }
    r.source =
        std::to_string(count) + " seeded N(0, 1) samples (" +
        (splits ? std::string("the dataset does not fit the input") : splits.error().message) + ")";
    return r;
}

} // namespace

int runExport(const ExportCliOptions& o) {
    if (o.format != "onnx" && o.format != "bundle") {
        std::cerr << "error: --format must be onnx or bundle, got '" << o.format << "'\n";
        return kExitUser;
    }
    if (o.int8 && o.format != "bundle") {
        std::cerr << "error: --int8 quantises an inference bundle: add --format bundle\n";
        return kExitUser;
    }
    if (o.weights.empty() == (o.run == 0)) {
        std::cerr << "error: export needs the trained weights: --weights FILE (written by "
                     "train --save-weights) or --run ID (a tracked run's last checkpoint)\n";
        return kExitUser;
    }
    graph::OpRegistry registry = graph::makeCoreRegistry();
    auto project = graph::readProject(o.project, registry);
    if (!project) {
        return fail(project.error());
    }
    std::filesystem::path dir = std::filesystem::path(o.project).parent_path();
    std::optional<RunWeights> fromRun;
    if (o.run != 0) {
        // The graph exactly as the run trained it, and its last checkpoint.
        auto found = findRunWeights(o.run, o.db, registry);
        if (!found) {
            return fail(found.error());
        }
        if (found->project.graph != project->graph) {
            std::cerr << "note: " << o.project << " has changed since run " << o.run
                      << "; exporting the graph as the run trained it\n";
        }
        project = found->project;
        fromRun = std::move(*found);
    }
    graph::GraphAnalysis analysis = graph::analyze(project->graph, registry);
    std::int64_t perSample = 0;
    for (const auto& n : project->graph.nodes()) {
        const auto* info = analysis.info(n.id);
        if (n.op == "Input" && info && !info->outputs.empty()) {
            perSample = info->outputs[0].perSampleElements().value_or(0);
        }
    }
    Reference ref = makeReference(*project, dir, perSample, o.samples);

    engine::cpu::CpuBackend backend;
    backend.setThreads(o.threads);
    engine::ModelParams params(backend);
    auto plan = engine::ExecutionPlan::compile(project->graph, registry, backend, params,
                                               {ref.batch, false, project->training.seed});
    if (!plan) {
        return fail(plan.error());
    }
    if (auto st = fromRun ? loadRunWeights(backend, params, *fromRun)
                          : engine::loadWeights(backend, params, o.weights);
        !st) {
        return fail(st.error());
    }
    auto weights = hostWeights(backend, params);
    if (!weights) {
        return fail(weights.error());
    }
    if (o.format == "bundle") {
        auto outputs = runReference(backend, **plan, ref.inputs);
        if (!outputs) {
            return fail(outputs.error());
        }
        BundleExport be{*project,   dir,      registry,  *weights,  ref.classLabels,
                        ref.inputs, *outputs, ref.batch, ref.source};
        int rc = exportBundle(o, be);
        if (rc == kExitOk && fromRun) {
            if (auto st = recordExport(*fromRun, o.db, o.output, "bundle"); !st) {
                return fail(st.error());
            }
        }
        return rc;
    }
    ox::ExportOptions options;
    options.modelName = project->name;
    options.classLabels = ref.classLabels;
    options.mean = project->dataset.mean;
    options.std = project->dataset.std;
    auto exported = ox::exportModel(project->graph, registry, *weights, options);
    if (!exported) {
        return fail(exported.error()); // nothing has been written
    }
    auto report = ox::checkModel(exported->model);
    if (!report) {
        return fail(report.error());
    }
    if (auto st = ox::writeModel(exported->model, o.output); !st) {
        return fail(st.error());
    }
    auto outputs = runReference(backend, **plan, ref.inputs);
    if (!outputs) {
        return fail(outputs.error());
    }

    std::printf("wrote %s: ONNX opset %lld, %lld nodes, %lld initializers (%lld values)\n",
                o.output.c_str(), (long long)ox::kOpsetVersion, (long long)report->nodes,
                (long long)report->initializers, (long long)report->parameters);
    std::printf("ONNX checker: passed\nshape inference: passed (%lld values inferred)\n",
                (long long)report->inferredValues);
    std::string ops;
    for (const auto& [op, count] : report->opCounts) {
        ops += (ops.empty() ? "" : ", ") + op + " " + std::to_string(count);
    }
    std::printf("ops: %s\n", ops.c_str());
    for (const auto& s : report->outputShapes) {
        std::printf("output %s\n", s.c_str());
    }
    std::printf("reference batch: %s\n", ref.source.c_str());
    const ox::ExportedOutput& out = exported->outputs[0];
    ox::Value input{(*plan)->input().shape(), ref.inputs};
    auto errors = verifyExport(*exported, input, *outputs);
    if (!errors) {
        return fail(errors.error());
    }
    // The reference interpreter accumulates in double, the engine in f32 (oneDNN).
    std::printf("verification: the engine against the exported model (Netwright's ONNX "
                "reference interpreter), tolerance %.0e\n",
                kVerifyTolerance);
    std::printf("  %-16s %14s %14s\n", "output", "max abs error", "max rel error");
    bool verified = true;
    for (const auto& e : *errors) {
        bool ok = e.maxAbs <= kVerifyTolerance;
        verified &= ok;
        std::printf("  %-16s %14.3e %14.3e%s\n", e.name.c_str(), e.maxAbs, e.maxRel,
                    ok ? "" : "  FAILED");
    }
    if (!o.reference.empty()) {
        engine::Dims inShape = (*plan)->input().shape();
        engine::Dims outShape = (*plan)->prediction().shape();
        if (auto st = writeReference(o.reference, o.output, inShape, ref.inputs, out, outShape,
                                     *outputs, exported->outputs.size() > 1);
            !st) {
            return fail(st.error());
        }
        std::printf("reference written: %s.json; compare with ONNX Runtime and onnx's "
                    "reference evaluator: python3 tests/export/check_onnx.py %s.json\n",
                    o.reference.c_str(), o.reference.c_str());
    }
    if (verified && fromRun) {
        if (auto st = recordExport(*fromRun, o.db, o.output, "onnx"); !st) {
            return fail(st.error());
        }
    }
    if (!verified) {
        std::cerr << "error: the exported model differs from the trained one by more than "
                  << kVerifyTolerance << " (" << o.output
                  << " was written; please report this as a bug)\n";
        return kExitInternal;
    }
    return kExitOk;
}

} // namespace nw::cli
