#include "base/number_formats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace nw {

namespace {

constexpr std::string_view kNames[] = {
    "float16",    "bfloat16",   "float8e4m3fn", "float8e4m3fnuz", "float8e5m2", "float8e5m2fnuz",
    "float4e2m1", "float8e8m0", "int4",         "uint4",          "int2",       "uint2",
    "int8",       "uint8",      "int16",        "uint16",         "int32",      "uint32",
};

// A binary float format: mantissa bits, the exponent of its smallest normal value, its largest
// finite value, and what it has of infinities, NaN and a negative zero.
struct Minifloat {
    int mantissa;
    int minExponent;
    double max;
    bool inf, nan, negativeZero;
};

constexpr Minifloat kHalf{10, -14, 65504.0, true, true, true};
constexpr Minifloat kBFloat16{7, -126, 3.3895313892515355e38, true, true, true};
constexpr Minifloat kE4M3FN{3, -6, 448.0, false, true, true};
constexpr Minifloat kE4M3FNUZ{3, -7, 240.0, false, true, false};
constexpr Minifloat kE5M2{2, -14, 57344.0, true, true, true};
constexpr Minifloat kE5M2FNUZ{2, -15, 57344.0, false, true, false};
constexpr Minifloat kE2M1{1, 0, 6.0, false, false, true};

// |x| (finite, >= 0) to the nearest value with the format's precision, ties to even; it may
// exceed the format's largest value.
double nearest(const Minifloat& f, double a) {
    if (a == 0) {
        return 0;
    }
    int e = 0;
    std::frexp(a, &e); // a in [2^(e-1), 2^e)
    const int exponent = std::max(e - 1, f.minExponent);
    const double quantum = std::ldexp(1.0, exponent - f.mantissa);
    return std::nearbyint(a / quantum) * quantum; // the default rounding: ties to even
}

// A cast to `f`: saturating ones clip to the finite range first (as onnx's reference clips,
// then converts); past the range otherwise, inf where the format has it, else NaN, and for a
// format with neither (float4) the largest value.
float toMinifloat(const Minifloat& f, float x, bool saturate) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    if (std::isnan(x)) {
        return f.nan ? nan : -0.0f; // float4 has no NaN: ml_dtypes gives its code 0x8, -0
    }
    const bool negative = std::signbit(x);
    double a = std::abs(double(x));
    if (saturate || (!f.inf && !f.nan)) {
        a = std::min(a, f.max);
    }
    double v = std::isinf(a) ? a : nearest(f, a);
    if (v > f.max) {
        if (!f.inf) {
            return nan;
        }
        v = std::numeric_limits<double>::infinity();
    }
    if (v == 0 && !f.negativeZero) {
        return 0.0f;
    }
    return static_cast<float>(negative ? -v : v);
}

// FLOAT8E8M0 from float32's exponent field, as onnx's to_float8e8m0 computes it: the sign is
// dropped, NaN and inf are NaN, and the mantissa decides the rounding.
float toE8M0(float x, bool saturate, PowerRounding rounding) {
    std::uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    std::uint32_t exponent = (bits >> 23) & 0xffu;
    if (exponent == 0xffu) {
        return std::numeric_limits<float>::quiet_NaN();
    }
    bool up = false;
    if (rounding == PowerRounding::Up) {
        up = (bits & 0x7fffffu) != 0;
    } else if (rounding == PowerRounding::Nearest) {
        const bool guard = bits & 0x400000u, round = bits & 0x200000u;
        const bool sticky = (bits & 0x1fffffu) != 0, lsb = exponent > 0;
        up = guard && (round || sticky || lsb);
    }
    if (up && !(saturate && exponent == 0xfeu)) {
        ++exponent;
    }
    if (exponent == 0xffu) {
        return std::numeric_limits<float>::quiet_NaN();
    }
    return static_cast<float>(std::ldexp(1.0, int(exponent) - 127));
}

float toInteger(float x, double lo, double hi) {
    if (!std::isfinite(x)) {
        return 0.0f;
    }
    const double t = std::trunc(double(x));
    return t < lo || t > hi ? 0.0f : static_cast<float>(t);
}

} // namespace

std::optional<NumberFormat> numberFormatNamed(std::string_view name) {
    for (std::size_t k = 0; k < std::size(kNames); ++k) {
        if (kNames[k] == name) {
            return static_cast<NumberFormat>(k);
        }
    }
    return std::nullopt;
}

std::string_view numberFormatName(NumberFormat f) {
    return kNames[static_cast<std::size_t>(f)];
}

float roundTo(NumberFormat f, float x, bool saturate, PowerRounding rounding) {
    switch (f) {
    case NumberFormat::Float16:
        return toMinifloat(kHalf, x, false);
    case NumberFormat::BFloat16:
        return toMinifloat(kBFloat16, x, false);
    case NumberFormat::Float8E4M3FN:
        return toMinifloat(kE4M3FN, x, saturate);
    case NumberFormat::Float8E4M3FNUZ:
        return toMinifloat(kE4M3FNUZ, x, saturate);
    case NumberFormat::Float8E5M2:
        return toMinifloat(kE5M2, x, saturate);
    case NumberFormat::Float8E5M2FNUZ:
        return toMinifloat(kE5M2FNUZ, x, saturate);
    case NumberFormat::Float4E2M1:
        return toMinifloat(kE2M1, x, true);
    case NumberFormat::Float8E8M0:
        return toE8M0(x, saturate, rounding);
    case NumberFormat::Int4:
        return toInteger(x, -8, 7);
    case NumberFormat::UInt4:
        return toInteger(x, 0, 15);
    case NumberFormat::Int2:
        return toInteger(x, -2, 1);
    case NumberFormat::UInt2:
        return toInteger(x, 0, 3);
    case NumberFormat::Int8:
        return toInteger(x, -128, 127);
    case NumberFormat::UInt8:
        return toInteger(x, 0, 255);
    case NumberFormat::Int16:
        return toInteger(x, -32768, 32767);
    case NumberFormat::UInt16:
        return toInteger(x, 0, 65535);
    case NumberFormat::Int32:
        return toInteger(x, -2147483648.0, 2147483647.0);
    case NumberFormat::UInt32:
        return toInteger(x, 0, 4294967295.0);
    }
    return x;
}

} // namespace nw
