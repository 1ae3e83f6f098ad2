#include "engine/train/binary_io.h"

#include <fstream>
#include <zlib.h>

namespace nw::engine::binio {

namespace {

std::uint32_t crcOf(const std::string& bytes, std::size_t n) {
    return static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n)));
}

} // namespace

void beginEnvelope(std::string& out, const char (&signature)[8], std::uint32_t version) {
    put(out, signature, 8);
    putU32(out, version);
}

void endEnvelope(std::string& out) {
    putU32(out, crcOf(out, out.size()));
}

Expected<Envelope> readEnvelope(const std::filesystem::path& path, const char (&signature)[8],
                                std::uint32_t version, const std::string& what,
                                std::uint64_t maxBytes) {
    const std::string name = path.string();
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        return Error::user(name + ": cannot read the " + what + ": " + ec.message());
    }
    if (size > maxBytes) {
        return Error::user(name + ": the file is too large to be a " + what);
    }
    Envelope env;
    env.bytes.assign(static_cast<std::size_t>(size), '\0');
    std::ifstream in(path, std::ios::binary);
    if (!in.read(env.bytes.data(), static_cast<std::streamsize>(size))) {
        return Error::user(name + ": read error");
    }
    auto corrupt = [&](const std::string& why) {
        return Error::user(name + ": not a valid " + what + ": " + why);
    };
    const std::string sig(signature, 8);
    if (env.bytes.size() < 16 || env.bytes.compare(0, 8, sig) != 0) {
        return corrupt("it does not start with the " + sig.substr(0, sig.find('\0')) +
                       " signature");
    }
    env.bodyEnd = env.bytes.size() - 4;
    std::uint32_t stored = 0;
    std::memcpy(&stored, env.bytes.data() + env.bodyEnd, 4);
    if (stored != crcOf(env.bytes, env.bodyEnd)) {
        return corrupt("the checksum does not match (the file is truncated or damaged)");
    }
    std::uint32_t fileVersion = 0;
    std::memcpy(&fileVersion, env.bytes.data() + 8, 4);
    if (fileVersion != version) {
        return corrupt("format version " + std::to_string(fileVersion) + ", this build reads " +
                       std::to_string(version));
    }
    env.bodyBegin = 12;
    return env;
}

} // namespace nw::engine::binio
