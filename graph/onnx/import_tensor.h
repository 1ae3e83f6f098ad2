#pragma once
// Constants of an imported ONNX model: initializers, Constant nodes and what the importer
// folds from them, decoded to host vectors (floats, or integers for index and shape tensors).

#include "base/expected.h"
#include "base/number_formats.h"

#include <cstdint>
#include <limits>
#include <onnx/onnx_pb.h>
#include <string>
#include <vector>

namespace nw::graph::onnx_import {

// In a folded integer tensor (the result of Shape and of what shuffles it): the model's
// symbolic batch size, known only at run time.
inline constexpr std::int64_t kBatchDim = std::numeric_limits<std::int64_t>::min();

struct Constant {
    std::vector<std::int64_t> dims;
    bool isFloat = false;
    std::vector<float> f;        // isFloat: row-major values
    std::vector<std::int64_t> i; // otherwise (integers, bools); may hold kBatchDim
    std::int32_t elemType = onnx::TensorProto::FLOAT; // as declared (Cast keeps track)

    std::int64_t numel() const { return static_cast<std::int64_t>(isFloat ? f.size() : i.size()); }
    // Element k as a double (kBatchDim reads as NaN).
    double at(std::int64_t k) const;
    bool hasBatchDim() const;
    // Integers as they are; floats truncated toward zero.
    std::vector<std::int64_t> ints() const;
    std::string dimsText() const; // "[3, 4]"

    static Constant floats(std::vector<std::int64_t> dims, std::vector<float> values);
    static Constant int64s(std::vector<std::int64_t> dims, std::vector<std::int64_t> values);
};

// Whether ONNX element type `t` is a floating type (decoded to f32), the 8- and 4-bit float
// formats included.
bool isFloatType(std::int32_t t);
// Bits per element: 2 and 4 for the packed types, 8 for the float8 formats; 0 for strings.
int elementBits(std::int32_t t);
// The number format (base/number_formats.h) of the narrow ONNX element types a float can be
// rounded to: FLOAT16, BFLOAT16, the float8 and float4 formats, the 4- and 2-bit integers.
std::optional<NumberFormat> numberFormatOf(std::int32_t elementType);
// Cast's attributes for such a format: saturate (default 1), round_mode (default "up").
struct CastRounding {
    bool saturate = true;
    PowerRounding rounding = PowerRounding::Up;
};
CastRounding castRoundingOf(const onnx::NodeProto& cast);

// Whether every value of type `from` is exactly a value of type `to` (a cast that changes
// nothing: float8 to float16, int4 to int8); false for types this does not know.
bool holdsExactly(std::int32_t to, std::int32_t from);

// Decodes `t` (raw_data or the typed fields; external data must have been read into
// raw_data already). `what` names the tensor in errors ("initializer 'fc.weight'").
Expected<Constant> decodeTensor(const onnx::TensorProto& t, const std::string& what);

// "FLOAT16", or "element type 23" for one newer than this build's onnx headers know.
std::string elementTypeName(std::int32_t t);

// Bytes per element of the fixed-size ONNX element types; 0 for the others (strings).
std::int64_t elementBytes(std::int32_t t);

// Row-major strides of `dims`.
std::vector<std::int64_t> stridesOf(const std::vector<std::int64_t>& dims);

// `c` with its axes permuted (output axis k = input axis perm[k]).
Constant transposed(const Constant& c, const std::vector<std::int64_t>& perm);

} // namespace nw::graph::onnx_import
