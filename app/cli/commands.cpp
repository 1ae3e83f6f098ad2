#include "app/cli/commands.h"

#include "engine/plan/placement.h"
#include "graph/analysis.h"
#include "graph/project_file.h"
#include "graph/summary.h"

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

namespace nw::cli {

namespace {

using nlohmann::ordered_json;

struct Loaded {
    graph::Project project;
    graph::GraphAnalysis analysis;
};

// Reads and analyses FILE; prints the error and returns nullopt when it cannot be read.
std::optional<Loaded> load(const std::string& file, const graph::OpRegistry& registry) {
    auto project = graph::readProject(file, registry);
    if (!project) {
        std::cerr << "error: " << project.error().message << "\n";
        return std::nullopt;
    }
    Loaded out{std::move(*project), {}};
    out.analysis = graph::analyze(out.project.graph, registry);
    return out;
}

const char* severityName(graph::Problem::Severity s) {
    return s == graph::Problem::Severity::Error ? "error" : "warning";
}

void printProblems(const std::string& file, const graph::GraphAnalysis& analysis) {
    for (const auto& p : analysis.problems) {
        std::cerr << severityName(p.severity) << ": " << file << ": " << p.toString() << "\n";
    }
}

ordered_json problemsJson(const graph::GraphAnalysis& analysis) {
    ordered_json out = ordered_json::array();
    for (const auto& p : analysis.problems) {
        out.push_back({{"severity", severityName(p.severity)},
                       {"node", p.nodeId},
                       {"field", p.field},
                       {"message", p.message}});
    }
    return out;
}

ordered_json shapeJson(const graph::Shape& s) {
    ordered_json out = ordered_json::array();
    for (auto d : s.dims) {
        out.push_back(d == graph::Shape::kBatch ? ordered_json(nullptr) : ordered_json(d));
    }
    return out;
}

} // namespace

int runValidate(const std::string& file, bool json, const graph::OpRegistry& registry) {
    auto loaded = load(file, registry);
    if (!loaded) {
        return kExitUser;
    }
    const auto& analysis = loaded->analysis;
    std::size_t errors = analysis.errorCount();
    std::size_t warnings = analysis.problems.size() - errors;
    if (json) {
        std::cout << ordered_json{{"file", file},
                                  {"valid", errors == 0},
                                  {"errors", errors},
                                  {"warnings", warnings},
                                  {"problems", problemsJson(analysis)}}
                         .dump()
                  << "\n";
    } else {
        printProblems(file, analysis);
        std::cout << file << ": " << (errors == 0 ? "valid" : "invalid") << " (" << errors
                  << " error" << (errors == 1 ? "" : "s") << ", " << warnings << " warning"
                  << (warnings == 1 ? "" : "s") << ")\n";
    }
    return errors == 0 ? kExitOk : kExitUser;
}

int runSummary(const std::string& file, bool json, const std::string& device,
               const graph::OpRegistry& registry, const engine::BackendRegistry& backends) {
    auto loaded = load(file, registry);
    if (!loaded) {
        return kExitUser;
    }
    const auto& analysis = loaded->analysis;
    auto summary = graph::summarize(loaded->project.graph, analysis);
    std::vector<std::string> fallbacks; // "node 'bn1' (BatchNorm): cuda:0 has no ... kernel"
    if (!device.empty()) {
        auto backend = backends.openBackend(device);
        if (!backend) {
            std::cerr << "error: --device: " << backend.error().message << "\n";
            return kExitUser;
        }
        auto placement = engine::placeNodes(loaded->project.graph, **backend);
        for (auto& row : summary.rows) {
            for (const auto& p : placement) {
                if (p.nodeId == row.node) {
                    row.device = p.device;
                    if (!p.reason.empty()) {
                        fallbacks.push_back("node '" + p.nodeId + "' runs on the CPU: " + p.reason);
                    }
                }
            }
        }
    }
    bool valid = !analysis.hasErrors();
    if (json) {
        ordered_json layers = ordered_json::array();
        for (const auto& row : summary.rows) {
            ordered_json shapes = ordered_json::array();
            for (const auto& s : row.outputs) {
                shapes.push_back(shapeJson(s));
            }
            layers.push_back({{"node", row.node},
                              {"op", row.op},
                              {"output_shapes", shapes},
                              {"params", row.params},
                              {"flops", row.flops}});
            if (row.frozen) {
                layers.back()["frozen"] = true;
            }
            if (!row.device.empty()) {
                layers.back()["device"] = row.device;
            }
        }
        std::cout << ordered_json{{"file", file},
                                  {"name", loaded->project.name},
                                  {"valid", valid},
                                  {"layers", layers},
                                  {"trainable_params", summary.totals.trainableParams},
                                  {"frozen_params", summary.frozenParams},
                                  {"non_trainable_params", summary.totals.nonTrainableParams},
                                  {"flops_per_sample", summary.totals.flops},
                                  {"parameter_bytes", summary.parameterBytes},
                                  {"activation_bytes_per_sample", summary.activationBytesPerSample},
                                  {"problems", problemsJson(analysis)}}
                         .dump()
                  << "\n";
    } else {
        std::cout << (loaded->project.name.empty() ? file : loaded->project.name) << "\n\n"
                  << graph::formatSummaryTable(summary);
        for (const auto& f : fallbacks) {
            std::cout << "note: " << f << "\n";
        }
        printProblems(file, analysis);
    }
    return valid ? kExitOk : kExitUser;
}

} // namespace nw::cli
