#version 450
// Cast as the CPU (base/number_formats.cpp): y = the value of number format FORMAT nearest x,
// ties to even, one invocation per element. FORMAT follows nw::NumberFormat: 0 float16,
// 1 bfloat16, 2 float8e4m3fn, 3 float8e4m3fnuz, 4 float8e5m2, 5 float8e5m2fnuz, 6 float4e2m1,
// 7 float8e8m0, 8 int4, 9 uint4, 10 int2, 11 uint2, 12 int8, 13 uint8, 14 int16, 15 uint16,
// 16 int32, 17 uint32. (Values that round to float32
// subnormals — bfloat16's smallest, E8M0's 2^-127 — are as the device keeps subnormals.)
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint FORMAT = 0;

layout(push_constant) uniform Push {
    Floats y;
    Floats x;
    uint n;
    uint saturate; // the float8 formats
    uint rounding; // float8e8m0: 0 up, 1 down, 2 nearest
} p;

#define NAN uintBitsToFloat(0x7fc00000u)
#define INF uintBitsToFloat(0x7f800000u)

// |x| (finite, >= 0) to `mantissa` bits with the smallest normal exponent `minExponent`.
float nearest(float a, int mantissa, int minExponent) {
    if (a == 0.0) {
        return 0.0;
    }
    int e;
    frexp(a, e); // a in [2^(e-1), 2^e)
    const float quantum = ldexp(1.0, max(e - 1, minExponent) - mantissa);
    return roundEven(a / quantum) * quantum;
}

float minifloat(float x, int mantissa, int minExponent, float largest, bool hasInf, bool hasNan,
                bool negativeZero, bool saturate) {
    if (isnan(x)) {
        return hasNan ? NAN : uintBitsToFloat(0x80000000u); // float4: -0, as ml_dtypes
    }
    const bool negative = (floatBitsToUint(x) & 0x80000000u) != 0u;
    float a = abs(x);
    if (saturate || (!hasInf && !hasNan)) {
        a = min(a, largest);
    }
    float v = isinf(a) ? a : nearest(a, mantissa, minExponent);
    if (v > largest) {
        if (!hasInf) {
            return NAN;
        }
        v = INF;
    }
    if (v == 0.0 && !negativeZero) {
        return 0.0;
    }
    return negative ? -v : v;
}

float e8m0(float x) {
    const uint bits = floatBitsToUint(x);
    uint exponent = (bits >> 23) & 0xffu;
    if (exponent == 0xffu) {
        return NAN;
    }
    bool up = false;
    if (p.rounding == 0u) {
        up = (bits & 0x7fffffu) != 0u;
    } else if (p.rounding == 2u) {
        const bool guard = (bits & 0x400000u) != 0u, round = (bits & 0x200000u) != 0u;
        const bool sticky = (bits & 0x1fffffu) != 0u, lsb = exponent > 0u;
        up = guard && (round || sticky || lsb);
    }
    if (up && !(p.saturate != 0u && exponent == 0xfeu)) {
        ++exponent;
    }
    return exponent == 0xffu ? NAN : ldexp(1.0, int(exponent) - 127);
}

float integer(float x, float lo, float hi) {
    if (isnan(x) || isinf(x)) {
        return 0.0;
    }
    const float t = trunc(x);
    return t < lo || t > hi ? 0.0 : t;
}

void main() {
    const bool sat = p.saturate != 0u;
    for (uint i = FIRST; i < p.n; i += STRIDE) {
        const float x = p.x.v[i];
        float v;
        if (FORMAT == 0) {
            v = minifloat(x, 10, -14, 65504.0, true, true, true, false);
        } else if (FORMAT == 1) {
            v = minifloat(x, 7, -126, uintBitsToFloat(0x7f7f0000u), true, true, true, false);
        } else if (FORMAT == 2) {
            v = minifloat(x, 3, -6, 448.0, false, true, true, sat);
        } else if (FORMAT == 3) {
            v = minifloat(x, 3, -7, 240.0, false, true, false, sat);
        } else if (FORMAT == 4) {
            v = minifloat(x, 2, -14, 57344.0, true, true, true, sat);
        } else if (FORMAT == 5) {
            v = minifloat(x, 2, -15, 57344.0, false, true, false, sat);
        } else if (FORMAT == 6) {
            v = minifloat(x, 1, 0, 6.0, false, false, true, true);
        } else if (FORMAT == 7) {
            v = e8m0(x);
        } else if (FORMAT == 8) {
            v = integer(x, -8.0, 7.0);
        } else if (FORMAT == 9) {
            v = integer(x, 0.0, 15.0);
        } else if (FORMAT == 10) {
            v = integer(x, -2.0, 1.0);
        } else if (FORMAT == 11) {
            v = integer(x, 0.0, 3.0);
        } else if (FORMAT == 12) {
            v = integer(x, -128.0, 127.0);
        } else if (FORMAT == 13) {
            v = integer(x, 0.0, 255.0);
        } else if (FORMAT == 14) {
            v = integer(x, -32768.0, 32767.0);
        } else if (FORMAT == 15) {
            v = integer(x, 0.0, 65535.0);
        } else if (FORMAT == 16) {
            v = integer(x, -2147483648.0, 2147483647.0);
        } else {
            v = integer(x, 0.0, 4294967295.0);
        }
        p.y.v[i] = v;
    }
}
