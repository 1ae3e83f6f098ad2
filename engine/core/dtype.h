#pragma once
// Element types of tensors.

#include <cstddef>
#include <string_view>

namespace nw::engine {

enum class DType { F32, I32, I64, U8 };

constexpr std::size_t dtypeSize(DType t) {
    switch (t) {
    case DType::F32:
        return 4;
    case DType::I32:
        return 4;
    case DType::I64:
        return 8;
    case DType::U8:
        return 1;
    }
    return 0;
}

constexpr std::string_view dtypeName(DType t) {
    switch (t) {
    case DType::F32:
        return "f32";
    case DType::I32:
        return "i32";
    case DType::I64:
        return "i64";
    case DType::U8:
        return "u8";
    }
    return "?";
}

} // namespace nw::engine
