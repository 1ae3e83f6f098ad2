#include "engine/core/tensor.h"

namespace nw::engine {

Tensor::Tensor(Dims shape, DType dtype, std::shared_ptr<DeviceBuffer> buffer,
               std::size_t offsetBytes)
    : m_shape(std::move(shape))
    , m_dtype(dtype)
    , m_buffer(std::move(buffer))
    , m_offset(offsetBytes) {}

std::int64_t Tensor::numel() const {
    return numelOf(m_shape);
}

Device Tensor::device() const {
    return m_buffer ? m_buffer->device() : Device::cpu();
}

Tensor Tensor::reshaped(Dims shape) const {
    if (numelOf(shape) != numel()) {
        return {};
    }
    return Tensor(std::move(shape), m_dtype, m_buffer, m_offset);
}

Tensor Tensor::view(Dims shape, DType dtype, std::size_t offsetBytes) const {
    return Tensor(std::move(shape), dtype, m_buffer, m_offset + offsetBytes);
}

std::string Tensor::toString() const {
    return std::string(dtypeName(m_dtype)) + dimsToString(m_shape) + " on " + device().toString();
}

std::int64_t numelOf(const Dims& shape) {
    std::int64_t n = 1;
    for (auto d : shape) {
        n *= d;
    }
    return n;
}

std::string dimsToString(const Dims& shape) {
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        out += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return out + "]";
}

} // namespace nw::engine
