#pragma once
// The narrow number formats a float32 value can be rounded to, as ONNX's Cast defines them:
// IEEE half, bfloat16, the float8 formats (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0), FLOAT4E2M1
// and the integers of 2 to 32 bits. roundTo() gives the value the format holds for x — what a cast
// to the format and back to float32 gives — so a float32 engine computes what a model that
// casts computes.

#include <optional>
#include <string_view>

namespace nw {

enum class NumberFormat {
    Float16,
    BFloat16,
    Float8E4M3FN,
    Float8E4M3FNUZ,
    Float8E5M2,
    Float8E5M2FNUZ,
    Float4E2M1,
    Float8E8M0,
    Int4,
    UInt4,
    Int2,
    UInt2,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
};

// How FLOAT8E8M0, which holds powers of two only, picks one: ONNX's round_mode.
enum class PowerRounding { Up, Down, Nearest };

// "float16", "float8e4m3fn", "int4", ... (the op attribute's names); nullopt for others.
std::optional<NumberFormat> numberFormatNamed(std::string_view name);
std::string_view numberFormatName(NumberFormat f);

// The value of `f` nearest x (ties to even), as ONNX's Cast computes it. `saturate` (the float8
// formats): a value beyond the largest finite one, and ±inf, become that largest value
// instead of inf or NaN. The integers truncate toward zero; out of their range they are 0, as
// onnx's reference (ml_dtypes) casts.
float roundTo(NumberFormat f, float x, bool saturate = true,
              PowerRounding rounding = PowerRounding::Up);

} // namespace nw
