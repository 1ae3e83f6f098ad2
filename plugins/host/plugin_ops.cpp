#include "plugins/host/plugin_ops.h"

#include "engine/cpu/cpu_backend.h"

#include <cctype>
#include <cmath>
#include <optional>
#include <set>

namespace nw::plugins {

namespace {

using graph::AttrMap;
using graph::AttrSpec;
using graph::Init;
using graph::ParamSpec;
using graph::Shape;

std::string str(const char* s) {
    return s ? s : "";
}

bool isOpName(const std::string& name) {
    if (name.empty() || !std::isupper(static_cast<unsigned char>(name[0]))) {
        return false;
    }
    for (char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

bool isAttrName(const std::string& name) {
    if (name.empty() || !std::islower(static_cast<unsigned char>(name[0]))) {
        return false;
    }
    for (char c : name) {
        if (!std::islower(static_cast<unsigned char>(c)) &&
            !std::isdigit(static_cast<unsigned char>(c)) && c != '_') {
            return false;
        }
    }
    return true;
}

Expected<AttrSpec> attrSpec(const nw_attr_decl& a, const std::string& where) {
    const std::string name = str(a.name);
    if (!isAttrName(name)) {
        return Error::user(where + ": attribute name '" + name + "' is not lower_snake_case");
    }
    const std::string at = where + ": attribute '" + name + "': ";
    switch (a.type) {
    case NW_ATTR_INT:
        if (a.int_min > a.int_max || a.int_default < a.int_min || a.int_default > a.int_max) {
            return Error::user(at + "default " + std::to_string(a.int_default) + " outside [" +
                               std::to_string(a.int_min) + ", " + std::to_string(a.int_max) + "]");
        }
        return AttrSpec::integer(name, a.int_default, a.int_min, a.int_max, str(a.doc));
    case NW_ATTR_REAL:
        if (!std::isfinite(a.real_default) || std::isnan(a.real_min) || std::isnan(a.real_max) ||
            a.real_min > a.real_max || a.real_default < a.real_min || a.real_default > a.real_max) {
            return Error::user(at + "default " + std::to_string(a.real_default) + " outside [" +
                               std::to_string(a.real_min) + ", " + std::to_string(a.real_max) +
                               "]");
        }
        return AttrSpec::real(name, a.real_default, a.real_min, a.real_max, str(a.doc));
    case NW_ATTR_BOOL:
        if (a.bool_default != 0 && a.bool_default != 1) {
            return Error::user(at + "default must be 0 or 1, got " +
                               std::to_string(a.bool_default));
        }
        return AttrSpec::boolean(name, a.bool_default != 0, str(a.doc));
    case NW_ATTR_INTS: {
        const std::uint32_t n = a.ints_default_count;
        if (a.int_min > a.int_max || a.ints_min_length > a.ints_max_length ||
            a.ints_max_length > NW_MAX_RANK || n < a.ints_min_length || n > a.ints_max_length ||
            (n > 0 && !a.ints_default)) {
            return Error::user(at + "a list needs a default of " +
                               std::to_string(a.ints_min_length) + " to " +
                               std::to_string(a.ints_max_length) + " values (at most " +
                               std::to_string(NW_MAX_RANK) + ")");
        }
        graph::IntList def(a.ints_default, a.ints_default + n);
        for (auto v : def) {
            if (v < a.int_min || v > a.int_max) {
                return Error::user(at + "default value " + std::to_string(v) + " outside [" +
                                   std::to_string(a.int_min) + ", " + std::to_string(a.int_max) +
                                   "]");
            }
        }
        return AttrSpec::ints(name, std::move(def), int(a.ints_min_length), int(a.ints_max_length),
                              a.int_min, a.int_max, str(a.doc));
    }
    case NW_ATTR_CHOICE: {
        if (a.choice_count == 0 || !a.choices) {
            return Error::user(at + "a choice needs at least one value");
        }
        std::vector<std::string> choices;
        for (std::uint32_t i = 0; i < a.choice_count; ++i) {
            if (str(a.choices[i]).empty()) {
                return Error::user(at + "choice " + std::to_string(i) + " is empty");
            }
            choices.push_back(a.choices[i]);
        }
        const std::string def = str(a.choice_default);
        if (std::find(choices.begin(), choices.end(), def) == choices.end()) {
            return Error::user(at + "default '" + def + "' is not one of its choices");
        }
        return AttrSpec::choice(name, def, std::move(choices), str(a.doc));
    }
    }
    return Error::user(at + "unknown type " + std::to_string(int(a.type)));
}

std::optional<Init> initOf(nw_init init) {
    switch (init) {
    case NW_INIT_ZEROS:
        return Init::Zeros;
    case NW_INIT_ONES:
        return Init::Ones;
    case NW_INIT_HE_NORMAL:
        return Init::HeNormal;
    case NW_INIT_HE_UNIFORM:
        return Init::HeUniform;
    case NW_INIT_GLOROT_NORMAL:
        return Init::GlorotNormal;
    case NW_INIT_GLOROT_UNIFORM:
        return Init::GlorotUniform;
    case NW_INIT_FAN_IN_UNIFORM:
        return Init::FanInUniform;
    }
    return std::nullopt;
}

// What the plugin's infer() told: filled by the callbacks below.
struct InferState {
    const graph::InferContext& ctx;
    const AttrMap& attrs;
    std::vector<std::optional<Shape>> outputs;
    std::int64_t flops = 0;
    std::vector<ParamSpec> params;
    std::optional<graph::InferError> error;
};

template <class T>
const T* attrOf(const char* name, const AttrMap& attrs) {
    auto it = name ? attrs.find(name) : attrs.end();
    return it == attrs.end() ? nullptr : std::get_if<T>(&it->second);
}

// The attribute getters of a context (nw_infer_ctx or nw_kernel_ctx) whose host is a State
// with the node's `attrs`.
template <class Ctx, class State>
void fillAttrCallbacks(Ctx& ctx) {
    ctx.attr_int = [](const Ctx* c, const char* n) -> std::int64_t {
        const auto* v = attrOf<std::int64_t>(n, static_cast<State*>(c->host)->attrs);
        return v ? *v : 0;
    };
    ctx.attr_real = [](const Ctx* c, const char* n) -> double {
        const auto* v = attrOf<double>(n, static_cast<State*>(c->host)->attrs);
        return v ? *v : 0.0;
    };
    ctx.attr_bool = [](const Ctx* c, const char* n) -> int {
        const auto* v = attrOf<bool>(n, static_cast<State*>(c->host)->attrs);
        return v && *v ? 1 : 0;
    };
    ctx.attr_choice = [](const Ctx* c, const char* n) -> const char* {
        const auto* v = attrOf<std::string>(n, static_cast<State*>(c->host)->attrs);
        return v ? v->c_str() : "";
    };
    ctx.attr_ints = [](const Ctx* c, const char* n, std::int64_t* values,
                       std::uint32_t capacity) -> std::uint32_t {
        const auto* v = attrOf<graph::IntList>(n, static_cast<State*>(c->host)->attrs);
        if (!v) {
            return 0;
        }
        for (std::uint32_t i = 0; values && i < capacity && i < v->size(); ++i) {
            values[i] = (*v)[i];
        }
        return static_cast<std::uint32_t>(v->size());
    };
}

InferState& stateOf(const nw_infer_ctx* c) {
    return *static_cast<InferState*>(c->host);
}

void fillInferCallbacks(nw_infer_ctx& ctx) {
    fillAttrCallbacks<nw_infer_ctx, InferState>(ctx);
    ctx.set_output = [](nw_infer_ctx* c, std::uint32_t i, const nw_shape* shape) {
        InferState& s = stateOf(c);
        if (i >= s.outputs.size() || !shape || shape->rank < 0 || shape->rank >= NW_MAX_RANK) {
            s.error = graph::InferError{"output", "the plugin set output " + std::to_string(i) +
                                                      " to an invalid shape"};
            return;
        }
        std::vector<std::int64_t> dims(shape->dims, shape->dims + shape->rank);
        s.outputs[i] = Shape::batched(std::move(dims));
    };
    ctx.set_flops = [](nw_infer_ctx* c, std::int64_t flops) { stateOf(c).flops = flops; };
    ctx.declare_param = [](nw_infer_ctx* c, const nw_param_decl* p) {
        InferState& s = stateOf(c);
        if (!p) {
            return;
        }
        const std::string name = str(p->name);
        auto init = initOf(p->init);
        std::string why;
        if (name.empty()) {
            why = "a parameter without a name";
        } else if (p->shape.rank < 1 || p->shape.rank > NW_MAX_RANK) {
            why = "parameter '" + name + "' has rank " + std::to_string(p->shape.rank);
        } else if (!init) {
            why = "parameter '" + name + "' has an unknown init " + std::to_string(int(p->init));
        }
        for (int d = 0; why.empty() && d < p->shape.rank; ++d) {
            if (p->shape.dims[d] < 1) {
                why =
                    "parameter '" + name + "' has a dimension " + std::to_string(p->shape.dims[d]);
            }
        }
        for (const auto& other : s.params) {
            if (why.empty() && other.name == name) {
                why = "parameter '" + name + "' is declared twice";
            }
        }
        const bool needsFan = init && *init != Init::Zeros && *init != Init::Ones;
        if (why.empty() && needsFan && p->fan_in < 1) {
            why = "parameter '" + name + "' needs a positive fan_in for its initialiser";
        }
        if (!why.empty()) {
            if (!s.error) {
                s.error = graph::InferError{"parameters", "the plugin declared " + why};
            }
            return;
        }
        ParamSpec spec;
        spec.name = name;
        spec.shape.assign(p->shape.dims, p->shape.dims + p->shape.rank);
        spec.init = *init;
        spec.fanIn = p->fan_in;
        spec.fanOut = p->fan_out;
        spec.trainable = p->trainable != 0;
        spec.decays = p->decays != 0;
        s.params.push_back(std::move(spec));
    };
    ctx.fail = [](nw_infer_ctx* c, const char* field, const char* message) {
        InferState& s = stateOf(c);
        if (!s.error) {
            s.error = graph::InferError{str(field), str(message)};
        }
    };
}

// Runs the plugin's infer() for one node.
Expected<InferState, graph::InferError>
runInfer(const nw_op_decl& decl, const graph::InferContext& ctx, const AttrMap& attrs) {
    std::vector<nw_shape> inputs;
    for (const Shape& in : ctx.inputs()) {
        nw_shape s{};
        const std::size_t first = in.hasBatch() ? 1 : 0;
        if (in.dims.size() - first > NW_MAX_RANK) {
            return graph::InferError{"input", "an input of rank " + std::to_string(in.rank()) +
                                                  " is more than the plugin SDK carries"};
        }
        s.rank = static_cast<std::int32_t>(in.dims.size() - first);
        for (std::size_t d = first; d < in.dims.size(); ++d) {
            s.dims[d - first] = in.dims[d];
        }
        inputs.push_back(s);
    }
    InferState state{ctx, attrs, std::vector<std::optional<Shape>>(decl.output_count), 0, {}, {}};
    nw_infer_ctx c{};
    c.host = &state;
    c.input_count = static_cast<std::uint32_t>(inputs.size());
    c.inputs = inputs.data();
    fillInferCallbacks(c);
    const int rc = decl.infer(&c);
    if (state.error) {
        return *state.error;
    }
    if (rc != 0) {
        return graph::InferError{"", "the plugin's shape inference failed without saying why"};
    }
    for (std::size_t i = 0; i < state.outputs.size(); ++i) {
        if (!state.outputs[i]) {
            return graph::InferError{"output", "the plugin's shape inference set no shape for "
                                               "output " +
                                                   std::to_string(i)};
        }
    }
    if (state.flops < 0) {
        return graph::InferError{"", "the plugin reported negative FLOPs"};
    }
    return state;
}

// The attributes as the kernel context's callbacks read them.
struct KernelState {
    AttrMap attrs;
    std::string node;
    std::string error;
};

KernelState& kernelStateOf(const nw_kernel_ctx* c) {
    return *static_cast<KernelState*>(c->host);
}

nw_shape shapeOf(const engine::Dims& dims) {
    nw_shape s{};
    s.rank = static_cast<std::int32_t>(std::min<std::size_t>(dims.size(), NW_MAX_RANK));
    for (int d = 0; d < s.rank; ++d) {
        s.dims[d] = dims[static_cast<std::size_t>(d)];
    }
    return s;
}

class PluginKernel final : public engine::OpKernel {
public:
    PluginKernel(const PluginOp& op, const engine::KernelConfig& config)
        : m_op(op)
        , m_state{config.attrs, config.nodeId, {}} {
        for (const auto& d : config.inputs) {
            m_inputs.push_back(shapeOf(d));
        }
        for (const auto& d : config.outputs) {
            m_outputs.push_back(shapeOf(d));
        }
        for (const auto& p : config.params) {
            m_trainable.push_back(p.trainable);
        }
        m_ctx.host = &m_state;
        m_ctx.node_id = m_state.node.c_str();
        m_ctx.input_count = static_cast<std::uint32_t>(m_inputs.size());
        m_ctx.inputs = m_inputs.data();
        m_ctx.output_count = static_cast<std::uint32_t>(m_outputs.size());
        m_ctx.outputs = m_outputs.data();
        m_ctx.seed = config.seed;
        fillAttrCallbacks<nw_kernel_ctx, KernelState>(m_ctx);
        m_ctx.fail = [](const nw_kernel_ctx* c, const char* message) {
            KernelState& s = kernelStateOf(c);
            if (s.error.empty()) {
                s.error = message && *message ? message : "failed";
            }
        };
    }
    ~PluginKernel() override {
        if (m_instance) {
            m_op.decl->cpu.destroy(m_instance);
        }
    }
    PluginKernel(const PluginKernel&) = delete;
    PluginKernel& operator=(const PluginKernel&) = delete;

    Status create() {
        m_instance = m_op.decl->cpu.create(&m_ctx);
        return m_instance ? Status::success() : failure("create", 1);
    }

    bool backwardReadsInputs() const override { return true; }
    bool backwardReadsOutputs() const override { return true; }

    Status forward(const engine::ForwardArgs& args) override {
        auto inputs = tensors(args.inputs);
        auto params = tensors(args.params);
        auto outputs = tensors(args.outputs);
        if (!inputs || !params || !outputs) {
            return notF32();
        }
        nw_forward_args a{};
        a.inputs = inputs->data();
        a.input_count = static_cast<std::uint32_t>(inputs->size());
        a.params = params->data();
        a.param_count = static_cast<std::uint32_t>(params->size());
        a.outputs = outputs->data();
        a.output_count = static_cast<std::uint32_t>(outputs->size());
        a.training = args.training ? 1 : 0;
        a.step = args.step;
        return failure("forward", m_op.decl->cpu.forward(m_instance, &m_ctx, &a));
    }

    Status backward(const engine::BackwardArgs& args) override {
        auto inputs = tensors(args.inputs);
        auto params = tensors(args.params);
        auto outputs = tensors(args.outputs);
        auto gradOutputs = tensors(args.gradOutputs);
        auto gradInputs = tensors(args.gradInputs, args.inputs);
        // One gradient per trainable parameter, shaped like it.
        std::vector<engine::Tensor> trainable;
        for (std::size_t i = 0; i < args.params.size() && i < m_trainable.size(); ++i) {
            if (m_trainable[i]) {
                trainable.push_back(args.params[i]);
            }
        }
        auto gradParams = tensors(args.gradParams, trainable);
        if (!inputs || !params || !outputs || !gradOutputs || !gradInputs || !gradParams) {
            return notF32();
        }
        nw_backward_args a{};
        a.inputs = inputs->data();
        a.input_count = static_cast<std::uint32_t>(inputs->size());
        a.params = params->data();
        a.param_count = static_cast<std::uint32_t>(params->size());
        a.outputs = outputs->data();
        a.grad_outputs = gradOutputs->data();
        a.output_count = static_cast<std::uint32_t>(outputs->size());
        a.grad_inputs = gradInputs->data();
        a.grad_params = gradParams->data();
        a.grad_param_count = static_cast<std::uint32_t>(gradParams->size());
        return failure("backward", m_op.decl->cpu.backward(m_instance, &m_ctx, &a));
    }

private:
    // Host views of `ts`; an undefined tensor becomes a NULL one shaped like `shapes`'s
    // (a gradient not needed). nullopt when one is not f32.
    static std::optional<std::vector<nw_tensor>>
    tensors(std::span<const engine::Tensor> ts, std::span<const engine::Tensor> shapes = {}) {
        std::vector<nw_tensor> out;
        for (std::size_t i = 0; i < ts.size(); ++i) {
            const engine::Tensor& t = ts[i];
            nw_tensor n{};
            if (!t.defined()) {
                n.data = nullptr;
                n.shape = i < shapes.size() ? shapeOf(shapes[i].shape()) : nw_shape{};
            } else if (t.dtype() != engine::DType::F32) {
                return std::nullopt;
            } else {
                n.data = engine::cpu::CpuBackend::f32(t);
                n.shape = shapeOf(t.shape());
            }
            out.push_back(n);
        }
        return out;
    }

    Status notF32() const {
        return Error::user("node '" + m_state.node + "' (" + m_op.schema.name +
                           "): plugin kernels take f32 tensors only");
    }

    Status failure(const char* what, int rc) {
        if (rc == 0) {
            return Status::success();
        }
        std::string why = m_state.error.empty() ? "failed without saying why" : m_state.error;
        m_state.error.clear();
        return Error::user("node '" + m_state.node + "' (" + m_op.schema.name +
                           " from the plugin '" + m_op.schema.plugin + "', " + m_op.file +
                           "): " + what + ": " + why);
    }

    const PluginOp& m_op;
    KernelState m_state;
    std::vector<nw_shape> m_inputs, m_outputs;
    std::vector<bool> m_trainable;
    nw_kernel_ctx m_ctx{};
    void* m_instance = nullptr;
};

} // namespace

Expected<std::vector<std::unique_ptr<PluginOp>>> declareOps(const nw_plugin& plugin,
                                                            const std::string& file) {
    if (plugin.struct_size < sizeof(nw_plugin)) {
        return Error::user("its plugin description is smaller than SDK 1.0's (" +
                           std::to_string(plugin.struct_size) + " bytes)");
    }
    const std::string name = str(plugin.name);
    if (name.empty()) {
        return Error::user("the plugin has no name");
    }
    if (plugin.op_count > 0 && !plugin.ops) {
        return Error::user("the plugin declares " + std::to_string(plugin.op_count) +
                           " ops but no list of them");
    }
    std::vector<std::unique_ptr<PluginOp>> out;
    std::set<std::string> names;
    for (std::uint32_t i = 0; i < plugin.op_count; ++i) {
        const nw_op_decl& d = plugin.ops[i];
        const std::string opName = str(d.name);
        const std::string where = "op '" + opName + "'";
        if (d.struct_size < sizeof(nw_op_decl)) {
            return Error::user(where + ": its declaration is smaller than SDK 1.0's");
        }
        if (!isOpName(opName)) {
            return Error::user(where + ": an op name must be UpperCamelCase letters and digits");
        }
        if (!names.insert(opName).second) {
            return Error::user(where + " is declared twice");
        }
        if (str(d.category).empty()) {
            return Error::user(where + ": no category");
        }
        if (d.color > 0xffffffu) {
            return Error::user(where + ": colour is not 0xRRGGBB");
        }
        if (!d.infer || !d.cpu.create || !d.cpu.destroy || !d.cpu.forward || !d.cpu.backward) {
            return Error::user(where + ": infer and the CPU kernel's create, destroy, forward "
                                       "and backward are all required");
        }
        if (d.input_count < 1 || !d.inputs) {
            return Error::user(where + ": at least one input port is required");
        }
        if (d.output_count != 1 || !d.outputs) {
            return Error::user(where + ": SDK 1.0 ops have exactly one output port");
        }
        auto op = std::make_unique<PluginOp>();
        op->decl = &d;
        op->file = file;
        graph::OpSchema& s = op->schema;
        s.name = opName;
        s.category = d.category;
        s.doc = str(d.doc);
        s.plugin = name;
        s.color = d.color;
        std::set<std::string> attrNames;
        for (std::uint32_t a = 0; a < d.attr_count; ++a) {
            auto spec = attrSpec(d.attrs[a], where);
            if (!spec) {
                return spec.error();
            }
            if (!attrNames.insert(spec->name).second) {
                return Error::user(where + ": attribute '" + spec->name + "' is declared twice");
            }
            s.attrs.push_back(std::move(*spec));
        }
        for (std::uint32_t p = 0; p < d.input_count; ++p) {
            if (str(d.inputs[p].name).empty()) {
                return Error::user(where + ": input " + std::to_string(p) + " has no name");
            }
            s.inputs.push_back({d.inputs[p].name, str(d.inputs[p].doc)});
        }
        if (str(d.outputs[0].name).empty()) {
            return Error::user(where + ": its output has no name");
        }
        s.outputs.push_back({d.outputs[0].name, str(d.outputs[0].doc)});
        s.notes = "From the plugin `" + name + "` (" + file + ").";
        const nw_op_decl* decl = &d;
        s.infer = [decl](const graph::InferContext& ctx) -> graph::InferResult {
            auto state = runInfer(*decl, ctx, ctx.attrs());
            if (!state) {
                return state.error();
            }
            graph::Inferred inferred;
            for (auto& o : state->outputs) {
                inferred.outputs.push_back(std::move(*o));
            }
            inferred.cost.flops = state->flops;
            return inferred;
        };
        // Called only after infer succeeded for the same node.
        s.params = [decl](const graph::InferContext& ctx) {
            auto state = runInfer(*decl, ctx, ctx.attrs());
            return state ? std::move(state->params) : std::vector<ParamSpec>{};
        };
        out.push_back(std::move(op));
    }
    return out;
}

Expected<std::unique_ptr<engine::OpKernel>> createPluginKernel(const PluginOp& op,
                                                               const engine::KernelConfig& config) {
    auto kernel = std::make_unique<PluginKernel>(op, config);
    if (Status s = kernel->create(); !s) {
        return s.error();
    }
    return std::unique_ptr<engine::OpKernel>(std::move(kernel));
}

} // namespace nw::plugins
