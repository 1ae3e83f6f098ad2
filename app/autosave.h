#pragma once
// Autosave and crash recovery. While the document has unsaved changes, an Autosaver writes
// it every `intervalMs` to a recovery file in its folder (default:
// <AppLocalDataLocation>/recovery), with a small ".origin" note naming the project file it
// belongs to. Saving the document, or destroying the Autosaver (a clean exit), removes the
// files; after a crash they stay, and pendingRecoveries() lists them on the next start.
// Each recovery file is guarded by a QLockFile held by its writer, so a second running IDE
// never offers a live instance's autosave.

#include "base/expected.h"

#include <QLockFile>
#include <QObject>
#include <QTimer>
#include <memory>

namespace nw::app {

class ProjectDocument;

struct Recovery {
    QString file;     // the autosaved project
    QString original; // the project file it belongs to; empty for an unsaved project
};

class Autosaver : public QObject {
    Q_OBJECT
public:
    // `document` must outlive the Autosaver.
    Autosaver(ProjectDocument& document, const QString& folder = defaultFolder(),
              int intervalMs = 30000, QObject* parent = nullptr);
    ~Autosaver() override;

    static QString defaultFolder();
    QString recoveryFile() const { return m_file; }

    // Writes the recovery file now when the document has unsaved changes, else removes it.
    Status saveNow();

    // Recovery files in `folder` left by an instance that is no longer running.
    static QList<Recovery> pendingRecoveries(const QString& folder = defaultFolder());
    // Deletes a recovery file and its note (after restoring it, or when the user declines).
    static void discard(const Recovery& recovery);

private:
    void remove();

    ProjectDocument& m_document;
    QString m_file;
    std::unique_ptr<QLockFile> m_lock;
    QTimer m_timer;
};

} // namespace nw::app
