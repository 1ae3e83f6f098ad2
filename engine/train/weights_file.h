#pragma once
// The weights file (.nwweights): every parameter and state tensor of a model, by node and
// name, so a trained model can be evaluated, exported or fine-tuned later.
//
// Layout (little-endian): magic "NWWEIGHT", u32 format version, u32 entry count; per entry:
// u32 node-id length + bytes, u32 name length + bytes, u32 rank, i64 dims[rank], f32 data;
// then the CRC-32 (zlib) of everything before it. Written atomically.

#include "base/expected.h"
#include "engine/plan/model_params.h"
#include "engine/train/binary_io.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace nw::engine {

inline constexpr std::uint32_t kWeightsFormatVersion = 1;

Status saveWeights(Backend& backend, const ModelParams& params, const std::filesystem::path& path);

// Loads into the parameters the model already has (compile a plan first): every one must be
// in the file with the same shape; an extra or missing one is an error naming it. A corrupt
// or truncated file is an error naming the file.
Status loadWeights(Backend& backend, ModelParams& params, const std::filesystem::path& path);

// What loadMatchingWeights() did.
struct MatchedWeights {
    std::int64_t loaded = 0; // the model's tensors loaded from the file
    std::int64_t fresh = 0;  // those left as initialised (absent, or another shape)
    // One per node of the model whose tensors are not in the file or have another shape there,
    // and for the file's nodes the model lacks ("node 'fc': weight is [1000, 512] in w.nwweights,
    // [10, 512] here: initialised fresh").
    std::vector<std::string> notes;
};

// Fine-tuning: loads from `path` every parameter and state tensor of the model (compile a
// plan first) whose node id, name and shape match an entry of the file; every other one keeps
// its value (its initialiser: a new head). Unlike loadWeights(), nothing has to match. A
// missing, corrupt or truncated file is a user error naming it, and then nothing is loaded.
Expected<MatchedWeights> loadMatchingWeights(Backend& backend, ModelParams& params,
                                             const std::filesystem::path& path);

// The entries part of the layout (entry count, then the entries), shared with the checkpoint
// file (engine/train/checkpoint_file.h). readWeightEntries() has loadWeights()'s contract;
// `fileName` is named in its errors.
Status appendWeightEntries(std::string& out, Backend& backend, const ModelParams& params);
Status readWeightEntries(binio::Reader& in, Backend& backend, ModelParams& params,
                         const std::string& fileName);

} // namespace nw::engine
