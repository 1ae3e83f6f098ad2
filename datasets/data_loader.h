#pragma once
// The DataLoader: turns a Dataset into a stream of host batches, one epoch at a time, in a
// seeded order, augmented and normalised on one or more background threads a few batches
// ahead of the training step.

#include "base/expected.h"
#include "datasets/augmentation.h"
#include "datasets/dataset.h"
#include "graph/project.h"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace nw::datasets {

struct LoaderOptions {
    std::int64_t batchSize = 32; // >= 1
    bool shuffle = true;         // false: dataset order
    std::uint64_t seed = 0;      // the shuffle's seed
    bool dropLast = false;       // drop the last batch when it is smaller than batchSize
    int prefetch = 2;            // batches queued ahead, >= 1
    int workers = 1;             // worker threads making batches, in [1, 16]; any count gives
                                 // the same batches in the same order
    // The project's augmentation steps, applied to each sample after reading it and before
    // normalisation, with the draws of (seed, epoch, dataset index of the sample); see
    // AugmentationPipeline. Meant for the training loader only: evaluation loaders leave it
    // empty. create() fails with the pipeline's validation error.
    std::vector<graph::AugmentationStep> augmentation;
    // Normalisation x' = (x - mean[c]) / std[c] of the [0, 1] sample values; each is empty
    // (no normalisation), one value for every channel, or one value per channel.
    std::vector<double> mean;
    std::vector<double> std;
    // Data-parallel training: this process reads shard `shardIndex` of `shardCount` of every
    // batch. Batch b of the epoch is the same global batch as with one shard; shard k holds its
    // samples [k·n/K, (k+1)·n/K) for a batch of n, so the K shards end to end are exactly the
    // single-process batch, in the same order. A shard of a short last batch may be empty.
    int shardIndex = 0;
    int shardCount = 1;
};

struct HostBatch {
    std::vector<float> inputs;        // [size, C, H, W], normalised as the options say
    std::vector<std::int32_t> labels; // [size, target shape...] (Dataset::readTargets)
    std::int64_t size = 0;            // samples in this batch, <= batchSize
    std::int64_t index = 0;           // the batch's number in its epoch
};

// Owns its worker threads for its whole life. startEpoch() and next() are meant for one
// consumer thread (they lock, so other uses are safe but unordered). The dataset is shared
// and only read.
class DataLoader {
public:
    // Checks the options against the dataset (batch size, prefetch, workers, mean/std per
    // channel, the augmentation pipeline and the sample shape it needs).
    static Expected<std::unique_ptr<DataLoader>> create(std::shared_ptr<const Dataset> dataset,
                                                        LoaderOptions options);
    // Stops the workers (dropping any batches in flight) and joins them.
    ~DataLoader();
    DataLoader(const DataLoader&) = delete;
    DataLoader& operator=(const DataLoader&) = delete;

    // ceil(size / batchSize), or floor with dropLast.
    std::int64_t batchesPerEpoch() const { return m_batchesPerEpoch; }
    const LoaderOptions& options() const { return m_options; }

    // Starts (or restarts) epoch `epoch` (in [0, 2^32)) at batch `firstBatch` (clamped to
    // [0, batchesPerEpoch()]), cancelling whatever was in flight. The order of an epoch is a
    // permutation that depends only on (seed, epoch): shuffledIndices(size,
    // CounterRng(seed, streamId("shuffle")), epoch); with shuffle off, the dataset's order.
    // firstBatch = k resumes an epoch: the batches are those of a full epoch from k on.
    void startEpoch(std::int64_t epoch, std::int64_t firstBatch = 0);
    // The next batch of the epoch, waiting for it if the worker is behind; nullopt at the end
    // of the epoch or before the first startEpoch().
    std::optional<HostBatch> next();

private:
    DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options,
               AugmentationPipeline pipeline);
    void workerLoop();
    // Batch `b` of epoch `epoch` ordered by `order`. Reads the dataset only; no locks.
    HostBatch makeBatch(const std::vector<std::int64_t>& order, std::int64_t epoch,
                        std::int64_t b) const;

    const std::shared_ptr<const Dataset> m_dataset;
    const LoaderOptions m_options;
    const Dims m_shape;               // [C, H, W]
    const std::int64_t m_sampleNumel; // C * H * W
    const std::int64_t m_batchesPerEpoch;
    std::vector<float> m_channelMean; // C entries; empty: no normalisation
    std::vector<float> m_channelStd;  // C entries
    const AugmentationPipeline m_pipeline;

    // Guarded by m_mutex. m_generation counts startEpoch() calls: a batch made for an older
    // generation is dropped.
    std::mutex m_mutex;
    std::condition_variable m_workReady;  // worker waits: room in the queue, a new epoch, stop
    std::condition_variable m_batchReady; // consumer waits: a batch in the queue
    std::uint64_t m_generation = 0;
    std::shared_ptr<const std::vector<std::int64_t>> m_order; // null before startEpoch()
    std::int64_t m_epoch = 0;
    std::int64_t m_nextToMake = 0; // next batch index a worker starts
    std::int64_t m_nextToHand = 0; // next batch index next() returns
    // Made, not yet handed out, by batch index; with the batches being made, at most
    // prefetch + workers ahead of m_nextToHand.
    std::map<std::int64_t, HostBatch> m_ready;
    bool m_stop = false;

    std::vector<std::thread> m_workers; // last: start after everything above is initialised
};

} // namespace nw::datasets
