#include "app/export/model_import.h"

#include "app/export/export_support.h"
#include "base/rng.h"
#include "engine/plan/execution_plan.h"
#include "engine/plan/model_params.h"
#include "engine/train/weights_file.h"
#include "graph/onnx/import_loader.h"
#include "graph/onnx/import_tensor.h"
#include "graph/onnx/onnx_import.h"
#include "graph/onnx/reference_runner.h"
#include "graph/project_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
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

// `file` as the project at `project` names it: relative to its folder, or absolute where no
// relative path leads there (another drive root).
std::string pathFrom(const std::filesystem::path& project, const std::filesystem::path& file) {
    const auto dir = std::filesystem::absolute(project).parent_path().lexically_normal();
    const auto target = std::filesystem::absolute(file).lexically_normal();
    const auto relative = target.lexically_relative(dir);
    return relative.empty() ? target.string() : relative.generic_string();
}

// A TensorProto file (netwright-cli import --input), decoded.
Expected<graph::onnx_import::Constant> readTensorFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return Error::user(file.string() + ": cannot read the input batch");
    }
    onnx::TensorProto t;
    if (!t.ParseFromIstream(&in)) {
        return Error::user(file.string() + ": not an ONNX TensorProto (.pb)");
    }
    if (t.data_location() == onnx::TensorProto::EXTERNAL) {
        return Error::user(file.string() + ": the tensor's data is external; give it inline");
    }
    auto c = graph::onnx_import::decodeTensor(t, "the input batch");
    if (!c) {
        return Error::user(file.string() + ": " + c.error().message);
    }
    return c;
}

// `values` of shape `dims` as a float TensorProto file, written atomically.
Status writeTensorFile(const std::filesystem::path& file, const std::vector<std::int64_t>& dims,
                       const std::vector<float>& values) {
    onnx::TensorProto t;
    t.set_name("output");
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) {
        t.add_dims(d);
    }
    t.set_raw_data(values.data(), values.size() * sizeof(float)); // little-endian hosts only
    const std::filesystem::path tmp = file.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out || !t.SerializeToOstream(&out) || !out.flush()) {
            std::error_code ec;
            std::filesystem::remove(tmp, ec);
            return Error::user(file.string() + ": cannot write the output values");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) {
        return Error::user(file.string() + ": cannot write the output values: " + ec.message());
    }
    return Status::success();
}

// --mean / --std onto the project's dataset, checked against the input's channels.
Status applyNormalization(const ImportRequest& r, graph::onnx_import::ImportedModel& imported) {
    if (r.mean.empty() && r.std.empty()) {
        return Status::success();
    }
    const graph::Node* input = nullptr;
    for (const auto& n : imported.project.graph.nodes()) {
        input = n.op == "Input" ? &n : input;
    }
    const auto& shape = std::get<graph::IntList>(input->attrs.at("shape"));
    const auto channels = static_cast<std::size_t>(shape.front());
    if (r.mean.size() != r.std.size() || (r.mean.size() != 1 && r.mean.size() != channels)) {
        return Error::user("the normalisation has " + std::to_string(r.mean.size()) +
                           " means and " + std::to_string(r.std.size()) +
                           " standard deviations; the input " + graph::attrValueToString(shape) +
                           " takes 1 or " + std::to_string(channels) + " of each");
    }
    for (double s : r.std) {
        if (!(s > 0)) {
            return Error::user("the normalisation's standard deviations must be positive");
        }
    }
    imported.project.dataset.mean = r.mean;
    imported.project.dataset.std = r.std;
    imported.notes.push_back("input normalisation (x / 255 - mean) / std as given");
    return Status::success();
}

// An image model without normalisation: ONNX records none, so say where it goes.
void noteMissingNormalization(graph::onnx_import::ImportedModel& imported) {
    if (!imported.project.dataset.mean.empty()) {
        return;
    }
    for (const auto& n : imported.project.graph.nodes()) {
        if (n.op == "Input" && std::get<graph::IntList>(n.attrs.at("shape")).size() == 3) {
            imported.notes.push_back(
                "the model records no input normalisation: if it was trained with one "
                "(ImageNet's mean and std, say), give it with --mean and --std, or in the IDE's "
                "Data mode with Set normalization…, before training on images");
        }
    }
}

std::string format(const char* fmt, double a, double b) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a, b);
    return buf;
}

} // namespace

Expected<std::vector<float>> runImported(const graph::onnx_import::ImportedModel& imported,
                                         const graph::OpRegistry& registry,
                                         const engine::BackendRegistry& backends,
                                         std::int64_t batch, const std::vector<float>& input) {
    auto model = compileImported(imported, registry, backends, batch);
    if (!model) {
        return model.error();
    }
    if (static_cast<std::int64_t>(input.size()) != model->plan->input().numel()) {
        return Error::user("the input has " + std::to_string(input.size()) + " values; " +
                           std::to_string(batch) + " samples of the model's input take " +
                           std::to_string(model->plan->input().numel()));
    }
    return runReference(*model->backend, *model->plan, input);
}

Expected<ImportReport> importModel(const ImportRequest& request,
                                   const engine::BackendRegistry& backends) {
    static const graph::OpRegistry builtIn = graph::makeCoreRegistry();
    const graph::OpRegistry& registry = request.registry ? *request.registry : builtIn;
    auto imported = graph::onnx_import::importOnnx(request.model, registry);
    if (!imported) {
        return imported.error();
    }
    if (auto s = applyNormalization(request, *imported); !s) {
        return s.error();
    }
    noteMissingNormalization(*imported);
    auto loaded = graph::onnx_import::loadModel(request.model); // the reference's input
    if (!loaded) {
        return loaded.error();
    }
    std::optional<graph::onnx_import::Constant> given;
    if (!request.input.empty()) {
        auto t = readTensorFile(request.input);
        if (!t) {
            return t.error();
        }
        given = std::move(*t);
    }
    const std::int64_t batch =
        imported->oneSample ? 1
        : given             ? (given->dims.empty() ? 1 : given->dims[0])
                : verificationBatch(loaded->model, std::max<std::int64_t>(1, request.samples));
    auto model = compileImported(*imported, registry, backends, batch);
    if (!model) {
        return Error{request.model.string() +
                         ": the imported model does not compile: " + model.error().message,
                     model.error().kind};
    }

    ImportReport report;
    report.notes = imported->notes;
    report.input = request.input;
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
    if (imported->oneSample) { // the model's input is the sample, without our batch axis
        input.dims.erase(input.dims.begin());
    }
    if (given) {
        if (given->dims != input.dims) {
            return Error::user(request.input.string() + ": the batch is " + given->dimsText() +
                               "; the model takes " +
                               graph::onnx_import::Constant::floats(input.dims, {}).dimsText());
        }
        for (std::size_t k = 0; k < input.data.size(); ++k) {
            input.data[k] = static_cast<float>(given->at(static_cast<std::int64_t>(k)));
        }
    } else {
        CounterRng(7, streamId("import/verification")).fillNormal(input.data, 0.0f, 1.0f);
    }
    // runReference gives the Loss node valid targets: left as they are, they are whatever the
    // allocator's memory held (a long-lived process such as the IDE fails on a bad label).
    auto engineOutput = runReference(*model->backend, plan, input.data);
    if (!engineOutput) {
        return engineOutput.error();
    }
    std::vector<float>& ours = *engineOutput;
    if (!request.outputValues.empty()) {
        if (auto s = writeTensorFile(request.outputValues, plan.prediction().shape(), ours); !s) {
            return s.error();
        }
    }
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
            double scale = 0;
            for (std::size_t i = 0; i < ours.size(); ++i) {
                const double d = std::abs(double(ours[i]) - double(it->second.data[i]));
                row.maxAbs = std::max(row.maxAbs, d);
                row.maxRel =
                    std::max(row.maxRel, d / std::max(std::abs(double(it->second.data[i])), 1e-3));
                scale = std::max(scale, std::abs(double(it->second.data[i])));
            }
            row.scaleRel = row.maxAbs / std::max(scale, 1e-30);
            report.rows.push_back(row);
            report.verified = row.scaleRel <= report.tolerance;
        }
    }

    // Everything is known: write the weights, then the project that names nothing else. The
    // project starts training from them (training.initial_weights, relative to it), so that
    // `train` on the import fine-tunes it.
    if (auto s = engine::saveWeights(*model->backend, *model->params, report.weights); !s) {
        return s.error();
    }
    report.summary.push_back("wrote " + report.weights.string());
    imported->project.training.initialWeights = pathFrom(request.project, report.weights);
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
    const std::int64_t samples = report.rows.empty() ? 0 : report.rows.front().samples;
    const std::string noun = samples == 1 ? "sample" : "samples";
    out << "verification: the engine against the ONNX model (graph/onnx's reference), " << samples
        << " " << (report.input.empty() ? "random " + noun : noun + " of " + report.input.string())
        << "; an error of at most " << format("%.0e", report.tolerance, 0)
        << " of the output's largest value passes\n";
    for (const auto& row : report.rows) {
        out << "  " << row.output << ": max abs error "
            << format("%.3e (%.3e of the largest value)", row.maxAbs, row.scaleRel)
            << format(", max elementwise rel error %.3e", row.maxRel, 0)
            << (row.scaleRel <= report.tolerance ? "  PASS" : "  FAILED") << "\n";
    }
    return out.str();
}

} // namespace nw::app
