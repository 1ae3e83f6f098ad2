#include "graph/onnx/import_tensor.h"

#include <cmath>
#include <cstring>

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
    return t == TP::FLOAT || t == TP::DOUBLE || t == TP::FLOAT16 || t == TP::BFLOAT16;
}

std::string elementTypeName(std::int32_t t) {
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

Expected<Constant> decodeTensor(const onnx::TensorProto& t, const std::string& what) {
    const std::int32_t type = t.data_type();
    if (elementBytes(type) == 0) {
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
