#pragma once
// What the kernel benchmarks against PyTorch share (bench_attention, bench_lstm): one kernel
// timed forward + backward on tensors allocated once, the peer script run for the same
// shapes and threads, and the alternating rounds with their table and ratio.
//
// Every such program takes [--python PATH] [--steps S] [--rounds R] [--threads K] plus its own
// flags; --python is a Python with torch (default build/peer-venv/bin/python). Without torch
// only Netwright's side is timed.

#include "base/rng.h"
#include "engine/core/backend.h"
#include "graph/op_registry.h"
#include "tests/support/backends.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace nw::bench {

struct KernelBenchOptions {
    std::string python = NW_SOURCE_DIR "/build/peer-venv/bin/python";
    int steps = 10;
    int rounds = 3;
    int threads = 2;
    std::set<std::string> flags; // the program's own flags that were given
};

// Parses the common options and the program's own `flags`; false (after a message) on an
// unknown argument.
inline bool parseOptions(int argc, char** argv, const std::set<std::string>& flags,
                         KernelBenchOptions& o) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--python") {
            o.python = next();
        } else if (a == "--steps") {
            o.steps = std::atoi(next().c_str());
        } else if (a == "--rounds") {
            o.rounds = std::atoi(next().c_str());
        } else if (a == "--threads") {
            o.threads = std::atoi(next().c_str());
        } else if (flags.count(a)) {
            o.flags.insert(a);
        } else {
            std::fprintf(stderr, "%s: unknown argument %s\n", argv[0], a.c_str());
            return false;
        }
    }
    return true;
}

// One node's kernel: `op` with `attrs` (over the schema's defaults) on `input`, producing
// `output`; its tensors drawn from N(0, `scale`) once. Steps per second of forward + backward
// (the input's gradient included) over `steps` steps after `warmup`.
inline Expected<double> timeKernel(engine::Backend& backend, const std::string& op,
                                   const graph::AttrMap& attrs, const engine::Dims& input,
                                   const engine::Dims& output, int steps, float scale = 0.1f,
                                   int warmup = 3) {
    const auto registry = graph::makeCoreRegistry();
    const graph::OpSchema* schema = registry.find(op);
    graph::AttrMap all = schema->defaults();
    for (const auto& [k, v] : attrs) {
        all[k] = v;
    }
    const std::vector<graph::Shape> in{
        graph::Shape::batched(std::vector<std::int64_t>(input.begin() + 1, input.end()))};
    graph::InferContext ctx(all, in);
    engine::KernelConfig config;
    config.nodeId = "bench";
    config.op = op;
    config.attrs = all;
    config.inputs = {input};
    config.outputs = {output};
    config.params = schema->paramsFor(ctx);
    config.seed = 1;
    auto kernel = backend.createKernel(config);
    if (!kernel) {
        return kernel.error();
    }
    Status failed = Status::success();
    auto tensor = [&](const engine::Dims& shape, std::uint64_t stream) -> engine::Tensor {
        auto t = backend.allocate(shape, engine::DType::F32);
        if (!t) {
            failed = t.error();
            return {};
        }
        std::vector<float> v(static_cast<std::size_t>(t->numel()));
        CounterRng(7, stream).fillNormal(v, 0.0f, scale);
        if (!nw::testing::upload(backend, *t, v)) {
            failed = Error::internal("uploading a benchmark tensor failed");
        }
        return *t;
    };
    std::vector<engine::Tensor> x{tensor(input, 1)}, y{tensor(output, 2)};
    std::vector<engine::Tensor> dy{tensor(output, 3)}, dx{tensor(input, 4)};
    std::vector<engine::Tensor> params, grads;
    for (const auto& p : config.params) {
        params.push_back(tensor(p.shape, 10 + params.size()));
        grads.push_back(tensor(p.shape, 20 + grads.size()));
    }
    if (!failed) {
        return failed.error();
    }
    auto step = [&](std::uint64_t s) -> Status {
        engine::ForwardArgs f{x, params, y, true, s, nullptr};
        if (auto st = (*kernel)->forward(f); !st) {
            return st;
        }
        engine::BackwardArgs b{x, params, y, dy, dx, grads, nullptr};
        return (*kernel)->backward(b);
    };
    for (int i = 0; i < warmup; ++i) {
        if (auto st = step(std::uint64_t(i)); !st) {
            return st.error();
        }
    }
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) {
        if (auto st = step(std::uint64_t(i)); !st) {
            return st.error();
        }
    }
    if (auto st = backend.synchronize(); !st) {
        return st.error();
    }
    return steps / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The peer script tests/bench/<script> with `args`; it prints "steps_per_second <value>".
// -1 when it fails (its other output goes to stderr).
inline double timePeer(const KernelBenchOptions& o, const std::string& script,
                       const std::string& args) {
    std::string cmd = o.python + " " NW_SOURCE_DIR "/tests/bench/" + script + " --steps " +
                      std::to_string(o.steps) + " --threads " + std::to_string(o.threads) + " " +
                      args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) {
        return -1;
    }
    char line[512];
    double value = -1;
    while (std::fgets(line, sizeof line, p)) {
        if (std::sscanf(line, "steps_per_second %lf", &value) != 1) {
            std::fputs(line, stderr);
        }
    }
    return pclose(p) == 0 ? value : -1;
}

// Alternating rounds of `ours` and `peer`, a row each (steps/s, ms/step and, with
// tokensPerStep > 0, tokens/s), then the ratio of the mean steps/s. Exit status.
inline int runRounds(const KernelBenchOptions& o, double tokensPerStep,
                     const std::function<Expected<double>()>& ours,
                     const std::function<double()>& peer) {
    std::printf("%-6s %-12s %12s %12s %14s\n", "round", "side", "steps/s", "ms/step", "tokens/s");
    auto row = [&](int r, const char* side, double s) {
        std::printf("%-6d %-12s %12.2f %12.2f", r, side, s, 1000.0 / s);
        if (tokensPerStep > 0) {
            std::printf(" %14.0f", s * tokensPerStep);
        }
        std::printf("\n");
    };
    double oursSum = 0, peerSum = 0;
    int peerRounds = 0;
    for (int r = 1; r <= o.rounds; ++r) {
        auto nw = ours();
        if (!nw) {
            std::fprintf(stderr, "error: %s\n", nw.error().message.c_str());
            return 1;
        }
        oursSum += *nw;
        row(r, "Netwright", *nw);
        double pt = peer();
        if (pt > 0) {
            peerSum += pt;
            ++peerRounds;
            row(r, "PyTorch", pt);
        } else {
            std::printf("%-6d %-12s %12s\n", r, "PyTorch", "(not run)");
        }
        std::fflush(stdout);
    }
    if (peerRounds == o.rounds) {
        std::printf("ratio (Netwright / PyTorch, mean steps/s): %.2fx\n", oursSum / peerSum);
    }
    return 0;
}

} // namespace nw::bench
