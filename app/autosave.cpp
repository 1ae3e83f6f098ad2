#include "app/autosave.h"

#include "app/project_document.h"
#include "graph/project_file.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QUuid>

namespace nw::app {

namespace {

QString notePath(const QString& file) {
    return file + QStringLiteral(".origin");
}

QString lockPath(const QString& file) {
    return file + QStringLiteral(".lock");
}

} // namespace

Autosaver::Autosaver(ProjectDocument& document, const QString& folder, int intervalMs,
                     QObject* parent)
    : QObject(parent)
    , m_document(document) {
    QDir().mkpath(folder);
    m_file = QDir(folder).filePath(
        QStringLiteral("recovery-%1.nwproj").arg(QUuid::createUuid().toString(QUuid::Id128)));
    m_lock = std::make_unique<QLockFile>(lockPath(m_file));
    m_lock->setStaleLockTime(0); // only a dead owner makes it stale, never its age
    (void)m_lock->tryLock(0);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] { (void)saveNow(); });
    m_timer.start();
    // Saved (clean) means nothing to recover.
    connect(&m_document, &ProjectDocument::changed, this, [this] {
        if (!m_document.isModified()) {
            remove();
        }
    });
}

Autosaver::~Autosaver() {
    remove();
    m_lock->unlock();
}

QString Autosaver::defaultFolder() {
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) +
           QStringLiteral("/recovery");
}

Status Autosaver::saveNow() {
    if (!m_document.isModified()) {
        remove();
        return Status::success();
    }
    auto status = graph::writeProject(m_document.project(), m_file.toStdString());
    if (!status) {
        return status;
    }
    QFile note(notePath(m_file));
    if (!note.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        note.write(m_document.filePath().toUtf8()) < 0) {
        return Error::internal("cannot write " + notePath(m_file).toStdString());
    }
    return Status::success();
}

void Autosaver::remove() {
    QFile::remove(m_file);
    QFile::remove(notePath(m_file));
}

QList<Recovery> Autosaver::pendingRecoveries(const QString& folder) {
    QList<Recovery> out;
    const QDir dir(folder);
    const auto files = dir.entryList({QStringLiteral("recovery-*.nwproj")}, QDir::Files);
    for (const auto& name : files) {
        const QString file = dir.filePath(name);
        QLockFile lock(lockPath(file));
        lock.setStaleLockTime(0);
        if (!lock.tryLock(0)) {
            continue; // a running instance owns it
        }
        lock.unlock();
        QFile note(notePath(file));
        QString original;
        if (note.open(QIODevice::ReadOnly)) {
            original = QString::fromUtf8(note.readAll());
        }
        out.push_back({file, original});
    }
    return out;
}

void Autosaver::discard(const Recovery& recovery) {
    QFile::remove(recovery.file);
    QFile::remove(notePath(recovery.file));
    QFile::remove(lockPath(recovery.file));
}

} // namespace nw::app
