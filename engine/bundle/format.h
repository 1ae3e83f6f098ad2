#pragma once
// The inference bundle (.nwbundle): one file holding an inference plan — layers with batch
// norm folded into the preceding convolution or dense layer, activations fused, dropout
// removed — its weights, and metadata (labels, normalisation, input shape).
//
// File layout: "NWBUNDLE", u32 format version, u64 header length, the header (JSON), u64
// blob length, the blob (f32 or s8 weights, each at a 64-byte aligned offset), u32 CRC-32
// (zlib) of everything before it. Parsing validates every field, index, shape and offset, so a
// corrupt or hostile file is an error, never a crash.
//
// Shared by the writer (engine side) and the runtime (libnetwright_rt), which depends on
// nothing of the training engine.

#include "base/expected.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <vector>

namespace nw::bundle {

// Version 2 added INT8 layers and s8 weights; version 1 files (f32 only) are still read.
inline constexpr std::uint32_t kBundleFormatVersion = 2;

using Dims = std::vector<std::int64_t>;

enum class DType { F32, S8 };

inline std::int64_t elementCount(const Dims& dims) {
    std::int64_t n = 1;
    for (auto d : dims) {
        n *= d;
    }
    return n;
}

// A weight array in the blob: row-major, or pre-laid-out in the blocked layout the CPU
// primitive that reads it prefers (a oneDNN format tag such as "Acdb32a", padded to
// `packedBytes`), so that the runtime uses it as it is.
struct BlobRef {
    std::uint64_t offset = 0; // bytes from the blob's start, 64-byte aligned
    Dims dims;
    DType dtype = DType::F32;
    std::string layout;            // "": row-major
    std::uint64_t packedBytes = 0; // with a layout: its size, padding included
    std::int64_t count() const;
    std::uint64_t bytes() const {
        return layout.empty() ? std::uint64_t(count()) * (dtype == DType::F32 ? 4 : 1)
                              : packedBytes;
    }
};

// An INT8 layer (conv2d or dense): its weight is s8 with a per-output-channel f32
// "weight_scale" (real weight = scale[c] * q), its bias stays f32. A quantised tensor holds
// q with real value = scale * q, u8 when it is never negative, else s8 (symmetric).
struct Quantization {
    double inputScale = 0; // the input as the layer reads it
    bool inputUnsigned = false;
    double outputScale = 0; // 0: the layer writes f32
    bool outputUnsigned = false;
};

// One layer. Tensor 0 is the model's input; layer i writes tensor i + 1.
struct Layer {
    std::string op;          // conv2d, dense, max_pool, avg_pool, global_avg_pool, batch_norm,
                             // layer_norm, activation, softmax, reshape, add, concat, lrn, pad,
                             // mul, global_max_pool
    std::string name;        // the graph node it came from, for messages
    std::vector<int> inputs; // tensor indices, each < this layer's tensor index
    Dims shape;              // output shape per sample (no batch)
    std::map<std::string, std::vector<std::int64_t>> ints; // kernel, stride, pad, ...
    std::map<std::string, double> reals;                   // epsilon, alpha, ...
    std::string activation;               // fused activation ("" none, relu, leaky_relu, elu,
                                          // relu6, hard_sigmoid, hard_swish, gelu_erf,
                                          // gelu_tanh, sigmoid, tanh) or the activation
    std::map<std::string, BlobRef> blobs; // weight, bias, scale, shift, mean, variance
    std::optional<Quantization> int8;     // set: the layer runs in INT8
};

struct BundleHeader {
    std::string producer;
    std::string inputName = "input";
    Dims inputShape; // per sample, e.g. [1, 28, 28]
    std::string outputName = "logits";
    std::vector<std::string> labels;
    std::vector<double> mean; // normalisation the caller applies: (x/255 - mean) / std
    std::vector<double> std;
    std::vector<Layer> layers; // the last layer's tensor is the output
    Dims outputShape() const;
};

// The values one tensor took over calibration samples (tensor 0 is the input).
struct TensorRange {
    float min = 0;
    float max = 0;
    bool seen = false;
    void add(float lo, float hi) {
        min = seen ? std::min(min, lo) : lo;
        max = seen ? std::max(max, hi) : hi;
        seen = true;
    }
};

// Storage aligned to 64 bytes, so that weights at 64-byte offsets are aligned for the
// vector loads of the kernels that read them in place.
template <class T>
struct CacheLineAllocator {
    using value_type = T;
    static constexpr std::align_val_t kAlign{64};
    CacheLineAllocator() = default;
    template <class U>
    CacheLineAllocator(const CacheLineAllocator<U>&) {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
    void deallocate(T* p, std::size_t) { ::operator delete(p, kAlign); }
    template <class U>
    bool operator==(const CacheLineAllocator<U>&) const {
        return true;
    }
};

struct Bundle {
    BundleHeader header;
    // The weights' storage; BlobRef offsets index it in bytes.
    std::vector<float, CacheLineAllocator<float>> blob;
    const float* data(const BlobRef& ref) const { return blob.data() + ref.offset / 4; }
    const std::int8_t* int8Data(const BlobRef& ref) const {
        return reinterpret_cast<const std::int8_t*>(blob.data()) + ref.offset;
    }
    std::uint64_t blobBytes() const { return blob.size() * sizeof(float); }
    // Appends `bytes` bytes at the next 64-byte boundary and returns where they are.
    BlobRef append(const void* data, std::uint64_t bytes, Dims dims, DType dtype);
};

// Serialises `bundle` (header as JSON) with its checksum.
std::string serializeBundle(const Bundle& bundle);
// Parses and validates; `source` names the file in messages.
Expected<Bundle> parseBundle(const std::string& bytes, const std::string& source);

} // namespace nw::bundle
