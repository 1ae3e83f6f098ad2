#include "datasets/idx.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <zlib.h>

namespace nw::datasets {

namespace {

constexpr std::uint8_t kUnsignedByte = 0x08;
// Data is read in chunks so that a file that lies about its size never makes us allocate
// more than it really holds (plus one chunk).
constexpr std::size_t kChunkBytes = std::size_t{16} << 20;

const char* typeName(std::uint8_t type) {
    switch (type) {
    case 0x08:
        return "unsigned byte";
    case 0x09:
        return "signed byte";
    case 0x0B:
        return "int16";
    case 0x0C:
        return "int32";
    case 0x0D:
        return "float32";
    case 0x0E:
        return "float64";
    default:
        return "unknown";
    }
}

std::string hexByte(std::uint8_t b) {
    char text[8];
    std::snprintf(text, sizeof text, "0x%02x", b);
    return text;
}

std::string dimsText(const Dims& dims) {
    std::string s;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        s += (i ? " x " : "") + std::to_string(dims[i]);
    }
    return s;
}

// A gzFile opened for reading, closed on destruction. zlib reads non-gzip files as they are.
class GzReader {
public:
    explicit GzReader(const std::filesystem::path& path)
        : m_path(path.string())
        , m_file(gzopen(m_path.c_str(), "rb")) {
        if (m_file) {
            gzbuffer(m_file, 1u << 17);
        }
    }
    ~GzReader() {
        if (m_file) {
            gzclose(m_file);
        }
    }
    GzReader(const GzReader&) = delete;
    GzReader& operator=(const GzReader&) = delete;

    bool isOpen() const { return m_file != nullptr; }
    // True when zlib found no gzip header and reads the bytes as they are.
    bool isDirect() const { return gzdirect(m_file) != 0; }

    // Reads up to out.size() bytes; fewer only at the end of the data. A damaged gzip stream
    // (bad data, or a compressed stream cut short) is an error.
    Expected<std::size_t> read(std::span<std::uint8_t> out) {
        std::size_t got = 0;
        while (got < out.size()) {
            auto want = static_cast<unsigned>(std::min<std::size_t>(out.size() - got, 1u << 30));
            int n = gzread(m_file, out.data() + got, want);
            if (n < 0 || gzStatus() != Z_OK) {
                return Error::user(m_path + ": corrupt gzip data (" + gzMessage() + ")");
            }
            if (n == 0) {
                break;
            }
            got += static_cast<std::size_t>(n);
        }
        return got;
    }

private:
    int gzStatus() const {
        int code = Z_OK;
        gzerror(m_file, &code);
        return code;
    }
    std::string gzMessage() const {
        int code = Z_OK;
        std::string msg = gzerror(m_file, &code);
        if (code == Z_ERRNO) {
            return std::strerror(errno);
        }
        // zlib prefixes the message with "<path>: "; we name the file ourselves.
        const std::string prefix = m_path + ": ";
        return msg.starts_with(prefix) ? msg.substr(prefix.size()) : msg;
    }

    std::string m_path;
    gzFile m_file;
};

bool hasGzExtension(const std::filesystem::path& path) {
    return path.extension() == ".gz";
}

std::uint32_t bigEndian32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

// Reads exactly out.size() bytes of the header; `what` names the part for the message.
Status readHeaderPart(GzReader& in, std::span<std::uint8_t> out, const std::string& file,
                      const char* what) {
    auto got = in.read(out);
    if (!got) {
        return got.error();
    }
    if (*got != out.size()) {
        return Error::user(file + ": truncated " + what + ": expected " +
                           std::to_string(out.size()) + " bytes, got " + std::to_string(*got));
    }
    return Status::success();
}

} // namespace

Expected<IdxArray> readIdx(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return Error::user(file + ": file not found");
    }
    if (std::filesystem::is_directory(path, ec)) {
        return Error::user(file + ": is a folder, expected an IDX file");
    }
    errno = 0;
    GzReader in(path);
    if (!in.isOpen()) {
        return Error::user(file + ": cannot open: " + std::strerror(errno ? errno : EIO));
    }
    if (hasGzExtension(path) && in.isDirect()) {
        return Error::user(file + ": named .gz but not gzip-compressed");
    }

    std::array<std::uint8_t, 4> magic{};
    if (Status s = readHeaderPart(in, magic, file, "header"); !s) {
        return s.error();
    }
    if (magic[0] != 0 || magic[1] != 0) {
        return Error::user(file + ": not an IDX file: bad magic " + hexByte(magic[0]) + " " +
                           hexByte(magic[1]) + " (expected 0x00 0x00)");
    }
    if (magic[2] != kUnsignedByte) {
        return Error::user(file + ": unsupported IDX element type " + hexByte(magic[2]) + " (" +
                           typeName(magic[2]) + "); only unsigned bytes (0x08) are supported");
    }
    const int ndim = magic[3];
    if (ndim < 1 || ndim > 4) {
        return Error::user(file + ": unsupported number of IDX dimensions " + std::to_string(ndim) +
                           " (expected 1 to 4)");
    }

    std::array<std::uint8_t, 16> dimBytes{};
    auto dimSpan = std::span(dimBytes).first(static_cast<std::size_t>(4 * ndim));
    if (Status s = readHeaderPart(in, dimSpan, file, "dimensions"); !s) {
        return s.error();
    }
    IdxArray result;
    std::uint64_t bytes = 1; // stays <= kMaxIdxDataBytes, so the product cannot overflow
    bool tooLarge = false;
    for (int i = 0; i < ndim; ++i) {
        std::uint32_t d = bigEndian32(dimBytes.data() + 4 * i);
        result.dims.push_back(d);
        if (!tooLarge) {
            bytes *= d;
            tooLarge = bytes > kMaxIdxDataBytes;
        }
    }
    if (tooLarge) {
        return Error::user(file + ": IDX dimensions " + dimsText(result.dims) +
                           " exceed the limit of " + std::to_string(kMaxIdxDataBytes) +
                           " bytes of data");
    }

    // Grows chunk by chunk: a truncated file costs no more memory than it holds.
    std::size_t got = 0;
    while (got < bytes) {
        std::size_t want = std::min<std::size_t>(kChunkBytes, bytes - got);
        result.data.resize(got + want);
        auto n = in.read(std::span(result.data).subspan(got, want));
        if (!n) {
            return n.error();
        }
        got += *n;
        if (*n < want) {
            return Error::user(file + ": truncated: expected " + std::to_string(bytes) +
                               " bytes of data, got " + std::to_string(got));
        }
    }

    std::uint64_t trailing = 0;
    std::vector<std::uint8_t> scratch(1 << 16);
    for (;;) {
        auto n = in.read(scratch);
        if (!n) {
            return n.error();
        }
        if (*n == 0) {
            break;
        }
        trailing += *n;
    }
    if (trailing > 0) {
        return Error::user(file + ": " + std::to_string(trailing) +
                           " unexpected trailing bytes after the " + std::to_string(bytes) +
                           " bytes of data declared by the header (" + dimsText(result.dims) + ")");
    }
    return result;
}

} // namespace nw::datasets
