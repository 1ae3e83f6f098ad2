#include "engine/bundle/runtime/model.h"

#include "engine/bundle/runtime/executor.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <omp.h>
#include <oneapi/dnnl/dnnl_debug.h>

namespace nw::rt {

namespace {

constexpr std::uintmax_t kMaxBundleBytes = 8ull << 30;
// The activations of one tile (every tensor of the tiled part): half a core's L2 cache. On
// the 2-core Xeon of docs/benchmarks.md (2 MB L2 per core) the sample CNN (190 KB of
// activations per sample) ran batches of 256 in 7.6-7.7 ms in tiles of 4-8 samples, one
// tile per thread, 7.8-7.9 ms in tiles of 16-20 shared by both threads, 8.9-9.3 ms untiled.
constexpr std::int64_t kTileBytes = 1 << 20;

std::int64_t count(const bundle::Dims& d) {
    std::int64_t n = 1;
    for (auto x : d) {
        n *= x;
    }
    return n;
}

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
    if (auto ex = m->executor(1, 0, m->m_bundle.header.layers.size()); !ex) {
        return ex.error();
    }
    m->planTiling();
    return m;
}

void Model::planTiling() {
    const auto& layers = m_bundle.header.layers;
    std::size_t cut = layers.size();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (layers[i].int8) {
            // INT8 kernels (AMX, VNNI) ran fastest on whole batches: 2.16 ms for 256 samples
            // of the sample CNN against 2.35-2.58 ms in tiles of 32-128.
            return;
        }
    }
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (layers[i].op == "dense") {
            cut = i;
            break;
        }
    }
    // The rest may read only the tiled part's last tensor.
    for (std::size_t i = cut; i < layers.size(); ++i) {
        for (int in : layers[i].inputs) {
            if (std::size_t(in) < cut) {
                return;
            }
        }
    }
    std::int64_t perSample = count(m_bundle.header.inputShape);
    for (std::size_t i = 0; i < cut; ++i) {
        perSample += count(layers[i].shape);
    }
    m_cut = cut;
    m_tile = cut == 0 ? 0 : std::max<std::int64_t>(1, kTileBytes / (4 * perSample));
    if (m_tile > 8) {
        m_tile -= m_tile % 8; // whole vector blocks of samples
    }
    if (const char* forced = std::getenv("NW_RT_TILE")) {
        m_tile = std::max(0, std::atoi(forced));
    }
}

Expected<Executor*> Model::executor(std::int64_t batch, std::size_t first, std::size_t last) {
    auto& slot = m_executors[{batch, first, last}];
    if (!slot) {
        auto ex = Executor::prepare(m_bundle, batch, m_name, first, last);
        if (!ex) {
            m_executors.erase({batch, first, last});
            return ex.error();
        }
        slot = std::move(*ex);
    }
    return slot.get();
}

Status Model::run(const float* input, std::int64_t batch, float* output) {
    if (!input || !output) {
        return Error::user(m_name + ": run needs input and output buffers");
    }
    const std::size_t n = m_bundle.header.layers.size();
    if (m_tile == 0 || batch <= m_tile) {
        auto ex = executor(batch, 0, n);
        return ex ? (*ex)->run(input, output) : Status(ex.error());
    }
    const std::int64_t inCount = count(inputShape());
    const std::int64_t midCount =
        m_cut == n ? count(outputShape()) : count(m_bundle.header.layers[m_cut - 1].shape);
    float* mid = output;
    if (m_cut < n) {
        m_staging.resize(std::size_t(batch * midCount));
        mid = m_staging.data();
    }
    if (auto st = runTiles(input, batch, mid, inCount, midCount); !st) {
        return st;
    }
    if (m_cut == n) {
        return Status::success();
    }
    auto rest = executor(batch, m_cut, n);
    return rest ? (*rest)->run(mid, output) : Status(rest.error());
}

Status Model::runTiles(const float* input, std::int64_t batch, float* mid, std::int64_t inCount,
                       std::int64_t midCount) {
    const std::int64_t tiles = (batch + m_tile - 1) / m_tile;
    const int threads = int(std::min<std::int64_t>(omp_get_max_threads(), tiles));
    if (m_threadExecutors.size() < std::size_t(threads)) {
        m_threadExecutors.resize(std::size_t(threads));
    }
    std::vector<Status> status{std::size_t(threads), Status::success()};
    // One tile per thread at a time, each through single-threaded primitives of its own:
    // no synchronisation between the threads until the tiles are done.
#pragma omp parallel num_threads(threads)
    {
        const auto t = std::size_t(omp_get_thread_num());
        omp_set_num_threads(1);
        auto& mine = m_threadExecutors[t];
        for (std::int64_t k = std::int64_t(t); k < tiles; k += threads) {
            std::int64_t at = k * m_tile, part = std::min(m_tile, batch - at);
            auto& slot = mine[part];
            if (!slot) {
                auto ex = Executor::prepare(m_bundle, part, m_name, 0, m_cut);
                if (!ex) {
                    status[t] = ex.error();
                    break;
                }
                slot = std::move(*ex);
            }
            if (status[t] = slot->run(input + at * inCount, mid + at * midCount); !status[t]) {
                break;
            }
        }
    }
    for (auto& st : status) {
        if (!st) {
            return st;
        }
    }
    return Status::success();
}

namespace {

// The name of the format tag that describes `d` exactly, "" when none does.
std::string tagNameOf(const dnnl::memory::desc& d) {
    if (d.data.format_kind != dnnl_blocked || d.data.extra.flags != 0) {
        return "";
    }
    for (int t = dnnl_format_tag_undef + 1; t < dnnl_format_tag_last; ++t) {
        if (t == dnnl_format_tag_any) {
            continue;
        }
        try {
            dnnl::memory::desc candidate(d.dims(), d.data_type(),
                                         static_cast<dnnl::memory::format_tag>(t));
            if (candidate == d) {
                return dnnl_fmt_tag2str(static_cast<dnnl_format_tag_t>(t));
            }
        } catch (const dnnl::error&) { // the tag has another rank
        }
    }
    return "";
}

} // namespace

Expected<bundle::Bundle> Model::packWeights(const bundle::Bundle& b, std::int64_t batch,
                                            int* packed) {
    auto model = fromBundle(b, "the bundle");
    if (!model) {
        return model.error();
    }
    auto& m = **model;
    std::vector<float> in(std::size_t(batch * count(m.inputShape()))),
        out(std::size_t(batch * count(m.outputShape())));
    if (auto st = m.run(in.data(), batch, out.data()); !st) {
        return st.error();
    }
    // The weights as the executors of this batch read them: its tiles, then the rest.
    std::map<std::size_t, Executor::Weights> chosen;
    const std::size_t n = b.header.layers.size();
    if (m.m_tile > 0 && batch > m.m_tile && !m.m_threadExecutors.empty()) {
        if (auto it = m.m_threadExecutors[0].find(m.m_tile); it != m.m_threadExecutors[0].end()) {
            chosen.insert(it->second->weights().begin(), it->second->weights().end());
        }
    }
    for (auto key : {std::tuple{batch, m.m_cut, n}, std::tuple{batch, std::size_t(0), n}}) {
        if (auto it = m.m_executors.find(key); it != m.m_executors.end()) {
            chosen.insert(it->second->weights().begin(), it->second->weights().end());
        }
    }
    bundle::Bundle out2;
    out2.header = b.header;
    int count = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto& layer = out2.header.layers[i];
        for (auto& [key, ref] : layer.blobs) {
            auto w = chosen.find(i);
            std::string tag =
                key == "weight" && w != chosen.end() ? tagNameOf(w->second.memory.get_desc()) : "";
            auto d = tag.empty() ? dnnl::memory::desc() : w->second.memory.get_desc();
            const auto packedDims = d.dims();
            bool fits =
                !tag.empty() && bundle::Dims(packedDims.begin(), packedDims.end()) == ref.dims;
            if (!fits) {
                ref = out2.append(reinterpret_cast<const char*>(b.blob.data()) + ref.offset,
                                  ref.bytes(), ref.dims, ref.dtype);
                continue;
            }
            auto dims = ref.dims;
            ref = out2.append(w->second.memory.get_data_handle(), d.get_size(), dims, ref.dtype);
            ref.layout = tag;
            ref.packedBytes = d.get_size();
            if (w->second.hwcColumns) {
                layer.ints["weight_hwc"] = {1};
            }
            ++count;
        }
    }
    if (packed) {
        *packed = count;
    }
    return out2;
}

Status Model::observe(const float* input, std::int64_t batch,
                      std::vector<bundle::TensorRange>& ranges) {
    const std::size_t n = m_bundle.header.layers.size();
    auto ex = executor(batch, 0, n);
    if (!ex) {
        return ex.error();
    }
    std::vector<float> out(std::size_t(batch * count(outputShape())));
    if (auto st = (*ex)->run(input, out.data()); !st) {
        return st;
    }
    return (*ex)->observe(ranges);
}

} // namespace nw::rt
