#include "graph/onnx/import_loader.h"

#include "graph/onnx/import_tensor.h"
#include "graph/onnx/onnx_import.h"

#include <fstream>
#include <onnx/shape_inference/implementation.h>
#include <onnx/version_converter/convert.h>
#include <set>
#include <sstream>

namespace nw::graph::onnx_import {

namespace {

namespace fs = std::filesystem;

Expected<std::string> readBytes(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        return Error::user(file.string() + ": no such file");
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in && !in.eof()) {
        return Error::user(file.string() + ": cannot be read");
    }
    return bytes.str();
}

// Reads the external data of `t` into its raw_data. `what` names the tensor.
Status loadExternal(onnx::TensorProto& t, const fs::path& modelFile, const std::string& what) {
    std::string location;
    std::int64_t offset = 0, length = -1;
    for (const auto& kv : t.external_data()) {
        try {
            if (kv.key() == "location") {
                location = kv.value();
            } else if (kv.key() == "offset") {
                offset = std::stoll(kv.value());
            } else if (kv.key() == "length") {
                length = std::stoll(kv.value());
            }
        } catch (const std::exception&) {
            return Error::user(modelFile.string() + ": " + what +
                               " has an invalid external_data '" + kv.key() + "': '" + kv.value() +
                               "'");
        }
    }
    const std::string where = modelFile.string() + ": " + what + "'s external data";
    const fs::path rel(location);
    if (location.empty()) {
        return Error::user(where + " has no location");
    }
    if (rel.is_absolute() || rel.has_root_name() || rel.has_root_directory()) {
        return Error::user(where + " names the absolute path '" + location +
                           "'; only files beside the model are read");
    }
    for (const auto& part : rel) {
        if (part == "..") {
            return Error::user(where + " names '" + location +
                               "', outside the model's folder; only files beside the model are "
                               "read");
        }
    }
    const fs::path side = modelFile.parent_path() / rel;
    std::int64_t numel = 1;
    for (std::int64_t d : t.dims()) {
        if (d < 0 || (d > 0 && numel > (std::int64_t{1} << 40) / d)) {
            return Error::user(where + ": invalid shape");
        }
        numel *= d;
    }
    const std::int64_t bytes = numel * elementBytes(t.data_type());
    if (elementBytes(t.data_type()) == 0 || offset < 0 || (length >= 0 && length != bytes)) {
        return Error::user(where + " in '" + location + "' has length " + std::to_string(length) +
                           " for " + std::to_string(bytes) + " bytes of data");
    }
    std::error_code ec;
    const auto size = fs::file_size(side, ec);
    if (ec) {
        return Error::user(where + ": the file '" + side.string() + "' does not exist");
    }
    if (static_cast<std::uintmax_t>(offset + bytes) > size) {
        return Error::user(where + ": the file '" + side.string() + "' is too short (" +
                           std::to_string(size) + " bytes; the tensor needs bytes " +
                           std::to_string(offset) + " to " + std::to_string(offset + bytes) + ")");
    }
    std::ifstream in(side, std::ios::binary);
    std::string data(static_cast<std::size_t>(bytes), '\0');
    in.seekg(offset);
    in.read(data.data(), bytes);
    if (!in) {
        return Error::user(where + ": the file '" + side.string() + "' cannot be read");
    }
    t.set_raw_data(std::move(data));
    t.clear_external_data();
    t.set_data_location(onnx::TensorProto::DEFAULT);
    return Status::success();
}

Status loadAllExternal(onnx::GraphProto& g, const fs::path& file) {
    for (auto& t : *g.mutable_initializer()) {
        if (t.data_location() == onnx::TensorProto::EXTERNAL) {
            if (auto st = loadExternal(t, file, "initializer '" + t.name() + "'"); !st) {
                return st;
            }
        }
    }
    for (auto& n : *g.mutable_node()) {
        for (auto& a : *n.mutable_attribute()) {
            if (a.has_t() && a.t().data_location() == onnx::TensorProto::EXTERNAL) {
                if (auto st =
                        loadExternal(*a.mutable_t(), file, "the value of node '" + n.name() + "'");
                    !st) {
                    return st;
                }
            }
        }
    }
    return Status::success();
}

std::int64_t defaultOpset(const onnx::ModelProto& m) {
    for (const auto& o : m.opset_import()) {
        if (o.domain().empty() || o.domain() == "ai.onnx") {
            return o.version();
        }
    }
    return 0;
}

} // namespace

Expected<LoadedModel> loadModel(const fs::path& file) {
    auto bytes = readBytes(file);
    if (!bytes) {
        return bytes.error();
    }
    LoadedModel out;
    if (!out.model.ParseFromString(*bytes) || !out.model.has_graph() ||
        out.model.graph().node_size() == 0) {
        return Error::user(file.string() + ": not an ONNX model (the file is malformed, truncated "
                                           "or empty)");
    }
    if (auto st = loadAllExternal(*out.model.mutable_graph(), file); !st) {
        return st.error();
    }
    out.opset = defaultOpset(out.model);
    if (out.opset == 0) {
        return Error::user(file.string() + ": the model imports no opset of the default ONNX "
                                           "domain");
    }
    if (out.opset < kMinOpset) {
        // Before IR version 4 every initializer is also a graph input, and the converter
        // looks for it there: list the ones a file leaves out.
        onnx::GraphProto& g = *out.model.mutable_graph();
        std::set<std::string> inputs;
        for (const auto& v : g.input()) {
            inputs.insert(v.name());
        }
        for (const auto& t : g.initializer()) {
            if (!inputs.count(t.name())) {
                onnx::ValueInfoProto& v = *g.add_input();
                v.set_name(t.name());
                auto* type = v.mutable_type()->mutable_tensor_type();
                type->set_elem_type(t.data_type());
                for (auto d : t.dims()) {
                    type->mutable_shape()->add_dim()->set_dim_value(d);
                }
            }
        }
        // The converter's adapters read the shapes of values between nodes; a model whose
        // declared shapes contradict inference converts without them.
        onnx::ModelProto inferred = out.model;
        try {
            onnx::shape_inference::InferShapes(inferred);
            out.model = std::move(inferred);
        } catch (const std::exception&) {
        }
        try {
            out.model = onnx::version_conversion::ConvertVersion(out.model,
                                                                 static_cast<int>(kUpgradeOpset));
        } catch (const std::exception& e) {
            return Error::user(file.string() + ": opset " + std::to_string(out.opset) +
                               " is older than " + std::to_string(kMinOpset) +
                               ", and onnx's version converter could not upgrade it to " +
                               std::to_string(kUpgradeOpset) + ": " + e.what());
        }
        out.notes.push_back("upgraded from opset " + std::to_string(out.opset) + " to " +
                            std::to_string(kUpgradeOpset) + " with onnx's version converter");
        out.opset = defaultOpset(out.model);
    }
    return out;
}

} // namespace nw::graph::onnx_import
