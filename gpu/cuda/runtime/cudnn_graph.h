#pragma once
// cuDNN 9's graph (backend) API for one-operation graphs: an owning descriptor whose setters
// keep the first failure, plain row-major tensors (f32, or the bf16 copies of MathMode::Bf16),
// and the plan builder that asks the heuristics for engine configurations and keeps the first
// one that finalizes. The legacy cudnnConvolution* calls are deprecated in cuDNN 9; every
// cuDNN op of this backend goes through these pieces instead.
//
// Descriptors are host objects: building them allocates host memory only, so a Plan is built
// in a kernel's constructor and executed in forward/backward without touching the device
// allocator.

#include "base/expected.h"

#include <cstdint>
#include <cudnn.h>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nw::gpu::cuda::dnn {

// One cuDNN backend descriptor, destroyed with its owner. The setters record the first
// failing call; finalize() reports it (or the finalization's own failure).
class Descriptor {
public:
    Descriptor() = default;
    explicit Descriptor(cudnnBackendDescriptorType_t type);
    ~Descriptor();
    Descriptor(Descriptor&& other) noexcept;
    Descriptor& operator=(Descriptor&& other) noexcept;
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;

    cudnnBackendDescriptor_t get() const { return m_desc; }

    Descriptor& set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
                    std::int64_t count, const void* values);
    Descriptor& setInt(cudnnBackendAttributeName_t name, std::int64_t value);
    Descriptor& setInts(cudnnBackendAttributeName_t name, std::span<const std::int64_t> values);
    Descriptor& setFloat(cudnnBackendAttributeName_t name, float value);
    Descriptor& setDataType(cudnnBackendAttributeName_t name, cudnnDataType_t value);
    Descriptor& setDescriptor(cudnnBackendAttributeName_t name, const Descriptor& value);
    Descriptor& setHandle(cudnnBackendAttributeName_t name, cudnnHandle_t handle);

    // `what` names the descriptor in the error ("convolution forward: tensor y").
    Status finalize(const std::string& what);

private:
    cudnnBackendDescriptor_t m_desc = nullptr;
    cudnnStatus_t m_status = CUDNN_STATUS_SUCCESS; // of the first failed call
    std::int64_t m_failedAttribute = -1;           // its attribute, -1: creation
};

// A finalized operation and the descriptors it refers to (tensors, the convolution), kept
// alive with it for the plans built from it.
struct Operation {
    Descriptor op;
    std::vector<Descriptor> parts;
};

// A plain row-major tensor of `dims` (NCHW for 4-D) and element `type`, named `uid` in variant
// packs; `alignment`: the bytes its data pointers are guaranteed to be aligned to.
Expected<Descriptor> tensor(std::int64_t uid, std::span<const std::int64_t> dims,
                            std::int64_t alignment, cudnnDataType_t type = CUDNN_DATA_FLOAT);

// Which engines a plan may use.
struct PlanOptions {
    // Tensor-core engines: TF32 products on f32 tensors, bf16 products on bf16 tensors (both
    // accumulating in fp32); false keeps full fp32.
    bool allowTensorCores = false;
    // Try deterministic engines first (the same bits every run for one seed); an engine cuDNN
    // marks nondeterministic (atomics in weight gradients) is used only when no other builds.
    bool preferDeterministic = true;
    // Engine configurations needing more scratch than this are skipped.
    std::int64_t maxWorkspaceBytes = std::int64_t(256) << 20;
};

// An execution plan of one operation graph, ready to run with any tensors of its shapes.
class Plan {
public:
    std::int64_t workspaceBytes() const { return m_workspaceBytes; }
    // Queues the plan on the handle's stream: `pointers[i]` is the device memory of the
    // tensor with unique id `uids[i]`; `workspace` holds at least workspaceBytes().
    Status execute(cudnnHandle_t handle, std::span<const std::int64_t> uids,
                   std::span<void* const> pointers, void* workspace, const std::string& what) const;

private:
    friend Expected<std::shared_ptr<const Plan>> buildPlan(cudnnHandle_t, Operation,
                                                           const PlanOptions&, const std::string&);
    Operation m_operation;
    Descriptor m_graph;
    std::vector<Descriptor> m_configs; // the heuristics' results; the plan uses one
    Descriptor m_plan;
    std::int64_t m_workspaceBytes = 0;
};

// The plan of the graph holding `operation` alone: the configurations of heuristics mode A,
// then of the fallback mode, filtered by `options` (engines that down-convert inputs to
// fp16/bf16 or reduce in reduced precision are never used), tried in that order until one
// finalizes. The error names `what` and says how many configurations were tried.
Expected<std::shared_ptr<const Plan>> buildPlan(cudnnHandle_t handle, Operation operation,
                                                const PlanOptions& options,
                                                const std::string& what);

// buildPlan through a cache shared by the kernels of one handle: `key` describes the
// operation completely (kind, shapes, attributes); kernels with equal keys share one plan
// while any of them holds it. `makeOperation` runs only on a miss.
Expected<std::shared_ptr<const Plan>>
cachedPlan(cudnnHandle_t handle, const std::string& key, const PlanOptions& options,
           const std::function<Expected<Operation>()>& makeOperation, const std::string& what);

} // namespace nw::gpu::cuda::dnn
