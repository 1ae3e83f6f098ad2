#pragma once
// ModelBuilder: appends nodes and initializers to an ONNX GraphProto with the few attribute
// kinds the exporter uses. Names are the caller's; the builder only makes them unique where
// it invents them (helper values of decomposed ops: "<node>/<suffix>").

#include <cstdint>
#include <initializer_list>
#include <onnx/onnx_pb.h>
#include <span>
#include <string>
#include <vector>

namespace nw::graph::onnx_export {

class ModelBuilder {
public:
    explicit ModelBuilder(onnx::GraphProto& graph)
        : m_graph(graph) {}

    // Adds a node `opType` named `name` reading `inputs` and writing `outputs`; returns it so
    // attributes can follow.
    onnx::NodeProto& node(const std::string& opType, const std::string& name,
                          std::vector<std::string> inputs, std::vector<std::string> outputs);

    // A float tensor initializer; `data` has the product of `dims` elements, row-major.
    void floatInitializer(const std::string& name, std::span<const std::int64_t> dims,
                          std::span<const float> data);
    // A scalar float constant (shape []), e.g. the 0.5 of GELU.
    void scalar(const std::string& name, float value);
    // An int64 vector initializer (Reshape's target shape).
    void int64Initializer(const std::string& name, std::span<const std::int64_t> values);

    static void attr(onnx::NodeProto& n, const std::string& name, std::int64_t value);
    static void attr(onnx::NodeProto& n, const std::string& name, float value);
    static void attr(onnx::NodeProto& n, const std::string& name,
                     std::span<const std::int64_t> values);
    static void attr(onnx::NodeProto& n, const std::string& name, const std::string& value);
    static void attr(onnx::NodeProto& n, const std::string& name,
                     std::initializer_list<std::int64_t> values) {
        attr(n, name, std::span<const std::int64_t>(values.begin(), values.size()));
    }

    // A float tensor value [N, dims...] with the batch as the symbolic dim "N".
    static void setBatchedType(onnx::ValueInfoProto& value, const std::string& name,
                               std::span<const std::int64_t> perSample);
    // Declares value `name` as such a tensor in the graph's value_info (the output of an op
    // that shape inference does not know: a plugin's).
    void valueInfo(const std::string& name, std::span<const std::int64_t> perSample);

private:
    onnx::GraphProto& m_graph;
};

} // namespace nw::graph::onnx_export
