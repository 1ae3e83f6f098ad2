#pragma once
// The NCCL communicator: data-parallel training between NVIDIA GPUs. Collectives on CUDA
// tensors run as NCCL kernels, device to device (NVLink, PCIe or the network NCCL finds),
// with no staging through the host. MPI starts the ranks and carries NCCL's unique id from
// rank 0 to the others; host-side collectives (metrics, the stop vote, barriers) go through
// it too.
//
// An allreduce is queued on a communication stream that first waits for what the backend's
// stream has queued (the gradients backward wrote); PendingReduce::wait() makes the backend's
// stream wait for it in turn, without blocking the host, so backward's later kernels and the
// reduction run at the same time. Built with NW_WITH_NCCL (CUDA, MPI and NCCL found).

#include "base/expected.h"
#include "engine/distributed/communicator.h"

#include <memory>

namespace nw::gpu::cuda {

class CudaBackend;

// Over the ranks of `mpi` (which must outlive it), one GPU each: `backend`'s, which every
// collective's tensors must live on.
Expected<std::unique_ptr<engine::Communicator>> openNcclCommunicator(engine::Communicator& mpi,
                                                                     CudaBackend& backend);

} // namespace nw::gpu::cuda
