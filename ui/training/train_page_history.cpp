// TrainPage: the curves of a run recorded earlier (by the IDE or netwright-cli), read from the
// experiment store, so the Train mode opens on the project's last run.
#include "app/project_document.h"
#include "engine/tracking/store.h"
#include "ui/training/generation_panel.h"
#include "ui/training/metric_chart.h"
#include "ui/training/train_page.h"

#include <QFileInfo>
#include <QLabel>
#include <QProgressBar>
#include <QShowEvent>
#include <algorithm>
#include <vector>

namespace nw::ui {

void TrainPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_shownRun == 0 && !m_controller.isActive()) {
        showLatestRun();
    }
}

bool TrainPage::showLatestRun() {
    const QString file = m_document.filePath();
    if (file.isEmpty()) {
        return false;
    }
    auto store = tracking::ExperimentStore::open(m_controller.databasePath().toStdString());
    auto runs =
        store ? (*store)->runs() : Expected<std::vector<tracking::RunRecord>>(Error::user(""));
    if (!runs) {
        return false;
    }
    const std::string path = QFileInfo(file).absoluteFilePath().toStdString();
    for (const auto& r : *runs) { // newest first
        if (r.projectPath == path && r.status != "running") {
            return showStoredRun(r.id);
        }
    }
    return false;
}

bool TrainPage::showStoredRun(qint64 runId) {
    return !m_controller.isActive() && loadRun(runId);
}

bool TrainPage::resumeRun(qint64 runId) {
    if (!m_controller.resumeRun(runId)) {
        return false;
    }
    m_resuming = runId;
    m_status->setText(tr("Resuming run %1…").arg(runId));
    return true;
}

bool TrainPage::loadRun(qint64 runId, qint64 upToStep) {
    auto store = tracking::ExperimentStore::open(m_controller.databasePath().toStdString());
    if (!store) {
        return false;
    }
    auto run = (*store)->run(runId);
    auto points = (*store)->metrics(runId);
    if (!run || !points) {
        return false;
    }
    for (MetricChart* c : {m_loss, m_accuracy, m_lr, m_speed}) {
        c->clearPoints();
    }
    struct Target {
        const char* name;
        MetricChart* chart;
        int curve;
        bool exponential = false; // the chart shows exp(value): a perplexity from a loss
    };
    // A language model's run recorded tokens/s: its second chart shows perplexity.
    const bool lm = std::any_of(points->begin(), points->end(),
                                [](const auto& p) { return p.name == "epoch/tokens_per_sec"; });
    setLanguageModel(lm);
    const std::vector<Target> targets =
        lm ? std::vector<Target>{
                 {"train/loss", m_loss, TrainStep},
                 {"train/loss", m_accuracy, TrainStep, true},
                 {"train/lr", m_lr, 0},
                 {"epoch/tokens_per_sec", m_speed, 0},
                 {"epoch/train_loss", m_loss, TrainEpoch},
                 {"epoch/train_perplexity", m_accuracy, TrainEpoch},
                 {"val/loss", m_loss, Validation},
                 {"val/perplexity", m_accuracy, Validation},
                 {"test/loss", m_loss, Test},
                 {"test/perplexity", m_accuracy, Test},
             }
           : std::vector<Target>{
                 {"train/loss", m_loss, TrainStep},
                 {"train/accuracy", m_accuracy, TrainStep},
                 {"train/lr", m_lr, 0},
                 {"epoch/samples_per_sec", m_speed, 0},
                 {"epoch/train_loss", m_loss, TrainEpoch},
                 {"epoch/train_accuracy", m_accuracy, TrainEpoch},
                 {"val/loss", m_loss, Validation},
                 {"val/accuracy", m_accuracy, Validation},
                 {"test/loss", m_loss, Test},
                 {"test/accuracy", m_accuracy, Test},
             };
    qint64 lastStep = 0, firstStep = std::numeric_limits<qint64>::max();
    for (const auto& p : *points) {
        if (p.step > upToStep) { // a resumed run's new steps arrive as events
            continue;
        }
        for (const Target& t : targets) {
            if (p.name == t.name) {
                t.chart->append(t.curve, double(p.step),
                                t.exponential ? engine::perplexity(p.value) : p.value);
            }
        }
        lastStep = std::max<qint64>(lastStep, p.step);
        firstStep = std::min<qint64>(firstStep, p.step);
    }
    // One step range for every chart: the per-epoch samples/s would otherwise start at the
    // first epoch's end while the others start at step 1.
    m_firstStep = firstStep <= lastStep ? firstStep : -1;
    for (MetricChart* c : {m_loss, m_accuracy, m_lr, m_speed}) {
        if (m_firstStep >= 0) {
            c->setStepSpan(double(m_firstStep), double(lastStep));
        }
        c->refresh();
    }
    m_shownRun = runId;
    m_generation->setStoredRun(runId, lm); // the Generate tab uses its checkpoint
    m_lastStep = lastStep;
    m_progress->setRange(0, 1);
    m_progress->setValue(run->status == "completed" ? 1 : 0);
    m_progressText->setText(tr("Showing run %1 (%2) · %3 steps")
                                .arg(runId)
                                .arg(QString::fromStdString(run->status))
                                .arg(lastStep));
    m_status->setText(tr("Run %1 “%2” from %3")
                          .arg(runId)
                          .arg(QString::fromStdString(run->name), m_controller.databasePath()));
    return true;
}

} // namespace nw::ui
