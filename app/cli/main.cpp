// netwright-cli: Netwright without a display — validate, summarise (and later train, eval,
// export) projects on a workstation or a cluster node.
#include "app/backends.h"
#include "app/cli/commands.h"
#include "app/cli/dataset_commands.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"netwright-cli: build, check and train neural networks without the IDE"};
    app.set_version_flag("--version", "netwright-cli 0.1.0");
    app.require_subcommand(1);
    app.fallthrough(); // --plugin also after the subcommand
    std::vector<std::string> pluginFiles;
    app.add_option("--plugin", pluginFiles,
                   "Load this plugin library too (repeatable; besides those in "
                   "NETWRIGHT_PLUGIN_PATH and ~/.local/share/netwright/plugins)");

    std::string file;
    bool json = false;
    auto* validate = app.add_subcommand(
        "validate", "Check a project file; exit 2 and list the problems when it is invalid");
    validate->add_option("FILE", file, "Project file (.nwproj)")->required();
    validate->add_flag("--json", json, "Print the problems as one JSON object");

    auto* devices = app.add_subcommand(
        "devices", "The compute devices this machine has, and the backends it lacks (why)");
    devices->add_flag("--json", json, "Print one JSON object");

    auto* summary = app.add_subcommand(
        "summary", "Per-layer table: output shape, parameters and FLOPs, with totals");
    summary->add_option("FILE", file, "Project file (.nwproj)")->required();
    summary->add_flag("--json", json, "Print one JSON object instead of the table");
    std::string summaryDevice;
    summary->add_option("--device", summaryDevice,
                        "Also show where each node runs on DEVICE (the CPU for an op its "
                        "backend lacks)");

    auto* pluginsCmd = app.add_subcommand(
        "plugins", "The plugins loaded (their ops) and those refused, with the reason");
    pluginsCmd->add_flag("--json", json, "Print one JSON object");

    bool markdown = false;
    auto* ops = app.add_subcommand("ops", "The built-in ops: name, category and what each does");
    ops->add_flag("--markdown", markdown,
                  "Print the full op reference (docs/ops.md) generated from the op schemas");

    nw::cli::RunOptions run;
    auto addRunOptions = [&run](CLI::App* cmd, bool projectRequired = true) {
        cmd->add_option("PROJECT", run.project, "Project file (.nwproj)")
            ->required(projectRequired);
        cmd->add_option("--batch", run.batch, "Batch size (default: the project's)")
            ->check(CLI::Range(1, 1 << 20));
        cmd->add_option("--seed", run.seed, "Random seed (default: the project's)");
        cmd->add_option("--device", run.device,
                        "Device to run on: cpu, cuda:N, vulkan:N (see `devices`; default: the "
                        "project's training.device)");
        cmd->add_option("--threads", run.threads, "CPU threads (default: every core)")
            ->check(CLI::Range(0, 1024));
        cmd->add_option("--precision", run.precision,
                        "Arithmetic of convolutions and matrix products: fp32, tf32 (CUDA) or "
                        "bf16 (CUDA, CPUs with AVX512-BF16); default: the project's "
                        "training.precision")
            ->check(CLI::IsMember({"fp32", "tf32", "bf16"}));
        cmd->add_flag("--json", run.json, "Print one JSON object as the last line");
    };
    auto* train = app.add_subcommand("train", "Train a project on its dataset");
    addRunOptions(train, false); // not with --resume
    train->add_option("--epochs", run.epochs, "Epochs (default: the project's)")
        ->check(CLI::Range(1, 100000));
    train->add_option("--lr", run.learningRate, "Learning rate (default: the project's)")
        ->check(CLI::Range(1e-12, 10.0));
    train->add_option("--max-steps", run.maxSteps, "Stop after this many steps")
        ->check(CLI::Range(1ll << 0, 1ll << 40));
    train->add_option("--save-weights", run.saveWeights, "Write the trained weights to FILE");
    train->add_option("--init-weights", run.initWeights,
                      "Fine-tune: start from the tensors of this weights file whose node, name "
                      "and shape match; the others keep their initialiser (default: the "
                      "project's training.initial_weights)");
    train->add_option("--db", run.db,
                      "Experiment database (default: $NETWRIGHT_DB, else "
                      "$XDG_DATA_HOME/netwright/experiments.db)");
    train->add_option("--name", run.name, "The run's name (default: the project's)");
    train->add_option("--resume", run.resume,
                      "Continue this stopped or crashed run from its last checkpoint");
    train
        ->add_option("--checkpoint-every", run.checkpointEvery,
                     "Also checkpoint every N steps (default: every epoch and on stop)")
        ->check(CLI::Range(0ll, 1ll << 40));
    train
        ->add_option("--checkpoint-every-minutes", run.checkpointEveryMinutes,
                     "Also checkpoint after this many minutes of training, so a crash costs at "
                     "most that much (default: the project's, 10; 0: off)")
        ->check(CLI::Range(0.0, 10080.0));
    train
        ->add_option("--stop-after", run.stopAfter,
                     "Stop (resumably, as Ctrl+C does) after this global step")
        ->check(CLI::Range(0ll, 1ll << 40));
    train
        ->add_flag("--no-track", run.noTrack,
                   "Train without recording the run: no experiment database, no checkpoints "
                   "(for a read-only or unavailable database; keep the weights with "
                   "--save-weights)")
        ->excludes("--db", "--name", "--resume", "--checkpoint-every",
                   "--checkpoint-every-minutes");
    train->add_flag(
        "--distributed", run.distributed,
        "Data-parallel training over MPI: start every rank with mpirun -np K (or srun); each "
        "trains on its shard of every batch, gradients are averaged, rank 0 records the run. "
        "kill -USR1 (forwarded by mpirun) stops every rank resumably after the same step");
    train
        ->add_flag("--sync-batch-norm", run.syncBatchNorm,
                   "With --distributed: batch-norm statistics over the global batch, as one "
                   "process computes them (default: each rank's own shard's; CPU only)")
        ->needs("--distributed");
    train
        ->add_option("--bucket-mb", run.bucketMb,
                     "With --distributed: megabytes of gradients per allreduce (default 25); "
                     "smaller buckets start sooner, overlapping more of backward")
        ->check(CLI::Range(0.001, 4096.0))
        ->needs("--distributed");

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
    bench
        ->add_option("--freeze", run.freeze,
                     "Freeze these nodes (comma-separated ids) as fine-tuning does: no weight "
                     "gradients, and no backward before the first node that trains")
        ->delimiter(',');
    bench->add_flag("--profile", run.profile,
                    "Also time every kernel of a few training steps on the device (GPU backends)");

    nw::cli::ExportCliOptions exportOptions;
    auto* exportCmd = app.add_subcommand(
        "export", "Export a trained project to ONNX (checked by the ONNX checker and shape "
                  "inference)");
    exportCmd->add_option("PROJECT", exportOptions.project, "Project file (.nwproj)")->required();
    exportCmd->add_option("--weights", exportOptions.weights,
                          "Weights file written by train --save-weights");
    exportCmd->add_option("--run", exportOptions.run,
                          "A tracked run instead of --weights: its last checkpoint and the "
                          "graph as it trained it");
    exportCmd->add_option("--db", exportOptions.db, "Experiment database for --run");
    exportCmd
        ->add_option("--format", exportOptions.format,
                     "onnx, or bundle (Netwright's optimised inference bundle)")
        ->check(CLI::IsMember({"onnx", "bundle"}));
    exportCmd->add_option("-o,--output", exportOptions.output, "Output file (.onnx, .nwbundle)")
        ->required();
    exportCmd->add_option("--reference", exportOptions.reference,
                          "Also write the reference batch and the engine's outputs as "
                          "PREFIX.json, PREFIX.*.f32 (for tests/export/check_onnx.py)");
    exportCmd->add_option("--samples", exportOptions.samples, "Reference batch size (default 64)")
        ->check(CLI::Range(1, 65536));
    exportCmd->add_option("--threads", exportOptions.threads, "CPU threads (default: every core)")
        ->check(CLI::Range(0, 1024));
    exportCmd->add_option("--device", exportOptions.device,
                          "Device the engine computes the reference outputs on (default cpu; "
                          "see `devices`)");
    exportCmd->add_flag("--int8", exportOptions.int8,
                        "Bundle: INT8 post-training quantisation (per-channel weights, "
                        "calibrated activations); reports the test-accuracy change");
    exportCmd
        ->add_option("--calibration", exportOptions.calibration,
                     "Training samples to calibrate INT8 activation ranges on (default 1000)")
        ->check(CLI::Range(1, 1 << 24));

    nw::cli::ImportCliOptions importOptions;
    auto* importCmd = app.add_subcommand(
        "import", "Import an ONNX model (opset 11 or later, external data beside it) as a "
                  "trainable project and its weights, verified against the model");
    importCmd->add_option("MODEL", importOptions.model, "ONNX model (.onnx)")->required();
    importCmd->add_option("-o,--output", importOptions.output, "Project file to write (.nwproj)")
        ->required();
    importCmd->add_option("--weights", importOptions.weights,
                          "Weights file to write (default: the project's name, .nwweights)");
    importCmd
        ->add_option("--samples", importOptions.samples,
                     "Random samples the verification runs through both (default 8)")
        ->check(CLI::Range(1, 4096));
    importCmd->add_option("--input", importOptions.input,
                          "Verify on this batch instead of random samples: an ONNX TensorProto "
                          "(.pb) of the model input's shape, the first axis the batch");
    importCmd->add_option("--write-output", importOptions.writeOutput,
                          "Write the engine's output on the verification batch to this file, "
                          "as a TensorProto (.pb), to compare with another runtime's");
    importCmd
        ->add_option("--mean", importOptions.mean,
                     "The input normalisation the model was trained with, x' = (x / 255 - "
                     "mean) / std: the means, one per channel or one for all")
        ->delimiter(',');
    importCmd
        ->add_option("--std", importOptions.std,
                     "... and the standard deviations (ONNX files do not record them)")
        ->delimiter(',');

    nw::cli::GenerateOptions gen;
    auto* generate = app.add_subcommand(
        "generate", "Text from a trained language model, streamed as it is drawn");
    generate->add_option("PROJECT", gen.project, "Project file (.nwproj) of a text corpus")
        ->required();
    generate->add_option("--weights", gen.weights, "Weights file written by train --save-weights");
    generate->add_option("--run", gen.run,
                         "A tracked run instead of --weights: its last checkpoint and the graph "
                         "as it trained it");
    generate->add_option("--db", gen.db, "Experiment database for --run");
    generate->add_option("--prompt", gen.prompt, "The text to continue")->required();
    generate->add_option("--tokens", gen.tokens, "Tokens to generate (default 200)")
        ->check(CLI::Range(std::int64_t(1), std::int64_t(1) << 20));
    generate
        ->add_option("--temperature", gen.temperature,
                     "Divides the logits: below 1 more likely text, above 1 more varied "
                     "(default 1)")
        ->check(CLI::Range(1e-4, 100.0));
    generate->add_option("--top-k", gen.topK, "Sample among the K likeliest tokens (0: all)")
        ->check(CLI::Range(0, 1 << 20));
    generate->add_option("--seed", gen.seed, "Sampling seed (default 0)");
    generate->add_option("--device", gen.device, "Device (default: the project's; see `devices`)");
    generate->add_option("--threads", gen.threads, "CPU threads (default: every core)")
        ->check(CLI::Range(0, 1024));

    nw::cli::RunsOptions runsOpts;
    std::int64_t runId = 0; // show, export, tag, delete: one run
    auto* runs = app.add_subcommand("runs", "The experiment database: recorded training runs");
    runs->require_subcommand(1);
    runs->fallthrough(); // --db also after the subcommand
    runs->add_option("--db", runsOpts.db,
                     "Experiment database (default: $NETWRIGHT_DB, else "
                     "$XDG_DATA_HOME/netwright/experiments.db)");
    auto* runsList = runs->add_subcommand("list", "Every run, newest first");
    runsList->add_flag("--json", runsOpts.json, "One JSON array");
    auto* runsShow = runs->add_subcommand("show", "A run: settings, parameters, metrics, files");
    runsShow->add_option("ID", runId, "Run id")->required();
    runsShow->add_flag("--json", runsOpts.json, "One JSON object");
    auto* runsCompare = runs->add_subcommand(
        "compare", "Runs side by side: differing hyper-parameters, final and best metrics");
    runsCompare->add_option("IDS", runsOpts.ids, "Run ids")->required()->expected(2, 64);
    auto* runsExport = runs->add_subcommand("export", "A run's metrics as CSV on stdout");
    runsExport->add_option("ID", runId, "Run id")->required();
    bool csv = false;
    runsExport->add_flag("--csv", csv, "CSV (the only format so far)")->required();
    auto* runsTag = runs->add_subcommand("tag", "Add a tag to a run");
    runsTag->add_option("ID", runId, "Run id")->required();
    runsTag->add_option("TAG", runsOpts.tag, "Tag")->required();
    auto* runsDelete =
        runs->add_subcommand("delete", "Delete a run, its metrics and its checkpoints");
    runsDelete->add_option("ID", runId, "Run id")->required();

    nw::cli::InferOptions inferOptions;
    auto* infer = app.add_subcommand("infer", "Classify images (PNG, JPEG) or IDX samples with "
                                              "an inference bundle or an exported ONNX model; "
                                              "prints the top classes");
    infer
        ->add_option("MODEL", inferOptions.model,
                     "Inference bundle (.nwbundle) or ONNX model (.onnx) exported by Netwright")
        ->required();
    infer->add_option("INPUT", inferOptions.inputs, "Images or IDX files")->required();
    infer->add_option("--top", inferOptions.top, "Classes shown per input (default 3)")
        ->check(CLI::Range(1, 1000));
    infer->add_option("--threads", inferOptions.threads, "CPU threads (default: every core)")
        ->check(CLI::Range(0, 1024));
    infer->add_flag("--json", inferOptions.json, "One JSON array");

    nw::cli::BenchInferOptions benchInferOptions;
    auto* benchInfer =
        app.add_subcommand("bench-infer", "Latency and throughput of an inference bundle");
    benchInfer->add_option("MODEL", benchInferOptions.model, "Inference bundle (.nwbundle)")
        ->required();
    benchInfer->add_option("--batch", benchInferOptions.batch, "Batch size (default 1)")
        ->check(CLI::Range(1, 1 << 20));
    benchInfer->add_option("--runs", benchInferOptions.runs, "Timed runs (default: ~2 s)")
        ->check(CLI::Range(1, 10000000));
    benchInfer
        ->add_option("--threads", benchInferOptions.threads, "CPU threads (default: every core)")
        ->check(CLI::Range(0, 1024));
    benchInfer->add_flag("--json", benchInferOptions.json, "One JSON object");

    auto runDataset = nw::cli::addDatasetCommands(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return nw::cli::kExitUser;
    }

    try {
        if (auto status = runDataset()) {
            return *status;
        }
        const auto registries =
            nw::app::loadRegistries(nw::plugins::PluginSearch::fromEnvironment(pluginFiles));
        const auto& registry = registries->ops;
        const auto& backends = registries->backends;
        if (!pluginsCmd->parsed()) {
            for (const auto& r : registries->plugins->refused()) {
                std::cerr << "warning: plugin " << r.file << " refused: " << r.reason << "\n";
            }
        }
        if (pluginsCmd->parsed()) {
            return nw::cli::runPlugins(*registries->plugins, json);
        }
        if (ops->parsed()) {
            return nw::cli::runOps(markdown, registry);
        }
        if (devices->parsed()) {
            return nw::cli::runDevices(backends, json);
        }
        if (validate->parsed()) {
            return nw::cli::runValidate(file, json, registry);
        }
        if (summary->parsed()) {
            return nw::cli::runSummary(file, json, summaryDevice, registry, backends);
        }
        if (train->parsed()) {
            return nw::cli::runTrain(run, registry, backends);
        }
        if (eval->parsed()) {
            return nw::cli::runEval(run, registry, backends);
        }
        if (bench->parsed()) {
            return nw::cli::runBench(run, registry, backends);
        }
        if (runId != 0) {
            runsOpts.ids = {runId};
        }
        if (runsList->parsed()) {
            return nw::cli::runRunsList(runsOpts);
        }
        if (runsShow->parsed()) {
            return nw::cli::runRunsShow(runsOpts);
        }
        if (runsCompare->parsed()) {
            return nw::cli::runRunsCompare(runsOpts);
        }
        if (runsExport->parsed()) {
            return nw::cli::runRunsExportCsv(runsOpts);
        }
        if (runsTag->parsed()) {
            return nw::cli::runRunsTag(runsOpts);
        }
        if (runsDelete->parsed()) {
            return nw::cli::runRunsDelete(runsOpts);
        }
        if (generate->parsed()) {
            return nw::cli::runGenerate(gen, registry, backends);
        }
        if (importCmd->parsed()) {
            return nw::cli::runImport(importOptions, registry, backends);
        }
        if (exportCmd->parsed()) {
            return nw::cli::runExport(exportOptions, registry, backends);
        }
        if (infer->parsed()) {
            return nw::cli::runInfer(inferOptions);
        }
        if (benchInfer->parsed()) {
            return nw::cli::runBenchInfer(benchInferOptions);
        }
    } catch (const std::exception& e) {
        std::cerr << "netwright-cli: internal error: " << e.what() << "\n";
        return nw::cli::kExitInternal;
    }
    return nw::cli::kExitInternal;
}
