#pragma once
// The Train mode: the run configuration form, Start / Pause / Resume / Stop, a progress bar
// with epoch, step and ETA, and live charts (loss, accuracy, learning rate, samples/s) fed by
// the TrainingController's queued signals. The page never waits on training. A run that
// cannot start because the experiment store cannot be opened (read-only, not a database)
// shows the error with "Train without tracking", which starts the same run unrecorded.
// A language model's run (its events carry tokensPerSample > 0) shows perplexity instead of
// accuracy and tokens/s instead of samples/s; its Generate tab streams text from the model the
// run ended with.

#include "app/training_controller.h"

#include <QElapsedTimer>
#include <QWidget>
#include <limits>

class QCheckBox;
class QLineEdit;
class QLabel;
class QProgressBar;
class QPushButton;
class QSlider;

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class EvaluationPanel;
class GenerationPanel;
class MetricChart;
class TrainingForm;

class TrainPage : public QWidget {
    Q_OBJECT
public:
    TrainPage(app::ProjectDocument& document, app::TrainingController& controller,
              QWidget* parent = nullptr);

    // Stop runs after this many steps (0: the configured epochs); for tests and quick trials.
    void setMaxSteps(qint64 steps) { m_maxSteps = steps; }

    TrainingForm* form() const { return m_form; }
    // The name the next run is recorded under (empty: the project's name).
    QLineEdit* runNameEdit() const { return m_runName; }
    QPushButton* startButton() const { return m_start; }
    QPushButton* pauseButton() const { return m_pause; }
    QPushButton* resumeButton() const { return m_resume; }
    QPushButton* stopButton() const { return m_stop; }
    QProgressBar* progressBar() const { return m_progress; }
    QLabel* progressLabel() const { return m_progressText; }
    QLabel* statusLabel() const { return m_status; }
    // Shown when the last run could not start for want of the experiment store.
    QPushButton* trainUntrackedButton() const { return m_untracked; }
    MetricChart* lossChart() const { return m_loss; }
    // Accuracy, or perplexity for a language model (showsLanguageModel()).
    MetricChart* accuracyChart() const { return m_accuracy; }
    MetricChart* learningRateChart() const { return m_lr; }
    // Samples/s, or tokens/s for a language model.
    MetricChart* throughputChart() const { return m_speed; }
    // The charts show a language model's run (perplexity, tokens/s).
    bool showsLanguageModel() const { return m_languageModel; }
    // The Generate tab (text from the last trained language model).
    GenerationPanel* generationPanel() const { return m_generation; }
    // The Evaluation tab (confusion matrix, per-class metrics, misclassified samples).
    EvaluationPanel* evaluationPanel() const { return m_evaluation; }

    // Curve indices in lossChart() and accuracyChart().
    enum Curve { TrainStep = 0, TrainEpoch = 1, Validation = 2, Test = 3 };

    // While no run is active: shows the curves of a recorded run (train_page_history.cpp)
    // from the controller's store; false (and the charts unchanged) when it cannot be read.
    bool showStoredRun(qint64 runId);
    // The newest recorded run of the open project's file, if any (shown when the page opens).
    bool showLatestRun();
    // Continues a stopped or crashed run (TrainingController::resumeRun()); the charts show
    // its recorded curves up to its checkpoint, then the new steps.
    bool resumeRun(qint64 runId);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void start(bool track = true);
    void onStateChanged(app::TrainingController::State state);
    void onSteps(const QList<engine::StepEvent>& events);
    void onEpoch(const engine::EpochEvent& event);
    void onFinished(const app::RunFinished& result);
    QWidget* buildCharts();
    // Titles and curve names for a language model's run (perplexity, tokens/s) or not.
    void setLanguageModel(bool on);
    // The stored curves (up to `upToStep`) into the charts.
    bool loadRun(qint64 runId, qint64 upToStep = std::numeric_limits<qint64>::max());

    app::ProjectDocument& m_document;
    app::TrainingController& m_controller;
    TrainingForm* m_form;
    QLineEdit* m_runName;
    QPushButton *m_start, *m_pause, *m_resume, *m_stop;
    QProgressBar* m_progress;
    QLabel* m_progressText;
    QLabel* m_status;
    QPushButton* m_untracked;
    QSlider* m_smoothing = nullptr;
    QCheckBox* m_logScale = nullptr;
    EvaluationPanel* m_evaluation = nullptr;
    GenerationPanel* m_generation = nullptr;
    bool m_languageModel = false;
    MetricChart *m_loss = nullptr, *m_accuracy = nullptr, *m_lr = nullptr, *m_speed = nullptr;
    qint64 m_maxSteps = 0;
    qint64 m_lastStep = 0;
    qint64 m_sessionStartStep = 0; // the step this session started after (a resume's checkpoint)
    qint64 m_firstStep = -1;       // the first step the charts show; -1: none yet
    qint64 m_epochs = 0;
    qint64 m_shownRun = 0; // the run the charts show (live or stored); 0: none
    qint64 m_resuming = 0; // the run resumeRun() asked for, until it starts
};

} // namespace nw::ui
