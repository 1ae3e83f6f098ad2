// netwright-cli export and import: the pipelines of app/export/model_export.h and
// model_import.h, their reports on stdout, notes and warnings on stderr.
#include "app/cli/commands.h"
#include "app/export/model_export.h"
#include "app/export/model_import.h"

#include <iostream>

namespace nw::cli {

int runExport(const ExportCliOptions& o, const graph::OpRegistry& registry,
              const engine::BackendRegistry& backends) {
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
    app::ExportRequest r;
    r.project = o.project;
    r.weights = o.weights;
    r.run = o.run;
    r.db = o.db;
    r.format = o.format == "onnx" ? app::ExportFormat::Onnx : app::ExportFormat::Bundle;
    r.output = o.output;
    r.int8 = o.int8;
    r.calibration = o.calibration;
    r.samples = o.samples;
    r.threads = o.threads;
    r.reference = o.reference;
    r.device = o.device;
    r.registry = &registry;
    auto report = app::exportModel(r, backends);
    if (!report) {
        std::cerr << "error: " << report.error().message << "\n";
        return report.error().kind == Error::Kind::User ? kExitUser : kExitInternal;
    }
    for (const auto& note : report->notes) {
        std::cerr << "note: " << note << "\n";
    }
    std::cout << app::formatReport(*report) << std::flush;
    for (const auto& warning : report->warnings) {
        std::cerr << "warning: " << warning << "\n";
    }
    if (!report->verified) {
        std::cerr << "error: the exported model differs from the trained one by more than "
                  << report->tolerance << " (" << o.output
                  << " was written; please report this as a bug)\n";
        return kExitInternal;
    }
    return kExitOk;
}

int runImport(const ImportCliOptions& o, const graph::OpRegistry& registry,
              const engine::BackendRegistry& backends) {
    app::ImportRequest r;
    r.model = o.model;
    r.project = o.output;
    r.weights = o.weights;
    r.samples = o.samples;
    r.input = o.input;
    r.outputValues = o.writeOutput;
    r.mean = o.mean;
    r.std = o.std;
    r.registry = &registry;
    auto report = app::importModel(r, backends);
    if (!report) {
        std::cerr << "error: " << report.error().message << "\n";
        return report.error().kind == Error::Kind::User ? kExitUser : kExitInternal;
    }
    for (const auto& note : report->notes) {
        std::cerr << "note: " << note << "\n";
    }
    std::cout << app::formatImportReport(*report) << std::flush;
    if (!report->verified) {
        std::cerr << "error: the imported model's output differs from the ONNX model's by more "
                     "than "
                  << report->tolerance << " relative (" << o.output
                  << " was written; please report this as a bug)\n";
        return kExitInternal;
    }
    return kExitOk;
}

} // namespace nw::cli
