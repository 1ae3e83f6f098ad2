#pragma once
// RunRecorder: the Trainer's callbacks as metric rows, queued on a MetricWriter (so the
// training step never waits on the database). The Trainer itself knows nothing of SQLite.
//
// Per step (step = the 1-based global step): train/loss, train/accuracy, train/lr.
// Per epoch (at the epoch's last step): epoch/train_loss, epoch/train_accuracy,
// epoch/samples_per_sec, and val/loss, val/accuracy, test/loss, test/accuracy when evaluated.

#include "engine/tracking/metric_writer.h"
#include "engine/train/trainer.h"

namespace nw::tracking {

class RunRecorder final : public engine::TrainerCallbacks {
public:
    // `writer` must outlive the recorder.
    explicit RunRecorder(MetricWriter& writer)
        : m_writer(writer) {}

    void onStep(const engine::StepEvent& e) override;
    void onEpoch(const engine::EpochEvent& e) override;

private:
    void put(const char* name, std::int64_t epoch, double value, double wallTime);

    MetricWriter& m_writer;
    std::int64_t m_lastStep = 0;
};

} // namespace nw::tracking
