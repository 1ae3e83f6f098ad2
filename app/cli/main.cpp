// netwright-cli: Netwright without a display — validate, summarise (and later train, eval,
// export) projects on a workstation or a cluster node.
#include "app/cli/commands.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"netwright-cli: build, check and train neural networks without the IDE"};
    app.set_version_flag("--version", "netwright-cli 0.1.0");
    app.require_subcommand(1);

    std::string file;
    bool json = false;
    auto* validate = app.add_subcommand(
        "validate", "Check a project file; exit 2 and list the problems when it is invalid");
    validate->add_option("FILE", file, "Project file (.nwproj)")->required();
    validate->add_flag("--json", json, "Print the problems as one JSON object");

    auto* summary = app.add_subcommand(
        "summary", "Per-layer table: output shape, parameters and FLOPs, with totals");
    summary->add_option("FILE", file, "Project file (.nwproj)")->required();
    summary->add_flag("--json", json, "Print one JSON object instead of the table");

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return nw::cli::kExitUser;
    }

    try {
        if (validate->parsed()) {
            return nw::cli::runValidate(file, json);
        }
        if (summary->parsed()) {
            return nw::cli::runSummary(file, json);
        }
    } catch (const std::exception& e) {
        std::cerr << "netwright-cli: internal error: " << e.what() << "\n";
        return nw::cli::kExitInternal;
    }
    return nw::cli::kExitInternal;
}
