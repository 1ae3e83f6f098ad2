#include "app/export/model_export.h"

#include "app/export/export_support.h"
#include "app/export/int8_export.h"
#include "app/export/run_weights.h"
#include "datasets/catalog.h"
#include "datasets/data_loader.h"
#include "engine/bundle/runtime/model.h"
#include "engine/bundle/writer.h"
#include "engine/train/weights_file.h"
#include "graph/analysis.h"
#include "graph/onnx/onnx_export.h"
#include "graph/project_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>

namespace nw::app {

namespace {

namespace ox = graph::onnx_export;

// Largest absolute difference allowed between the engine and an f32 export.
constexpr double kVerifyTolerance = 1e-4;
// Test-accuracy points INT8 may lose before the report warns.
constexpr double kInt8AccuracyBudget = 0.5;
// The batch whose primitives' weight layouts a bundle stores.
constexpr std::int64_t kPackBatch = 256;

std::string format(const char* fmt, auto... args) {
    std::string s(std::size_t(std::snprintf(nullptr, 0, fmt, args...)), '\0');
    std::snprintf(s.data(), s.size() + 1, fmt, args...);
    return s;
}

// The reference batch: the first `count` test samples, normalised as in training; seeded
// normal inputs when the dataset cannot be opened (`source` says which).
struct Reference {
    std::vector<float> inputs;
    std::int64_t batch = 0;
    std::string source;
    std::vector<std::string> classLabels;
};

Reference makeReference(const graph::Project& project, const OpenedDataset& splits,
                        std::int64_t perSample, std::int64_t count) {
    Reference r;
    // The test split; where the files hold none (text corpora), the validation split, else the
    // training split: real samples, so token ids are valid ids.
    std::shared_ptr<datasets::Dataset> split;
    const char* which = "test";
    if (splits) {
        split = splits->test         ? splits->test
                : splits->validation ? splits->validation
                                     : splits->train;
        which = splits->test ? "test" : splits->validation ? "validation" : "training";
    }
    if (split && split->sampleNumel() == perSample && split->size() > 0) {
        r.classLabels = split->classNames();
        datasets::LoaderOptions lo;
        lo.batchSize = std::min(count, split->size());
        lo.shuffle = false;
        lo.mean = project.dataset.mean;
        lo.std = project.dataset.std;
        if (auto loader = datasets::DataLoader::create(split, lo)) {
            (*loader)->startEpoch(0);
            if (auto b = (*loader)->next()) {
                r.inputs = std::move(b->inputs);
                r.batch = b->size;
                r.source = std::to_string(r.batch) + " " + which + " samples of " + split->name() +
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
    r.source = std::to_string(count) + " seeded N(0, 1) samples (" +
               (!splits ? splits.error().message
                        : std::string("the dataset has no split that fits the input")) +
               ")";
    return r;
}

// Everything the two formats share: the project as trained, its weights in the engine, the
// engine's prediction for the reference batch.
struct Prepared {
    const graph::OpRegistry* registry = nullptr; // the request's, else the built-in ops
    graph::Project project;
    OpenedDataset dataset{Error::user("the dataset has not been opened")};
    std::optional<RunWeights> fromRun;
    Reference ref;
    std::unique_ptr<engine::Backend> backend;
    std::unique_ptr<engine::ModelParams> params;
    std::unique_ptr<engine::ExecutionPlan> plan;
    ox::WeightMap weights;
    std::vector<float> outputs; // the engine's, for ref.inputs
};

Status prepare(const ExportRequest& r, const engine::BackendRegistry& backends, Prepared& p,
               ExportReport& report, const ExportProgress& progress) {
    static const graph::OpRegistry builtIn = graph::makeCoreRegistry();
    p.registry = r.registry ? r.registry : &builtIn;
    engine::BackendOptions bo;
    bo.threads = r.threads;
    auto backend = backends.openBackend(r.device, bo);
    if (!backend) {
        return backend.error();
    }
    p.backend = std::move(*backend);
    auto project = graph::readProject(r.project, (*p.registry));
    if (!project) {
        return project.error();
    }
    p.project = std::move(*project);
    if (r.run != 0) {
        // The graph exactly as the run trained it, and its last checkpoint.
        auto found = findRunWeights(r.run, r.db, (*p.registry));
        if (!found) {
            return found.error();
        }
        if (found->project.graph != p.project.graph) {
            report.notes.push_back(r.project + " has changed since run " + std::to_string(r.run) +
                                   "; exporting the graph as the run trained it");
        }
        p.project = found->project;
        p.fromRun = std::move(*found);
    }
    graph::GraphAnalysis analysis = graph::analyze(p.project.graph, (*p.registry));
    std::int64_t perSample = 0;
    for (const auto& n : p.project.graph.nodes()) {
        const auto* info = analysis.info(n.id);
        if (n.op == "Input" && info && !info->outputs.empty()) {
            perSample = info->outputs[0].perSampleElements().value_or(0);
        }
    }
    if (progress) {
        progress("reading the reference batch");
    }
    // Once for the reference batch, INT8 calibration and the accuracy comparison.
    p.dataset =
        datasets::openDataset(p.project.dataset, std::filesystem::path(r.project).parent_path());
    p.ref = makeReference(p.project, p.dataset, perSample, r.samples);
    p.params = std::make_unique<engine::ModelParams>(*p.backend);
    auto plan =
        engine::ExecutionPlan::compile(p.project.graph, (*p.registry), *p.backend, *p.params,
                                       {p.ref.batch, false, p.project.training.seed});
    if (!plan) {
        return plan.error();
    }
    p.plan = std::move(*plan);
    if (auto st = p.fromRun ? loadRunWeights(*p.backend, *p.params, *p.fromRun)
                            : engine::loadWeights(*p.backend, *p.params, r.weights);
        !st) {
        return st;
    }
    auto weights = hostWeights(*p.backend, *p.params);
    if (!weights) {
        return weights.error();
    }
    p.weights = std::move(*weights);
    auto outputs = runReference(*p.backend, *p.plan, p.ref.inputs);
    if (!outputs) {
        return outputs.error();
    }
    p.outputs = std::move(*outputs);
    report.referenceSource = p.ref.source;
    return Status::success();
}

Status exportOnnx(const ExportRequest& r, Prepared& p, ExportReport& report) {
    ox::ExportOptions options;
    options.modelName = p.project.name;
    options.classLabels = p.ref.classLabels;
    options.mean = p.project.dataset.mean;
    options.std = p.project.dataset.std;
    auto exported = ox::exportModel(p.project.graph, (*p.registry), p.weights, options);
    if (!exported) {
        return exported.error(); // nothing has been written
    }
    auto checked = ox::checkModel(exported->model);
    if (!checked) {
        return checked.error();
    }
    if (auto st = ox::writeModel(exported->model, r.output); !st) {
        return st;
    }
    report.summary.push_back(format("wrote %s: ONNX opset %lld, %lld nodes, %lld initializers "
                                    "(%lld values)",
                                    r.output.c_str(), (long long)ox::kOpsetVersion,
                                    (long long)checked->nodes, (long long)checked->initializers,
                                    (long long)checked->parameters));
    report.summary.push_back("ONNX checker: passed");
    report.summary.push_back(format("shape inference: passed (%lld values inferred)",
                                    (long long)checked->inferredValues));
    std::string ops;
    for (const auto& [op, count] : checked->opCounts) {
        ops += (ops.empty() ? "" : ", ") + op + " " + std::to_string(count);
    }
    report.summary.push_back("ops: " + ops);
    for (const auto& s : checked->outputShapes) {
        report.summary.push_back("output " + s);
    }
    if (auto domains = ox::pluginDomains(p.project.graph, *p.registry); !domains.empty()) {
        std::string names;
        for (const auto& d : domains) {
            names += (names.empty() ? "'" : ", '") + d + "'";
        }
        report.verificationTitle =
            "not run: the model has ops of the custom ONNX domain " + names +
            " (its plugin), which Netwright's ONNX reference interpreter cannot run; a runtime "
            "needs that plugin's own ONNX kernels";
        report.tolerance = 0;
        return Status::success();
    }
    ox::Value input{p.plan->input().shape(), p.ref.inputs};
    auto errors = verifyExport(*exported, input, p.outputs);
    if (!errors) {
        return errors.error();
    }
    // The reference interpreter accumulates in double, the engine in f32 (oneDNN).
    report.verificationTitle =
        "the engine against the exported model (Netwright's ONNX reference interpreter)";
    report.tolerance = kVerifyTolerance;
    for (const auto& e : *errors) {
        report.rows.push_back({e.name, e.maxAbs, e.maxRel});
    }
    if (!r.reference.empty()) {
        if (auto st = writeReference(r.reference, r.output, p.plan->input().shape(), p.ref.inputs,
                                     exported->outputs[0], p.plan->prediction().shape(), p.outputs,
                                     exported->outputs.size() > 1);
            !st) {
            return st;
        }
        report.summary.push_back(format("reference written: %s.json; compare with ONNX Runtime "
                                        "and onnx's reference evaluator: python3 "
                                        "tests/export/check_onnx.py %s.json",
                                        r.reference.c_str(), r.reference.c_str()));
    }
    return Status::success();
}

Status exportBundle(const ExportRequest& r, Prepared& p, ExportReport& report,
                    const ExportProgress& progress) {
    bundle::BundleMetadata meta;
    meta.labels = p.ref.classLabels;
    meta.mean = p.project.dataset.mean;
    meta.std = p.project.dataset.std;
    auto b = bundle::buildBundle(p.project.graph, (*p.registry), p.weights, meta);
    if (!b) {
        return b.error();
    }
    std::optional<Int8Export> q;
    if (r.int8) {
        if (progress) {
            progress("calibrating INT8 activation ranges on " + std::to_string(r.calibration) +
                     " training samples");
        }
        auto quantized = quantizeForExport(*b, p.project, p.dataset, r.calibration);
        if (!quantized) {
            return quantized.error();
        }
        q = std::move(*quantized);
    }
    // Weights pre-laid-out for the primitives of a throughput batch on this CPU.
    int packedCount = 0;
    auto packed = rt::Model::packWeights(q ? q->bundle : *b, kPackBatch, &packedCount);
    if (!packed) {
        return packed.error();
    }
    const bundle::Bundle& written = *packed;
    std::size_t layers = written.header.layers.size(), fused = 0;
    std::uint64_t weightBytes = 0;
    for (const auto& l : written.header.layers) {
        fused += l.activation.empty() || l.op == "activation" ? 0 : 1;
        for (const auto& [key, ref] : l.blobs) {
            weightBytes += ref.bytes();
        }
    }
    if (auto st = bundle::writeBundle(written, r.output); !st) {
        return st;
    }
    report.summary.push_back(format("wrote %s: inference bundle v%u, %zu layers (%zu with a "
                                    "fused activation), weights %.2f MB",
                                    r.output.c_str(), bundle::kBundleFormatVersion, layers, fused,
                                    double(weightBytes) / 1e6));
    if (q) {
        report.summary.push_back(format(
            "INT8: %d of %zu layers (convolutions and dense layers), their weights %.2f MB -> "
            "%.2f MB; activation ranges calibrated on %s",
            q->summary.int8Layers, layers, double(q->summary.f32WeightBytes) / 1e6,
            double(q->summary.int8WeightBytes) / 1e6, q->calibrationSource.c_str()));
    }
    report.summary.push_back(format("weights pre-laid-out for this CPU's kernels: %d arrays "
                                    "(oneDNN blocked layouts for batch %lld; other CPUs reorder "
                                    "them once on loading)",
                                    packedCount, (long long)kPackBatch));
    if (progress) {
        progress("verifying the bundle against the engine");
    }
    auto model = rt::Model::load(r.output);
    if (!model) {
        return model.error();
    }
    std::vector<float> out(
        std::size_t(p.ref.batch * bundle::elementCount((*model)->outputShape())));
    if (auto st = (*model)->run(p.ref.inputs.data(), p.ref.batch, out.data()); !st) {
        return st;
    }
    if (out.size() != p.outputs.size()) {
        return Error::internal(r.output + ": the bundle's output size differs from the engine's");
    }
    VerificationRow row{written.header.outputName, 0, 0};
    for (std::size_t i = 0; i < out.size(); ++i) {
        double d = std::abs(double(out[i]) - p.outputs[i]);
        row.maxAbs = std::max(row.maxAbs, d);
        row.maxRel = std::max(row.maxRel, d / std::max(std::abs(double(p.outputs[i])), 1e-3));
    }
    if (!q) {
        report.verificationTitle = "the engine against the bundle (libnetwright_rt)";
        report.tolerance = kVerifyTolerance;
        report.rows.push_back(row);
        return Status::success();
    }
    // An INT8 bundle cannot match the engine to 1e-4: its report is its error on the
    // reference batch, how often it picks the engine's class, and the test accuracy both
    // bundles reach.
    std::int64_t classes = std::int64_t(out.size()) / std::max<std::int64_t>(p.ref.batch, 1);
    row.sameTop1 = 0;
    row.samples = p.ref.batch;
    for (std::int64_t i = 0; i < p.ref.batch; ++i) {
        auto a = out.begin() + i * classes;
        auto e = p.outputs.begin() + i * classes;
        row.sameTop1 +=
            std::max_element(a, a + classes) - a == std::max_element(e, e + classes) - e;
    }
    report.verificationTitle = "the engine (f32) against the INT8 bundle";
    report.rows.push_back(row);
    if (progress) {
        progress("measuring the test accuracy of the f32 and the INT8 bundle");
    }
    auto change = compareAccuracy(*b, written, p.project, p.dataset, report.accuracyNote);
    if (!change) {
        return change.error();
    }
    report.accuracy = *change;
    if (report.accuracy && report.accuracy->points() < -kInt8AccuracyBudget) {
        report.warnings.push_back(
            format("INT8 costs %.2f points of accuracy, more than %.1f; calibrate on more "
                   "samples (--calibration) or ship the f32 bundle (%s was written)",
                   -report.accuracy->points(), kInt8AccuracyBudget, r.output.c_str()));
    }
    return Status::success();
}

} // namespace

Expected<ExportReport> exportModel(const ExportRequest& r, const engine::BackendRegistry& backends,
                                   const ExportProgress& progress) {
    if (r.int8 && r.format != ExportFormat::Bundle) {
        return Error::user("INT8 quantisation is for inference bundles (--format bundle)");
    }
    if (r.weights.empty() == (r.run == 0)) {
        return Error::user("export needs the trained weights: a weights file (written by "
                           "train --save-weights) or a tracked run (its last checkpoint)");
    }
    if (r.output.empty()) {
        return Error::user("export needs an output file");
    }
    ExportReport report;
    report.format = r.format;
    report.output = r.output;
    Prepared p;
    if (auto st = prepare(r, backends, p, report, progress); !st) {
        return st.error();
    }
    if (progress) {
        progress(r.format == ExportFormat::Onnx ? "writing the ONNX model"
                                                : "writing the inference bundle");
    }
    if (auto st = r.format == ExportFormat::Onnx ? exportOnnx(r, p, report)
                                                 : exportBundle(r, p, report, progress);
        !st) {
        return st.error();
    }
    for (const auto& row : report.rows) {
        report.verified &= report.tolerance == 0 || row.maxAbs <= report.tolerance;
    }
    if (report.verified && p.fromRun) {
        if (auto st = recordExport(*p.fromRun, r.db, r.output,
                                   r.format == ExportFormat::Onnx ? "onnx" : "bundle");
            !st) {
            return st.error();
        }
    }
    return report;
}

std::string formatReport(const ExportReport& report) {
    std::ostringstream out;
    for (const auto& line : report.summary) {
        out << line << "\n";
    }
    out << "reference batch: " << report.referenceSource << "\n";
    out << "verification: " << report.verificationTitle;
    if (report.tolerance > 0) { // the rows below are judged by their max abs error only
        out << format("\n  max abs error <= tolerance %.0e passes; the relative error is shown "
                      "for information",
                      report.tolerance);
    }
    bool top1 = !report.rows.empty() && report.rows.front().sameTop1 >= 0;
    out << format("\n  %-16s %14s %14s", "output", "max abs error", "max rel error")
        << (top1 ? format(" %14s", "same top-1") : "") << "\n";
    for (const auto& row : report.rows) {
        bool failed = report.tolerance > 0 && row.maxAbs > report.tolerance;
        out << format("  %-16s %14.3e %14.3e", row.output.c_str(), row.maxAbs, row.maxRel)
            << (top1 ? format(" %8lld of %lld", (long long)row.sameTop1, (long long)row.samples)
                     : "")
            << (failed ? "  FAILED" : "") << "\n";
    }
    if (report.accuracy) {
        const auto& a = *report.accuracy;
        out << format("test accuracy on %lld samples of %s: f32 %.4f, INT8 %.4f (%+.2f points)\n",
                      (long long)a.samples, a.split.c_str(), a.f32, a.int8, a.points());
    } else if (!report.accuracyNote.empty()) {
        out << "test accuracy: not measured (" << report.accuracyNote << ")\n";
    }
    return out.str();
}

} // namespace nw::app
