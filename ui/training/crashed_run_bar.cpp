#include "ui/training/crashed_run_bar.h"

#include "engine/tracking/store.h"

#include <QDateTime>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <filesystem>

namespace nw::ui {

namespace {

const QString kDismissedKey = QStringLiteral("training/dismissedCrashedRuns");

} // namespace

CrashedRunBar::CrashedRunBar(bool persistent, QWidget* parent)
    : QFrame(parent)
    , m_persistent(persistent)
    , m_message(new QLabel(this))
    , m_resume(new QPushButton(tr("Resume run"), this))
    , m_show(new QPushButton(tr("Show in Experiments"), this))
    , m_dismiss(new QPushButton(tr("Dismiss"), this)) {
    setObjectName(QStringLiteral("crashedRunBar"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    QPalette p = palette();
    p.setColor(QPalette::Window, QColor(0xfd, 0xf0, 0xd5)); // a warning's amber, light
    p.setColor(QPalette::WindowText, QColor(0x3d, 0x2c, 0x00));
    setPalette(p);
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(10, 6, 10, 6);
    row->addWidget(m_message, 1);
    row->addWidget(m_resume);
    row->addWidget(m_show);
    row->addWidget(m_dismiss);
    m_resume->setDefault(true);
    if (m_persistent) {
        m_dismissed = QSettings().value(kDismissedKey).toStringList();
    }
    connect(m_resume, &QPushButton::clicked, this, [this] {
        const qint64 id = m_runId;
        hide();
        emit resumeRequested(id);
    });
    connect(m_show, &QPushButton::clicked, this, [this] { emit showRequested(m_runId); });
    connect(m_dismiss, &QPushButton::clicked, this, &CrashedRunBar::dismiss);
    hide();
}

qint64 CrashedRunBar::check(const QString& database) {
    m_database = database;
    m_runId = 0;
    m_uuid.clear();
    hide();
    const std::string path = database.toStdString();
    if (!std::filesystem::exists(path)) {
        return 0; // no store yet: nothing ran, nothing crashed
    }
    auto store = tracking::ExperimentStore::open(path); // marks runs whose process is gone
    if (!store) {
        return 0;
    }
    auto runs = (*store)->runSummaries();
    if (!runs) {
        return 0;
    }
    const tracking::RunRecord* newest = nullptr;
    int others = 0;
    for (const auto& r : *runs) { // newest first
        if (r.status != "crashed" || m_dismissed.contains(QString::fromStdString(r.uuid))) {
            continue;
        }
        if (newest) {
            ++others;
        } else {
            newest = &r;
        }
    }
    if (!newest) {
        return 0;
    }
    auto losses = (*store)->metrics(newest->id, "train/loss");
    const qint64 lastStep = losses && !losses->empty() ? losses->back().step : 0;
    const bool hasCheckpoint =
        std::filesystem::exists(tracking::runDirectory(path, newest->id) / "checkpoint.nwckpt");
    const QString when =
        QLocale().toString(QDateTime::fromSecsSinceEpoch(
                               qint64(newest->endedAt > 0 ? newest->endedAt : newest->startedAt)),
                           QLocale::ShortFormat);
    QString text = tr("Run %1 “%2” crashed at step %3 (%4). ")
                       .arg(newest->id)
                       .arg(QString::fromStdString(newest->name))
                       .arg(QLocale().toString(lastStep), when);
    text += hasCheckpoint ? tr("Resuming continues it from its last checkpoint.")
                          : tr("It had no checkpoint yet: resuming trains it again from step 0 "
                               "with the settings it started with, to the same result.");
    if (others > 0) {
        text +=
            QLatin1Char(' ') + tr("%n more crashed run(s) are listed in Experiments.", "", others);
    }
    m_message->setText(text);
    m_runId = newest->id;
    m_uuid = QString::fromStdString(newest->uuid);
    show();
    return m_runId;
}

void CrashedRunBar::dismiss() {
    if (!m_uuid.isEmpty() && !m_dismissed.contains(m_uuid)) {
        m_dismissed.append(m_uuid);
        if (m_persistent) {
            QSettings().setValue(kDismissedKey, m_dismissed);
        }
    }
    check(m_database); // the next one, if any
}

} // namespace nw::ui
