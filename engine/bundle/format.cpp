#include "engine/bundle/format.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <zlib.h>

namespace nw::bundle {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr char kMagic[8] = {'N', 'W', 'B', 'U', 'N', 'D', 'L', 'E'};
constexpr std::uint64_t kMaxHeaderBytes = 16u << 20;
constexpr std::int64_t kMaxDim = 1 << 24;
constexpr std::int64_t kMaxElements = std::int64_t(1) << 31;

const std::set<std::string> kOps = {"conv2d",          "dense",      "max_pool",   "avg_pool",
                                    "global_avg_pool", "batch_norm", "layer_norm", "activation",
                                    "softmax",         "reshape",    "add",        "concat",
                                    "global_max_pool", "lrn",        "pad",        "mul"};

struct Invalid {
    std::string message;
};

[[noreturn]] void invalid(std::string message) {
    throw Invalid{std::move(message)};
}

std::int64_t checkedCount(const Dims& dims, const std::string& what) {
    if (dims.empty() || dims.size() > 8) {
        invalid(what + " has rank " + std::to_string(dims.size()));
    }
    std::int64_t n = 1;
    for (auto d : dims) {
        if (d < 1 || d > kMaxDim) {
            invalid(what + " has a dimension of " + std::to_string(d));
        }
        n *= d;
        if (n > kMaxElements) {
            invalid(what + " is too large");
        }
    }
    return n;
}

Dims readDims(const json& j, const std::string& what) {
    if (!j.is_array()) {
        invalid(what + " is not a list");
    }
    Dims d;
    for (const auto& x : j) {
        if (!x.is_number_integer()) {
            invalid(what + " has a non-integer entry");
        }
        d.push_back(x.get<std::int64_t>());
    }
    checkedCount(d, what);
    return d;
}

double readScale(const json& j, const char* key, const std::string& where, bool optional) {
    if (optional && !j.contains(key)) {
        return 0;
    }
    if (!j.contains(key) || !j[key].is_number() || !std::isfinite(j[key].get<double>()) ||
        j[key].get<double>() <= 0) {
        invalid(where + " int8." + key + " is not a positive number");
    }
    return j[key].get<double>();
}

Quantization readQuantization(const json& j, const Layer& l, const std::string& where) {
    if (!j.is_object()) {
        invalid(where + " int8 is not an object");
    }
    if (l.op != "conv2d" && l.op != "dense") {
        invalid(where + " is " + l.op + ", which has no INT8 form");
    }
    Quantization q;
    q.inputScale = readScale(j, "input_scale", where, false);
    q.inputUnsigned = j.value("input_unsigned", false);
    q.outputScale = readScale(j, "output_scale", where, true);
    q.outputUnsigned = j.value("output_unsigned", false);
    auto w = l.blobs.find("weight");
    auto s = l.blobs.find("weight_scale");
    if (w == l.blobs.end() || w->second.dtype != DType::S8) {
        invalid(where + " is INT8 but its weight is not s8");
    }
    if (s == l.blobs.end() || s->second.dtype != DType::F32 ||
        s->second.count() != w->second.dims[0]) {
        invalid(where + " is INT8 but has no weight_scale per output channel");
    }
    return q;
}

Layer readLayer(const json& j, std::size_t index, std::uint64_t blobBytes) {
    std::string where = "layer " + std::to_string(index);
    if (!j.is_object()) {
        invalid(where + " is not an object");
    }
    Layer l;
    l.op = j.value("op", "");
    l.name = j.value("name", "");
    where += " ('" + l.name + "')";
    if (!kOps.count(l.op)) {
        invalid(where + " has an unknown op '" + l.op + "'");
    }
    const auto& inputs = j.at("inputs");
    if (!inputs.is_array() || inputs.empty() || inputs.size() > 64) {
        invalid(where + " has no valid input list");
    }
    for (const auto& in : inputs) {
        if (!in.is_number_integer() || in.get<std::int64_t>() < 0 ||
            in.get<std::int64_t>() > std::int64_t(index)) {
            invalid(where + " reads a tensor that does not exist before it");
        }
        l.inputs.push_back(in.get<int>());
    }
    l.shape = readDims(j.at("shape"), where + " shape");
    const json ints = j.value("ints", json::object());
    const json reals = j.value("reals", json::object());
    const json blobs = j.value("blobs", json::object());
    if (!ints.is_object() || !reals.is_object() || !blobs.is_object()) {
        invalid(where + " has malformed attributes");
    }
    for (const auto& [k, v] : ints.items()) {
        if (!v.is_array() || v.size() > 8) {
            invalid(where + " attribute " + k + " is not a short list");
        }
        std::vector<std::int64_t> xs;
        for (const auto& x : v) {
            if (!x.is_number_integer() || std::abs(x.get<std::int64_t>()) > kMaxDim) {
                invalid(where + " attribute " + k + " has a bad value");
            }
            xs.push_back(x.get<std::int64_t>());
        }
        l.ints[k] = xs;
    }
    for (const auto& [k, v] : reals.items()) {
        if (!v.is_number() || !std::isfinite(v.get<double>())) {
            invalid(where + " attribute " + k + " is not a finite number");
        }
        l.reals[k] = v.get<double>();
    }
    l.activation = j.value("activation", "");
    for (const auto& [k, v] : blobs.items()) {
        BlobRef b;
        if (!v.is_object() || !v.contains("offset") || !v["offset"].is_number_unsigned()) {
            invalid(where + " blob " + k + " has no offset");
        }
        b.offset = v["offset"].get<std::uint64_t>();
        b.dims = readDims(v.at("dims"), where + " blob " + k);
        std::string dtype = v.value("dtype", "f32");
        if (dtype != "f32" && dtype != "s8") {
            invalid(where + " blob " + k + " has an unknown data type '" + dtype + "'");
        }
        b.dtype = dtype == "s8" ? DType::S8 : DType::F32;
        if (v.contains("layout")) {
            const auto& layout = v["layout"];
            if (!layout.is_string() || layout.get<std::string>().empty() ||
                layout.get<std::string>().size() > 32 || !v.contains("bytes") ||
                !v["bytes"].is_number_unsigned()) {
                invalid(where + " blob " + k + " has a malformed layout");
            }
            b.layout = layout.get<std::string>();
            b.packedBytes = v["bytes"].get<std::uint64_t>();
            // A blocked layout pads, never shrinks: every element lies within its bytes.
            if (b.packedBytes < std::uint64_t(b.count()) * (b.dtype == DType::F32 ? 4 : 1)) {
                invalid(where + " blob " + k + " is laid out in fewer bytes than it has values");
            }
        }
        if (b.offset % 64 != 0 || b.offset > blobBytes || b.bytes() > blobBytes - b.offset) {
            invalid(where + " blob " + k + " lies outside the weights");
        }
        l.blobs[k] = b;
    }
    if (j.contains("int8")) {
        l.int8 = readQuantization(j["int8"], l, where);
    }
    return l;
}

template <class T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

} // namespace

std::int64_t BlobRef::count() const {
    return elementCount(dims);
}

BlobRef Bundle::append(const void* data, std::uint64_t bytes, Dims dims, DType dtype) {
    while (blob.size() % 16 != 0) {
        blob.push_back(0.0f); // 64-byte alignment
    }
    BlobRef ref{blob.size() * sizeof(float), std::move(dims), dtype, {}, 0};
    blob.resize(blob.size() + (bytes + 3) / 4, 0.0f);
    std::memcpy(reinterpret_cast<char*>(blob.data()) + ref.offset, data, bytes);
    return ref;
}

Dims BundleHeader::outputShape() const {
    return layers.empty() ? inputShape : layers.back().shape;
}

std::string serializeBundle(const Bundle& b) {
    const auto& h = b.header;
    ordered_json layers = ordered_json::array();
    for (const auto& l : h.layers) {
        ordered_json blobs = ordered_json::object();
        for (const auto& [k, ref] : l.blobs) {
            blobs[k] = {{"offset", ref.offset},
                        {"dims", ref.dims},
                        {"dtype", ref.dtype == DType::S8 ? "s8" : "f32"}};
            if (!ref.layout.empty()) {
                blobs[k]["layout"] = ref.layout;
                blobs[k]["bytes"] = ref.packedBytes;
            }
        }
        ordered_json layer{
            {"op", l.op},     {"name", l.name},   {"inputs", l.inputs},         {"shape", l.shape},
            {"ints", l.ints}, {"reals", l.reals}, {"activation", l.activation}, {"blobs", blobs}};
        if (l.int8) {
            const auto& q = *l.int8;
            layer["int8"] = {{"input_scale", q.inputScale}, {"input_unsigned", q.inputUnsigned}};
            if (q.outputScale > 0) {
                layer["int8"]["output_scale"] = q.outputScale;
                layer["int8"]["output_unsigned"] = q.outputUnsigned;
            }
        }
        layers.push_back(std::move(layer));
    }
    ordered_json header{{"producer", h.producer},
                        {"input", {{"name", h.inputName}, {"shape", h.inputShape}}},
                        {"output", {{"name", h.outputName}, {"shape", h.outputShape()}}},
                        {"labels", h.labels},
                        {"normalization", {{"mean", h.mean}, {"std", h.std}}},
                        {"layers", layers}};
    std::string text = header.dump();
    std::string out(kMagic, sizeof kMagic);
    put(out, kBundleFormatVersion);
    put(out, std::uint64_t(text.size()));
    out += text;
    put(out, std::uint64_t(b.blob.size() * sizeof(float)));
    out.append(reinterpret_cast<const char*>(b.blob.data()), b.blob.size() * sizeof(float));
    auto crc = std::uint32_t(
        crc32(0, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
    put(out, crc);
    return out;
}

Expected<Bundle> parseBundle(const std::string& bytes, const std::string& source) {
    auto bad = [&source](const std::string& why) {
        return Error::user(source + ": not a valid Netwright bundle: " + why);
    };
    const std::size_t fixed = sizeof kMagic + 4 + 8 + 8 + 4;
    if (bytes.size() < fixed || std::memcmp(bytes.data(), kMagic, 8) != 0) {
        return bad("it does not start with the NWBUNDLE signature");
    }
    std::uint32_t stored = 0;
    std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
    auto actual = std::uint32_t(crc32(0, reinterpret_cast<const Bytef*>(bytes.data()),
                                      static_cast<uInt>(bytes.size() - 4)));
    if (stored != actual) {
        return bad("the checksum does not match (the file is truncated or damaged)");
    }
    std::uint32_t version = 0;
    std::uint64_t headerBytes = 0, blobBytes = 0;
    std::memcpy(&version, bytes.data() + 8, 4);
    std::memcpy(&headerBytes, bytes.data() + 12, 8);
    if (version < 1 || version > kBundleFormatVersion) {
        return bad("format version " + std::to_string(version) + "; this runtime reads 1 to " +
                   std::to_string(kBundleFormatVersion));
    }
    if (headerBytes > kMaxHeaderBytes || headerBytes > bytes.size() - fixed) {
        return bad("the header length is out of range");
    }
    std::memcpy(&blobBytes, bytes.data() + 20 + headerBytes, 8);
    if (blobBytes % 4 != 0 || blobBytes != bytes.size() - fixed - headerBytes) {
        return bad("the weights' length does not match the file's size");
    }
    Bundle b;
    try {
        json h = json::parse(bytes.begin() + 20, bytes.begin() + 20 + long(headerBytes));
        auto& hd = b.header;
        b.blob.resize(blobBytes / 4);
        std::memcpy(b.blob.data(), bytes.data() + 28 + headerBytes, blobBytes);
        hd.producer = h.value("producer", "");
        hd.inputName = h.at("input").value("name", "input");
        hd.inputShape = readDims(h.at("input").at("shape"), "the input shape");
        hd.outputName = h.at("output").value("name", "output");
        hd.labels = h.value("labels", std::vector<std::string>{});
        hd.mean = h.at("normalization").value("mean", std::vector<double>{});
        hd.std = h.at("normalization").value("std", std::vector<double>{});
        const auto& layers = h.at("layers");
        if (!layers.is_array() || layers.empty() || layers.size() > 100000) {
            invalid("there are no layers");
        }
        for (std::size_t i = 0; i < layers.size(); ++i) {
            hd.layers.push_back(readLayer(layers[i], i, blobBytes));
        }
        if (hd.outputShape() != readDims(h.at("output").at("shape"), "the output shape")) {
            invalid("the output shape does not match the last layer's");
        }
    } catch (const Invalid& e) {
        return bad(e.message);
    } catch (const json::exception& e) {
        return bad(std::string("malformed header: ") + e.what());
    }
    return b;
}

} // namespace nw::bundle
