#pragma once
// The CPU backend: host memory (64-byte aligned, for oneDNN's vector kernels), op kernels on
// oneDNN primitives (engine/cpu/ops/), and the training arithmetic as OpenMP loops.
// Copies are synchronous on the CPU.

#include "engine/core/backend.h"
#include "engine/core/backend_registry.h"
#include "engine/cpu/ops/registry.h"

#include <atomic>
#include <functional>
#include <memory>

namespace nw::engine::cpu {

struct MemoryAccounting; // live and peak bytes; shared with buffers that outlive the backend
struct DnnlContext;      // engine/cpu/dnnl_util.h

class CpuBackend final : public Backend {
public:
    // Opened through the backend registry (registerCpuBackend, openBackend("cpu")); code
    // outside engine/cpu never constructs one. options.alignment: 0 means 64 bytes.
    explicit CpuBackend(const BackendOptions& options = {});
    ~CpuBackend() override;

    Device device() const override { return Device::cpu(); }
    std::string description() const override;
    // fp32, or bf16 on CPUs with AVX512-BF16 (convolutions and Dense then take bf16
    // inputs and weights and accumulate in fp32; AMX runs them where the CPU has it).
    Status setPrecision(Precision p) override;
    bool computesInBf16() const { return m_precision == Precision::Bf16; }
    std::size_t alignment() const override { return m_alignment; }

    Expected<Tensor> allocate(const Dims& shape, DType dtype) override;
    Status copyFromHost(const Tensor& dst, const void* src) override;
    Status copyToHost(const Tensor& src, void* dst) override;
    Status synchronize() override;

    const graph::OpCoverage& opCoverage() const override;
    Expected<std::unique_ptr<OpKernel>> createKernel(const KernelConfig& config) override;
    bool canFuseActivation(std::string_view producer, std::string_view activation) const override;

    // engine/cpu/training_math.cpp
    Status fill(const Tensor& t, float value) override;
    Status scale(const Tensor& t, float factor) override;
    Status addInto(const Tensor& dst, const Tensor& src) override; // in cpu_backend.cpp
    Expected<double> sumOfSquares(std::span<const Tensor> tensors) override;
    Status optimizerStep(const OptimizerStep& step, const Tensor& param, const Tensor& grad,
                         std::span<const Tensor> state, bool decays) override;

    // engine/cpu/metrics_kernels.cpp
    Status oneHot(const Tensor& labels, const Tensor& targets) override;
    Status classificationMetrics(const Tensor& logits, const Tensor& labels, const Tensor& loss,
                                 const Tensor& metrics) override;

    void setThreads(int threads) override;
    int threads() const override;

    std::size_t bytesInUse() const override;
    std::size_t peakBytes() const override;
    void resetPeak() override;

    // Host address of a tensor's first element. Only for code inside the CPU backend.
    static void* data(const Tensor& t);
    static float* f32(const Tensor& t) { return static_cast<float*>(data(t)); }

    // This backend's kernels by op (built-in ones from makeCpuKernelTable(); plugins add).
    graph::OpTable<KernelFactory>& kernels() { return m_kernels; }

    // The oneDNN engine and stream the kernels run on.
    DnnlContext& dnnl() { return *m_dnnl; }

private:
    std::shared_ptr<MemoryAccounting> m_accounting;
    std::unique_ptr<DnnlContext> m_dnnl;
    int m_threads = 0;
    std::size_t m_alignment = 64;
    graph::OpTable<KernelFactory> m_kernels;
};

// What registerCpuBackend() lists for this machine: the processor's name, its RAM, oneDNN.
DeviceInfo cpuDeviceInfo();

// Adds kernels to a CPU op table: the plugins' (plugins/host), applied to the provider's
// table and to every CpuBackend it opens.
using KernelTableExtension = std::function<void(graph::OpTable<KernelFactory>&)>;

} // namespace nw::engine::cpu

namespace nw::engine {

// registerCpuBackend() whose backends' kernel tables `extend` adds to.
void registerCpuBackend(BackendRegistry& registry, cpu::KernelTableExtension extend);

} // namespace nw::engine
