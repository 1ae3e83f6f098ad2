#include "gpu/cuda/runtime/cudnn_graph.h"

#include "gpu/cuda/runtime/cuda_check.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

namespace nw::gpu::cuda::dnn {

Descriptor::Descriptor(cudnnBackendDescriptorType_t type) {
    m_status = cudnnBackendCreateDescriptor(type, &m_desc);
    if (m_status != CUDNN_STATUS_SUCCESS) {
        m_desc = nullptr;
    }
}

Descriptor::~Descriptor() {
    if (m_desc) {
        (void)cudnnBackendDestroyDescriptor(m_desc);
    }
}

Descriptor::Descriptor(Descriptor&& other) noexcept
    : m_desc(std::exchange(other.m_desc, nullptr))
    , m_status(other.m_status)
    , m_failedAttribute(other.m_failedAttribute) {}

Descriptor& Descriptor::operator=(Descriptor&& other) noexcept {
    if (this != &other) {
        if (m_desc) {
            (void)cudnnBackendDestroyDescriptor(m_desc);
        }
        m_desc = std::exchange(other.m_desc, nullptr);
        m_status = other.m_status;
        m_failedAttribute = other.m_failedAttribute;
    }
    return *this;
}

Descriptor& Descriptor::set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
                            std::int64_t count, const void* values) {
    if (m_status == CUDNN_STATUS_SUCCESS) {
        m_status = cudnnBackendSetAttribute(m_desc, name, type, count, values);
        if (m_status != CUDNN_STATUS_SUCCESS) {
            m_failedAttribute = name;
        }
    }
    return *this;
}

Descriptor& Descriptor::setInt(cudnnBackendAttributeName_t name, std::int64_t value) {
    return set(name, CUDNN_TYPE_INT64, 1, &value);
}

Descriptor& Descriptor::setInts(cudnnBackendAttributeName_t name,
                                std::span<const std::int64_t> values) {
    return set(name, CUDNN_TYPE_INT64, std::int64_t(values.size()), values.data());
}

Descriptor& Descriptor::setFloat(cudnnBackendAttributeName_t name, float value) {
    return set(name, CUDNN_TYPE_FLOAT, 1, &value);
}

Descriptor& Descriptor::setDataType(cudnnBackendAttributeName_t name, cudnnDataType_t value) {
    return set(name, CUDNN_TYPE_DATA_TYPE, 1, &value);
}

Descriptor& Descriptor::setDescriptor(cudnnBackendAttributeName_t name, const Descriptor& value) {
    cudnnBackendDescriptor_t raw = value.get();
    return set(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &raw);
}

Descriptor& Descriptor::setHandle(cudnnBackendAttributeName_t name, cudnnHandle_t handle) {
    return set(name, CUDNN_TYPE_HANDLE, 1, &handle);
}

Status Descriptor::finalize(const std::string& what) {
    if (m_status != CUDNN_STATUS_SUCCESS) {
        return check(m_status, what + (m_failedAttribute < 0
                                           ? std::string(": creating the descriptor")
                                           : ": attribute " + std::to_string(m_failedAttribute)));
    }
    return check(cudnnBackendFinalize(m_desc), what);
}

Expected<Descriptor> tensor(std::int64_t uid, std::span<const std::int64_t> dims,
                            std::int64_t alignment, cudnnDataType_t type) {
    std::vector<std::int64_t> strides(dims.size(), 1);
    for (std::size_t i = dims.size(); i-- > 1;) {
        strides[i - 1] = strides[i] * dims[i];
    }
    Descriptor d(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
    d.setDataType(CUDNN_ATTR_TENSOR_DATA_TYPE, type)
        .setInts(CUDNN_ATTR_TENSOR_DIMENSIONS, dims)
        .setInts(CUDNN_ATTR_TENSOR_STRIDES, strides)
        .setInt(CUDNN_ATTR_TENSOR_UNIQUE_ID, uid)
        .setInt(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, alignment);
    if (auto s = d.finalize("cuDNN tensor " + std::to_string(uid)); !s) {
        return s.error();
    }
    return d;
}

Status Plan::execute(cudnnHandle_t handle, std::span<const std::int64_t> uids,
                     std::span<void* const> pointers, void* workspace,
                     const std::string& what) const {
    // A variant pack is a small host object; building one per call allocates no device memory.
    Descriptor pack(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
    pack.set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, std::int64_t(uids.size()),
             uids.data())
        .set(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR,
             std::int64_t(pointers.size()), pointers.data())
        .set(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &workspace);
    if (auto s = pack.finalize(what + ": cuDNN variant pack"); !s) {
        return s;
    }
    return check(cudnnBackendExecute(handle, m_plan.get(), pack.get()), what);
}

namespace {

// What the engine of `config` is marked with.
struct EngineNotes {
    bool readable = false;
    bool tensorCore = false;   // TF32 on f32 data, bf16 products on bf16 data
    bool downConverts = false; // inputs rounded to fp16/bf16
    bool nondeterministic = false;
    bool runtimeCompiled = false; // NVRTC at plan build: slow to finalize
};

EngineNotes notesOf(const Descriptor& config) {
    EngineNotes n;
    Descriptor engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
    cudnnBackendDescriptor_t raw = engine.get();
    std::int64_t count = 0;
    if (!raw || cudnnBackendGetAttribute(config.get(), CUDNN_ATTR_ENGINECFG_ENGINE,
                                         CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &count,
                                         &raw) != CUDNN_STATUS_SUCCESS) {
        return n;
    }
    cudnnBackendNumericalNote_t numerical[CUDNN_NUMERICAL_NOTE_TYPE_COUNT];
    if (cudnnBackendGetAttribute(raw, CUDNN_ATTR_ENGINE_NUMERICAL_NOTE, CUDNN_TYPE_NUMERICAL_NOTE,
                                 CUDNN_NUMERICAL_NOTE_TYPE_COUNT, &count,
                                 numerical) != CUDNN_STATUS_SUCCESS) {
        return n;
    }
    for (std::int64_t i = 0; i < std::min<std::int64_t>(count, CUDNN_NUMERICAL_NOTE_TYPE_COUNT);
         ++i) {
        n.tensorCore |= numerical[i] == CUDNN_NUMERICAL_NOTE_TENSOR_CORE;
        n.downConverts |= numerical[i] == CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS ||
                          numerical[i] == CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION;
        n.nondeterministic |= numerical[i] == CUDNN_NUMERICAL_NOTE_NONDETERMINISTIC;
    }
    cudnnBackendBehaviorNote_t behavior[CUDNN_BEHAVIOR_NOTE_TYPE_COUNT];
    if (cudnnBackendGetAttribute(raw, CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE, CUDNN_TYPE_BEHAVIOR_NOTE,
                                 CUDNN_BEHAVIOR_NOTE_TYPE_COUNT, &count,
                                 behavior) == CUDNN_STATUS_SUCCESS) {
        for (std::int64_t i = 0; i < std::min<std::int64_t>(count, CUDNN_BEHAVIOR_NOTE_TYPE_COUNT);
             ++i) {
            n.runtimeCompiled |= behavior[i] == CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION;
        }
    }
    n.readable = true;
    return n;
}

// The engine configurations heuristics `mode` proposes for `graph`, best first; none when
// the mode has nothing for it.
std::vector<Descriptor> heuristicConfigs(const Descriptor& graph, cudnnBackendHeurMode_t mode) {
    std::vector<Descriptor> configs;
    Descriptor heur(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
    heur.setDescriptor(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, graph)
        .set(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &mode);
    if (!heur.finalize("cuDNN heuristics")) {
        return configs;
    }
    std::int64_t count = 0;
    if (cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                 CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count,
                                 nullptr) != CUDNN_STATUS_SUCCESS ||
        count <= 0) {
        return configs;
    }
    // The results are written into descriptors we create.
    std::vector<cudnnBackendDescriptor_t> raw;
    for (std::int64_t i = 0; i < count; ++i) {
        Descriptor c(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR);
        if (!c.get()) {
            return {};
        }
        raw.push_back(c.get());
        configs.push_back(std::move(c));
    }
    std::int64_t returned = 0;
    if (cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                 CUDNN_TYPE_BACKEND_DESCRIPTOR, count, &returned,
                                 raw.data()) != CUDNN_STATUS_SUCCESS) {
        return {};
    }
    configs.resize(std::size_t(std::clamp<std::int64_t>(returned, 0, count)));
    return configs;
}

} // namespace

Expected<std::shared_ptr<const Plan>> buildPlan(cudnnHandle_t handle, Operation operation,
                                                const PlanOptions& options,
                                                const std::string& what) {
    auto plan = std::make_shared<Plan>();
    plan->m_operation = std::move(operation);
    Descriptor& graph = plan->m_graph;
    graph = Descriptor(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
    cudnnBackendDescriptor_t op = plan->m_operation.op.get();
    // The graph and the plan take the handle: every cuDNN 9 release accepts it (the
    // DEVICEPROP descriptors that replace it exist only in recent ones).
    graph.setHandle(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, handle)
        .set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &op);
    if (auto s = graph.finalize(what + ": cuDNN operation graph"); !s) {
        return s.error();
    }

    // Candidates in the heuristics' order, mode A first, then re-ranked stably so engines
    // that are quick to build and deterministic come first.
    struct Candidate {
        Descriptor config;
        int rank;
    };
    std::vector<Candidate> candidates;
    int excluded = 0;
    for (cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK}) {
        for (Descriptor& config : heuristicConfigs(graph, mode)) {
            EngineNotes n = notesOf(config);
            if (!n.readable || n.downConverts || (n.tensorCore && !options.allowTensorCores)) {
                ++excluded;
                continue;
            }
            int rank = (options.preferDeterministic && n.nondeterministic ? 2 : 0) +
                       (n.runtimeCompiled ? 1 : 0);
            candidates.push_back({std::move(config), rank});
        }
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.rank < b.rank; });

    std::string lastFailure = "none was proposed";
    for (Candidate& c : candidates) {
        Descriptor p(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
        p.setHandle(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, handle)
            .setDescriptor(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, c.config);
        if (auto s = p.finalize("plan"); !s) {
            lastFailure = s.error().message;
            continue;
        }
        std::int64_t bytes = 0, count = 0;
        if (auto s =
                check(cudnnBackendGetAttribute(p.get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                                               CUDNN_TYPE_INT64, 1, &count, &bytes),
                      "plan workspace");
            !s) {
            lastFailure = s.error().message;
            continue;
        }
        if (bytes > options.maxWorkspaceBytes) {
            lastFailure = "plan needs " + std::to_string(bytes) + " bytes of workspace";
            continue;
        }
        plan->m_plan = std::move(p);
        plan->m_workspaceBytes = bytes;
        plan->m_configs.push_back(std::move(c.config));
        return std::shared_ptr<const Plan>(std::move(plan));
    }
    return Error::internal(what + ": cuDNN has no engine for it (" +
                           std::to_string(candidates.size()) + " configurations tried, " +
                           std::to_string(excluded) +
                           " excluded for precision; last: " + lastFailure + ")");
}

Expected<std::shared_ptr<const Plan>>
cachedPlan(cudnnHandle_t handle, const std::string& key, const PlanOptions& options,
           const std::function<Expected<Operation>()>& makeOperation, const std::string& what) {
    // Entries are weak: a plan lives as long as a kernel holds it, and kernels never outlive
    // their backend's handle, so a live entry's handle is always valid. Two live handles
    // have different addresses, hence different keys.
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<const Plan>> cache;
    std::string fullKey = std::to_string(reinterpret_cast<std::uintptr_t>(handle)) + "|" +
                          (options.allowTensorCores ? "tc" : "fp32") + "|" +
                          (options.preferDeterministic ? "det" : "any") + "|" +
                          std::to_string(options.maxWorkspaceBytes) + "|" + key;
    std::lock_guard lock(mutex);
    if (auto it = cache.find(fullKey); it != cache.end()) {
        if (auto plan = it->second.lock()) {
            return plan;
        }
    }
    auto operation = makeOperation();
    if (!operation) {
        return operation.error();
    }
    auto plan = buildPlan(handle, std::move(*operation), options, what);
    if (!plan) {
        return plan.error();
    }
    std::erase_if(cache, [](const auto& entry) { return entry.second.expired(); });
    cache[fullKey] = *plan;
    return plan;
}

} // namespace nw::gpu::cuda::dnn
