#include "app/export/export_support.h"

#include "graph/project_file.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace nw::app {

Expected<graph::onnx_export::WeightMap> hostWeights(engine::Backend& backend,
                                                    const engine::ModelParams& params) {
    graph::onnx_export::WeightMap weights;
    for (const auto& e : params.entries()) {
        graph::onnx_export::HostTensor t;
        t.dims = e->value.shape();
        t.data.resize(static_cast<std::size_t>(e->value.numel()));
        if (auto st = backend.copyToHost(e->value, t.data.data()); !st) {
            return st.error();
        }
        weights[{e->nodeId, e->spec.name}] = std::move(t);
    }
    if (auto st = backend.synchronize(); !st) {
        return st.error();
    }
    return weights;
}

Expected<std::vector<float>> runReference(engine::Backend& backend, engine::ExecutionPlan& plan,
                                          const std::vector<float>& inputs) {
    if (static_cast<std::int64_t>(inputs.size()) != plan.input().numel()) {
        return Error::internal("reference batch: " + std::to_string(inputs.size()) +
                               " inputs for " + plan.input().toString());
    }
    if (auto st = backend.copyFromHost(plan.input(), inputs.data()); !st) {
        return st.error();
    }
    // The Loss node runs too: give it valid targets (class 0, or zeros), whose loss we ignore.
    std::vector<char> zeros(plan.targets().bytes(), 0);
    if (auto st = backend.copyFromHost(plan.targets(), zeros.data()); !st) {
        return st.error();
    }
    if (auto st = plan.forward(false, 0); !st) {
        return st.error();
    }
    std::vector<float> out(static_cast<std::size_t>(plan.prediction().numel()));
    if (auto st = backend.copyToHost(plan.prediction(), out.data()); !st) {
        return st.error();
    }
    if (auto st = backend.synchronize(); !st) {
        return st.error();
    }
    return out;
}

Expected<std::vector<OutputError>> verifyExport(const graph::onnx_export::ExportResult& exported,
                                                const graph::onnx_export::Value& input,
                                                const std::vector<float>& engineOutputs) {
    auto ran = graph::onnx_export::runModel(exported.model, input);
    if (!ran) {
        return ran.error();
    }
    std::vector<OutputError> rows;
    for (std::size_t k = 0; k < exported.outputs.size(); ++k) {
        const std::string& name = exported.outputs[k].name;
        std::vector<double> want(engineOutputs.begin(), engineOutputs.end());
        if (k > 0) { // probabilities: the softmax of each row of the engine's logits
            std::size_t cols = static_cast<std::size_t>(exported.outputs[0].perSample.at(0));
            for (std::size_t r = 0; r + cols <= want.size(); r += cols) {
                double mx = *std::max_element(want.begin() + r, want.begin() + r + cols), sum = 0;
                for (std::size_t c = r; c < r + cols; ++c) {
                    sum += (want[c] = std::exp(want[c] - mx));
                }
                for (std::size_t c = r; c < r + cols; ++c) {
                    want[c] /= sum;
                }
            }
        }
        const auto& got = (*ran)[name].data;
        if (got.size() != want.size()) {
            return Error::internal("verification: output '" + name + "' has " +
                                   std::to_string(got.size()) + " values, the engine " +
                                   std::to_string(want.size()));
        }
        OutputError row{name};
        for (std::size_t i = 0; i < got.size(); ++i) {
            double d = std::abs(double(got[i]) - want[i]);
            row.maxAbs = std::max(row.maxAbs, d);
            row.maxRel = std::max(row.maxRel, d / std::max(std::abs(want[i]), 1e-3));
        }
        rows.push_back(row);
    }
    return rows;
}

namespace {

std::string bytesOf(const std::vector<float>& v) {
    return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)};
}

} // namespace

Status writeReference(const std::filesystem::path& prefix, const std::filesystem::path& modelFile,
                      const engine::Dims& inputShape, const std::vector<float>& inputs,
                      const graph::onnx_export::ExportedOutput& output,
                      const engine::Dims& outputShape, const std::vector<float>& outputs,
                      bool hasProbabilities) {
    std::filesystem::path dir = prefix.parent_path();
    std::string stem = prefix.filename().string();
    std::string inputFile = stem + ".input.f32";
    std::string outputFile = stem + "." + output.name + ".f32";
    if (auto st = graph::writeFileAtomically(dir / inputFile, bytesOf(inputs)); !st) {
        return st;
    }
    if (auto st = graph::writeFileAtomically(dir / outputFile, bytesOf(outputs)); !st) {
        return st;
    }
    std::error_code ec;
    auto rel = std::filesystem::relative(modelFile, dir.empty() ? "." : dir, ec);
    nlohmann::ordered_json j{
        {"model", ec ? modelFile.string() : rel.string()},
        {"input",
         {{"name", graph::onnx_export::kInputName}, {"shape", inputShape}, {"file", inputFile}}},
        {"outputs", nlohmann::ordered_json::array(
                        {{{"name", output.name}, {"shape", outputShape}, {"file", outputFile}}})},
        {"softmax_of",
         hasProbabilities ? nlohmann::ordered_json(output.name) : nlohmann::ordered_json(nullptr)}};
    return graph::writeFileAtomically(dir / (stem + ".json"), j.dump(2) + "\n");
}

} // namespace nw::app
