// checkModel(): the ONNX checker and strict shape inference over an exported model.
#include "graph/onnx/onnx_export.h"

#include <exception>
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

namespace nw::graph::onnx_export {

namespace {

// "[N, 10]" from a value's type.
std::string shapeText(const onnx::ValueInfoProto& v) {
    std::string text = "[";
    const auto& shape = v.type().tensor_type().shape();
    for (int i = 0; i < shape.dim_size(); ++i) {
        const auto& d = shape.dim(i);
        text += (i ? ", " : "") + (d.has_dim_param()   ? d.dim_param()
                                   : d.has_dim_value() ? std::to_string(d.dim_value())
                                                       : std::string("?"));
    }
    return text + "]";
}

} // namespace

Expected<CheckReport> checkModel(onnx::ModelProto& model) {
    try {
        onnx::checker::check_model(model);
    } catch (const std::exception& e) {
        return Error::internal(std::string("the exported model fails the ONNX checker: ") +
                               e.what());
    }
    try {
        // check_type = true, error_mode = 1: any node-level inference error throws, and so
        // does an inferred output shape that disagrees with the declared one.
        onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                           onnx::ShapeInferenceOptions(true, 1, false));
    } catch (const std::exception& e) {
        return Error::internal(std::string("ONNX shape inference fails on the exported model: ") +
                               e.what());
    }
    CheckReport report;
    const onnx::GraphProto& g = model.graph();
    report.nodes = g.node_size();
    report.initializers = g.initializer_size();
    for (const auto& t : g.initializer()) {
        std::int64_t n = 1;
        for (std::int64_t d : t.dims()) {
            n *= d;
        }
        report.parameters += n;
    }
    for (const auto& n : g.node()) {
        ++report.opCounts[n.op_type()];
    }
    report.inferredValues = g.value_info_size();
    for (const auto& v : g.value_info()) {
        if (!v.type().tensor_type().has_shape()) {
            return Error::internal("ONNX shape inference left value '" + v.name() +
                                   "' without a shape");
        }
    }
    for (const auto& o : g.output()) {
        report.outputShapes.push_back(o.name() + ": " + shapeText(o));
    }
    return report;
}

} // namespace nw::graph::onnx_export
