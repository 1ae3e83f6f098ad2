/* Netwright plugin SDK: the C interface between Netwright and a plugin (a shared library
 * that adds ops). This header is the whole contract: it needs only the C standard library,
 * and nothing of Netwright's own headers or of Qt.
 *
 * A plugin exports one function, nw_plugin_entry (see NW_PLUGIN_EXPORT below). Netwright
 * calls it once after loading the library, passing the SDK version it was built with, and
 * gets back a description of the plugin: its name, its version and its ops, each op declared
 * with the same vocabulary as Netwright's own: typed attributes with defaults, ranges and
 * documentation; input and output ports; shape inference; parameter declarations; FLOPs; a
 * palette category and colour; and a CPU kernel, forward and backward.
 *
 * Versions. NW_PLUGIN_SDK_VERSION is major << 16 | minor. A plugin is accepted when its
 * major version equals Netwright's and its minor version is not newer. nw_plugin and
 * nw_op_decl start with their own size, so later minor versions can add fields at their end;
 * every other struct is fixed for all 1.x versions. A plugin that does not match is refused
 * with a message naming the file and both versions.
 *
 * Errors. Every function a plugin provides returns 0 on success. On failure it returns
 * non-zero after calling the context's fail() with a message (and, in shape inference, the
 * attribute or input port at fault); fail() copies the message before it returns, so a
 * temporary buffer will do. Netwright reports the message with the node it concerns and the
 * plugin's file. A plugin never throws across this interface and never calls exit().
 * A crash inside a plugin's code (a bad pointer, an abort) takes the application down:
 * Netwright cannot guard against that, only against error values.
 *
 * Threads. Shape inference may be called from any thread, concurrently for different
 * contexts; it must not keep state. A kernel instance is used by one thread at a time.
 */
#ifndef NETWRIGHT_PLUGIN_H
#define NETWRIGHT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NW_PLUGIN_SDK_VERSION_MAJOR 1
#define NW_PLUGIN_SDK_VERSION_MINOR 0
#define NW_PLUGIN_SDK_VERSION                                                                      \
    ((uint32_t)((NW_PLUGIN_SDK_VERSION_MAJOR << 16) | NW_PLUGIN_SDK_VERSION_MINOR))

/* The most dimensions a shape has (the batch included). */
#define NW_MAX_RANK 8

/* ---------------------------------------------------------------------------------------
 * Declarations
 * ------------------------------------------------------------------------------------- */

typedef enum nw_attr_type {
    NW_ATTR_INT = 1,    /* int64, in [int_min, int_max] */
    NW_ATTR_REAL = 2,   /* double, in [real_min, real_max] */
    NW_ATTR_BOOL = 3,   /* 0 or 1 */
    NW_ATTR_CHOICE = 4, /* one of `choices` */
    NW_ATTR_INTS = 5,   /* a list of int64 (a kernel size, a shape): ints_min_length to
                           ints_max_length elements, each in [int_min, int_max] */
} nw_attr_type;

/* One attribute. Only the fields of its type are read. */
typedef struct nw_attr_decl {
    const char* name; /* lower_snake_case, unique within the op */
    nw_attr_type type;
    const char* doc; /* one sentence, shown in the inspector */
    int64_t int_default, int_min, int_max;
    double real_default, real_min, real_max;
    int bool_default;
    const char* choice_default;
    const char* const* choices;
    uint32_t choice_count;
    const int64_t* ints_default;
    uint32_t ints_default_count;
    uint32_t ints_min_length, ints_max_length; /* at most NW_MAX_RANK */
} nw_attr_decl;

/* An input or output port. */
typedef struct nw_port_decl {
    const char* name; /* "input", "skip", ... */
    const char* doc;  /* its shape, e.g. "[N, C, H, W]" */
} nw_port_decl;

/* A shape. In shape inference, shapes are per sample: the batch dimension N is left out
 * ([C, H, W] for an [N, C, H, W] tensor). In kernels they are whole: dims[0] is the batch. */
typedef struct nw_shape {
    int32_t rank;
    int64_t dims[NW_MAX_RANK];
} nw_shape;

/* How a parameter starts out (fan-in and fan-out come with its declaration). */
typedef enum nw_init {
    NW_INIT_ZEROS = 0,
    NW_INIT_ONES = 1,
    NW_INIT_HE_NORMAL = 2,      /* N(0, 2 / fan_in) */
    NW_INIT_HE_UNIFORM = 3,     /* U(±sqrt(6 / fan_in)) */
    NW_INIT_GLOROT_NORMAL = 4,  /* N(0, 2 / (fan_in + fan_out)) */
    NW_INIT_GLOROT_UNIFORM = 5, /* U(±sqrt(6 / (fan_in + fan_out))) */
    NW_INIT_FAN_IN_UNIFORM = 6, /* U(±1 / sqrt(fan_in)): PyTorch's default for its layers */
} nw_init;

/* A parameter the node owns (f32, no batch dimension). Netwright allocates, initialises,
 * saves, restores and updates it; the kernel reads it and writes its gradient. */
typedef struct nw_param_decl {
    const char* name; /* "weight", "beta", ... unique within the node */
    nw_shape shape;   /* rank >= 1 */
    nw_init init;
    int64_t fan_in, fan_out;
    int trainable; /* 1: has a gradient and the optimizer updates it */
    int decays;    /* 1: weight decay applies to it */
} nw_param_decl;

/* ---------------------------------------------------------------------------------------
 * Shape inference
 * ------------------------------------------------------------------------------------- */

typedef struct nw_infer_ctx nw_infer_ctx;

/* What shape inference can ask and tell. `host` is Netwright's. */
struct nw_infer_ctx {
    void* host;
    uint32_t input_count;
    const nw_shape* inputs; /* per sample */
    /* The node's attributes (validated against the declarations, defaults filled in). An
     * unknown name or a name of another type returns 0 (or "") and is a bug in the plugin. */
    int64_t (*attr_int)(const nw_infer_ctx* ctx, const char* name);
    double (*attr_real)(const nw_infer_ctx* ctx, const char* name);
    int (*attr_bool)(const nw_infer_ctx* ctx, const char* name);
    const char* (*attr_choice)(const nw_infer_ctx* ctx, const char* name);
    /* An NW_ATTR_INTS attribute: copies up to `capacity` values and returns how many it has. */
    uint32_t (*attr_ints)(const nw_infer_ctx* ctx, const char* name, int64_t* values,
                          uint32_t capacity);
    /* Results: every output's shape (per sample), the forward FLOPs per sample, and the
     * parameters in the order kernels receive them. */
    void (*set_output)(nw_infer_ctx* ctx, uint32_t index, const nw_shape* shape);
    void (*set_flops)(nw_infer_ctx* ctx, int64_t flops_per_sample);
    void (*declare_param)(nw_infer_ctx* ctx, const nw_param_decl* param);
    /* Reports why the node is invalid: `field` is the attribute or input port at fault
     * ("reduction", "input"). Return non-zero afterwards. */
    void (*fail)(nw_infer_ctx* ctx, const char* field, const char* message);
};

/* ---------------------------------------------------------------------------------------
 * CPU kernels
 * ------------------------------------------------------------------------------------- */

/* A dense, row-major f32 tensor in host memory, its whole shape (the batch included). */
typedef struct nw_tensor {
    float* data; /* NULL for a gradient that is not needed */
    nw_shape shape;
} nw_tensor;

typedef struct nw_kernel_ctx nw_kernel_ctx;

/* The node a kernel instance computes: fixed for the instance's life. */
struct nw_kernel_ctx {
    void* host;
    const char* node_id;
    uint32_t input_count;
    const nw_shape* inputs; /* whole shapes, batch included */
    uint32_t output_count;
    const nw_shape* outputs;
    uint64_t seed; /* the run's seed */
    int64_t (*attr_int)(const nw_kernel_ctx* ctx, const char* name);
    double (*attr_real)(const nw_kernel_ctx* ctx, const char* name);
    int (*attr_bool)(const nw_kernel_ctx* ctx, const char* name);
    const char* (*attr_choice)(const nw_kernel_ctx* ctx, const char* name);
    uint32_t (*attr_ints)(const nw_kernel_ctx* ctx, const char* name, int64_t* values,
                          uint32_t capacity);
    void (*fail)(const nw_kernel_ctx* ctx, const char* message);
};

typedef struct nw_forward_args {
    const nw_tensor* inputs;
    uint32_t input_count;
    const nw_tensor* params; /* in declaration order */
    uint32_t param_count;
    const nw_tensor* outputs; /* to be written */
    uint32_t output_count;
    int training;  /* 1 in training, 0 in evaluation and inference */
    uint64_t step; /* the global training step */
} nw_forward_args;

/* Gradients are written, not accumulated: Netwright sums where a tensor feeds several
 * nodes. `grad_params` has one entry per trainable parameter, in declaration order; their
 * data is NULL when the node is frozen (fine-tuning): compute and write no parameter gradient
 * then, only the grad_inputs whose data is not NULL. */
typedef struct nw_backward_args {
    const nw_tensor* inputs;
    uint32_t input_count;
    const nw_tensor* params;
    uint32_t param_count;
    const nw_tensor* outputs;
    const nw_tensor* grad_outputs;
    uint32_t output_count;
    const nw_tensor* grad_inputs; /* data NULL: not needed */
    const nw_tensor* grad_params; /* data NULL: not needed (a frozen node) */
    uint32_t grad_param_count;
} nw_backward_args;

/* A CPU kernel: an instance per node and batch size. `create` returns the instance (any
 * pointer but NULL; NULL after ctx->fail() on failure), which keeps what forward saves for
 * backward: backward is always called after a forward (training 1) of the same inputs on the
 * same instance. `destroy` frees it. */
typedef struct nw_cpu_kernel {
    void* (*create)(const nw_kernel_ctx* ctx);
    void (*destroy)(void* instance);
    int (*forward)(void* instance, const nw_kernel_ctx* ctx, const nw_forward_args* args);
    int (*backward)(void* instance, const nw_kernel_ctx* ctx, const nw_backward_args* args);
} nw_cpu_kernel;

/* ---------------------------------------------------------------------------------------
 * Ops and the plugin
 * ------------------------------------------------------------------------------------- */

typedef struct nw_op_decl {
    uint32_t struct_size; /* sizeof(nw_op_decl) */
    const char* name;     /* UpperCamelCase, e.g. "LearnedSwish"; must not clash */
    const char* category; /* palette group, e.g. "Activation" or the plugin's own */
    uint32_t color;       /* 0xRRGGBB for the node's card; 0: the category's colour */
    const char* doc;      /* what it computes, one or two sentences */
    const nw_attr_decl* attrs;
    uint32_t attr_count;
    const nw_port_decl* inputs;
    uint32_t input_count;
    const nw_port_decl* outputs;
    uint32_t output_count;
    int (*infer)(nw_infer_ctx* ctx);
    nw_cpu_kernel cpu;
} nw_op_decl;

typedef struct nw_plugin {
    uint32_t struct_size; /* sizeof(nw_plugin) */
    uint32_t sdk_version; /* NW_PLUGIN_SDK_VERSION as the plugin was built */
    const char* name;     /* lower-case, e.g. "netwright-examples"; names it everywhere */
    const char* version;  /* the plugin's own, e.g. "1.0.0" */
    const char* description;
    const nw_op_decl* ops;
    uint32_t op_count;
} nw_plugin;

/* The entry point's name and type. It returns the plugin's description (static storage,
 * valid while the library is loaded), or NULL when it cannot work with this Netwright. */
#define NW_PLUGIN_ENTRY_NAME "nw_plugin_entry"
typedef const nw_plugin* (*nw_plugin_entry_fn)(uint32_t host_sdk_version);

#if defined(_WIN32)
#define NW_PLUGIN_EXPORT __declspec(dllexport)
#else
#define NW_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* What a plugin defines (declared here, so a wrong signature does not compile). */
NW_PLUGIN_EXPORT const nw_plugin* nw_plugin_entry(uint32_t host_sdk_version);

#ifdef __cplusplus
}
#endif

#endif /* NETWRIGHT_PLUGIN_H */
