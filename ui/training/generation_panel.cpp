#include "ui/training/generation_panel.h"

#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTextCursor>
#include <QVBoxLayout>
#include <limits>

namespace nw::ui {

GenerationPanel::GenerationPanel(app::TrainingController& training, QWidget* parent)
    : QWidget(parent)
    , m_training(training)
    , m_generation(training.registry(), training.backends())
    , m_prompt(new QLineEdit(this))
    , m_tokens(new QSpinBox(this))
    , m_temperature(new QDoubleSpinBox(this))
    , m_topK(new QSpinBox(this))
    , m_seed(new QSpinBox(this))
    , m_generate(new QPushButton(tr("Generate"), this))
    , m_stop(new QPushButton(tr("Stop"), this))
    , m_output(new QPlainTextEdit(this))
    , m_status(new QLabel(this)) {
    m_prompt->setPlaceholderText(tr("Prompt: the text the model continues"));
    m_tokens->setRange(1, 100000);
    m_tokens->setValue(200);
    m_tokens->setToolTip(tr("How many characters to generate after the prompt"));
    m_temperature->setRange(0.01, 10.0);
    m_temperature->setSingleStep(0.1);
    m_temperature->setDecimals(2);
    m_temperature->setValue(0.8);
    m_temperature->setToolTip(tr("Below 1: likelier, more repetitive text; above 1: more varied"));
    m_topK->setRange(0, 100000);
    m_topK->setSpecialValueText(tr("all"));
    m_topK->setToolTip(tr("Sample among the k likeliest characters only (all: no cut)"));
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setToolTip(tr("The same seed, prompt and model give the same text"));
    m_output->setReadOnly(true);
    m_output->setFont(QFont(QStringLiteral("monospace")));
    m_output->setPlaceholderText(tr("Generated text appears here as it is drawn."));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Two rows of fields, so that the Train mode still fits a 1024-pixel screen.
    auto* fields = new QGridLayout();
    fields->addWidget(new QLabel(tr("Tokens"), this), 0, 0);
    fields->addWidget(m_tokens, 0, 1);
    fields->addWidget(new QLabel(tr("Temperature"), this), 0, 2);
    fields->addWidget(m_temperature, 0, 3);
    fields->addWidget(m_generate, 0, 5);
    fields->addWidget(new QLabel(tr("Top-k"), this), 1, 0);
    fields->addWidget(m_topK, 1, 1);
    fields->addWidget(new QLabel(tr("Seed"), this), 1, 2);
    fields->addWidget(m_seed, 1, 3);
    fields->addWidget(m_stop, 1, 5);
    fields->setColumnStretch(4, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_prompt);
    layout->addLayout(fields);
    layout->addWidget(m_status);
    layout->addWidget(m_output, 1);

    connect(m_generate, &QPushButton::clicked, this, [this] { (void)generate(); });
    connect(m_prompt, &QLineEdit::returnPressed, this, [this] { (void)generate(); });
    connect(m_stop, &QPushButton::clicked, &m_generation, &app::TextGenerationController::stop);
    connect(&m_generation, &app::TextGenerationController::textGenerated, this,
            &GenerationPanel::onText);
    connect(&m_generation, &app::TextGenerationController::finished, this,
            &GenerationPanel::onFinished);
    connect(&m_training, &app::TrainingController::stateChanged, this,
            &GenerationPanel::updateButtons);
    connect(&m_training, &app::TrainingController::steps, this,
            [this](const QList<engine::StepEvent>& events) {
                m_languageModel = events.back().tokensPerSample > 0 ? 1 : 0;
            });
    connect(&m_training, &app::TrainingController::finished, this, &GenerationPanel::updateButtons,
            Qt::QueuedConnection); // after the model is kept
    updateButtons();
}

GenerationPanel::~GenerationPanel() {
    disconnect(&m_generation, nullptr, this, nullptr);
    m_generation.stopAndWait();
}

void GenerationPanel::updateButtons() {
    const bool busy = m_generation.isActive();
    const bool model = (m_storedRun > 0 || m_training.hasModel()) && !m_training.isActive();
    // A run that was not a language model: nothing to generate from.
    const bool notLanguage =
        model && (m_storedRun > 0 ? !m_storedLanguageModel : m_languageModel == 0);
    m_generate->setEnabled(!busy && model && !notLanguage);
    m_generate->setToolTip(
        notLanguage ? tr("The last run's model is not a language model: its dataset is not a "
                         "text corpus")
        : model     ? (m_storedRun > 0
                           ? tr("Generate text from run %1's newest checkpoint").arg(m_storedRun)
                           : tr("Generate text from the last trained model"))
                    : tr("Train a language model first: generation uses the model the last run "
                             "of this session ended with"));
    m_stop->setEnabled(busy);
    if (!busy) {
        if (notLanguage) {
            m_status->setText(m_generate->toolTip() + QLatin1Char('.'));
        } else if (!model && m_status->text().isEmpty()) {
            m_status->setText(tr("Train a language model (a text corpus) to generate from it."));
        }
    }
}

void GenerationPanel::setStoredRun(qint64 runId, bool languageModel) {
    m_storedRun = runId;
    m_storedLanguageModel = languageModel;
    if (!m_generation.isActive()) {
        m_status->clear();
    }
    updateButtons();
}

bool GenerationPanel::generate() {
    if (m_generation.isActive() || !m_generate->isEnabled()) {
        return false;
    }
    app::GenerationModel model;
    if (m_storedRun > 0) {
        auto stored = m_training.storedGenerationModel(m_storedRun);
        if (!stored) {
            m_status->setText(
                tr("Cannot generate: %1").arg(QString::fromStdString(stored.error().message)));
            return false;
        }
        model = std::move(*stored);
    } else {
        model = m_training.generationModel();
    }
    if (!model.loadWeights) {
        return false;
    }
    app::GenerationRequest request;
    request.prompt = m_prompt->text();
    request.tokens = m_tokens->value();
    request.temperature = m_temperature->value();
    request.topK = m_topK->value();
    request.seed = quint64(m_seed->value());
    if (request.prompt.isEmpty()) {
        m_status->setText(tr("Prompt: type at least one character for the model to continue."));
        return false;
    }
    const qint64 runId = model.runId;
    if (!m_generation.start(std::move(model), request)) {
        return false;
    }
    m_generated.clear();
    m_output->setPlainText(request.prompt);
    m_status->setText(runId > 0
                          ? tr("Generating %1 tokens from run %2…").arg(request.tokens).arg(runId)
                          : tr("Generating %1 tokens…").arg(request.tokens));
    updateButtons();
    return true;
}

void GenerationPanel::onText(const QString& text) {
    m_generated += text;
    QTextCursor end(m_output->document());
    end.movePosition(QTextCursor::End);
    end.insertText(text);
}

void GenerationPanel::onFinished(const app::GenerationResult& r) {
    if (r.status == QLatin1String("failed")) {
        m_status->setText(tr("Cannot generate: %1").arg(r.message));
    } else if (r.status == QLatin1String("stopped")) {
        m_status->setText(tr("Stopped after %1 tokens.").arg(r.tokens));
    } else {
        m_status->setText(tr("Generated %1 tokens.").arg(r.tokens));
    }
    updateButtons();
    emit generationFinished(r);
}

} // namespace nw::ui
