#include "engine/distributed/communicator.h"

namespace nw::engine {

Status Communicator::allreduce(Backend& backend, std::vector<Tensor> tensors, ReduceOp op) {
    auto pending = startAllreduce(backend, std::move(tensors), op);
    if (!pending) {
        return pending.error();
    }
    return (*pending)->wait();
}

#ifndef NW_HAVE_MPI
bool mpiAvailable() {
    return false;
}

Expected<std::unique_ptr<Communicator>> openMpiCommunicator() {
    return Error::user("this Netwright was built without MPI (install libopenmpi-dev and "
                       "configure again: the configure summary lists it)");
}

void finalizeMpi() {}
#endif

} // namespace nw::engine
