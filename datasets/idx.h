#pragma once
// The IDX file format (the MNIST family): a 4-byte magic {0, 0, type, ndim}, then ndim
// big-endian uint32 dimensions, then the elements in row-major order. Only unsigned bytes
// (type 0x08) are supported. Files ending in ".gz" must be gzip-compressed; other files are
// read as they are (plain, or gzip that zlib recognises).

#include "base/expected.h"
#include "datasets/dataset.h"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace nw::datasets {

// The largest element data an IDX file may declare (2 GiB).
inline constexpr std::uint64_t kMaxIdxDataBytes = std::uint64_t{1} << 31;

// A decoded IDX file of unsigned bytes.
struct IdxArray {
    Dims dims;                      // e.g. [N, H, W]; 1 to 4 entries
    std::vector<std::uint8_t> data; // row-major, numElements(dims) bytes
};

// Reads and validates a whole IDX file: magic, element type, ndim in [1, 4], the declared
// size against kMaxIdxDataBytes and against the bytes actually present (no fewer, no more).
// Every error message starts with the file's path.
Expected<IdxArray> readIdx(const std::filesystem::path& path);

} // namespace nw::datasets
