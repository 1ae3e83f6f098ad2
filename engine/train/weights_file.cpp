#include "engine/train/weights_file.h"

#include "graph/project_file.h"

#include <cstring>
#include <fstream>
#include <map>
#include <zlib.h>

namespace nw::engine {

namespace {

constexpr char kMagic[8] = {'N', 'W', 'W', 'E', 'I', 'G', 'H', 'T'};
constexpr std::uint64_t kMaxFileBytes = 16ull << 30;

void put(std::string& out, const void* p, std::size_t n) {
    out.append(static_cast<const char*>(p), n);
}
void putU32(std::string& out, std::uint32_t v) {
    put(out, &v, 4);
}
void putString(std::string& out, const std::string& s) {
    putU32(out, static_cast<std::uint32_t>(s.size()));
    put(out, s.data(), s.size());
}

// Reads from a byte range, failing (not throwing) past its end.
class Reader {
public:
    Reader(const std::string& bytes, std::size_t end)
        : m_bytes(bytes)
        , m_end(end) {}
    bool read(void* out, std::size_t n) {
        if (n > m_end - m_pos) {
            return false;
        }
        std::memcpy(out, m_bytes.data() + m_pos, n);
        m_pos += n;
        return true;
    }
    bool readU32(std::uint32_t& v) { return read(&v, 4); }
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

private:
    const std::string& m_bytes;
    std::size_t m_end;
    std::size_t m_pos = 0;
};

} // namespace

Status saveWeights(Backend& backend, const ModelParams& params, const std::filesystem::path& path) {
    std::string out;
    put(out, kMagic, sizeof kMagic);
    putU32(out, kWeightsFormatVersion);
    putU32(out, static_cast<std::uint32_t>(params.entries().size()));
    std::vector<float> host;
    for (const auto& e : params.entries()) {
        putString(out, e->nodeId);
        putString(out, e->spec.name);
        putU32(out, static_cast<std::uint32_t>(e->spec.shape.size()));
        for (auto d : e->spec.shape) {
            put(out, &d, 8);
        }
        host.resize(static_cast<std::size_t>(e->value.numel()));
        if (auto s = backend.copyToHost(e->value, host.data()); !s) {
            return s;
        }
        if (auto s = backend.synchronize(); !s) {
            return s;
        }
        put(out, host.data(), host.size() * sizeof(float));
    }
    auto crc = static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
    putU32(out, crc);
    return graph::writeFileAtomically(path, out);
}

Status loadWeights(Backend& backend, ModelParams& params, const std::filesystem::path& path) {
    const std::string name = path.string();
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        return Error::user(name + ": cannot read the weights file: " + ec.message());
    }
    if (size > kMaxFileBytes) {
        return Error::user(name + ": the file is too large to be a weights file");
    }
    std::ifstream in(path, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
        return Error::user(name + ": read error");
    }
    auto corrupt = [&name](const std::string& why) {
        return Error::user(name + ": not a valid weights file: " + why);
    };
    if (bytes.size() < sizeof kMagic + 12 || std::memcmp(bytes.data(), kMagic, 8) != 0) {
        return corrupt("it does not start with the NWWEIGHT signature");
    }
    std::size_t body = bytes.size() - 4;
    std::uint32_t stored = 0;
    std::memcpy(&stored, bytes.data() + body, 4);
    auto actual = static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(body)));
    if (stored != actual) {
        return corrupt("the checksum does not match (the file is truncated or damaged)");
    }
    Reader r(bytes, body);
    char magic[8];
    std::uint32_t version = 0, count = 0;
    r.read(magic, 8);
    r.readU32(version);
    r.readU32(count);
    if (version != kWeightsFormatVersion) {
        return corrupt("format version " + std::to_string(version) + ", this build reads " +
                       std::to_string(kWeightsFormatVersion));
    }
    std::map<std::pair<std::string, std::string>, ModelParams::Entry*> wanted;
    for (const auto& e : params.entries()) {
        wanted[{e->nodeId, e->spec.name}] = e.get();
    }
    std::vector<float> host;
    for (std::uint32_t i = 0; i < count; ++i) {
        std::string node, param;
        std::uint32_t rank = 0;
        if (!r.readString(node, 4096) || !r.readString(param, 4096) || !r.readU32(rank) ||
            rank > 8) {
            return corrupt("entry " + std::to_string(i) + " is malformed");
        }
        Dims shape(rank);
        for (auto& d : shape) {
            if (!r.read(&d, 8) || d < 0 || d > (1ll << 40)) {
                return corrupt("entry " + std::to_string(i) + " has a bad shape");
            }
        }
        auto it = wanted.find({node, param});
        if (it == wanted.end()) {
            return Error::user(name + ": node '" + node + "' parameter " + param +
                               " is not in the model (the file was saved from another graph)");
        }
        if (it->second->spec.shape != shape) {
            return Error::user(name + ": node '" + node + "' parameter " + param + " is " +
                               dimsToString(shape) + " in the file but " +
                               dimsToString(it->second->spec.shape) + " in the model");
        }
        host.resize(static_cast<std::size_t>(numelOf(shape)));
        if (!r.read(host.data(), host.size() * sizeof(float))) {
            return corrupt("entry " + std::to_string(i) + " is cut short");
        }
        if (auto s = backend.copyFromHost(it->second->value, host.data()); !s) {
            return s;
        }
        if (auto s = backend.synchronize(); !s) {
            return s;
        }
        it->second->initialized = true;
        wanted.erase(it);
    }
    if (r.position() != body) {
        return corrupt("unexpected bytes after the last entry");
    }
    if (!wanted.empty()) {
        const auto& [node, param] = wanted.begin()->first;
        return Error::user(name + ": node '" + node + "' parameter " + param +
                           " is missing from the file");
    }
    return Status::success();
}

} // namespace nw::engine
