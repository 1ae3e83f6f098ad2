#pragma once
// GradientSync: averages a training step's gradients over the ranks while backward is still
// running. Backward reports each node's parameter gradients as they become final
// (ExecutionPlan::GradientsReady), in reverse order of the graph; they are packed into buckets
// of about `bucketBytes` (25 MB by default, as PyTorch's DistributedDataParallel), and each
// full bucket's allreduce starts at once, on the communicator's thread. finish() starts what
// is left (the gradients backward did not report, in their own order), waits for every
// bucket and leaves each gradient the mean of the ranks'. The buckets are the same on every
// rank (the same graph, the same order), so the collectives match.

#include "base/expected.h"
#include "engine/core/tensor.h"
#include "engine/distributed/communicator.h"

#include <cstddef>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace nw::engine {

class GradientSync {
public:
    static constexpr std::size_t kDefaultBucketBytes = std::size_t(25) << 20;

    // `grads`: the gradients the optimizer steps with (the trainable parameters').
    GradientSync(Communicator& communicator, Backend& backend, std::vector<Tensor> grads,
                 std::size_t bucketBytes = kDefaultBucketBytes);

    // Before each step's backward.
    void beginStep();
    // The hook backward calls with a node's gradients.
    Status ready(std::span<const Tensor> gradParams);
    // After backward: every gradient averaged.
    Status finish();

    // Per step, of the last finish(): buckets, and the seconds the training thread waited
    // for reductions still in flight once backward was done (the part of the communication
    // backward did not hide) and spent staging tensors to and from the reductions.
    int buckets() const { return m_bucketsStarted; }
    double exposedSeconds() const { return m_exposedSeconds; }
    double stagingSeconds() const { return m_stagingSeconds; }

private:
    Status startBucket();

    Communicator& m_comm;
    Backend& m_backend;
    std::vector<Tensor> m_grads;
    std::size_t m_bucketBytes;
    // Index in m_grads of a gradient by its memory (buffer, offset).
    std::map<std::pair<const void*, std::size_t>, std::size_t> m_index;
    std::vector<bool> m_started; // this step: the gradient is in a started bucket
    std::vector<Tensor> m_bucket;
    std::size_t m_bucketFill = 0;
    std::vector<std::unique_ptr<PendingReduce>> m_pending;
    int m_bucketsStarted = 0;
    double m_exposedSeconds = 0;
    double m_stagingSeconds = 0;
};

} // namespace nw::engine
