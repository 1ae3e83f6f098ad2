// bench_lstm: the CPU LSTM kernel's forward + backward against PyTorch's torch.nn.LSTM on the
// same shapes and threads, in alternating rounds of one run. Shapes: N = 32, T = 128, C = 64,
// H = 256, one layer, every step's output (the target: at least PyTorch's tokens/s).
//
// Usage: bench_lstm [--python PATH] [--steps S] [--rounds R] [--threads K]
//   (tests/bench/kernel_bench.h; the peer script is tests/bench/peer_lstm.py)
// Results: docs/benchmarks.md, "LSTM kernel vs PyTorch".
#include "tests/bench/kernel_bench.h"

using namespace nw;

int main(int argc, char** argv) {
    constexpr std::int64_t kN = 32, kT = 128, kC = 64, kH = 256;
    bench::KernelBenchOptions o;
    if (!bench::parseOptions(argc, argv, {}, o)) {
        return 1;
    }
    auto backend = nw::testing::openCpu({o.threads});
    std::printf("LSTM forward + backward, N=%lld T=%lld C=%lld H=%lld, %d threads, %d steps per "
                "round\n",
                static_cast<long long>(kN), static_cast<long long>(kT), static_cast<long long>(kC),
                static_cast<long long>(kH), o.threads, o.steps);
    return bench::runRounds(
        o, double(kN * kT),
        [&] {
            // U(±1/sqrt(H))-sized values, as the layer starts.
            return bench::timeKernel(*backend, "LSTM", {{"hidden_size", kH}}, {kN, kT, kC},
                                     {kN, kT, kH}, o.steps, 0.0625f, 2);
        },
        [&] { return bench::timePeer(o, "peer_lstm.py", ""); });
}
