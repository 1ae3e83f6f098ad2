#pragma once
// The CPU backend: host memory (64-byte aligned, for oneDNN's vector kernels) and, with the
// engine issue's kernels, oneDNN primitives. Copies are synchronous on the CPU.

#include "engine/core/backend.h"

#include <atomic>
#include <memory>

namespace nw::engine::cpu {

struct MemoryAccounting; // live and peak bytes; shared with buffers that outlive the backend

class CpuBackend final : public Backend {
public:
    CpuBackend();
    ~CpuBackend() override;

    Device device() const override { return Device::cpu(); }
    std::string description() const override;

    Expected<Tensor> allocate(const Dims& shape, DType dtype) override;
    Status copyFromHost(const Tensor& dst, const void* src) override;
    Status copyToHost(const Tensor& src, void* dst) override;
    Status synchronize() override { return Status::success(); }

    void setThreads(int threads) override;
    int threads() const override;

    std::size_t bytesInUse() const override;
    std::size_t peakBytes() const override;
    void resetPeak() override;

    // Host address of a tensor's first element. Only for code inside the CPU backend.
    static void* data(const Tensor& t);

private:
    std::shared_ptr<MemoryAccounting> m_accounting;
    int m_threads = 0;
};

} // namespace nw::engine::cpu
