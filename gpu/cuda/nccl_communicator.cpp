#include "gpu/cuda/nccl_communicator.h"

#include "gpu/cuda/cuda_backend.h"
#include "gpu/cuda/runtime/cuda_check.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <nccl.h>
#include <string>
#include <vector>

namespace nw::gpu::cuda {

namespace {

using engine::Backend;
using engine::Communicator;
using engine::PendingReduce;
using engine::ReduceOp;
using engine::Tensor;

Status ncclStatus(ncclResult_t r, const std::string& what) {
    if (r == ncclSuccess) {
        return Status::success();
    }
    return Error::internal(what + " failed: " + ncclGetErrorString(r));
}

// The stream-ordered end of a queued allreduce.
class NcclPendingReduce final : public PendingReduce {
public:
    NcclPendingReduce(cudaStream_t compute, cudaEvent_t done)
        : m_compute(compute)
        , m_done(done) {}
    ~NcclPendingReduce() override { cudaEventDestroy(m_done); }

    Status wait() override {
        // The backend's later work waits on the device; the host goes on.
        return check(cudaStreamWaitEvent(m_compute, m_done, 0), "cudaStreamWaitEvent");
    }

private:
    cudaStream_t m_compute;
    cudaEvent_t m_done;
};

class NcclCommunicator final : public Communicator {
public:
    NcclCommunicator(Communicator& mpi, CudaBackend& backend)
        : m_mpi(mpi)
        , m_backend(backend) {}

    ~NcclCommunicator() override {
        if (m_comm) {
            if (m_aborted) {
                ncclCommAbort(m_comm);
            } else {
                ncclCommDestroy(m_comm);
            }
        }
        if (m_stream) {
            cudaStreamDestroy(m_stream);
        }
    }

    Status init() {
        ncclUniqueId id{};
        if (m_mpi.rank() == 0) {
            if (auto s = ncclStatus(ncclGetUniqueId(&id), "ncclGetUniqueId"); !s) {
                return s;
            }
        }
        std::vector<std::byte> bytes(sizeof id);
        std::memcpy(bytes.data(), &id, sizeof id);
        if (auto s = m_mpi.broadcastHost(bytes, 0); !s) {
            return s;
        }
        std::memcpy(&id, bytes.data(), sizeof id);
        if (auto s = check(cudaSetDevice(m_backend.properties().index), "cudaSetDevice"); !s) {
            return s;
        }
        if (auto s = check(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking),
                           "cudaStreamCreateWithFlags");
            !s) {
            return s;
        }
        return ncclStatus(ncclCommInitRank(&m_comm, m_mpi.size(), id, m_mpi.rank()),
                          "ncclCommInitRank on rank " + std::to_string(m_mpi.rank()));
    }

    int rank() const override { return m_mpi.rank(); }
    int size() const override { return m_mpi.size(); }
    std::string description() const override {
        int version = 0;
        ncclGetVersion(&version);
        return "NCCL " + std::to_string(version / 10000) + "." +
               std::to_string(version / 100 % 100) + "." + std::to_string(version % 100) +
               " over " + m_mpi.description();
    }

    Status broadcast(Backend& backend, std::span<const Tensor> tensors, int root) override {
        if (auto s = checkBackend(backend); !s) {
            return s;
        }
        cudaStream_t stream = m_backend.stream();
        if (auto s = ncclStatus(ncclGroupStart(), "ncclGroupStart"); !s) {
            return s;
        }
        for (const Tensor& t : tensors) {
            float* p = CudaBackend::f32(t);
            (void)ncclBroadcast(p, p, static_cast<std::size_t>(t.numel()), ncclFloat, root, m_comm,
                                stream);
        }
        if (auto s = ncclStatus(ncclGroupEnd(), "ncclBroadcast"); !s) {
            return s;
        }
        return m_backend.synchronize();
    }

    Expected<std::unique_ptr<PendingReduce>>
    startAllreduce(Backend& backend, std::vector<Tensor> tensors, ReduceOp op) override {
        if (auto s = checkBackend(backend); !s) {
            return s.error();
        }
        if (m_aborted) {
            return Error::user(m_abortReason);
        }
        cudaStream_t compute = m_backend.stream();
        cudaEvent_t ready = nullptr, done = nullptr;
        if (auto s =
                check(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming), "cudaEventCreate");
            !s) {
            return s.error();
        }
        Status queued = check(cudaEventRecord(ready, compute), "cudaEventRecord");
        queued =
            queued ? check(cudaStreamWaitEvent(m_stream, ready, 0), "cudaStreamWaitEvent") : queued;
        cudaEventDestroy(ready); // released once the stream has passed it
        queued = queued ? ncclStatus(ncclGroupStart(), "ncclGroupStart") : queued;
        const ncclRedOp_t reduce = op == ReduceOp::Average ? ncclAvg : ncclSum;
        for (const Tensor& t : tensors) {
            if (!queued) {
                break;
            }
            float* p = CudaBackend::f32(t);
            queued = ncclStatus(ncclAllReduce(p, p, static_cast<std::size_t>(t.numel()), ncclFloat,
                                              reduce, m_comm, m_stream),
                                "ncclAllReduce");
            m_bytes += static_cast<std::int64_t>(t.bytes());
        }
        queued = queued ? ncclStatus(ncclGroupEnd(), "ncclGroupEnd") : queued;
        queued = queued ? check(cudaEventCreateWithFlags(&done, cudaEventDisableTiming),
                                "cudaEventCreate")
                        : queued;
        queued = queued ? check(cudaEventRecord(done, m_stream), "cudaEventRecord") : queued;
        if (!queued) {
            if (done) {
                cudaEventDestroy(done);
            }
            return queued.error();
        }
        return std::unique_ptr<PendingReduce>(new NcclPendingReduce(compute, done));
    }

    Status allreduceHost(std::span<double> values) override { return m_mpi.allreduceHost(values); }
    Status broadcastHost(std::span<std::byte> bytes, int root) override {
        return m_mpi.broadcastHost(bytes, root);
    }
    Status barrier() override { return m_mpi.barrier(); }

    void abort(const std::string& why) override {
        {
            std::lock_guard lock(m_mutex);
            m_aborted = true;
            m_abortReason = why;
        }
        m_mpi.abort(why);
    }
    bool aborted() const override { return m_aborted || m_mpi.aborted(); }
    std::int64_t bytesReduced() const override { return m_bytes; }
    // The reductions run on the device, timed by nothing here: the Trainer's "waited" figure
    // is the host's side, and a profile (Backend::setProfiling) the device's.
    double reduceSeconds() const override { return 0; }

private:
    Status checkBackend(const Backend& backend) const {
        if (&backend != &m_backend) {
            return Error::internal("the NCCL communicator reduces the tensors of the CUDA "
                                   "backend it was opened on");
        }
        return Status::success();
    }

    Communicator& m_mpi;
    CudaBackend& m_backend;
    ncclComm_t m_comm = nullptr;
    cudaStream_t m_stream = nullptr;
    std::mutex m_mutex;
    std::atomic<bool> m_aborted{false};
    std::string m_abortReason;
    std::atomic<std::int64_t> m_bytes{0};
};

} // namespace

Expected<std::unique_ptr<engine::Communicator>> openNcclCommunicator(engine::Communicator& mpi,
                                                                     CudaBackend& backend) {
    auto comm = std::make_unique<NcclCommunicator>(mpi, backend);
    if (auto s = comm->init(); !s) {
        return s.error();
    }
    return std::unique_ptr<engine::Communicator>(std::move(comm));
}

} // namespace nw::gpu::cuda
