#include "engine/bundle/runtime/model.h"

#include "engine/bundle/runtime/executor.h"

#include <filesystem>
#include <fstream>

namespace nw::rt {

namespace {

constexpr std::uintmax_t kMaxBundleBytes = 8ull << 30;

} // namespace

Model::~Model() = default;

Expected<std::unique_ptr<Model>> Model::load(const std::string& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        return Error::user(path + ": cannot read the bundle: " + ec.message());
    }
    if (size > kMaxBundleBytes) {
        return Error::user(path + ": the file is too large to be a bundle");
    }
    std::ifstream in(path, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
        return Error::user(path + ": read error");
    }
    auto b = bundle::parseBundle(bytes, path);
    if (!b) {
        return b.error();
    }
    return fromBundle(std::move(*b), path);
}

Expected<std::unique_ptr<Model>> Model::fromBundle(bundle::Bundle b, const std::string& name) {
    std::unique_ptr<Model> m(new Model());
    m->m_bundle = std::move(b);
    m->m_name = name;
    // Prepare batch 1 now, so a bundle this runtime cannot run fails at load time.
    auto ex = Executor::prepare(m->m_bundle, 1, name);
    if (!ex) {
        return ex.error();
    }
    m->m_executors[1] = std::move(*ex);
    return m;
}

Status Model::run(const float* input, std::int64_t batch, float* output) {
    if (!input || !output) {
        return Error::user(m_name + ": run needs input and output buffers");
    }
    auto& slot = m_executors[batch];
    if (!slot) {
        auto ex = Executor::prepare(m_bundle, batch, m_name);
        if (!ex) {
            m_executors.erase(batch);
            return ex.error();
        }
        slot = std::move(*ex);
    }
    return slot->run(input, output);
}

} // namespace nw::rt
