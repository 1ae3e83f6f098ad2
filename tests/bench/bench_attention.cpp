// bench_attention: the CPU MultiHeadAttention kernel's forward + backward against PyTorch's
// torch.nn.MultiheadAttention on the same shapes and threads, in alternating rounds of one run.
// Default shapes: a small character Transformer's attention, N = 32, T = 128, C = 128, 4 heads,
// causal (target: Netwright >= 1.2x PyTorch's steps per second).
//
// Usage: bench_attention [--python PATH] [--steps S] [--rounds R] [--threads K] [--no-causal]
//   (tests/bench/kernel_bench.h; the peer script is tests/bench/peer_attention.py)
// Results: docs/benchmarks.md, "MultiHeadAttention kernel vs PyTorch".
#include "tests/bench/kernel_bench.h"

using namespace nw;

int main(int argc, char** argv) {
    constexpr std::int64_t kN = 32, kT = 128, kC = 128, kHeads = 4;
    bench::KernelBenchOptions o;
    o.steps = 30;
    if (!bench::parseOptions(argc, argv, {"--no-causal"}, o)) {
        return 1;
    }
    const bool causal = !o.flags.count("--no-causal");
    auto backend = nw::testing::openCpu({o.threads});
    std::printf("MultiHeadAttention forward + backward, N=%lld T=%lld C=%lld heads=%lld%s, "
                "%d threads, %d steps per round\n",
                static_cast<long long>(kN), static_cast<long long>(kT), static_cast<long long>(kC),
                static_cast<long long>(kHeads), causal ? " causal" : "", o.threads, o.steps);
    return bench::runRounds(
        o, double(kN * kT),
        [&] {
            return bench::timeKernel(*backend, "MultiHeadAttention",
                                     {{"heads", kHeads}, {"causal", causal}}, {kN, kT, kC},
                                     {kN, kT, kC}, o.steps);
        },
        [&] { return bench::timePeer(o, "peer_attention.py", causal ? "" : "--no-causal"); });
}
