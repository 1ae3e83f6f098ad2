#pragma once
// Little-endian binary encoding shared by the engine's file formats (the weights file, the
// checkpoint): appending fixed-size values and strings to a byte string, a bounds-checked
// reader, and the "signature ... CRC-32" envelope both formats use.
//
// Envelope: 8-byte signature, u32 format version, body, then the CRC-32 (zlib) of everything
// before it. verifyEnvelope() checks all three and names the file in its errors.

#include "base/expected.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

namespace nw::engine::binio {

inline void put(std::string& out, const void* p, std::size_t n) {
    out.append(static_cast<const char*>(p), n);
}
inline void putU32(std::string& out, std::uint32_t v) {
    put(out, &v, 4);
}
inline void putI64(std::string& out, std::int64_t v) {
    put(out, &v, 8);
}
inline void putF64(std::string& out, double v) {
    put(out, &v, 8);
}
inline void putString(std::string& out, const std::string& s) {
    putU32(out, static_cast<std::uint32_t>(s.size()));
    put(out, s.data(), s.size());
}

// Starts a file: the 8-byte signature and the format version.
void beginEnvelope(std::string& out, const char (&signature)[8], std::uint32_t version);
// Ends it: appends the CRC-32 of everything in `out`.
void endEnvelope(std::string& out);

// Reads from bytes[begin, end), failing (not throwing) past the end.
class Reader {
public:
    Reader(const std::string& bytes, std::size_t begin, std::size_t end)
        : m_bytes(bytes)
        , m_end(end)
        , m_pos(begin) {}
    bool read(void* out, std::size_t n) {
        if (n > m_end - m_pos) {
            return false;
        }
        std::memcpy(out, m_bytes.data() + m_pos, n);
        m_pos += n;
        return true;
    }
    bool skip(std::size_t n) {
        if (n > m_end - m_pos) {
            return false;
        }
        m_pos += n;
        return true;
    }
    bool readU32(std::uint32_t& v) { return read(&v, 4); }
    bool readI64(std::int64_t& v) { return read(&v, 8); }
    bool readF64(double& v) { return read(&v, 8); }
    bool readString(std::string& s, std::uint32_t maxLength) {
        std::uint32_t n = 0;
        if (!readU32(n) || n > maxLength || n > m_end - m_pos) {
            return false;
        }
        s.assign(m_bytes.data() + m_pos, n);
        m_pos += n;
        return true;
    }
    std::size_t position() const { return m_pos; }
    bool atEnd() const { return m_pos == m_end; }

private:
    const std::string& m_bytes;
    std::size_t m_end;
    std::size_t m_pos;
};

// A verified file: its bytes and where the body (after signature and version) starts and ends.
struct Envelope {
    std::string bytes;
    std::size_t bodyBegin = 0;
    std::size_t bodyEnd = 0; // the CRC's offset
    Reader body() const { return Reader(bytes, bodyBegin, bodyEnd); }
};

// Reads `path` (at most maxBytes) and checks signature, CRC and version. `what` names the
// kind of file in messages ("weights file"); every error is a user error naming the file.
Expected<Envelope> readEnvelope(const std::filesystem::path& path, const char (&signature)[8],
                                std::uint32_t version, const std::string& what,
                                std::uint64_t maxBytes = 16ull << 30);

} // namespace nw::engine::binio
