#include "engine/train/weights_file.h"

#include "graph/project_file.h"

#include <algorithm>
#include <map>
#include <set>

namespace nw::engine {

namespace {

constexpr char kMagic[8] = {'N', 'W', 'W', 'E', 'I', 'G', 'H', 'T'};

} // namespace

Status appendWeightEntries(std::string& out, Backend& backend, const ModelParams& params) {
    binio::putU32(out, static_cast<std::uint32_t>(params.entries().size()));
    std::vector<float> host;
    for (const auto& e : params.entries()) {
        binio::putString(out, e->nodeId);
        binio::putString(out, e->spec.name);
        binio::putU32(out, static_cast<std::uint32_t>(e->spec.shape.size()));
        for (auto d : e->spec.shape) {
            binio::putI64(out, d);
        }
        host.resize(static_cast<std::size_t>(e->value.numel()));
        if (auto s = backend.copyToHost(e->value, host.data()); !s) {
            return s;
        }
        if (auto s = backend.synchronize(); !s) {
            return s;
        }
        binio::put(out, host.data(), host.size() * sizeof(float));
    }
    return Status::success();
}

Status readWeightEntries(binio::Reader& r, Backend& backend, ModelParams& params,
                         const std::string& name) {
    auto corrupt = [&name](const std::string& why) {
        return Error::user(name + ": not a valid weights file: " + why);
    };
    std::uint32_t count = 0;
    if (!r.readU32(count)) {
        return corrupt("the entry count is missing");
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
            if (!r.readI64(d) || d < 0 || d > (1ll << 40)) {
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
    if (!wanted.empty()) {
        const auto& [node, param] = wanted.begin()->first;
        return Error::user(name + ": node '" + node + "' parameter " + param +
                           " is missing from the file");
    }
    return Status::success();
}

Expected<MatchedWeights> loadMatchingWeights(Backend& backend, ModelParams& params,
                                             const std::filesystem::path& path) {
    const std::string name = path.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return Error::user(
            name + ": " +
            (std::filesystem::exists(path, ec) ? "not a regular file" : "no such weights file"));
    }
    auto env = binio::readEnvelope(path, kMagic, kWeightsFormatVersion, "weights file");
    if (!env) {
        return env.error();
    }
    auto corrupt = [&name](const std::string& why) {
        return Error::user(name + ": not a valid weights file: " + why);
    };
    // Every entry is read and checked before any is loaded.
    struct FileEntry {
        Dims shape;
        std::size_t offset = 0; // of its f32 data in env->bytes
    };
    std::map<std::pair<std::string, std::string>, FileEntry> file;
    std::vector<std::string> fileNodes; // in the file's order, once each
    binio::Reader r = env->body();
    std::uint32_t count = 0;
    if (!r.readU32(count)) {
        return corrupt("the entry count is missing");
    }
    for (std::uint32_t i = 0; i < count; ++i) {
        std::string node, param;
        std::uint32_t rank = 0;
        if (!r.readString(node, 4096) || !r.readString(param, 4096) || !r.readU32(rank) ||
            rank > 8) {
            return corrupt("entry " + std::to_string(i) + " is malformed");
        }
        FileEntry e;
        e.shape.resize(rank);
        for (auto& d : e.shape) {
            if (!r.readI64(d) || d < 0 || d > (1ll << 40)) {
                return corrupt("entry " + std::to_string(i) + " has a bad shape");
            }
        }
        e.offset = r.position();
        // Its element count, bounded by the file's size (so no product overflows).
        const std::uint64_t most = env->bytes.size() / sizeof(float);
        std::uint64_t numel = 1;
        for (auto d : e.shape) {
            const auto n = static_cast<std::uint64_t>(d);
            numel = n != 0 && numel > most / n ? most + 1 : numel * n;
        }
        if (numel > most || !r.skip(static_cast<std::size_t>(numel) * sizeof(float))) {
            return corrupt("entry " + std::to_string(i) + " is cut short");
        }
        if (std::find(fileNodes.begin(), fileNodes.end(), node) == fileNodes.end()) {
            fileNodes.push_back(node);
        }
        if (!file.emplace(std::pair{node, param}, std::move(e)).second) {
            return corrupt("node '" + node + "' parameter " + param + " appears twice");
        }
    }
    if (!r.atEnd()) {
        return corrupt("unexpected bytes after the last entry");
    }

    MatchedWeights out;
    // Per node of the model, in its order: what stays fresh and why.
    std::vector<std::string> modelNodes;
    std::map<std::string, std::vector<std::string>> freshWhy;
    std::set<std::string> modelNodeIds;
    for (const auto& e : params.entries()) {
        if (modelNodeIds.insert(e->nodeId).second) {
            modelNodes.push_back(e->nodeId);
        }
        auto it = file.find({e->nodeId, e->spec.name});
        if (it == file.end()) {
            freshWhy[e->nodeId].push_back(e->spec.name + " is not in " + name);
            ++out.fresh;
            continue;
        }
        if (it->second.shape != e->spec.shape) {
            freshWhy[e->nodeId].push_back(e->spec.name + " is " + dimsToString(it->second.shape) +
                                          " in " + name + ", " + dimsToString(e->spec.shape) +
                                          " here");
            ++out.fresh;
            continue;
        }
        if (auto s = backend.copyFromHost(e->value, env->bytes.data() + it->second.offset); !s) {
            return s.error();
        }
        e->initialized = true;
        ++out.loaded;
    }
    if (auto s = backend.synchronize(); !s) {
        return s.error();
    }
    for (const auto& node : modelNodes) {
        auto it = freshWhy.find(node);
        if (it == freshWhy.end()) {
            continue;
        }
        std::string why;
        for (const auto& w : it->second) {
            why += (why.empty() ? "" : "; ") + w;
        }
        out.notes.push_back("node '" + node + "': " + why + ": initialised fresh");
    }
    for (const auto& node : fileNodes) {
        if (!modelNodeIds.contains(node)) {
            out.notes.push_back(name + ": node '" + node + "' is not in the model: not used");
        }
    }
    return out;
}

Status saveWeights(Backend& backend, const ModelParams& params, const std::filesystem::path& path) {
    std::string out;
    binio::beginEnvelope(out, kMagic, kWeightsFormatVersion);
    if (auto s = appendWeightEntries(out, backend, params); !s) {
        return s;
    }
    binio::endEnvelope(out);
    return graph::writeFileAtomically(path, out);
}

Status loadWeights(Backend& backend, ModelParams& params, const std::filesystem::path& path) {
    auto env = binio::readEnvelope(path, kMagic, kWeightsFormatVersion, "weights file");
    if (!env) {
        return env.error();
    }
    binio::Reader r = env->body();
    if (auto s = readWeightEntries(r, backend, params, path.string()); !s) {
        return s;
    }
    if (!r.atEnd()) {
        return Error::user(path.string() +
                           ": not a valid weights file: unexpected bytes after the last entry");
    }
    return Status::success();
}

} // namespace nw::engine
