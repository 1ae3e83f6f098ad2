#pragma once
// SHA-256 (OpenSSL's EVP API) of a file or a string, as lowercase hex.

#include "base/expected.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace nw::tracking {

std::string sha256Hex(std::string_view bytes);
// An unreadable file is a user error naming it.
Expected<std::string> sha256File(const std::filesystem::path& path);

} // namespace nw::tracking
