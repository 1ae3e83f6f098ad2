#pragma once
// Communicator: the collectives data-parallel training needs — rank, size, broadcast,
// allreduce (sum or average) of tensors, barrier — behind one interface, so the Trainer does
// not know whether MPI (CPU tensors, between processes and machines) or NCCL (CUDA tensors,
// between GPUs) moves the bytes. Netwright invents no networking of its own: the launcher
// (mpirun, srun) starts the processes and the library connects them.
//
// Every rank must call the same collectives in the same order with tensors of the same
// shapes. Tensors belong to the backend passed with them; a collective leaves them as the
// same on every rank.
//
// Asynchronous allreduce: startAllreduce() takes the tensors' values at the call (the backend
// is synchronised) and returns a handle; wait() writes the reduced values back. Between the
// two the caller keeps computing (backward) while the bytes travel. Handles are waited for in
// the order they were started.
//
// abort() (from any thread: a signal from the launcher that another rank ended) makes every
// pending and later wait() return a user error with the reason, so a rank whose peer died
// does not hang in a collective that will never complete.

#include "base/expected.h"
#include "engine/core/tensor.h"

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nw::engine {

class Backend;

enum class ReduceOp { Sum, Average };

class PendingReduce {
public:
    virtual ~PendingReduce() = default;
    // Blocks until the reduction is done and its result is in the tensors.
    virtual Status wait() = 0;
};

class Communicator {
public:
    virtual ~Communicator() = default;

    virtual int rank() const = 0;
    virtual int size() const = 0;
    // "MPI (Open MPI v4.1.4), 2 ranks"
    virtual std::string description() const = 0;

    // Rank `root`'s values of `tensors` on every rank.
    virtual Status broadcast(Backend& backend, std::span<const Tensor> tensors, int root = 0) = 0;
    // Starts the element-wise sum (or average) over the ranks of each tensor (f32).
    virtual Expected<std::unique_ptr<PendingReduce>>
    startAllreduce(Backend& backend, std::vector<Tensor> tensors, ReduceOp op) = 0;
    // The same, blocking.
    Status allreduce(Backend& backend, std::vector<Tensor> tensors, ReduceOp op);
    // Sums of host values (metrics: a loss sum, hit counts, a stop vote), in place.
    virtual Status allreduceHost(std::span<double> values) = 0;
    // Rank `root`'s bytes on every rank (NCCL's unique id, from rank 0 to the others).
    virtual Status broadcastHost(std::span<std::byte> bytes, int root = 0) = 0;
    virtual Status barrier() = 0;

    // Makes waits return an error naming `why` (thread-safe, async-signal-unsafe: call it
    // from a thread, not from a signal handler).
    virtual void abort(const std::string& why) = 0;
    virtual bool aborted() const = 0;

    // Bytes reduced so far and the seconds the library spent reducing them (on its own
    // thread), for the communication figures of a run.
    virtual std::int64_t bytesReduced() const = 0;
    virtual double reduceSeconds() const = 0;
};

// The MPI communicator over MPI_COMM_WORLD (engine/distributed/mpi_communicator.cpp);
// initialises MPI on first use. A user error when Netwright was built without MPI or the
// process was not started by a launcher that MPI recognises is still fine (a world of 1).
Expected<std::unique_ptr<Communicator>> openMpiCommunicator();
// Whether this build has MPI (NW_WITH_MPI).
bool mpiAvailable();
// Ends MPI for a normal exit (after every collective is done). Never call it after abort():
// the process then ends with std::_Exit, as a collective may still be stuck on its thread.
void finalizeMpi();

} // namespace nw::engine
