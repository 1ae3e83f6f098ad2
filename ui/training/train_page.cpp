#include "ui/training/train_page.h"

#include "app/project_document.h"
#include "ui/training/evaluation_panel.h"
#include "ui/training/generation_panel.h"
#include "ui/training/metric_chart.h"
#include "ui/training/training_form.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace nw::ui {

namespace {

QString duration(double seconds) {
    const qint64 s = qint64(std::llround(std::max(0.0, seconds)));
    return s >= 3600 ? QStringLiteral("%1:%2:%3")
                           .arg(s / 3600)
                           .arg(s / 60 % 60, 2, 10, QLatin1Char('0'))
                           .arg(s % 60, 2, 10, QLatin1Char('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

void addSplitCurves(MetricChart* chart) {
    chart->addCurve(QObject::tr("train (step)"), QColor(0x4c, 0x8b, 0xf5));
    chart->addCurve(QObject::tr("train (epoch)"), QColor(0x1a, 0x4f, 0xb0), true);
    chart->addCurve(QObject::tr("validation"), QColor(0xe8, 0x71, 0x1c), true);
    chart->addCurve(QObject::tr("test"), QColor(0x2e, 0xa0, 0x4f), true);
}

// What a run said as it opened (initial weights loaded, nodes initialised fresh): the first few
// as lines under the status (the status label's tooltip holds all of them).
QString notesText(const QStringList& notes) {
    constexpr qsizetype kShown = 4;
    QString text;
    for (qsizetype i = 0; i < std::min(notes.size(), kShown); ++i) {
        text += QLatin1Char('\n') + notes[i];
    }
    if (notes.size() > kShown) {
        text += QLatin1Char('\n') + QObject::tr("(%n more note(s) in the tooltip)", nullptr,
                                                int(notes.size() - kShown));
    }
    return text;
}

} // namespace

TrainPage::TrainPage(app::ProjectDocument& document, app::TrainingController& controller,
                     QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_controller(controller)
    , m_form(new TrainingForm(document, controller.backends(), this))
    , m_runName(new QLineEdit(this))
    , m_start(new QPushButton(tr("Start"), this))
    , m_pause(new QPushButton(tr("Pause"), this))
    , m_resume(new QPushButton(tr("Resume"), this))
    , m_stop(new QPushButton(tr("Stop"), this))
    , m_progress(new QProgressBar(this))
    , m_progressText(new QLabel(this))
    , m_status(new QLabel(this))
    , m_untracked(new QPushButton(tr("Train without tracking"), this)) {
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    auto* config = new QGroupBox(tr("Run configuration"), left);
    (new QVBoxLayout(config))->addWidget(m_form);
    leftLayout->addWidget(config);
    m_runName->setPlaceholderText(tr("Run name (default: the project's name)"));
    leftLayout->addWidget(m_runName);
    auto* buttons = new QGridLayout();
    buttons->addWidget(m_start, 0, 0);
    buttons->addWidget(m_stop, 0, 1);
    buttons->addWidget(m_pause, 1, 0);
    buttons->addWidget(m_resume, 1, 1);
    leftLayout->addLayout(buttons);
    leftLayout->addWidget(m_progress);
    leftLayout->addWidget(m_progressText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    leftLayout->addWidget(m_status);
    m_untracked->setToolTip(tr("Train this run without recording it: no experiment database, "
                               "no checkpoints; its model stays for evaluation until the next "
                               "run."));
    m_untracked->hide();
    leftLayout->addWidget(m_untracked, 0, Qt::AlignLeft);
    leftLayout->addStretch(1);
    m_progress->setFormat(QStringLiteral("%p%"));
    m_progress->setValue(0);
    m_progressText->setText(tr("Not started"));

    auto* splitter = new QSplitter(this);
    splitter->addWidget(left);
    auto* tabs = new QTabWidget(this);
    tabs->addTab(buildCharts(), tr("Charts"));
    m_evaluation = new EvaluationPanel(controller, EvaluationPanel::Target::Session, tabs);
    tabs->addTab(m_evaluation, tr("Evaluation"));
    m_generation = new GenerationPanel(controller, tabs);
    tabs->addTab(m_generation, tr("Generate"));
    splitter->addWidget(tabs);
    splitter->setStretchFactor(1, 1);
    (new QHBoxLayout(this))->addWidget(splitter);

    connect(m_start, &QPushButton::clicked, this, [this] { start(); });
    connect(m_untracked, &QPushButton::clicked, this, [this] { start(false); });
    connect(m_pause, &QPushButton::clicked, &m_controller, &app::TrainingController::pause);
    connect(m_resume, &QPushButton::clicked, &m_controller, &app::TrainingController::resume);
    connect(m_stop, &QPushButton::clicked, &m_controller, &app::TrainingController::stop);
    connect(&m_controller, &app::TrainingController::stateChanged, this,
            &TrainPage::onStateChanged);
    connect(&m_controller, &app::TrainingController::steps, this, &TrainPage::onSteps);
    connect(&m_controller, &app::TrainingController::epochFinished, this, &TrainPage::onEpoch);
    connect(&m_controller, &app::TrainingController::finished, this, &TrainPage::onFinished);
    connect(&m_controller, &app::TrainingController::runStarted, this,
            [this](qint64 runId, qint64 parameters, qint64, qint64 startStep) {
                m_sessionStartStep = startStep;
                if (runId == m_resuming) { // its curves up to the checkpoint, then live
                    m_resuming = 0;
                    loadRun(runId, startStep);
                    // The stored samples/s are per epoch, the live ones per step, and the
                    // resumed session's speed is its own: no line joins the two.
                    m_speed->breakCurve(0);
                }
                QString status =
                    runId > 0 ? tr("Run %1 · %2 parameters · recorded in %3")
                                    .arg(runId)
                                    .arg(QLocale().toString(parameters))
                                    .arg(m_controller.databasePath())
                              : tr("Untracked run · %1 parameters · not recorded, no checkpoints")
                                    .arg(QLocale().toString(parameters));
                m_status->setText(status + notesText(m_controller.runNotes()));
                m_status->setToolTip(m_controller.runNotes().join(QLatin1Char('\n')));
            });
    onStateChanged(m_controller.state());
}

QWidget* TrainPage::buildCharts() {
    auto* area = new QWidget(this);
    auto* layout = new QVBoxLayout(area);
    auto* controls = new QHBoxLayout();
    m_smoothing = new QSlider(Qt::Horizontal, area);
    m_smoothing->setRange(0, 99);
    m_smoothing->setToolTip(tr("Smoothing (exponential moving average)"));
    m_logScale = new QCheckBox(tr("Log scale"), area);
    controls->addWidget(new QLabel(tr("Smoothing"), area));
    controls->addWidget(m_smoothing, 1);
    controls->addWidget(m_logScale);
    layout->addLayout(controls);

    m_loss = new MetricChart(tr("Loss"), tr("step"), area);
    m_accuracy = new MetricChart(tr("Accuracy"), tr("step"), area);
    m_lr = new MetricChart(tr("Learning rate"), tr("step"), area);
    m_speed = new MetricChart(tr("Samples / s"), tr("step"), area);
    addSplitCurves(m_loss);
    addSplitCurves(m_accuracy);
    m_lr->addCurve(tr("learning rate"), QColor(0x8e, 0x44, 0xad));
    m_speed->addCurve(tr("samples/s"), QColor(0x55, 0x55, 0x55));
    auto* grid = new QGridLayout();
    grid->addWidget(m_loss, 0, 0);
    grid->addWidget(m_accuracy, 0, 1);
    grid->addWidget(m_lr, 1, 0);
    grid->addWidget(m_speed, 1, 1);
    layout->addLayout(grid, 1);

    connect(m_smoothing, &QSlider::valueChanged, this, [this](int v) {
        for (MetricChart* c : {m_loss, m_accuracy, m_speed}) {
            c->setSmoothing(v / 100.0);
        }
    });
    connect(m_logScale, &QCheckBox::toggled, this, [this](bool on) {
        m_loss->setLogScale(on);
        m_lr->setLogScale(on);
        if (m_languageModel) {
            m_accuracy->setLogScale(on);
        }
    });
    return area;
}

void TrainPage::setLanguageModel(bool on) {
    m_languageModel = on;
    m_loss->setTitle(on ? tr("Loss (cross-entropy per token)") : tr("Loss"));
    m_accuracy->setTitle(on ? tr("Perplexity (exp of the loss per token)") : tr("Accuracy"));
    m_speed->setTitle(on ? tr("Tokens / s") : tr("Samples / s"));
    m_speed->setCurveName(0, on ? tr("tokens/s") : tr("samples/s"));
    m_accuracy->setLogScale(on && m_logScale->isChecked());
}

void TrainPage::start(bool track) {
    for (MetricChart* c : {m_loss, m_accuracy, m_lr, m_speed}) {
        c->clearPoints();
    }
    m_lastStep = 0;
    m_sessionStartStep = 0;
    m_firstStep = -1;
    m_shownRun = -1;                      // the live run
    m_generation->setStoredRun(0, false); // the Generate tab uses this run's model once done
    m_epochs = m_document.project().training.epochs;
    m_progress->setValue(0);
    m_progressText->setText(tr("Preparing the data and the model…"));
    m_status->clear();
    m_untracked->hide();
    if (!m_controller.start(m_document.project(), m_document.filePath(), m_maxSteps,
                            m_runName->text().trimmed(), track)) {
        m_status->setText(tr("A run is already in progress."));
    }
}

void TrainPage::onStateChanged(app::TrainingController::State state) {
    using State = app::TrainingController::State;
    m_start->setEnabled(state == State::Idle);
    m_untracked->setEnabled(state == State::Idle);
    m_pause->setEnabled(state == State::Running || state == State::Starting);
    m_resume->setEnabled(state == State::Paused);
    m_stop->setEnabled(state != State::Idle && state != State::Stopping);
    m_form->setEnabled(state == State::Idle);
    m_runName->setEnabled(state == State::Idle);
    if (state == State::Paused) {
        m_progressText->setText(m_progressText->text() + tr(" · paused"));
    } else if (state == State::Stopping) {
        m_progressText->setText(tr("Stopping after the current step…"));
    }
}

void TrainPage::onSteps(const QList<engine::StepEvent>& events) {
    if ((events.front().tokensPerSample > 0) != m_languageModel) {
        setLanguageModel(events.front().tokensPerSample > 0);
    }
    for (const engine::StepEvent& e : events) {
        const double x = double(e.step);
        m_loss->append(TrainStep, x, e.loss);
        if (m_languageModel) {
            m_accuracy->append(TrainStep, x, engine::perplexity(e.loss));
            m_speed->append(0, x, e.samplesPerSecond * double(e.tokensPerSample));
        } else {
            m_accuracy->append(TrainStep, x, e.accuracy);
            m_speed->append(0, x, e.samplesPerSecond);
        }
        m_lr->append(0, x, e.learningRate);
    }
    const engine::StepEvent& e = events.back();
    m_lastStep = e.step;
    if (m_firstStep < 0) {
        m_firstStep = events.front().step;
    }
    for (MetricChart* c : {m_loss, m_accuracy, m_lr, m_speed}) {
        c->setStepSpan(double(m_firstStep), double(e.step));
    }
    m_progress->setRange(0, int(std::min<qint64>(e.totalSteps, std::numeric_limits<int>::max())));
    m_progress->setValue(int(std::min<qint64>(e.step, m_progress->maximum())));
    // The rate of this session's steps (elapsedSeconds counts from this session's start; after
    // a resume, the steps before the checkpoint were not done in that time).
    const qint64 done = e.step - m_sessionStartStep;
    const double eta =
        done > 0 ? e.elapsedSeconds / double(done) * double(e.totalSteps - e.step) : 0;
    m_progressText->setText(
        (m_languageModel ? tr("Epoch %1/%2 · step %3/%4 · %5 tokens/s · ETA %6")
                         : tr("Epoch %1/%2 · step %3/%4 · %5 samples/s · ETA %6"))
            .arg(e.epoch + 1)
            .arg(e.batchesPerEpoch > 0 ? (e.totalSteps + e.batchesPerEpoch - 1) / e.batchesPerEpoch
                                       : m_epochs)
            .arg(e.step)
            .arg(e.totalSteps)
            .arg(QLocale().toString(
                qint64(e.samplesPerSecond * double(std::max<std::int64_t>(1, e.tokensPerSample)))))
            .arg(duration(eta)));
}

void TrainPage::onEpoch(const engine::EpochEvent& e) {
    const double x = double(m_lastStep);
    // A language model's second chart is the perplexity: exp of each split's loss per token.
    const bool lm = e.tokensPerSample > 0;
    auto second = [lm](double loss, double accuracy) {
        return lm ? engine::perplexity(loss) : accuracy;
    };
    m_loss->append(TrainEpoch, x, e.trainLoss);
    m_accuracy->append(TrainEpoch, x, second(e.trainLoss, e.trainAccuracy));
    if (e.hasValidation) {
        m_loss->append(Validation, x, e.validation.loss);
        m_accuracy->append(Validation, x, second(e.validation.loss, e.validation.accuracy));
    }
    if (e.hasTest) {
        m_loss->append(Test, x, e.test.loss);
        m_accuracy->append(Test, x, second(e.test.loss, e.test.accuracy));
    }
}

void TrainPage::onFinished(const app::RunFinished& r) {
    for (MetricChart* c : {m_loss, m_accuracy, m_lr, m_speed}) {
        c->refresh();
    }
    const bool ran = r.runId > 0 || (!r.tracked && r.status != QLatin1String("failed"));
    QString text = !ran          ? tr("The run could not start.")
                   : r.runId > 0 ? tr("Run %1 %2 after %3 steps (%4).")
                                       .arg(r.runId)
                                       .arg(r.status)
                                       .arg(r.steps)
                                       .arg(duration(r.wallSeconds))
                                 : tr("Untracked run %1 after %2 steps (%3); it was not recorded.")
                                       .arg(r.status)
                                       .arg(r.steps)
                                       .arg(duration(r.wallSeconds));
    if (!r.message.isEmpty()) {
        text += QLatin1Char('\n') + r.message;
    }
    if (ran) {
        text += notesText(m_controller.runNotes());
    } else {
        m_status->setToolTip(QString());
    }
    if (r.storeUnavailable) {
        text += QLatin1Char('\n') + tr("You can train without tracking: the run is not recorded "
                                       "and writes no checkpoints.");
    }
    m_status->setText(text);
    m_untracked->setVisible(r.storeUnavailable);
    m_progressText->setText(r.status == QLatin1String("completed")
                                ? tr("Done")
                                : tr("Stopped at step %1").arg(m_lastStep));
    if (r.status == QLatin1String("failed")) {
        m_progressText->setText(tr("Failed"));
    }
}

} // namespace nw::ui
