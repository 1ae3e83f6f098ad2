// Autosave and crash recovery (app/autosave.h): unsaved changes are written to a recovery
// file, a save or a clean exit removes it, a crashed instance's file is offered and restores
// the unsaved graph, and a live instance's file is not offered.
#include "app/autosave.h"
#include "app/project_document.h"
#include "graph/op_registry.h"

#include <QTemporaryDir>
#include <QtTest>

using nw::app::Autosaver;
using nw::app::ProjectDocument;

namespace {

const QString kSample = QStringLiteral(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj");

const nw::graph::OpRegistry& registry() {
    static const auto r = nw::graph::makeCoreRegistry();
    return r;
}

} // namespace

class TestAutosave : public QObject {
    Q_OBJECT
private slots:
    void writesOnlyUnsavedChanges() {
        QTemporaryDir dir;
        ProjectDocument doc(registry());
        QVERIFY(doc.load(kSample).ok());
        Autosaver autosaver(doc, dir.path(), 60000);
        QVERIFY(autosaver.saveNow().ok());
        QVERIFY(!QFile::exists(autosaver.recoveryFile())); // nothing unsaved
        QVERIFY(doc.addNode("ReLU", {400, 0}).ok());
        QVERIFY(autosaver.saveNow().ok());
        QVERIFY(QFile::exists(autosaver.recoveryFile()));
        // A running instance's file is not offered.
        QVERIFY(Autosaver::pendingRecoveries(dir.path()).isEmpty());
        doc.undoStack()->undo(); // back to the saved state: nothing to recover
        QVERIFY(!QFile::exists(autosaver.recoveryFile()));
    }

    void aCrashedSessionIsRecovered() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("recovery-crashed.nwproj"));
        {
            ProjectDocument doc(registry());
            QVERIFY(doc.load(kSample).ok());
            Autosaver autosaver(doc, dir.path(), 60000);
            QVERIFY(doc.addNode("Dropout", {400, 0}).ok());
            QVERIFY(autosaver.saveNow().ok());
            // Simulate a crash: what a dead instance leaves is its recovery file and note,
            // with no live lock.
            QVERIFY(QFile::copy(autosaver.recoveryFile(), file));
            QVERIFY(QFile::copy(autosaver.recoveryFile() + ".origin", file + ".origin"));
        }
        const auto pending = Autosaver::pendingRecoveries(dir.path());
        QCOMPARE(pending.size(), 1);
        QCOMPARE(pending.front().file, file);
        QCOMPARE(pending.front().original, kSample);

        ProjectDocument restored(registry());
        QVERIFY(restored.restoreRecovery(pending.front().file, pending.front().original).ok());
        QVERIFY(restored.isModified());
        QCOMPARE(restored.filePath(), kSample);
        QVERIFY(restored.graph().findNode("dropout1"));
        Autosaver::discard(pending.front());
        QVERIFY(Autosaver::pendingRecoveries(dir.path()).isEmpty());
    }

    void aCleanExitLeavesNothing() {
        QTemporaryDir dir;
        ProjectDocument doc(registry());
        QVERIFY(doc.load(kSample).ok());
        QString file;
        {
            Autosaver autosaver(doc, dir.path(), 60000);
            QVERIFY(doc.addNode("ReLU", {400, 0}).ok());
            QVERIFY(autosaver.saveNow().ok());
            file = autosaver.recoveryFile();
            QVERIFY(QFile::exists(file));
        }
        QVERIFY(!QFile::exists(file));
        QVERIFY(Autosaver::pendingRecoveries(dir.path()).isEmpty());
    }
};

QTEST_MAIN(TestAutosave)
#include "test_autosave.moc"
