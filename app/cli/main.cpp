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

    nw::cli::RunOptions run;
    auto addRunOptions = [&run](CLI::App* cmd) {
        cmd->add_option("PROJECT", run.project, "Project file (.nwproj)")->required();
        cmd->add_option("--batch", run.batch, "Batch size (default: the project's)")
            ->check(CLI::Range(1, 1 << 20));
        cmd->add_option("--seed", run.seed, "Random seed (default: the project's)");
        cmd->add_option("--device", run.device, "cpu (cuda:N and vulkan:N with their backends)");
        cmd->add_option("--threads", run.threads, "CPU threads (default: every core)")
            ->check(CLI::Range(0, 1024));
        cmd->add_flag("--json", run.json, "Print one JSON object as the last line");
    };
    auto* train = app.add_subcommand("train", "Train a project on its dataset");
    addRunOptions(train);
    train->add_option("--epochs", run.epochs, "Epochs (default: the project's)")
        ->check(CLI::Range(1, 100000));
    train->add_option("--lr", run.learningRate, "Learning rate (default: the project's)")
        ->check(CLI::Range(1e-12, 10.0));
    train->add_option("--max-steps", run.maxSteps, "Stop after this many steps")
        ->check(CLI::Range(1ll << 0, 1ll << 40));
    train->add_option("--save-weights", run.saveWeights, "Write the trained weights to FILE");

    auto* eval = app.add_subcommand("eval", "Evaluate saved weights on the test split");
    addRunOptions(eval);
    eval->add_option("--weights", run.weights, "Weights file written by train --save-weights")
        ->required();

    auto* bench = app.add_subcommand(
        "bench", "Training and inference throughput on preloaded data, warm-up excluded");
    addRunOptions(bench);
    bench->add_option("--steps", run.steps, "Timed steps (default 50)")
        ->check(CLI::Range(1, 1000000));
    bench->add_option("--infer-batch", run.inferBatch, "Inference batch size (default 256)")
        ->check(CLI::Range(1, 1 << 20));

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
        if (train->parsed()) {
            return nw::cli::runTrain(run);
        }
        if (eval->parsed()) {
            return nw::cli::runEval(run);
        }
        if (bench->parsed()) {
            return nw::cli::runBench(run);
        }
    } catch (const std::exception& e) {
        std::cerr << "netwright-cli: internal error: " << e.what() << "\n";
        return nw::cli::kExitInternal;
    }
    return nw::cli::kExitInternal;
}
