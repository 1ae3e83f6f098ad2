// The gradient allreduce of data-parallel training (engine/distributed), as the Trainer
// calls it: f32 CPU tensors averaged through Communicator::startAllreduce (host staging
// included), for sizes from 4 KiB to 64 MiB. Run under mpirun: prints per size the time per
// allreduce, the library's share of it, and the bus bandwidth 2(K-1)/K · bytes / time (what a
// ring allreduce moves per rank), from which docs/distributed.md estimates larger worlds.
//   mpirun -np 2 build/bin/bench_allreduce
#include "engine/cpu/cpu_backend.h"
#include "engine/distributed/communicator.h"

#include <chrono>
#include <cstdio>

using namespace nw::engine;

int main() {
    auto opened = openMpiCommunicator();
    if (!opened) {
        std::fprintf(stderr, "%s\n", opened.error().message.c_str());
        return 1;
    }
    Communicator& comm = **opened;
    BackendOptions one;
    one.threads = 1;
    cpu::CpuBackend backend(one);
    const int k = comm.size();
    if (comm.rank() == 0) {
        std::printf("%s\n%10s %12s %12s %14s\n", comm.description().c_str(), "bytes",
                    "ms/allreduce", "ms in MPI", "bus GB/s");
    }
    for (std::size_t bytes = 4096; bytes <= (std::size_t(64) << 20); bytes *= 4) {
        auto t = backend.allocate({static_cast<std::int64_t>(bytes / 4)}, DType::F32);
        if (!t || !backend.fill(*t, 1.0f)) {
            return 1;
        }
        const int iterations = bytes <= (std::size_t(1) << 20) ? 200 : 20;
        (void)comm.allreduce(backend, {*t}, ReduceOp::Average); // warm-up
        (void)comm.barrier();
        const double mpiBefore = comm.reduceSeconds();
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < iterations; ++i) {
            if (auto s = comm.allreduce(backend, {*t}, ReduceOp::Average); !s) {
                std::fprintf(stderr, "%s\n", s.error().message.c_str());
                return 1;
            }
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
            iterations;
        const double mpi = (comm.reduceSeconds() - mpiBefore) / iterations;
        if (comm.rank() == 0) {
            const double bus = 2.0 * (k - 1) / k * double(bytes) / seconds / 1e9;
            std::printf("%10zu %12.3f %12.3f %14.2f\n", bytes, seconds * 1e3, mpi * 1e3, bus);
        }
    }
    finalizeMpi();
    return 0;
}
