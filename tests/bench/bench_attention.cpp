// bench_attention: the CPU MultiHeadAttention kernel's forward + backward against PyTorch's
// torch.nn.MultiheadAttention on the same shapes and threads, in alternating rounds of one run.
// Default shapes: a small character Transformer's attention, N = 32, T = 128, C = 128, 4 heads,
// causal (target: Netwright >= 1.2x PyTorch's steps per second).
//
// Usage: bench_attention [--python PATH] [--steps S] [--rounds R] [--threads K] [--no-causal]
//   --python: a Python with torch (default build/peer-venv/bin/python); the peer script is
//   tests/bench/peer_attention.py. Without torch only Netwright's side is timed.
// Results: docs/benchmarks.md, "MultiHeadAttention kernel vs PyTorch".
#include "base/rng.h"
#include "engine/core/backend.h"
#include "graph/op_registry.h"
#include "tests/support/backends.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace nw;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kN = 32, kT = 128, kC = 128, kHeads = 4;

int die(const std::string& why) {
    std::fprintf(stderr, "bench_attention: %s\n", why.c_str());
    return 1;
}

struct Side {
    double stepsPerSecond = 0;
};

// Netwright: one kernel, its tensors allocated once; `steps` forward + backward after warm-up.
Expected<double> timeNetwright(engine::Backend& backend, bool causal, int steps) {
    const auto registry = graph::makeCoreRegistry();
    const graph::OpSchema* schema = registry.find("MultiHeadAttention");
    graph::AttrMap attrs = schema->defaults();
    attrs["heads"] = kHeads;
    attrs["causal"] = causal;
    const std::vector<graph::Shape> in{graph::Shape::batched({kT, kC})};
    graph::InferContext ctx(attrs, in);
    engine::KernelConfig config;
    config.nodeId = "attention";
    config.op = "MultiHeadAttention";
    config.attrs = attrs;
    config.inputs = {{kN, kT, kC}};
    config.outputs = {{kN, kT, kC}};
    config.params = schema->paramsFor(ctx);
    config.seed = 1;
    auto kernel = backend.createKernel(config);
    if (!kernel) {
        return kernel.error();
    }
    auto tensor = [&](const engine::Dims& shape, std::uint64_t stream) -> engine::Tensor {
        auto t = backend.allocate(shape, engine::DType::F32);
        if (!t) {
            std::exit(die(t.error().message));
        }
        std::vector<float> v(static_cast<std::size_t>(t->numel()));
        CounterRng(7, stream).fillNormal(v, 0.0f, 0.1f);
        if (!nw::testing::upload(backend, *t, v)) {
            std::exit(die("upload failed"));
        }
        return *t;
    };
    std::vector<engine::Tensor> x{tensor({kN, kT, kC}, 1)}, y{tensor({kN, kT, kC}, 2)};
    std::vector<engine::Tensor> dy{tensor({kN, kT, kC}, 3)}, dx{tensor({kN, kT, kC}, 4)};
    std::vector<engine::Tensor> params, grads;
    for (const auto& p : config.params) {
        params.push_back(tensor(p.shape, 10 + params.size()));
        grads.push_back(tensor(p.shape, 20 + grads.size()));
    }
    auto step = [&](std::uint64_t s) -> Status {
        engine::ForwardArgs f{x, params, y, true, s, nullptr};
        if (auto st = (*kernel)->forward(f); !st) {
            return st;
        }
        engine::BackwardArgs b{x, params, y, dy, dx, grads, nullptr};
        return (*kernel)->backward(b);
    };
    for (int i = 0; i < 3; ++i) {
        if (auto st = step(std::uint64_t(i)); !st) {
            return st.error();
        }
    }
    auto start = Clock::now();
    for (int i = 0; i < steps; ++i) {
        if (auto st = step(std::uint64_t(i)); !st) {
            return st.error();
        }
    }
    if (auto st = backend.synchronize(); !st) {
        return st.error();
    }
    return steps / std::chrono::duration<double>(Clock::now() - start).count();
}

// PyTorch: the peer script prints "steps_per_second <value>"; nullopt-like -1 when it fails.
double timePeer(const std::string& python, bool causal, int steps, int threads) {
    std::string cmd = python + " " NW_SOURCE_DIR "/tests/bench/peer_attention.py --steps " +
                      std::to_string(steps) + " --threads " + std::to_string(threads) +
                      (causal ? "" : " --no-causal") + " 2>&1";
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

} // namespace

int main(int argc, char** argv) {
    std::string python = NW_SOURCE_DIR "/build/peer-venv/bin/python";
    int steps = 30, rounds = 3, threads = 2;
    bool causal = true;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--python") {
            python = next();
        } else if (a == "--steps") {
            steps = std::atoi(next().c_str());
        } else if (a == "--rounds") {
            rounds = std::atoi(next().c_str());
        } else if (a == "--threads") {
            threads = std::atoi(next().c_str());
        } else if (a == "--no-causal") {
            causal = false;
        } else {
            return die("unknown argument " + a);
        }
    }
    auto backend = nw::testing::openCpu({threads});
    std::printf("MultiHeadAttention forward + backward, N=%lld T=%lld C=%lld heads=%lld%s, "
                "%d threads, %d steps per round\n",
                static_cast<long long>(kN), static_cast<long long>(kT), static_cast<long long>(kC),
                static_cast<long long>(kHeads), causal ? " causal" : "", threads, steps);
    std::printf("%-6s %-12s %14s %12s\n", "round", "side", "steps/s", "ms/step");
    double ours = 0, peer = 0;
    int peerRounds = 0;
    for (int r = 1; r <= rounds; ++r) {
        auto nw = timeNetwright(*backend, causal, steps);
        if (!nw) {
            return die(nw.error().message);
        }
        ours += *nw;
        std::printf("%-6d %-12s %14.2f %12.3f\n", r, "Netwright", *nw, 1000.0 / *nw);
        double pt = timePeer(python, causal, steps, threads);
        if (pt > 0) {
            peer += pt;
            ++peerRounds;
            std::printf("%-6d %-12s %14.2f %12.3f\n", r, "PyTorch", pt, 1000.0 / pt);
        } else {
            std::printf("%-6d %-12s %14s\n", r, "PyTorch", "(not run)");
        }
        std::fflush(stdout);
    }
    if (peerRounds == rounds) {
        std::printf("ratio (Netwright / PyTorch, mean steps/s): %.2fx\n", ours / peer);
    }
    return 0;
}
