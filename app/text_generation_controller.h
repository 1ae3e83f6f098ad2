#pragma once
// TextGenerationController: text from a trained language model on a worker QThread, streamed
// to the UI as queued signals (as TrainingController re-emits a run's events). One generation
// at a time. The worker opens the model's corpus (for its vocabulary), compiles a batch-1
// engine::TextGenerator on a CPU backend of its own, loads the weights through
// GenerationModel::loadWeights and samples; the UI thread never touches a tensor.
//
// Tokens are coalesced like training steps: the worker queues their text and the UI thread
// gets it in pieces (one textGenerated() per event-loop turn), so a fast model never floods
// the UI.

#include "base/expected.h"
#include "engine/core/backend.h"
#include "engine/core/backend_registry.h"
#include "engine/plan/model_params.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

namespace nw::app {

// A trained model to generate from: the project it was trained as and a way to load its
// weights into parameters compiled from project.graph (on the generation's backend).
// loadWeights is called on the generation's worker thread.
struct GenerationModel {
    qint64 runId = 0; // 0: untracked
    graph::Project project;
    std::filesystem::path projectDir; // resolves the dataset's relative path
    std::function<Status(engine::Backend&, engine::ModelParams&)> loadWeights;
};

struct GenerationRequest {
    QString prompt;         // UTF-8 text of at least one character, all in the vocabulary
    qint64 tokens = 200;    // how many to generate after the prompt
    double temperature = 1; // > 0
    int topK = 0;           // 0: all tokens
    quint64 seed = 0;       // the same seed, prompt and weights give the same text
};

struct GenerationResult {
    QString status;  // completed, stopped, failed
    QString message; // why it failed (a user error names the field: "Prompt: ...")
    QString text;    // what was generated (without the prompt)
    qint64 tokens = 0;
};

class TextGenerationController : public QObject {
    Q_OBJECT
public:
    // `registry` and `backends` must outlive the controller.
    TextGenerationController(const graph::OpRegistry& registry,
                             const engine::BackendRegistry& backends, QObject* parent = nullptr);
    // Stops a generation and waits for it.
    ~TextGenerationController() override;

    // Starts generating from `model`; false (refused) while a generation is active or when
    // the model has no weights. Errors (not a language model, a prompt character outside the
    // vocabulary) come as finished() with status "failed".
    bool start(GenerationModel model, const GenerationRequest& request);
    // Asks the generation to stop after the current token; finished() follows.
    void stop();
    // stop(), then blocks until the worker is done.
    void stopAndWait();
    bool isActive() const { return m_thread != nullptr; }

signals:
    // The text of the tokens drawn since the previous signal (never empty), in order.
    void textGenerated(const QString& text);
    void finished(const nw::app::GenerationResult& result);

private:
    struct Job;
    void deliver();

    const graph::OpRegistry& m_registry;
    const engine::BackendRegistry& m_backends;
    QThread* m_thread = nullptr;
    std::shared_ptr<Job> m_job;
};

} // namespace nw::app

Q_DECLARE_METATYPE(nw::app::GenerationResult)
