#include "engine/tracking/run_recorder.h"

namespace nw::tracking {

void RunRecorder::put(const char* name, std::int64_t epoch, double value, double wallTime) {
    m_writer.push({name, m_lastStep, epoch, value, wallTime});
}

void RunRecorder::onStep(const engine::StepEvent& e) {
    m_lastStep = e.step;
    const double now = nowSeconds();
    put("train/loss", e.epoch, e.loss, now);
    put("train/accuracy", e.epoch, e.accuracy, now);
    put("train/lr", e.epoch, e.learningRate, now);
}

void RunRecorder::onEpoch(const engine::EpochEvent& e) {
    const double now = nowSeconds();
    put("epoch/train_loss", e.epoch, e.trainLoss, now);
    put("epoch/train_accuracy", e.epoch, e.trainAccuracy, now);
    put("epoch/samples_per_sec", e.epoch, e.samplesPerSecond, now);
    const bool lm = e.tokensPerSample > 0; // a language model: perplexities and tokens/s too
    if (lm) {
        put("epoch/train_perplexity", e.epoch, engine::perplexity(e.trainLoss), now);
        put("epoch/tokens_per_sec", e.epoch, e.samplesPerSecond * double(e.tokensPerSample), now);
    }
    if (e.hasValidation) {
        put("val/loss", e.epoch, e.validation.loss, now);
        put("val/accuracy", e.epoch, e.validation.accuracy, now);
        if (lm) {
            put("val/perplexity", e.epoch, engine::perplexity(e.validation.loss), now);
        }
    }
    if (e.hasTest) {
        put("test/loss", e.epoch, e.test.loss, now);
        put("test/accuracy", e.epoch, e.test.accuracy, now);
        if (lm) {
            put("test/perplexity", e.epoch, engine::perplexity(e.test.loss), now);
        }
    }
}

} // namespace nw::tracking
