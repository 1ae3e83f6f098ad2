#include "engine/bundle/quantize.h"

#include <cmath>

namespace nw::bundle {

graph::OpTable<Int8Role> makeInt8LayerTable() {
    const char* f32 = "runs in f32: its input is dequantised, its output requantised if needed";
    graph::OpTable<Int8Role> t;
    t.add("conv2d", Int8Role::Quantised)
        .add("dense", Int8Role::Quantised)
        .add("max_pool", Int8Role::PassesQuantised)
        .add("avg_pool", Int8Role::PassesQuantised)
        .add("global_avg_pool", Int8Role::PassesQuantised)
        .add("global_max_pool", Int8Role::PassesQuantised)
        .unsupported("batch_norm", f32)
        .unsupported("layer_norm", f32)
        .unsupported("lrn", f32)
        .unsupported("pad", f32)
        .unsupported("activation", f32)
        .unsupported("softmax", f32)
        .unsupported("reshape", f32)
        .unsupported("add", f32)
        .unsupported("mul", f32)
        .unsupported("concat", f32);
    return t;
}

namespace {

const graph::OpTable<Int8Role>& int8Layers() {
    static const auto table = makeInt8LayerTable(); // built on first use
    return table;
}

bool hasRole(const Layer& l, Int8Role role) {
    const Int8Role* r = int8Layers().find(l.op);
    return r && *r == role;
}

bool int8Capable(const Layer& l) {
    return hasRole(l, Int8Role::Quantised);
}

// Pooling reads and writes a quantised tensor at its scale.
bool passesQuantised(const Layer& l) {
    return hasRole(l, Int8Role::PassesQuantised);
}

// A tensor's scale when quantised from its calibrated range.
struct TensorQuant {
    double scale = 0;
    bool isUnsigned = false;
};

TensorQuant fromRange(const TensorRange& r) {
    bool nonNegative = r.min >= 0.0f;
    double largest = std::max(std::abs(double(r.min)), std::abs(double(r.max)));
    if (!(largest > 0) || !std::isfinite(largest)) {
        largest = 1.0; // never varied: any scale represents it
    }
    return {largest / (nonNegative ? 255.0 : 127.0), nonNegative};
}

} // namespace

void quantizeRows(const std::vector<float>& w, std::int64_t rows, std::vector<std::int8_t>& q,
                  std::vector<float>& scales) {
    const std::size_t per = rows > 0 ? w.size() / std::size_t(rows) : 0;
    q.assign(w.size(), 0);
    scales.assign(std::size_t(rows), 1.0f);
    for (std::size_t r = 0; r < std::size_t(rows); ++r) {
        float largest = 0;
        for (std::size_t k = 0; k < per; ++k) {
            largest = std::max(largest, std::abs(w[r * per + k]));
        }
        float scale = largest > 0 ? largest / 127.0f : 1.0f;
        scales[r] = scale;
        for (std::size_t k = 0; k < per; ++k) {
            float v = std::nearbyint(w[r * per + k] / scale);
            q[r * per + k] = std::int8_t(std::clamp(v, -127.0f, 127.0f));
        }
    }
}

Expected<Bundle> quantizeBundle(const Bundle& fp32, const std::vector<TensorRange>& ranges,
                                QuantizeSummary* summary) {
    const auto& layers = fp32.header.layers;
    const std::size_t tensors = layers.size() + 1;
    if (ranges.size() != tensors) {
        return Error::internal("calibration covered " + std::to_string(ranges.size()) +
                               " tensors of " + std::to_string(tensors));
    }
    for (std::size_t t = 0; t < tensors; ++t) {
        if (!ranges[t].seen) {
            return Error::internal("calibration did not see tensor " + std::to_string(t));
        }
    }
    std::vector<std::vector<std::size_t>> readers(tensors);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        for (int in : layers[i].inputs) {
            readers[std::size_t(in)].push_back(i);
        }
    }
    // Whether tensor t may stay quantised: every reader is INT8, or pooling whose output may.
    std::vector<int> keepMemo(tensors, -1);
    auto keepsQuantised = [&](auto&& self, std::size_t t) -> bool {
        if (keepMemo[t] >= 0) {
            return keepMemo[t] == 1;
        }
        bool keep = t + 1 < tensors && !readers[t].empty(); // the output is f32
        for (std::size_t r : readers[t]) {
            const Layer& l = layers[r];
            keep = keep && (int8Capable(l) || (passesQuantised(l) && self(self, r + 1)));
        }
        keepMemo[t] = keep ? 1 : 0;
        return keep;
    };

    Bundle out;
    out.header = fp32.header;
    out.header.layers.clear();
    QuantizeSummary sum;
    // The scale each tensor carries at run time (0: f32), as the runtime will see it.
    std::vector<TensorQuant> carried(tensors);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        Layer l = layers[i];
        const bool int8 =
            int8Capable(l) && l.blobs.count("weight") && l.blobs.at("weight").dtype == DType::F32;
        // Copy the blobs into the new storage (an INT8 layer's weight is replaced below).
        for (auto& [key, ref] : l.blobs) {
            if (!(int8 && key == "weight")) {
                ref = out.append(reinterpret_cast<const char*>(fp32.blob.data()) + ref.offset,
                                 ref.bytes(), ref.dims, ref.dtype);
            }
        }
        if (passesQuantised(l)) {
            carried[i + 1] = carried[std::size_t(l.inputs[0])];
        }
        if (!int8) {
            out.header.layers.push_back(std::move(l));
            ++sum.f32Layers;
            continue;
        }
        auto in = std::size_t(l.inputs[0]);
        Quantization q;
        // Read the input at the scale it carries, else quantise it from its range.
        TensorQuant input = carried[in].scale > 0 ? carried[in] : fromRange(ranges[in]);
        q.inputScale = input.scale;
        q.inputUnsigned = input.isUnsigned;
        // Scaled values pass through ReLU and leaky ReLU unchanged in meaning; other
        // activations need real values, so their layer writes f32.
        bool homogeneous =
            l.activation.empty() || l.activation == "relu" || l.activation == "leaky_relu";
        if (homogeneous && keepsQuantised(keepsQuantised, i + 1)) {
            TensorQuant o = fromRange(ranges[i + 1]);
            q.outputScale = o.scale;
            q.outputUnsigned = o.isUnsigned;
            carried[i + 1] = o;
        }
        const BlobRef& wref = layers[i].blobs.at("weight");
        const float* w = fp32.data(wref);
        std::vector<float> weights(w, w + wref.count());
        std::vector<std::int8_t> qw;
        std::vector<float> scales;
        quantizeRows(weights, wref.dims[0], qw, scales);
        l.blobs["weight"] = out.append(qw.data(), qw.size(), wref.dims, DType::S8);
        l.blobs["weight_scale"] = out.append(scales.data(), scales.size() * sizeof(float),
                                             {std::int64_t(scales.size())}, DType::F32);
        sum.f32WeightBytes += wref.bytes();
        sum.int8WeightBytes += qw.size() + scales.size() * sizeof(float);
        l.int8 = q;
        out.header.layers.push_back(std::move(l));
        ++sum.int8Layers;
    }
    if (summary) {
        *summary = sum;
    }
    return out;
}

} // namespace nw::bundle
