#pragma once
// The inference bundle (.nwbundle): one file holding an inference plan — layers with batch
// norm folded into the preceding convolution or dense layer, activations fused, dropout
// removed — its weights, and metadata (labels, normalisation, input shape).
//
// File layout: "NWBUNDLE", u32 format version, u64 header length, the header (JSON), u64
// blob length, the blob (f32 weights, each at a 64-byte aligned offset), u32 CRC-32 (zlib) of
// everything before it. Parsing validates every field, index, shape and offset, so a
// corrupt or hostile file is an error, never a crash.
//
// Shared by the writer (engine side) and the runtime (libnetwright_rt), which depends on
// nothing of the training engine.

#include "base/expected.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nw::bundle {

inline constexpr std::uint32_t kBundleFormatVersion = 1;

using Dims = std::vector<std::int64_t>;

// A weight array in the blob.
struct BlobRef {
    std::uint64_t offset = 0; // bytes from the blob's start, 64-byte aligned
    Dims dims;
    std::int64_t count() const;
};

// One layer. Tensor 0 is the model's input; layer i writes tensor i + 1.
struct Layer {
    std::string op;          // conv2d, dense, max_pool, avg_pool, global_avg_pool, batch_norm,
                             // layer_norm, activation, softmax, reshape, add, concat
    std::string name;        // the graph node it came from, for messages
    std::vector<int> inputs; // tensor indices, each < this layer's tensor index
    Dims shape;              // output shape per sample (no batch)
    std::map<std::string, std::vector<std::int64_t>> ints; // kernel, stride, pad, ...
    std::map<std::string, double> reals;                   // epsilon, alpha, ...
    std::string activation;               // fused activation ("" none, relu, leaky_relu, elu,
                                          // gelu_erf, gelu_tanh, sigmoid, tanh) or the activation
    std::map<std::string, BlobRef> blobs; // weight, bias, scale, shift, mean, variance
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

struct Bundle {
    BundleHeader header;
    std::vector<float> blob; // the weights; BlobRef offsets index it in bytes
    const float* data(const BlobRef& ref) const { return blob.data() + ref.offset / 4; }
};

// Serialises `bundle` (header as JSON) with its checksum.
std::string serializeBundle(const Bundle& bundle);
// Parses and validates; `source` names the file in messages.
Expected<Bundle> parseBundle(const std::string& bytes, const std::string& source);

} // namespace nw::bundle
