#include "engine/tracking/sha256.h"

#include <fstream>
#include <memory>
#include <openssl/evp.h>
#include <vector>

namespace nw::tracking {

namespace {

struct Hasher {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
    Hasher() { EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr); }
    void update(const void* p, std::size_t n) { EVP_DigestUpdate(ctx.get(), p, n); }
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_DigestFinal_ex(ctx.get(), digest, &n);
        static constexpr char kDigits[] = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < n; ++i) {
            out += kDigits[digest[i] >> 4];
            out += kDigits[digest[i] & 15];
        }
        return out;
    }
};

} // namespace

std::string sha256Hex(std::string_view bytes) {
    Hasher h;
    h.update(bytes.data(), bytes.size());
    return h.hex();
}

Expected<std::string> sha256File(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Error::user(path.string() + ": cannot read the file");
    }
    Hasher h;
    std::vector<char> buf(1 << 16);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        h.update(buf.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) {
        return Error::user(path.string() + ": read error");
    }
    return h.hex();
}

} // namespace nw::tracking
