#include "engine/train/checkpoint_file.h"

#include "engine/train/binary_io.h"
#include "engine/train/weights_file.h"
#include "graph/project_file.h"

#include <fstream>

namespace nw::engine {

namespace {

constexpr char kMagic[8] = {'N', 'W', 'C', 'K', 'P', 'T', '\0', '\0'};
constexpr std::uint32_t kMaxOwnerString = 256;

void putOwner(std::string& out, const CheckpointOwner& owner) {
    binio::putString(out, owner.runUuid);
    binio::putI64(out, owner.runId);
    binio::putString(out, owner.graphHash);
}

// The envelope of a version-1 or current checkpoint; `version` gets which.
Expected<binio::Envelope> readCheckpointEnvelope(const std::filesystem::path& path,
                                                 std::uint32_t& version) {
    version = kCheckpointFormatVersion;
    char head[12] = {};
    std::ifstream in(path, std::ios::binary);
    if (in.read(head, sizeof head)) {
        std::uint32_t fileVersion = 0;
        std::memcpy(&fileVersion, head + 8, 4);
        if (fileVersion == 1) {
            version = 1;
        }
    }
    return binio::readEnvelope(path, kMagic, version, "checkpoint");
}

// Reads the owner of a version-2 body (nothing for version 1); false when malformed.
bool readOwner(binio::Reader& r, std::uint32_t version, CheckpointOwner& owner) {
    return version == 1 ||
           (r.readString(owner.runUuid, kMaxOwnerString) && r.readI64(owner.runId) &&
            r.readString(owner.graphHash, kMaxOwnerString));
}

} // namespace

Status saveCheckpoint(Backend& backend, const ModelParams& params, const Optimizer& optimizer,
                      const TrainerProgress& p, const std::filesystem::path& path,
                      const CheckpointOwner& owner) {
    std::string out;
    binio::beginEnvelope(out, kMagic, kCheckpointFormatVersion);
    putOwner(out, owner);
    binio::putI64(out, static_cast<std::int64_t>(p.seed));
    binio::putI64(out, p.step);
    binio::putF64(out, p.epochLossSum);
    binio::putI64(out, p.epochCorrect);
    binio::putI64(out, p.epochSamples);
    binio::putI64(out, p.epochSteps);
    binio::putF64(out, p.bestMonitored);
    binio::putI64(out, p.epochsWithoutImprovement);
    if (auto s = appendWeightEntries(out, backend, params); !s) {
        return s;
    }
    binio::putI64(out, optimizer.steps());
    binio::putU32(out, static_cast<std::uint32_t>(optimizer.kind()));
    auto state = optimizer.stateTensors();
    binio::putU32(out, static_cast<std::uint32_t>(state.size()));
    std::vector<float> host;
    for (const auto& t : state) {
        host.resize(static_cast<std::size_t>(t.numel()));
        binio::putI64(out, t.numel());
        if (auto s = backend.copyToHost(t, host.data()); !s) {
            return s;
        }
        if (auto s = backend.synchronize(); !s) {
            return s;
        }
        binio::put(out, host.data(), host.size() * sizeof(float));
    }
    binio::endEnvelope(out);
    std::error_code ec;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), ec);
    }
    return graph::writeFileAtomically(path, out);
}

Expected<TrainerProgress> loadCheckpoint(Backend& backend, ModelParams& params,
                                         Optimizer& optimizer, const std::filesystem::path& path) {
    const std::string name = path.string();
    std::uint32_t version = 0;
    auto env = readCheckpointEnvelope(path, version);
    if (!env) {
        return env.error();
    }
    auto corrupt = [&name](const std::string& why) {
        return Error::user(name + ": not a valid checkpoint: " + why);
    };
    binio::Reader r = env->body();
    CheckpointOwner owner;
    if (!readOwner(r, version, owner)) {
        return corrupt("the owner record is malformed");
    }
    TrainerProgress p;
    std::int64_t seed = 0;
    if (!r.readI64(seed) || !r.readI64(p.step) || !r.readF64(p.epochLossSum) ||
        !r.readI64(p.epochCorrect) || !r.readI64(p.epochSamples) || !r.readI64(p.epochSteps) ||
        !r.readF64(p.bestMonitored) || !r.readI64(p.epochsWithoutImprovement) || p.step < 0) {
        return corrupt("the training progress is malformed");
    }
    p.seed = static_cast<std::uint64_t>(seed);
    if (auto s = readWeightEntries(r, backend, params, name); !s) {
        return s.error();
    }
    std::int64_t steps = 0;
    std::uint32_t kind = 0, count = 0;
    if (!r.readI64(steps) || !r.readU32(kind) || !r.readU32(count)) {
        return corrupt("the optimizer state is malformed");
    }
    if (kind != static_cast<std::uint32_t>(optimizer.kind())) {
        return Error::user(name + ": the checkpoint was saved with another optimizer type");
    }
    auto state = optimizer.stateTensors();
    if (count != state.size()) {
        return Error::user(name + ": the checkpoint has " + std::to_string(count) +
                           " optimizer state tensors, the model needs " +
                           std::to_string(state.size()));
    }
    std::vector<float> host;
    for (std::size_t i = 0; i < state.size(); ++i) {
        std::int64_t numel = 0;
        if (!r.readI64(numel) || numel != state[i].numel()) {
            return corrupt("optimizer state tensor " + std::to_string(i) + " has a bad size");
        }
        host.resize(static_cast<std::size_t>(numel));
        if (!r.read(host.data(), host.size() * sizeof(float))) {
            return corrupt("optimizer state tensor " + std::to_string(i) + " is cut short");
        }
        if (auto s = backend.copyFromHost(state[i], host.data()); !s) {
            return s.error();
        }
        if (auto s = backend.synchronize(); !s) {
            return s.error();
        }
    }
    if (!r.atEnd()) {
        return corrupt("unexpected bytes after the optimizer state");
    }
    optimizer.setSteps(steps);
    return p;
}

Expected<CheckpointOwner> readCheckpointOwner(const std::filesystem::path& path) {
    std::uint32_t version = 0;
    auto env = readCheckpointEnvelope(path, version);
    if (!env) {
        return env.error();
    }
    binio::Reader r = env->body();
    CheckpointOwner owner;
    if (!readOwner(r, version, owner)) {
        return Error::user(path.string() + ": not a valid checkpoint: the owner record is "
                                           "malformed");
    }
    return owner;
}

Status writeCheckpointWithOwner(const std::filesystem::path& from, const CheckpointOwner& owner,
                                const std::filesystem::path& to) {
    std::uint32_t version = 0;
    auto env = readCheckpointEnvelope(from, version);
    if (!env) {
        return env.error();
    }
    binio::Reader r = env->body();
    CheckpointOwner old;
    if (!readOwner(r, version, old)) {
        return Error::user(from.string() + ": not a valid checkpoint: the owner record is "
                                           "malformed");
    }
    std::string out;
    binio::beginEnvelope(out, kMagic, kCheckpointFormatVersion);
    putOwner(out, owner);
    out.append(env->bytes, r.position(), env->bodyEnd - r.position());
    binio::endEnvelope(out);
    std::error_code ec;
    if (to.has_parent_path()) {
        std::filesystem::create_directories(to.parent_path(), ec);
    }
    return graph::writeFileAtomically(to, out);
}

} // namespace nw::engine
