#include "graph/onnx/model_builder.h"

namespace nw::graph::onnx_export {

onnx::NodeProto& ModelBuilder::node(const std::string& opType, const std::string& name,
                                    std::vector<std::string> inputs,
                                    std::vector<std::string> outputs) {
    onnx::NodeProto& n = *m_graph.add_node();
    n.set_op_type(opType);
    n.set_name(name);
    for (auto& i : inputs) {
        n.add_input(std::move(i));
    }
    for (auto& o : outputs) {
        n.add_output(std::move(o));
    }
    return n;
}

void ModelBuilder::floatInitializer(const std::string& name, std::span<const std::int64_t> dims,
                                    std::span<const float> data) {
    onnx::TensorProto& t = *m_graph.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (std::int64_t d : dims) {
        t.add_dims(d);
    }
    // raw_data is little-endian f32, like our host tensors on every platform we build for.
    t.set_raw_data(std::string(reinterpret_cast<const char*>(data.data()), data.size_bytes()));
}

void ModelBuilder::scalar(const std::string& name, float value) {
    floatInitializer(name, {}, std::span<const float>(&value, 1));
}

void ModelBuilder::int64Initializer(const std::string& name, std::span<const std::int64_t> values) {
    onnx::TensorProto& t = *m_graph.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(static_cast<std::int64_t>(values.size()));
    for (std::int64_t v : values) {
        t.add_int64_data(v);
    }
}

void ModelBuilder::attr(onnx::NodeProto& n, const std::string& name, std::int64_t value) {
    onnx::AttributeProto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(value);
}

void ModelBuilder::attr(onnx::NodeProto& n, const std::string& name, float value) {
    onnx::AttributeProto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::FLOAT);
    a.set_f(value);
}

void ModelBuilder::attr(onnx::NodeProto& n, const std::string& name,
                        std::span<const std::int64_t> values) {
    onnx::AttributeProto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INTS);
    for (std::int64_t v : values) {
        a.add_ints(v);
    }
}

void ModelBuilder::attr(onnx::NodeProto& n, const std::string& name, const std::string& value) {
    onnx::AttributeProto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::STRING);
    a.set_s(value);
}

void ModelBuilder::valueInfo(const std::string& name, std::span<const std::int64_t> perSample) {
    setBatchedType(*m_graph.add_value_info(), name, perSample);
}

void ModelBuilder::setBatchedType(onnx::ValueInfoProto& value, const std::string& name,
                                  std::span<const std::int64_t> perSample) {
    value.set_name(name);
    auto* tensor = value.mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = tensor->mutable_shape();
    shape->add_dim()->set_dim_param("N");
    for (std::int64_t d : perSample) {
        shape->add_dim()->set_dim_value(d);
    }
}

} // namespace nw::graph::onnx_export
