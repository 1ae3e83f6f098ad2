#pragma once
// ExecutionPlan: a validated graph compiled for one backend and one batch size — a kernel
// per node in topological order, every activation and gradient placed in one arena by
// lifetime (planMemory), forward and backward as two passes over the kernels.
//
// The plan owns its kernels and the arena; parameters live in the ModelParams it was
// compiled against, so plans of several batch sizes can share them.

#include "base/expected.h"
#include "engine/core/backend.h"
#include "engine/plan/model_params.h"
#include "engine/plan/placement.h"
#include "graph/graph.h"
#include "graph/op_registry.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nw::engine {

struct PlanOptions {
    std::int64_t batch = 1;
    bool training = true; // keep what backward needs and allocate gradients
    std::uint64_t seed = 0;
    // Where nodes run whose op `backend` has no kernel for: a CPU backend (outliving the
    // plan), with copies around each such node. Null: such a graph is refused, naming the
    // node. Ignored when the plan's backend is itself the CPU.
    Backend* fallback = nullptr;
    // Data-parallel training: `batch` is part `shard` of `shards` of the global batch
    // (KernelConfig::shard: random masks as at the global batch).
    int shard = 0;
    int shards = 1;
    // Training plans: BatchNorm statistics over the ranks of this communicator (synchronised
    // batch norm; the CPU backend's kernel). Null: each batch's own.
    Communicator* syncBatchNorm = nullptr;
};

// Called by backward() after each node's backward, with the gradients of its parameters
// (undefined ones for a frozen node): they are final from then on. Data-parallel training
// starts reducing them while backward goes on.
using GradientsReady = std::function<Status(std::span<const Tensor> gradParams)>;

class ExecutionPlan {
public:
    // Fails with a user error naming the node when the graph is invalid, has no single
    // Input and Loss, or uses an op the backend has no kernel for.
    static Expected<std::unique_ptr<ExecutionPlan>> compile(const graph::Graph& graph,
                                                            const graph::OpRegistry& registry,
                                                            Backend& backend, ModelParams& params,
                                                            const PlanOptions& options);
    ~ExecutionPlan();

    // Where each batch goes before forward(): the Input node's output [batch, ...]. Nothing else
    // shares its memory, so it holds the uploaded batch until the next upload.
    const Tensor& input() const;
    // The targets the loss compares with: i32 labels for softmax cross-entropy, [batch] (or
    // [batch, T] for a [batch, T, K] prediction: a label per step), else f32 shaped like the
    // prediction.
    const Tensor& targets() const { return m_targets; }
    // Classification (a [batch, K] prediction, or [batch, T, K] with softmax cross-entropy):
    // i32 class labels [batch] ([batch, T]), the targets themselves for softmax
    // cross-entropy. For the other losses, labelsToTargets() turns them into one-hot targets
    // on the device. Undefined for other predictions.
    const Tensor& labels() const { return m_labels; }
    Status labelsToTargets();
    // After forward(), classification only: metrics() = f32 [3] {mean loss, top-1 correct,
    // top-5 correct} (counted over every label: steps too), computed on the device; a copy of these
    // three floats is all a training step reads back.
    Status computeMetrics();
    const Tensor& metrics() const { return m_metrics; }
    // The Loss node's input (logits for classification) and the mean loss [1].
    const Tensor& prediction() const;
    const Tensor& loss() const;
    const std::string& lossKind() const { return m_lossKind; }

    Status forward(bool training, std::uint64_t step);
    // Gradients of every trainable parameter into ModelParams' grads. Training plans only.
    // Frozen nodes (graph::Node::trainable false) get none; the nodes before the first one
    // that trains are not run backward at all.
    Status backward(const GradientsReady& ready = {});

    // Each node's device, in topological order: the backend's, or "cpu" with the reason.
    const std::vector<NodePlacement>& placement() const { return m_placement; }
    // The nodes placed on the CPU fallback (empty when the backend runs every op).
    std::vector<NodePlacement> fallbackNodes() const;

    // The nodes backward() runs, in topological order (empty for an inference plan).
    std::vector<std::string> backwardNodes() const;

    std::int64_t batch() const { return m_batch; }
    bool training() const { return m_training; }
    // Bytes of the activation/gradient arena, and what it would take without reuse.
    std::size_t arenaBytes() const { return m_arenaBytes; }
    std::size_t naiveBytes() const { return m_naiveBytes; }

    // Host-clock timing of every node's forward and backward ("attn forward"), each waited
    // for (Backend::synchronize) so its time is its own: exact on the CPU, where kernels run
    // synchronously; on a GPU it adds a wait per node, so Backend::setProfiling is the better
    // measure there. takeHostTiming gives the totals since the last call, largest first.
    void setHostTiming(bool on) { m_hostTiming = on; }
    std::vector<KernelTiming> takeHostTiming();

private:
    struct Step;
    ExecutionPlan() = default;
    // Runs fn; with host timing on, waits for it and adds its time to `node` + `what`.
    template <class Fn>
    Status timed(const std::string& node, const char* what, Fn&& fn);

    Backend* m_backend = nullptr;
    std::vector<std::unique_ptr<Step>> m_steps; // topological order
    std::vector<NodePlacement> m_placement;
    Tensor m_arena;
    Tensor m_targets;
    Tensor m_labels;
    Tensor m_metrics;
    std::size_t m_inputStep = 0;
    std::size_t m_lossStep = 0;
    std::string m_lossKind;
    std::int64_t m_batch = 0;
    bool m_training = false;
    std::size_t m_arenaBytes = 0;
    std::size_t m_naiveBytes = 0;
    bool m_hostTiming = false;
    std::map<std::string, KernelTiming> m_timings; // by label
};

} // namespace nw::engine
