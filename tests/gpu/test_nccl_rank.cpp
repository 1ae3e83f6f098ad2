// The NCCL communicator, one rank of `mpirun -np 2` on a machine with two NVIDIA GPUs (rank k
// on GPU k): broadcast, sum and average allreduce of CUDA tensors against the values every
// rank knows, several tensors in one bucket, and the stream order (the reduction sees what was
// queued before it; what is queued after its wait() sees the result). Where there are fewer
// than two GPUs it exits 77 with the reason, which CTest reports as skipped.
#include "engine/distributed/communicator.h"
#include "gpu/cuda/cuda_backend.h"
#include "gpu/cuda/nccl_communicator.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using namespace nw;
using namespace nw::engine;
using namespace nw::gpu::cuda;

namespace {

constexpr int kSkip = 77;
int g_failures = 0;

void check(bool ok, int rank, const std::string& what) {
    if (!ok) {
        std::fprintf(stderr, "rank %d: FAIL: %s\n", rank, what.c_str());
        ++g_failures;
    }
}

} // namespace

int main() {
    auto mpi = openMpiCommunicator();
    if (!mpi) {
        std::fprintf(stderr, "%s\n", mpi.error().message.c_str());
        return 1;
    }
    const int rank = (*mpi)->rank();
    const DeviceList list = enumerateDevices();
    // Both ranks run on this machine, so they see the same GPUs and decide alike.
    if ((*mpi)->size() != 2 || list.devices.size() < 2) {
        if (rank == 0) {
            std::printf("SKIP: the NCCL test needs two NVIDIA GPUs and two ranks; this machine "
                        "has %zu GPU(s)%s%s, and the job %d rank(s)\n",
                        list.devices.size(), list.absentReason.empty() ? "" : ": ",
                        list.absentReason.c_str(), (*mpi)->size());
        }
        finalizeMpi();
        return kSkip;
    }
    auto backend = CudaBackend::open(list.devices[static_cast<std::size_t>(rank)], {});
    if (!backend) {
        std::fprintf(stderr, "rank %d: %s\n", rank, backend.error().message.c_str());
        return 1;
    }
    auto nccl = openNcclCommunicator(**mpi, **backend);
    if (!nccl) {
        std::fprintf(stderr, "rank %d: %s\n", rank, nccl.error().message.c_str());
        return 1;
    }
    Communicator& comm = **nccl;
    CudaBackend& b = **backend;
    auto tensor = [&](std::int64_t n, float base) {
        auto t = b.allocate({n}, DType::F32);
        std::vector<float> v(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) {
            v[std::size_t(i)] = base + float(i % 97);
        }
        (void)b.copyFromHost(*t, v.data());
        return *t;
    };
    auto read = [&](const Tensor& t) {
        std::vector<float> v(static_cast<std::size_t>(t.numel()));
        (void)b.copyToHost(t, v.data());
        (void)b.synchronize();
        return v;
    };

    // Broadcast: rank 0's values everywhere.
    Tensor w = tensor(1000, rank == 0 ? 1.0f : 50.0f);
    Tensor ws[] = {w};
    check(comm.broadcast(b, ws, 0).ok(), rank, "broadcast");
    check(read(w)[10] == 11.0f, rank, "rank 0's value after the broadcast");

    // Average and sum of two tensors in one bucket, a million elements each; the fill queued
    // before the allreduce is what it reduces.
    Tensor g1 = tensor(1 << 20, float(rank)), g2 = tensor(1 << 20, 10.0f * float(rank));
    (void)b.scale(g1, 2.0f); // queued before: rank r holds 2 (r + i % 97)
    auto pending = comm.startAllreduce(b, {g1, g2}, ReduceOp::Average);
    check(pending.ok(), rank, "start the allreduce");
    if (pending) {
        check((*pending)->wait().ok(), rank, "wait");
    }
    (void)b.scale(g2, 3.0f); // queued after the wait: sees the average
    const auto a1 = read(g1), a2 = read(g2);
    // ranks 0 and 1: 2 (0 + k) and 2 (1 + k) average to 2k + 1; 10r + k averages to 5 + k.
    check(a1[5] == 11.0f && a1[100] == 7.0f, rank, "the average of the scaled tensor");
    check(a2[5] == 3.0f * 10.0f, rank, "the average, then the scale queued after the wait");
    Tensor s = tensor(4096, 1.0f);
    check(comm.allreduce(b, {s}, ReduceOp::Sum).ok(), rank, "sum");
    check(read(s)[3] == 8.0f, rank, "the sum over two ranks");
    check(comm.bytesReduced() == 2 * (4 << 20) + 4096 * 4, rank, "the bytes reduced");

    std::fprintf(stderr, "rank %d: %s, %d failure(s)\n", rank, comm.description().c_str(),
                 g_failures);
    nccl->reset();
    finalizeMpi();
    return g_failures == 0 ? 0 : 1;
}
