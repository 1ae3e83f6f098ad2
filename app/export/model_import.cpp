#include "app/export/model_import.h"

#include "app/export/export_support.h"
#include "base/rng.h"
#include "engine/plan/execution_plan.h"
#include "engine/plan/model_params.h"
#include "engine/train/weights_file.h"
#include "graph/onnx/import_loader.h"
#include "graph/onnx/onnx_import.h"
#include "graph/onnx/reference_runner.h"
#include "graph/project_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace nw::app {

namespace {

using graph::onnx_export::Value;

// The engine's model of the import on the CPU: an inference plan for `batch` samples whose
// parameters are the imported weights.
struct EngineModel {
    std::unique_ptr<engine::Backend> backend;
    std::unique_ptr<engine::ModelParams> params;
    std::unique_ptr<engine::ExecutionPlan> plan;
};

Expected<EngineModel> compileImported(const graph::onnx_import::ImportedModel& imported,
                                      const graph::OpRegistry& registry,
                                      const engine::BackendRegistry& backends, std::int64_t batch) {
    EngineModel m;
    auto cpu = backends.openBackend("cpu");
    if (!cpu) {
        return cpu.error();
    }
    m.backend = std::move(*cpu);
    m.params = std::make_unique<engine::ModelParams>(*m.backend);
    auto plan = engine::ExecutionPlan::compile(imported.project.graph, registry, *m.backend,
                                               *m.params, {batch, false, 0});
    if (!plan) {
        return plan.error();
    }
    m.plan = std::move(*plan);
    for (auto& e : m.params->entries()) {
        auto w = imported.weights.find({e->nodeId, e->spec.name});
        if (w == imported.weights.end()) {
            return Error::internal("the import gave no '" + e->spec.name + "' for node '" +
                                   e->nodeId + "'");
        }
        if (static_cast<std::int64_t>(w->second.data.size()) != e->value.numel()) {
            return Error::internal("the import's '" + e->spec.name + "' of node '" + e->nodeId +
                                   "' has " + std::to_string(w->second.data.size()) +
                                   " values, the plan " + std::to_string(e->value.numel()));
        }
        if (auto s = m.backend->copyFromHost(e->value, w->second.data.data()); !s) {
            return s.error();
        }
        e->initialized = true;
    }
    if (auto s = m.backend->synchronize(); !s) {
        return s.error();
    }
    return m;
}

// Softmax over the last axis, in place (the engine's logits against a model whose output is
// the probabilities of a Softmax the import dropped).
void softmaxRows(std::vector<float>& v, std::int64_t width) {
    for (std::size_t r = 0; r + std::size_t(width) <= v.size(); r += std::size_t(width)) {
        float* row = v.data() + r;
        const float top = *std::max_element(row, row + width);
        double sum = 0;
        for (std::int64_t i = 0; i < width; ++i) {
            sum += std::exp(double(row[i] - top));
        }
        for (std::int64_t i = 0; i < width; ++i) {
            row[i] = static_cast<float>(std::exp(double(row[i] - top)) / sum);
        }
    }
}

// The op that produces the model's first output ("Softmax", "Gemm", ...).
std::string outputProducer(const onnx::ModelProto& model) {
    const std::string& out = model.graph().output(0).name();
    for (const auto& n : model.graph().node()) {
        if (std::find(n.output().begin(), n.output().end(), out) != n.output().end()) {
            return n.op_type();
        }
    }
    return {};
}

// The batch the verification runs: the model input's fixed batch if it has one.
std::int64_t verificationBatch(const onnx::ModelProto& model, std::int64_t wanted) {
    const auto& g = model.graph();
    if (g.input_size() > 0 && g.input(0).type().tensor_type().shape().dim_size() > 0) {
        const auto& d = g.input(0).type().tensor_type().shape().dim(0);
        if (d.has_dim_value() && d.dim_value() > 0) {
            return d.dim_value();
        }
    }
    return wanted;
}

std::string format(const char* fmt, double a, double b) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a, b);
    return buf;
}

} // namespace

Expected<ImportReport> importModel(const ImportRequest& request,
                                   const engine::BackendRegistry& backends) {
    static const graph::OpRegistry builtIn = graph::makeCoreRegistry();
    const graph::OpRegistry& registry = request.registry ? *request.registry : builtIn;
    auto imported = graph::onnx_import::importOnnx(request.model, registry);
    if (!imported) {
        return imported.error();
    }
    auto loaded = graph::onnx_import::loadModel(request.model); // the reference's input
    if (!loaded) {
        return loaded.error();
    }
    const std::int64_t batch =
        verificationBatch(loaded->model, std::max<std::int64_t>(1, request.samples));
    auto model = compileImported(*imported, registry, backends, batch);
    if (!model) {
        return Error{request.model.string() +
                         ": the imported model does not compile: " + model.error().message,
                     model.error().kind};
    }

    ImportReport report;
    report.notes = imported->notes;
    report.project = request.project;
    report.weights = request.weights.empty()
                         ? std::filesystem::path(request.project).replace_extension(".nwweights")
                         : request.weights;
    std::int64_t params = 0;
    for (const auto& [key, t] : imported->weights) {
        params += static_cast<std::int64_t>(t.data.size());
    }
    report.summary.push_back("imported " + request.model.string() + ": " +
                             std::to_string(imported->project.graph.nodes().size()) + " nodes, " +
                             std::to_string(params) + " parameter values");

    // The same random batch through the engine and through the reference interpreter.
    engine::ExecutionPlan& plan = *model->plan;
    Value input{plan.input().shape(), std::vector<float>(std::size_t(plan.input().numel()))};
    CounterRng(7, streamId("import/verification")).fillNormal(input.data, 0.0f, 1.0f);
    // runReference gives the Loss node valid targets: left as they are, they are whatever the
    // allocator's memory held (a long-lived process such as the IDE fails on a bad label).
    auto engineOutput = runReference(*model->backend, plan, input.data);
    if (!engineOutput) {
        return engineOutput.error();
    }
    std::vector<float>& ours = *engineOutput;
    auto reference = graph::onnx_export::runModel(loaded->model, input);
    if (!reference) {
        report.unverifiedReason = reference.error().message;
    } else {
        const std::string name = loaded->model.graph().output(0).name();
        auto it = reference->find(name);
        if (it == reference->end() || it->second.data.size() != ours.size()) {
            report.unverifiedReason = "the reference gave no output '" + name + "' of " +
                                      std::to_string(ours.size()) + " values";
        } else {
            if (outputProducer(loaded->model) == "Softmax") {
                softmaxRows(ours, plan.prediction().shape().back());
            }
            VerificationRow row;
            row.output = name;
            row.samples = batch;
            for (std::size_t i = 0; i < ours.size(); ++i) {
                const double d = std::abs(double(ours[i]) - double(it->second.data[i]));
                row.maxAbs = std::max(row.maxAbs, d);
                row.maxRel =
                    std::max(row.maxRel, d / std::max(std::abs(double(it->second.data[i])), 1e-3));
            }
            report.rows.push_back(row);
            report.verified = row.maxRel <= report.tolerance;
        }
    }

    // Everything is known: write the weights, then the project that names nothing else.
    if (auto s = engine::saveWeights(*model->backend, *model->params, report.weights); !s) {
        return s.error();
    }
    report.summary.push_back("wrote " + report.weights.string());
    if (auto s = graph::writeProject(imported->project, request.project); !s) {
        return s.error();
    }
    report.summary.push_back("wrote " + request.project.string());
    return report;
}

std::string formatImportReport(const ImportReport& report) {
    std::ostringstream out;
    for (const auto& line : report.summary) {
        out << line << "\n";
    }
    if (!report.unverifiedReason.empty()) {
        out << "verification: not run (" << report.unverifiedReason << ")\n";
        return out.str();
    }
    out << "verification: the engine against the ONNX model (graph/onnx's reference), "
        << (report.rows.empty() ? 0 : report.rows.front().samples)
        << " random samples; max rel error <= " << format("%.0e", report.tolerance, 0)
        << " passes\n";
    for (const auto& row : report.rows) {
        out << "  " << row.output << ": max abs error "
            << format("%.3e, max rel error %.3e", row.maxAbs, row.maxRel)
            << (row.maxRel <= report.tolerance ? "  PASS" : "  FAILED") << "\n";
    }
    return out.str();
}

} // namespace nw::app
