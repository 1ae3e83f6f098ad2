#include "datasets/data_loader.h"

#include "base/rng.h"
#include "datasets/shuffle.h"

#include <algorithm>
#include <iterator>
#include <numeric>

namespace nw::datasets {

namespace {

std::int64_t countBatches(std::int64_t n, std::int64_t batchSize, bool dropLast) {
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
}

// Checks one of mean/std: empty, one value or one per channel.
Status checkPerChannel(const std::vector<double>& v, const char* field, std::int64_t channels,
                       const std::string& dataset) {
    if (v.size() > 1 && static_cast<std::int64_t>(v.size()) != channels) {
        return Error::user(std::string("dataset.normalization.") + field + ": " +
                           std::to_string(v.size()) + " values for the " +
                           std::to_string(channels) + " channels of " + dataset +
                           " (give one, or one per channel)");
    }
    return Status::success();
}

// `v` (one value, or one per channel) as `channels` floats.
std::vector<float> perChannel(const std::vector<double>& v, std::int64_t channels) {
    std::vector<float> out;
    for (std::int64_t c = 0; c < channels; ++c) {
        out.push_back(static_cast<float>(v.size() == 1 ? v[0] : v[static_cast<std::size_t>(c)]));
    }
    return out;
}

} // namespace

Expected<std::unique_ptr<DataLoader>> DataLoader::create(std::shared_ptr<const Dataset> dataset,
                                                         LoaderOptions options) {
    if (!dataset) {
        return Error::internal("DataLoader: no dataset");
    }
    if (options.batchSize < 1) {
        return Error::user("training.batch_size: " + std::to_string(options.batchSize) +
                           " must be at least 1");
    }
    if (options.prefetch < 1) {
        return Error::internal("DataLoader: prefetch " + std::to_string(options.prefetch) +
                               " must be at least 1");
    }
    if (options.workers < 1 || options.workers > 16) {
        return Error::internal("DataLoader: " + std::to_string(options.workers) +
                               " workers is outside [1, 16]");
    }
    if (options.shardCount < 1 || options.shardIndex < 0 ||
        options.shardIndex >= options.shardCount) {
        return Error::internal("DataLoader: shard " + std::to_string(options.shardIndex) + " of " +
                               std::to_string(options.shardCount));
    }
    auto pipeline = AugmentationPipeline::create(options.augmentation);
    if (!pipeline) {
        return pipeline.error();
    }
    if (Status s = pipeline->checkShape(dataset->sampleShape(), dataset->name()); !s) {
        return s.error();
    }
    if (dataset->size() > kMaxShuffleSize) {
        return Error::user(dataset->name() + ": too many samples to shuffle");
    }
    const Dims shape = dataset->sampleShape();
    const std::int64_t channels = shape.empty() ? 1 : shape[0];
    if (options.mean.empty() != options.std.empty()) {
        return Error::user("dataset.normalization: give both mean and std, or neither");
    }
    if (Status s = checkPerChannel(options.mean, "mean", channels, dataset->name()); !s) {
        return s.error();
    }
    if (Status s = checkPerChannel(options.std, "std", channels, dataset->name()); !s) {
        return s.error();
    }
    for (double s : options.std) {
        if (!(s > 0.0)) {
            return Error::user("dataset.normalization.std: " + std::to_string(s) +
                               " must be positive");
        }
    }
    return std::unique_ptr<DataLoader>(
        new DataLoader(std::move(dataset), std::move(options), std::move(*pipeline)));
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options,
                       AugmentationPipeline pipeline)
    : m_dataset(std::move(dataset))
    , m_options(std::move(options))
    , m_shape(m_dataset->sampleShape())
    , m_sampleNumel(numElements(m_shape))
    , m_batchesPerEpoch(countBatches(m_dataset->size(), m_options.batchSize, m_options.dropLast))
    , m_pipeline(std::move(pipeline)) {
    const std::int64_t channels = m_shape.empty() ? 1 : m_shape[0];
    if (!m_options.mean.empty()) {
        m_channelMean = perChannel(m_options.mean, channels);
        m_channelStd = perChannel(m_options.std, channels);
    }
    for (int k = 0; k < m_options.workers; ++k) {
        m_workers.emplace_back([this] { workerLoop(); });
    }
}

DataLoader::~DataLoader() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_workReady.notify_all();
    for (auto& t : m_workers) {
        t.join();
    }
}

void DataLoader::startEpoch(std::int64_t epoch, std::int64_t firstBatch) {
    const std::int64_t n = m_dataset->size();
    std::vector<std::int64_t> order;
    if (m_options.shuffle) {
        CounterRng rng(m_options.seed, streamId("shuffle"));
        order = shuffledIndices(n, rng, static_cast<std::uint64_t>(epoch));
    } else {
        order.resize(static_cast<std::size_t>(n));
        std::iota(order.begin(), order.end(), std::int64_t{0});
    }
    firstBatch = std::clamp<std::int64_t>(firstBatch, 0, m_batchesPerEpoch);
    {
        std::lock_guard lock(m_mutex);
        ++m_generation;
        m_order = std::make_shared<const std::vector<std::int64_t>>(std::move(order));
        m_epoch = epoch;
        m_nextToMake = firstBatch;
        m_nextToHand = firstBatch;
        m_ready.clear();
    }
    m_workReady.notify_all();
}

std::optional<HostBatch> DataLoader::next() {
    std::unique_lock lock(m_mutex);
    if (!m_order || m_nextToHand >= m_batchesPerEpoch) {
        return std::nullopt;
    }
    m_batchReady.wait(lock, [this] { return m_ready.contains(m_nextToHand); });
    auto node = m_ready.extract(m_nextToHand);
    HostBatch batch = std::move(node.mapped());
    ++m_nextToHand;
    lock.unlock();
    m_workReady.notify_all();
    return batch;
}

void DataLoader::workerLoop() {
    const std::int64_t ahead = m_options.prefetch + m_options.workers;
    std::unique_lock lock(m_mutex);
    for (;;) {
        // Batches made or being made, not yet handed out: at most prefetch + workers.
        m_workReady.wait(lock, [this, ahead] {
            return m_stop || (m_order && m_nextToMake < m_batchesPerEpoch &&
                              m_nextToMake - m_nextToHand < ahead);
        });
        if (m_stop) {
            return;
        }
        const std::uint64_t generation = m_generation;
        const std::shared_ptr<const std::vector<std::int64_t>> order = m_order;
        const std::int64_t epoch = m_epoch;
        const std::int64_t b = m_nextToMake++;
        lock.unlock();
        HostBatch batch = makeBatch(*order, epoch, b);
        lock.lock();
        if (generation == m_generation) { // else startEpoch() cancelled it: drop
            m_ready.emplace(b, std::move(batch));
            m_batchReady.notify_all();
        }
    }
}

HostBatch DataLoader::makeBatch(const std::vector<std::int64_t>& order, std::int64_t epoch,
                                std::int64_t b) const {
    const std::int64_t globalBegin = b * m_options.batchSize;
    const std::int64_t global =
        std::min<std::int64_t>(globalBegin + m_options.batchSize, std::ssize(order)) - globalBegin;
    const std::int64_t k = m_options.shardIndex, shards = m_options.shardCount;
    const std::int64_t begin = globalBegin + k * global / shards;
    const std::int64_t end = globalBegin + (k + 1) * global / shards;
    HostBatch batch;
    batch.index = b;
    batch.size = end - begin;
    batch.inputs.resize(static_cast<std::size_t>(batch.size * m_sampleNumel));
    const std::int64_t targetNumel = m_dataset->targetNumel();
    batch.labels.resize(static_cast<std::size_t>(batch.size * targetNumel));
    const std::int64_t channels = m_shape.empty() ? 1 : m_shape[0];
    const std::int64_t plane = m_sampleNumel / std::max<std::int64_t>(channels, 1);
    for (std::int64_t j = 0; j < batch.size; ++j) {
        const std::int64_t i = order[static_cast<std::size_t>(begin + j)];
        std::span<float> out(batch.inputs.data() + j * m_sampleNumel,
                             static_cast<std::size_t>(m_sampleNumel));
        m_dataset->readSample(i, out);
        m_pipeline.apply(out, m_shape, m_options.seed, static_cast<std::uint64_t>(epoch), i);
        m_dataset->readTargets(i, std::span<std::int32_t>(batch.labels)
                                      .subspan(static_cast<std::size_t>(j * targetNumel),
                                               static_cast<std::size_t>(targetNumel)));
        if (m_channelMean.empty()) {
            continue;
        }
        for (std::int64_t c = 0; c < channels; ++c) {
            const float mean = m_channelMean[static_cast<std::size_t>(c)];
            const float stddev = m_channelStd[static_cast<std::size_t>(c)];
            for (float& x : out.subspan(static_cast<std::size_t>(c * plane),
                                        static_cast<std::size_t>(plane))) {
                x = (x - mean) / stddev;
            }
        }
    }
    return batch;
}

} // namespace nw::datasets
