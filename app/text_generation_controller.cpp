#include "app/text_generation_controller.h"

#include "datasets/catalog.h"
#include "engine/plan/model_params.h"
#include "engine/train/text_generator.h"

#include <QCoreApplication>
#include <string>
#include <vector>

namespace nw::app {

// What the UI thread and the worker share for one generation.
struct TextGenerationController::Job {
    GenerationModel model;
    GenerationRequest request;
    std::atomic<bool> stopRequested{false};
    std::mutex mutex;    // guards the members below
    std::string pending; // UTF-8 text drawn and not delivered yet
    bool deliveryPosted = false;
};

namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("TextGenerationController", text);
}

// On the worker thread: everything from the corpus to the last token. `onText` gets each
// token's UTF-8 text and returns false to stop.
Expected<qint64> generate(const GenerationModel& model, const GenerationRequest& r,
                          const graph::OpRegistry& registry,
                          const engine::BackendRegistry& backends,
                          const std::function<bool(const std::string&)>& onText) {
    auto splits = datasets::openDataset(model.project.dataset, model.projectDir);
    if (!splits) {
        return splits.error();
    }
    if (!splits->vocabulary) {
        return Error::user(
            tr("Generation needs a language model trained on a text corpus (dataset kind "
               "\"text\" or the built-in \"fortunes\"); this model's dataset is %1")
                .arg(QString::fromStdString(splits->format))
                .toStdString());
    }
    const auto& vocabulary = *splits->vocabulary;
    auto prompt = vocabulary.encode(r.prompt.toStdString());
    if (!prompt) {
        return Error::user(tr("Prompt: ").toStdString() + prompt.error().message);
    }
    if (prompt->empty()) {
        return Error::user(tr("Prompt: type at least one character").toStdString());
    }
    if (!model.loadWeights) {
        return Error::internal("the model has no weights to generate from");
    }
    auto backend = backends.openBackend("cpu");
    if (!backend) {
        return backend.error();
    }
    engine::ModelParams params(**backend); // before the generator: it holds the plan's params
    auto generator =
        engine::TextGenerator::create(model.project.graph, registry, **backend, params);
    if (!generator) {
        return generator.error();
    }
    if (auto st = model.loadWeights(**backend, params); !st) {
        return st.error();
    }
    if ((*generator)->vocabularySize() != vocabulary.size()) {
        return Error::user(tr("The model predicts %1 tokens but the corpus has %2 characters")
                               .arg((*generator)->vocabularySize())
                               .arg(vocabulary.size())
                               .toStdString());
    }
    engine::SamplingOptions sampling{r.temperature, r.topK, r.seed};
    qint64 drawn = 0;
    auto text = (*generator)->generate(*prompt, r.tokens, sampling, [&](std::int32_t token) {
        ++drawn;
        return onText(vocabulary.decode(token));
    });
    if (!text) {
        return text.error();
    }
    return drawn;
}

} // namespace

TextGenerationController::TextGenerationController(const graph::OpRegistry& registry,
                                                   const engine::BackendRegistry& backends,
                                                   QObject* parent)
    : QObject(parent)
    , m_registry(registry)
    , m_backends(backends) {
    qRegisterMetaType<GenerationResult>();
}

TextGenerationController::~TextGenerationController() {
    stopAndWait();
}

bool TextGenerationController::start(GenerationModel model, const GenerationRequest& request) {
    if (m_thread || !model.loadWeights) {
        return false;
    }
    auto job = std::make_shared<Job>();
    job->model = std::move(model);
    job->request = request;
    m_job = job;
    m_thread = QThread::create([this, job] {
        GenerationResult result;
        std::string all;
        auto drawn = generate(job->model, job->request, m_registry, m_backends,
                              [this, &job, &all](const std::string& text) {
                                  all += text;
                                  std::lock_guard lock(job->mutex);
                                  job->pending += text;
                                  if (!job->deliveryPosted) {
                                      job->deliveryPosted = true;
                                      QMetaObject::invokeMethod(
                                          this, [this] { deliver(); }, Qt::QueuedConnection);
                                  }
                                  return !job->stopRequested.load();
                              });
        result.text = QString::fromStdString(all);
        if (drawn) {
            result.tokens = *drawn;
            result.status = job->stopRequested && *drawn < job->request.tokens
                                ? QStringLiteral("stopped")
                                : QStringLiteral("completed");
        } else {
            result.status = QStringLiteral("failed");
            result.message = QString::fromStdString(drawn.error().message);
        }
        QMetaObject::invokeMethod(
            this,
            [this, result, job]() mutable {
                deliver(); // the last tokens come first
                if (m_job == job) {
                    m_job.reset();
                }
                m_thread = nullptr;
                emit finished(result);
            },
            Qt::QueuedConnection);
    });
    m_thread->setObjectName(QStringLiteral("generation"));
    connect(m_thread, &QThread::finished, m_thread, &QObject::deleteLater);
    m_thread->start();
    return true;
}

void TextGenerationController::deliver() {
    if (!m_job) {
        return;
    }
    std::string text;
    {
        std::lock_guard lock(m_job->mutex);
        text.swap(m_job->pending);
        m_job->deliveryPosted = false;
    }
    if (!text.empty()) {
        emit textGenerated(QString::fromStdString(text));
    }
}

void TextGenerationController::stop() {
    if (m_job) {
        m_job->stopRequested = true;
    }
}

void TextGenerationController::stopAndWait() {
    stop();
    if (m_thread) {
        m_thread->wait();
        QCoreApplication::sendPostedEvents(this); // runs the finish: m_thread cleared
    }
}

} // namespace nw::app
