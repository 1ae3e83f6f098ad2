#pragma once
// The example plugin's shared pieces: its two op declarations and the small helpers they use.
// Only the SDK's C header and the C++17 standard library: nothing of Netwright's own.
#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <netwright/plugin.h>

namespace nw_examples {

// The ops' declarations. They point into static storage of their own files, so the copies
// stay valid while the library is loaded.
nw_op_decl learnedSwishDecl();
nw_op_decl squeezeExciteDecl();

constexpr nw_attr_decl boolAttr(const char* name, bool byDefault, const char* doc) {
    nw_attr_decl a{};
    a.name = name;
    a.type = NW_ATTR_BOOL;
    a.doc = doc;
    a.bool_default = byDefault ? 1 : 0;
    return a;
}

constexpr nw_attr_decl intAttr(const char* name, std::int64_t byDefault, std::int64_t min,
                               std::int64_t max, const char* doc) {
    nw_attr_decl a{};
    a.name = name;
    a.type = NW_ATTR_INT;
    a.doc = doc;
    a.int_default = byDefault;
    a.int_min = min;
    a.int_max = max;
    return a;
}

// A trainable f32 parameter of rank 1 or 2 (`cols` 0: rank 1).
inline nw_param_decl param(const char* name, std::int64_t rows, std::int64_t cols, nw_init init,
                           std::int64_t fanIn, std::int64_t fanOut, bool decays) {
    nw_param_decl p{};
    p.name = name;
    p.shape.rank = cols > 0 ? 2 : 1;
    p.shape.dims[0] = rows;
    p.shape.dims[1] = cols;
    p.init = init;
    p.fan_in = fanIn;
    p.fan_out = fanOut;
    p.trainable = 1;
    p.decays = decays ? 1 : 0;
    return p;
}

// A shape as text, e.g. "[N, 16, 8, 8]" for a per-sample shape from shape inference (the batch
// shown as N) or "[32, 16, 8, 8]" for a whole one from a kernel. Fixed storage: messages are
// built without allocating, so nothing can throw on the way to fail().
struct ShapeText {
    char text[8 + NW_MAX_RANK * 22];
};

inline ShapeText shapeText(const nw_shape& s, bool perSample) {
    ShapeText out{};
    int used = std::snprintf(out.text, sizeof out.text, perSample ? "[N" : "[");
    int rank = s.rank < 0 ? 0 : (s.rank > NW_MAX_RANK ? NW_MAX_RANK : s.rank);
    for (int i = 0; i < rank; ++i) {
        used += std::snprintf(out.text + used, sizeof out.text - static_cast<std::size_t>(used),
                              "%s%lld", i > 0 || perSample ? ", " : "",
                              static_cast<long long>(s.dims[i]));
    }
    std::snprintf(out.text + used, sizeof out.text - static_cast<std::size_t>(used), "]");
    return out;
}

// A message for fail(), formatted like printf.
struct Message {
    char text[512];
};

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
inline Message
message(const char* format, ...) {
    Message out{};
    va_list args;
    va_start(args, format);
    std::vsnprintf(out.text, sizeof out.text, format, args);
    va_end(args);
    return out;
}

// The product of dims[from..rank), or -1 when it overflows int64.
inline std::int64_t elements(const nw_shape& s, int from = 0) {
    std::int64_t n = 1;
    for (int i = from; i < s.rank; ++i) {
        if (s.dims[i] < 0 ||
            (s.dims[i] > 0 && n > std::numeric_limits<std::int64_t>::max() / s.dims[i])) {
            return -1;
        }
        n *= s.dims[i];
    }
    return n;
}

// 1 / (1 + exp(-t)) without overflowing exp for large |t|.
inline double sigmoid(double t) {
    if (t >= 0) {
        return 1.0 / (1.0 + std::exp(-t));
    }
    double e = std::exp(t);
    return e / (1.0 + e);
}

} // namespace nw_examples
