#pragma once
// Tensor: a shape, an element type and a view into device memory owned by a backend.
//
// Code outside a backend never reads a tensor's memory directly: the memory may live on a GPU
// and be written asynchronously. It goes through Backend::copyToHost / copyFromHost.

#include "engine/core/device.h"
#include "engine/core/dtype.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nw::engine {

using Dims = std::vector<std::int64_t>;

// Device memory allocated by a backend. Shared by the tensors that view it; freed (returned
// to its backend's allocator) when the last one goes.
class DeviceBuffer {
public:
    virtual ~DeviceBuffer() = default;
    virtual Device device() const = 0;
    virtual std::size_t bytes() const = 0;
};

class Tensor {
public:
    Tensor() = default;
    // A view of `buffer` from `offsetBytes` on; the caller guarantees it fits.
    Tensor(Dims shape, DType dtype, std::shared_ptr<DeviceBuffer> buffer,
           std::size_t offsetBytes = 0);

    bool defined() const { return m_buffer != nullptr; }
    const Dims& shape() const { return m_shape; }
    int rank() const { return static_cast<int>(m_shape.size()); }
    std::int64_t dim(int i) const { return m_shape[static_cast<std::size_t>(i)]; }
    std::int64_t numel() const;
    std::size_t bytes() const { return static_cast<std::size_t>(numel()) * dtypeSize(m_dtype); }
    DType dtype() const { return m_dtype; }
    Device device() const;

    DeviceBuffer* buffer() const { return m_buffer.get(); }
    std::size_t offset() const { return m_offset; }

    // The same memory with another shape of the same element count; an undefined tensor when
    // the counts differ.
    Tensor reshaped(Dims shape) const;
    // A tensor in this one's buffer at `offsetBytes` from this one's start (arena views); the
    // caller guarantees it fits.
    Tensor view(Dims shape, DType dtype, std::size_t offsetBytes) const;

    // "f32[128, 1, 28, 28] on cpu"
    std::string toString() const;

private:
    Dims m_shape;
    DType m_dtype = DType::F32;
    std::shared_ptr<DeviceBuffer> m_buffer;
    std::size_t m_offset = 0;
};

// Product of dims (1 for a scalar shape).
std::int64_t numelOf(const Dims& shape);
std::string dimsToString(const Dims& shape);

} // namespace nw::engine
