// The executor core: the plan (a part of the bundle's layers, each added by its builder from
// the op table), its boundaries with the caller's buffers, running and calibration.
#include "engine/bundle/runtime/executor.h"

#include "engine/bundle/runtime/layer_builders.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

namespace nw::rt {

using namespace dnnl;
using bundle::Dims;
using bundle::Layer;

namespace {

// Every bundle layer op and its builder (layer_builders.h), sorted by name.
constexpr std::array<std::pair<std::string_view, layers::Builder>, 16> kBuilders{{
    {"activation", layers::activation},
    {"add", layers::add},
    {"avg_pool", layers::avgPool},
    {"batch_norm", layers::batchNorm},
    {"concat", layers::concat},
    {"conv2d", layers::conv2d},
    {"dense", layers::dense},
    {"global_avg_pool", layers::globalAvgPool},
    {"global_max_pool", layers::globalMaxPool},
    {"layer_norm", layers::layerNorm},
    {"lrn", layers::lrn},
    {"max_pool", layers::maxPool},
    {"mul", layers::mul},
    {"pad", layers::pad},
    {"reshape", layers::reshape},
    {"softmax", layers::softmax},
}};
static_assert(std::is_sorted(kBuilders.begin(), kBuilders.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));

// The builder of `op`; null for an op this runtime does not know.
layers::Builder builderFor(std::string_view op) {
    auto it =
        std::lower_bound(kBuilders.begin(), kBuilders.end(), op,
                         [](const auto& entry, std::string_view key) { return entry.first < key; });
    return it != kBuilders.end() && it->first == op ? it->second : nullptr;
}

// The layout of the tensor between two parts of a plan: channels-last for [N, C, H, W] (as
// the convolutions and pools before it choose), else plain. The model's own input and output
// (`inner` false) are plain.
memory::desc boundaryDesc(const Dims& dims, bool inner) {
    return inner && dims.size() == 4 ? memory::desc(memory::dims(dims), DT::f32, Tag::acdb)
                                     : plainDesc(dims);
}

} // namespace

void Preparer::build(const Layer& l) {
    layers::Builder builder = builderFor(l.op);
    if (!builder) {
        fail("unknown op");
    }
    builder(*this, l);
}

void Preparer::run(std::size_t first, std::size_t last) {
    const auto& layers = m_bundle.header.layers;
    m_shapes.resize(first + 1);
    for (std::size_t t = 1; t <= first; ++t) {
        m_shapes[t] = layers[t - 1].shape;
    }
    m_shapes[0] = m_bundle.header.inputShape;
    m_ex.m_input =
        memory(boundaryDesc(batched(m_shapes[first]), first > 0), m_ex.m_engine, nullptr);
    m_ex.m_tensors.assign(first, {memory(), 0.0f}); // not readable from these layers
    m_ex.m_tensors.push_back({m_ex.m_input, 0.0f});
    for (std::size_t i = first; i < last; ++i) {
        const Layer& l = layers[i];
        m_layer = &l;
        for (int in : l.inputs) {
            if (std::size_t(in) < first) {
                fail("reads a tensor from before this part of the plan");
            }
        }
        build(l);
        if (m_shapes.back() != l.shape) {
            fail("computes " + dimsText(m_shapes.back()) + " but the bundle says " +
                 dimsText(l.shape));
        }
    }
    Dims out = batched(m_shapes.back());
    m_ex.m_output = memory(boundaryDesc(out, last < layers.size()), m_ex.m_engine, nullptr);
    auto [lastTensor, scale] = m_ex.m_tensors.back();
    if (!m_ex.m_steps.empty() && scale == 0 && lastTensor.get_desc() == m_ex.m_output.get_desc()) {
        // The last step writes the caller's buffer directly.
        auto& args = m_ex.m_steps.back().args;
        auto dst = args.find(DNNL_ARG_DST);
        if (dst != args.end() && dst->second.get() == lastTensor.get()) {
            dst->second = m_ex.m_output;
            m_ex.m_tensors.back().first = m_ex.m_output;
            return;
        }
    }
    m_ex.m_outputReorder = {reorder(lastTensor, m_ex.m_output, scaling(scale, 0)),
                            {{DNNL_ARG_FROM, lastTensor}, {DNNL_ARG_TO, m_ex.m_output}}};
}

Expected<std::unique_ptr<Executor>> Executor::prepare(const bundle::Bundle& b, std::int64_t batch,
                                                      const std::string& source,
                                                      std::size_t firstLayer,
                                                      std::size_t lastLayer) {
    if (batch < 1 || batch > (1 << 20)) {
        return Error::user("batch size " + std::to_string(batch) + " is out of range");
    }
    lastLayer = std::min(lastLayer, b.header.layers.size());
    if (firstLayer >= lastLayer) {
        return Error::internal(source + ": an empty part of the plan");
    }
    std::unique_ptr<Executor> ex(new Executor());
    try {
        Preparer(*ex, b, batch).run(firstLayer, lastLayer);
    } catch (const Invalid& e) {
        return Error::user(source + ": " + e.message);
    } catch (const dnnl::error& e) {
        return Error::internal(source + ": oneDNN cannot run the bundle: " + e.what());
    } catch (const std::bad_alloc&) {
        return Error::internal(source + ": out of memory preparing batch " + std::to_string(batch));
    }
    return ex;
}

Status Executor::run(const float* input, float* output) {
    try {
        m_input.set_data_handle(const_cast<float*>(input));
        for (auto& v : m_inputViews) {
            v.set_data_handle(const_cast<float*>(input));
        }
        m_output.set_data_handle(output);
        for (auto& s : m_steps) {
            s.primitive.execute(m_stream, s.args);
        }
        if (m_outputReorder.primitive) {
            m_outputReorder.primitive.execute(m_stream, m_outputReorder.args);
        }
        m_stream.wait();
    } catch (const dnnl::error& e) {
        return Error::internal(std::string("oneDNN failed while running: ") + e.what());
    }
    return Status::success();
}

Status Executor::observe(std::vector<bundle::TensorRange>& ranges) {
    try {
        ranges.resize(std::max(ranges.size(), m_tensors.size()));
        std::vector<float> values;
        for (std::size_t t = 0; t < m_tensors.size(); ++t) {
            auto [m, scale] = m_tensors[t];
            if (!m) {
                continue;
            }
            auto plain = plainDesc(Dims(m.get_desc().dims()));
            values.resize(plain.get_size() / sizeof(float));
            memory dst(plain, m_engine, values.data());
            reorder(m, dst, scaling(scale, 0)).execute(m_stream, m, dst);
            m_stream.wait();
            auto [lo, hi] = std::minmax_element(values.begin(), values.end());
            if (lo != values.end()) {
                ranges[t].add(*lo, *hi);
            }
        }
    } catch (const dnnl::error& e) {
        return Error::internal(std::string("oneDNN failed while calibrating: ") + e.what());
    }
    return Status::success();
}

} // namespace nw::rt
