#pragma once
// Trainer: runs a project's training loop on one backend — data loading (prefetched),
// forward, backward, gradient clipping, the optimizer with its learning-rate schedule —
// evaluates each epoch, and reports by callbacks. Qt-free; it checks for stop and pause
// requests between steps, so a UI thread can drive it without touching its tensors.
//
// Fine-tuning: a frozen node (graph::Node::trainable false) trains nothing — its parameters
// get no gradient and no optimizer state, are never changed by a step and are not counted by
// gradient clipping — but it still runs in training mode, so its state tensors (batch-norm
// running statistics) keep updating, as PyTorch's BatchNorm does with requires_grad=False
// and the module left in train(). Backward stops at the first node that trains.

#include "base/expected.h"
#include "datasets/catalog.h"
#include "engine/core/backend.h"
#include "engine/distributed/communicator.h"
#include "engine/train/checkpoint_file.h"
#include "engine/train/weights_file.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace nw::engine {

struct TrainOptions {
    graph::TrainingConfig config;  // epochs, batch size, seed, optimizer, schedule, ...
    std::int64_t maxSteps = 0;     // stop after this many steps; 0: no limit
    bool evaluateEachEpoch = true; // test (and validation) metrics after every epoch
    // A CPU backend for the nodes the training backend has no kernel for (mixed placement,
    // PlanOptions::fallback); it must outlive the Trainer. Null: such graphs are refused.
    Backend* fallback = nullptr;
    // Record the training step once and replay it (Backend::canCaptureSteps: CUDA Graphs),
    // where the backend can and the step allows it: no gradient clipping (it reads the norm
    // back mid-step) and no node on the fallback. False: every step is queued kernel by kernel.
    bool captureSteps = true;
    // Data-parallel training (engine/distributed): this process is one rank of the
    // communicator's world. Each rank trains on its shard of every global batch
    // (training.batch_size, which must split evenly over the ranks), the gradients are averaged
    // in buckets of `bucketBytes` while backward runs, and rank 0's weights are broadcast when
    // run() starts, so every rank holds the same model after every step. Batch-norm statistics
    // are the rank's own while it trains; rank 0's are broadcast before each evaluation, which
    // is sharded too. A stop requested on any rank stops all of them after the same step. Step
    // capture is off. Null: one process. Must outlive the Trainer.
    Communicator* communicator = nullptr;
    std::size_t bucketBytes = std::size_t(25) << 20;
    // With a communicator: batch-norm statistics over the global batch (each training forward
    // reduces them, each backward their gradients' sums), so training is the single
    // process's, at the cost of two small allreduces per BatchNorm and step. CPU only.
    bool syncBatchNorm = false;
};

struct StepEvent {
    std::int64_t step = 0;  // 1-based global step just done
    std::int64_t epoch = 0; // 0-based
    std::int64_t batch = 0; // 0-based batch in the epoch
    std::int64_t batchesPerEpoch = 0;
    std::int64_t totalSteps = 0;
    double loss = 0;
    double accuracy = 0; // of this batch's labels (every step's, for a label per step)
    double learningRate = 0;
    double samplesPerSecond = 0; // training samples per second so far this epoch
    double elapsedSeconds = 0;   // since the run started
    // A label per sequence step (a language model): the steps per sample, T, so tokens/s is
    // samplesPerSecond · T and exp(loss) the perplexity. 0 for one label per sample.
    std::int64_t tokensPerSample = 0;
};

struct EvalResult {
    double loss = 0;
    double accuracy = 0; // top-1, over every label (every step's, for a label per step)
    double top5 = 0;     // NaN when there are fewer than 5 classes
    std::int64_t samples = 0;
};

// Per-sample results of one evaluation pass, in the split's order.
struct Predictions {
    EvalResult summary;
    std::int64_t classes = 0;
    std::vector<std::string> classNames; // the dataset's; may be empty
    std::vector<std::int32_t> labels;    // the true class of each sample
    std::vector<std::int32_t> predicted; // the highest-scoring class
    std::vector<float> confidence;       // softmax probability of `predicted`
};

struct EpochEvent {
    std::int64_t epoch = 0; // 0-based
    double trainLoss = 0;   // mean over the epoch's steps
    double trainAccuracy = 0;
    bool hasValidation = false;
    EvalResult validation;
    bool hasTest = false;
    EvalResult test;
    double seconds = 0; // the epoch's training time, evaluation excluded
    double samplesPerSecond = 0;
    std::int64_t tokensPerSample = 0; // as StepEvent's
};

// The perplexity of a mean cross-entropy per token: exp(loss).
inline double perplexity(double meanTokenLoss) {
    return std::exp(meanTokenLoss);
}

class TrainerCallbacks {
public:
    virtual ~TrainerCallbacks() = default;
    virtual void onStep(const StepEvent&) {}
    virtual void onEpoch(const EpochEvent&) {}
};

struct TrainResult {
    enum class Outcome { Completed, Stopped, EarlyStopped, StepLimit };
    Outcome outcome = Outcome::Completed;
    std::int64_t steps = 0;
    std::int64_t epochs = 0;          // epochs started
    double finalLoss = 0;             // the last step's loss
    EvalResult test;                  // of the final model; samples = 0 when not evaluated
    double trainSamplesPerSecond = 0; // over all training steps, evaluation excluded
    double wallSeconds = 0;
    // Time the training steps spent waiting for the loader's next batch (0 when the
    // prefetching keeps up).
    double dataWaitSeconds = 0;
    // Data-parallel training (TrainOptions::communicator): the world size, the seconds the
    // communicator spent in gradient reductions (on its own thread) and, of the training
    // thread's time, what it waited for them after backward (the part backward did not hide)
    // and spent staging gradients to and from them; the bytes reduced; the buckets per step.
    int worldSize = 1;
    double commSeconds = 0;
    double commExposedSeconds = 0;
    double commStagingSeconds = 0;
    std::int64_t commBytes = 0;
    int bucketsPerStep = 0;
    // Set when the communicator was aborted (another rank ended): the run stopped after its
    // last complete step (outcome Stopped) for this reason; its state is that step's.
    std::string interruptedBy;
};

const char* outcomeName(TrainResult::Outcome outcome);

class Trainer {
public:
    // Compiles the graph for the backend and initialises the parameters from the seed. It
    // trains and evaluates on `splits`, which the caller opened from the project's dataset
    // (datasets::openDataset(project.dataset, projectDir)); splits.train must not be null.
    // Errors name the node or field.
    static Expected<std::unique_ptr<Trainer>> create(const graph::Project& project,
                                                     datasets::DatasetSplits splits,
                                                     const graph::OpRegistry& registry,
                                                     Backend& backend, TrainOptions options);
    ~Trainer();

    // Trains from the current step (0, or a loaded checkpoint's) until the epochs are done,
    // maxSteps is reached, early stopping or a stop request. A NaN or infinite loss stops the run
    // with an error naming the step.
    Expected<TrainResult> run(TrainerCallbacks* callbacks = nullptr);

    // Loss and accuracy of the current model on the test split (or validation).
    Expected<EvalResult> evaluate(bool validation = false);
    // The same pass, with each sample's true label, predicted class and confidence
    // (classification only).
    Expected<Predictions> predict(bool validation = false);

    // The model's parameters and state to / from a weights file (engine/train/weights_file.h).
    Status saveWeights(const std::filesystem::path& path);
    Status loadWeights(const std::filesystem::path& path);

    // Fine-tuning: starts from the tensors of a weights file whose node id, name and shape match
    // the model's (loadMatchingWeights, engine/train/weights_file.h); the others keep their
    // initialiser (a new head), each named in the notes. Call on a fresh trainer, before run():
    // a resumed run continues from its checkpoint instead. A missing or corrupt file is a user
    // error naming it, and nothing is loaded.
    Expected<MatchedWeights> loadInitialWeights(const std::filesystem::path& path);

    // The whole training state to / from a checkpoint (engine/train/checkpoint_file.h):
    // parameters, optimizer state, global step, the current epoch's sums, early stopping.
    // Call between steps: from a callback on the training thread, or while run() is not
    // running. After loadCheckpoint(), run() continues at the checkpoint's step (epoch
    // step / batchesPerEpoch(), batch step % batchesPerEpoch()) and reproduces exactly the
    // steps an uninterrupted run would take. A checkpoint of another seed, graph or optimizer
    // is a user error naming the file.
    // `owner`: the run (and store) the checkpoint belongs to, recorded inside it.
    Status saveCheckpoint(const std::filesystem::path& path, const CheckpointOwner& owner = {});
    Status loadCheckpoint(const std::filesystem::path& path);
    // Global steps done so far (the checkpoint's step after loadCheckpoint()).
    std::int64_t step() const;

    // Thread-safe; take effect between steps.
    void requestStop();
    void setPaused(bool paused);

    // Elements of the parameters that train, and of the frozen nodes' (graph::Node::trainable
    // false), which get no gradient and no optimizer state.
    std::int64_t trainableParameters() const;
    std::int64_t frozenParameters() const;
    std::int64_t batchesPerEpoch() const;
    // The dataset has a class label per sequence step (a language model): its loss is the
    // mean cross-entropy per token and exp(loss) its perplexity.
    bool labelsPerStep() const;
    // Bytes of the training plan's activation arena (and without reuse).
    std::size_t arenaBytes() const;
    std::size_t naiveArenaBytes() const;

private:
    struct Impl;
    explicit Trainer(std::unique_ptr<Impl> impl);
    bool waitWhilePaused(); // false when a stop was requested

    std::unique_ptr<Impl> m_impl;
    std::atomic<bool> m_stop{false};
    std::mutex m_pauseMutex;
    std::condition_variable m_pauseChanged;
    bool m_paused = false;
};

} // namespace nw::engine
