#include "graph/onnx/import_tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

namespace nw::graph::onnx_import {

namespace {

using TP = onnx::TensorProto;

// IEEE half and bfloat16 bit patterns as floats.
float halfToFloat(std::uint16_t h) {
    const std::uint32_t sign = (h & 0x8000u) << 16;
    std::uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu, bits = 0;
    if (exponent == 0x1f) { // inf, nan
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa != 0) { // subnormal: normalise
        exponent = 113;
        while ((mantissa & 0x400u) == 0) {
            mantissa <<= 1;
            --exponent;
        }
        bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
    } else {
        bits = sign;
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

float bfloat16ToFloat(std::uint16_t b) {
    std::uint32_t bits = std::uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

// The element types newer than Debian's onnx headers (onnx.proto: 17 to 26).
enum Narrow : std::int32_t {
    kFloat8E4M3FN = 17,
    kFloat8E4M3FNUZ = 18,
    kFloat8E5M2 = 19,
    kFloat8E5M2FNUZ = 20,
    kUint4 = 21,
    kInt4 = 22,
    kFloat4E2M1 = 23,
    kFloat8E8M0 = 24,
    kUint2 = 25,
    kInt2 = 26,
};

// A float of `exponentBits`, `mantissaBits` and `bias` from its code (sign in the top bit).
float minifloat(std::uint32_t code, int exponentBits, int mantissaBits, int bias) {
    const bool negative = (code >> (exponentBits + mantissaBits)) & 1u;
    const std::uint32_t e = (code >> mantissaBits) & ((1u << exponentBits) - 1);
    const std::uint32_t m = code & ((1u << mantissaBits) - 1);
    const double frac = double(m) / double(1u << mantissaBits);
    const double v = e == 0 ? std::ldexp(frac, 1 - bias) : std::ldexp(1.0 + frac, int(e) - bias);
    return static_cast<float>(negative ? -v : v);
}

// Element `code` of one of the 8-bit and narrower float types, as ONNX defines them.
float narrowFloat(std::int32_t t, std::uint32_t code) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    switch (t) {
    case kFloat8E4M3FN: // no infinities; S.1111.111 is NaN
        return (code & 0x7fu) == 0x7fu ? nan : minifloat(code, 4, 3, 7);
    case kFloat8E4M3FNUZ: // no infinities, no -0: 0x80 is NaN
        return code == 0x80u ? nan : minifloat(code, 4, 3, 8);
    case kFloat8E5M2: // IEEE-like
        if ((code & 0x7cu) == 0x7cu) {
            return (code & 3u) ? nan
                               : ((code & 0x80u) ? -std::numeric_limits<float>::infinity()
                                                 : std::numeric_limits<float>::infinity());
        }
        return minifloat(code, 5, 2, 15);
    case kFloat8E5M2FNUZ:
        return code == 0x80u ? nan : minifloat(code, 5, 2, 16);
    case kFloat4E2M1:
        return minifloat(code & 0xfu, 2, 1, 1);
    default: // kFloat8E8M0: an exponent only, 0xff NaN
        return code == 0xffu ? nan : static_cast<float>(std::ldexp(1.0, int(code) - 127));
    }
}

// Element `code` of the 4- and 2-bit integer types.
std::int64_t narrowInt(std::int32_t t, std::uint32_t code) {
    switch (t) {
    case kInt4:
        return (code & 8u) ? std::int64_t(code & 0xfu) - 16 : std::int64_t(code & 0xfu);
    case kInt2:
        return (code & 2u) ? std::int64_t(code & 3u) - 4 : std::int64_t(code & 3u);
    default: // kUint4, kUint2
        return std::int64_t(code);
    }
}

bool isNarrow(std::int32_t t) {
    return t >= kFloat8E4M3FN && t <= kInt2;
}

template <class T>
T load(const char* p) {
    T v;
    std::memcpy(&v, p, sizeof v); // raw_data is little-endian, as every host we build for
    return v;
}

// Element k of raw bytes of type t, as a double (floats) or an int64 (the rest).
double rawFloat(std::int32_t t, const char* p) {
    switch (t) {
    case TP::FLOAT:
        return load<float>(p);
    case TP::DOUBLE:
        return load<double>(p);
    case TP::FLOAT16:
        return halfToFloat(load<std::uint16_t>(p));
    default: // BFLOAT16
        return bfloat16ToFloat(load<std::uint16_t>(p));
    }
}

std::int64_t rawInt(std::int32_t t, const char* p) {
    switch (t) {
    case TP::INT64:
        return load<std::int64_t>(p);
    case TP::UINT64:
        return static_cast<std::int64_t>(load<std::uint64_t>(p));
    case TP::INT32:
        return load<std::int32_t>(p);
    case TP::UINT32:
        return load<std::uint32_t>(p);
    case TP::INT16:
        return load<std::int16_t>(p);
    case TP::UINT16:
        return load<std::uint16_t>(p);
    case TP::INT8:
        return load<std::int8_t>(p);
    default: // UINT8, BOOL
        return load<std::uint8_t>(p);
    }
}

} // namespace

double Constant::at(std::int64_t k) const {
    const auto idx = static_cast<std::size_t>(k);
    if (isFloat) {
        return f[idx];
    }
    return i[idx] == kBatchDim ? std::nan("") : static_cast<double>(i[idx]);
}

bool Constant::hasBatchDim() const {
    for (std::int64_t v : i) {
        if (v == kBatchDim) {
            return true;
        }
    }
    return false;
}

std::vector<std::int64_t> Constant::ints() const {
    if (!isFloat) {
        return i;
    }
    std::vector<std::int64_t> out;
    out.reserve(f.size());
    for (float v : f) {
        out.push_back(static_cast<std::int64_t>(v));
    }
    return out;
}

std::string Constant::dimsText() const {
    std::string s = "[";
    for (std::size_t k = 0; k < dims.size(); ++k) {
        s += (k ? ", " : "") + std::to_string(dims[k]);
    }
    return s + "]";
}

Constant Constant::floats(std::vector<std::int64_t> dims, std::vector<float> values) {
    Constant c;
    c.dims = std::move(dims);
    c.isFloat = true;
    c.f = std::move(values);
    c.elemType = TP::FLOAT;
    return c;
}

Constant Constant::int64s(std::vector<std::int64_t> dims, std::vector<std::int64_t> values) {
    Constant c;
    c.dims = std::move(dims);
    c.i = std::move(values);
    c.elemType = TP::INT64;
    return c;
}

bool isFloatType(std::int32_t t) {
    return t == TP::FLOAT || t == TP::DOUBLE || t == TP::FLOAT16 || t == TP::BFLOAT16 ||
           (isNarrow(t) && t != kUint4 && t != kInt4 && t != kUint2 && t != kInt2);
}

int elementBits(std::int32_t t) {
    if (t == kUint4 || t == kInt4 || t == kFloat4E2M1) {
        return 4;
    }
    if (t == kUint2 || t == kInt2) {
        return 2;
    }
    return isNarrow(t) ? 8 : static_cast<int>(elementBytes(t) * 8);
}

namespace {

// What values a type holds, for holdsExactly(): integers in [lo, hi], or floats with
// `mantissa` bits, the smallest step 2^minExponent, the largest finite value, infinities, NaN.
struct Range {
    bool integer;
    double lo, hi; // integers: the range; floats: -max, max
    int mantissa = 0, minExponent = 0;
    bool inf = false, nan = false;
};

std::optional<Range> rangeOf(std::int32_t t) {
    auto ints = [](double lo, double hi) { return Range{true, lo, hi}; };
    auto floats = [](int mantissa, int minExponent, double max, bool inf, bool nan) {
        return Range{false, -max, max, mantissa, minExponent, inf, nan};
    };
    switch (t) {
    case TP::FLOAT:
        return floats(23, -149, 3.4028234663852886e38, true, true);
    case TP::DOUBLE:
        return floats(52, -1074, 1.7976931348623157e308, true, true);
    case TP::FLOAT16:
        return floats(10, -24, 65504, true, true);
    case TP::BFLOAT16:
        return floats(7, -133, 3.3895313892515355e38, true, true);
    case kFloat8E4M3FN:
        return floats(3, -9, 448, false, true);
    case kFloat8E4M3FNUZ:
        return floats(3, -10, 240, false, true);
    case kFloat8E5M2:
        return floats(2, -16, 57344, true, true);
    case kFloat8E5M2FNUZ:
        return floats(2, -17, 57344, false, true);
    case kFloat4E2M1:
        return floats(1, -1, 6, false, false);
    case kFloat8E8M0: { // powers of two only, none negative
        Range r = floats(0, -127, std::ldexp(1.0, 127), false, true);
        r.lo = 0;
        return r;
    }
    case TP::BOOL:
        return ints(0, 1);
    case kInt2:
        return ints(-2, 1);
    case kUint2:
        return ints(0, 3);
    case kInt4:
        return ints(-8, 7);
    case kUint4:
        return ints(0, 15);
    case TP::INT8:
        return ints(-128, 127);
    case TP::UINT8:
        return ints(0, 255);
    case TP::INT16:
        return ints(-32768, 32767);
    case TP::UINT16:
        return ints(0, 65535);
    case TP::INT32:
        return ints(-2147483648.0, 2147483647.0);
    case TP::UINT32:
        return ints(0, 4294967295.0);
    case TP::INT64:
        return ints(-9.2233720368547758e18, 9.2233720368547758e18);
    case TP::UINT64:
        return ints(0, 1.8446744073709552e19);
    default:
        return std::nullopt;
    }
}

} // namespace

std::optional<NumberFormat> numberFormatOf(std::int32_t t) {
    switch (t) {
    case TP::FLOAT16:
        return NumberFormat::Float16;
    case TP::BFLOAT16:
        return NumberFormat::BFloat16;
    case kFloat8E4M3FN:
        return NumberFormat::Float8E4M3FN;
    case kFloat8E4M3FNUZ:
        return NumberFormat::Float8E4M3FNUZ;
    case kFloat8E5M2:
        return NumberFormat::Float8E5M2;
    case kFloat8E5M2FNUZ:
        return NumberFormat::Float8E5M2FNUZ;
    case kFloat4E2M1:
        return NumberFormat::Float4E2M1;
    case kFloat8E8M0:
        return NumberFormat::Float8E8M0;
    case kInt4:
        return NumberFormat::Int4;
    case kUint4:
        return NumberFormat::UInt4;
    case kInt2:
        return NumberFormat::Int2;
    case kUint2:
        return NumberFormat::UInt2;
    default:
        return std::nullopt;
    }
}

CastRounding castRoundingOf(const onnx::NodeProto& cast) {
    CastRounding r;
    for (const auto& a : cast.attribute()) {
        if (a.name() == "saturate") {
            r.saturate = a.i() != 0;
        } else if (a.name() == "round_mode") {
            r.rounding = a.s() == "down"      ? PowerRounding::Down
                         : a.s() == "nearest" ? PowerRounding::Nearest
                                              : PowerRounding::Up;
        }
    }
    return r;
}

bool holdsExactly(std::int32_t to, std::int32_t from) {
    const auto a = rangeOf(to), b = rangeOf(from);
    if (!a || !b) {
        return false;
    }
    if (a->integer) {
        return b->integer && a->lo <= b->lo && b->hi <= a->hi;
    }
    if (b->integer) { // every integer of the range, exactly
        const double largest = std::max(std::abs(b->lo), std::abs(b->hi));
        return largest <= std::ldexp(1.0, a->mantissa + 1) && largest <= a->hi &&
               (b->lo >= 0 || a->lo < 0);
    }
    return b->mantissa <= a->mantissa && b->minExponent >= a->minExponent && b->hi <= a->hi &&
           (b->lo >= 0 || a->lo < 0) && (!b->inf || a->inf) && (!b->nan || a->nan);
}

std::string elementTypeName(std::int32_t t) {
    static const char* const kNarrow[] = {
        "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4",
        "INT4",         "FLOAT4E2M1",     "FLOAT8E8M0", "UINT2",          "INT2"};
    if (isNarrow(t)) { // newer than the headers of Debian's onnx may be
        return kNarrow[t - kFloat8E4M3FN];
    }
    const std::string name =
        onnx::TensorProto::DataType_IsValid(t) ? onnx::TensorProto::DataType_Name(t) : "";
    return name.empty() ? "element type " + std::to_string(t) : name;
}

std::int64_t elementBytes(std::int32_t t) {
    switch (t) {
    case TP::DOUBLE:
    case TP::INT64:
    case TP::UINT64:
        return 8;
    case TP::FLOAT:
    case TP::INT32:
    case TP::UINT32:
        return 4;
    case TP::FLOAT16:
    case TP::BFLOAT16:
    case TP::INT16:
    case TP::UINT16:
        return 2;
    case TP::INT8:
    case TP::UINT8:
    case TP::BOOL:
        return 1;
    default:
        return 0;
    }
}

namespace {

// The 8-bit and narrower types: raw bytes or int32_data, packed below 8 bits.
Expected<Constant> decodeNarrow(const onnx::TensorProto& t, const std::string& what, Constant c,
                                std::size_t count) {
    const std::int32_t type = t.data_type();
    const int bits = elementBits(type), perByte = 8 / bits;
    std::vector<std::uint32_t> bytes;
    if (!t.raw_data().empty() || count == 0) {
        for (unsigned char b : t.raw_data()) {
            bytes.push_back(b);
        }
    } else {
        for (std::int32_t v : t.int32_data()) {
            bytes.push_back(static_cast<std::uint32_t>(v) & 0xffu);
        }
    }
    if (bytes.size() != (count + std::size_t(perByte) - 1) / std::size_t(perByte)) {
        return Error::user(what + " holds " + std::to_string(bytes.size()) + " bytes of " +
                           std::to_string(bits) + "-bit values for its shape " + c.dimsText());
    }
    for (std::size_t k = 0; k < count; ++k) {
        const std::uint32_t code =
            (bytes[k / std::size_t(perByte)] >> (bits * int(k % std::size_t(perByte)))) &
            ((1u << bits) - 1);
        if (c.isFloat) {
            c.f[k] = narrowFloat(type, code);
        } else {
            c.i[k] = narrowInt(type, code);
        }
    }
    return c;
}

} // namespace

Expected<Constant> decodeTensor(const onnx::TensorProto& t, const std::string& what) {
    const std::int32_t type = t.data_type();
    if (elementBytes(type) == 0 && !isNarrow(type)) {
        return Error::user(what + " has element type " + std::to_string(type) +
                           ", which Netwright does not read (strings, complex numbers)");
    }
    if (t.data_location() == TP::EXTERNAL) {
        return Error::internal(what + ": external data was not loaded");
    }
    Constant c;
    c.elemType = type;
    c.isFloat = isFloatType(type);
    std::int64_t n = 1;
    for (std::int64_t d : t.dims()) {
        if (d < 0 || (d > 0 && n > (std::int64_t{1} << 40) / d)) {
            return Error::user(what + " has an invalid or too large shape");
        }
        c.dims.push_back(d);
        n *= d;
    }
    const std::size_t count = static_cast<std::size_t>(n);
    if (isNarrow(type)) {
        if (c.isFloat) {
            c.f.resize(count);
        } else {
            c.i.resize(count);
        }
        return decodeNarrow(t, what, std::move(c), count);
    }
    const bool raw = !t.raw_data().empty() || n == 0;
    const auto bytes = static_cast<std::size_t>(elementBytes(type));
    // The values stored, checked against the shape before anything is allocated for them.
    std::size_t stored = 0;
    if (raw) {
        stored = t.raw_data().size() % bytes == 0 ? t.raw_data().size() / bytes : count + 1;
    } else if (type == TP::FLOAT) {
        stored = static_cast<std::size_t>(t.float_data_size());
    } else if (type == TP::DOUBLE) {
        stored = static_cast<std::size_t>(t.double_data_size());
    } else if (type == TP::INT64) {
        stored = static_cast<std::size_t>(t.int64_data_size());
    } else if (type == TP::UINT32 || type == TP::UINT64) {
        stored = static_cast<std::size_t>(t.uint64_data_size());
    } else {
        stored = static_cast<std::size_t>(t.int32_data_size());
    }
    if (stored != count) {
        return Error::user(what + " holds " + std::to_string(stored) + " values for its shape " +
                           c.dimsText() + " (" + std::to_string(n) + ")");
    }
    if (c.isFloat) {
        c.f.resize(count);
    } else {
        c.i.resize(count);
    }
    if (raw) {
        const std::string& data = t.raw_data();
        if (type == TP::FLOAT) { // the common case, copied bit for bit
            std::memcpy(c.f.data(), data.data(), data.size());
            return c;
        }
        for (std::size_t k = 0; k < count; ++k) {
            const char* p = data.data() + k * bytes;
            if (c.isFloat) {
                c.f[k] = static_cast<float>(rawFloat(type, p));
            } else {
                c.i[k] = rawInt(type, p);
            }
        }
        return c;
    }
    // The typed fields, by ONNX's rules for which type lives where.
    switch (type) {
    case TP::FLOAT:
        std::copy(t.float_data().begin(), t.float_data().end(), c.f.begin());
        return c;
    case TP::DOUBLE:
        for (std::size_t k = 0; k < count; ++k) {
            c.f[k] = static_cast<float>(t.double_data(static_cast<int>(k)));
        }
        return c;
    case TP::INT64:
        std::copy(t.int64_data().begin(), t.int64_data().end(), c.i.begin());
        return c;
    case TP::UINT32:
    case TP::UINT64:
        for (std::size_t k = 0; k < count; ++k) {
            c.i[k] = static_cast<std::int64_t>(t.uint64_data(static_cast<int>(k)));
        }
        return c;
    default: // int32_data holds the small integers and the 16-bit floats' bit patterns
        for (std::size_t k = 0; k < count; ++k) {
            const std::int32_t v = t.int32_data(static_cast<int>(k));
            if (type == TP::FLOAT16) {
                c.f[k] = halfToFloat(static_cast<std::uint16_t>(v));
            } else if (type == TP::BFLOAT16) {
                c.f[k] = bfloat16ToFloat(static_cast<std::uint16_t>(v));
            } else {
                c.i[k] = v;
            }
        }
        return c;
    }
}

std::vector<std::int64_t> stridesOf(const std::vector<std::int64_t>& dims) {
    std::vector<std::int64_t> s(dims.size(), 1);
    for (std::size_t k = dims.size(); k-- > 1;) {
        s[k - 1] = s[k] * dims[k];
    }
    return s;
}

Constant transposed(const Constant& c, const std::vector<std::int64_t>& perm) {
    Constant out = c;
    const std::size_t rank = c.dims.size();
    for (std::size_t k = 0; k < rank; ++k) {
        out.dims[k] = c.dims[static_cast<std::size_t>(perm[k])];
    }
    const auto inStrides = stridesOf(c.dims);
    const auto outStrides = stridesOf(out.dims);
    const std::int64_t n = c.numel();
    for (std::int64_t o = 0; o < n; ++o) {
        std::int64_t rest = o, src = 0;
        for (std::size_t k = 0; k < rank; ++k) {
            const std::int64_t idx = rest / outStrides[k];
            rest %= outStrides[k];
            src += idx * inStrides[static_cast<std::size_t>(perm[k])];
        }
        if (c.isFloat) {
            out.f[static_cast<std::size_t>(o)] = c.f[static_cast<std::size_t>(src)];
        } else {
            out.i[static_cast<std::size_t>(o)] = c.i[static_cast<std::size_t>(src)];
        }
    }
    return out;
}

} // namespace nw::graph::onnx_import
