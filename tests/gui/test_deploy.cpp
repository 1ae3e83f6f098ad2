// The Deploy mode, offscreen: a tiny run trained in the IDE (on an IDX dataset the test writes
// itself; NETWRIGHT_DB points into a temporary folder) is preselected on the Deploy page;
// exporting it to ONNX writes the file and shows a passing verification row; an INT8 bundle
// with a small calibration shows the accuracy change; a folder that does not exist, a weights
// file that is not one and an unsaved project give a clear error on the page; the INT8
// controls follow the format. NW_DEPLOY_SCREENSHOT=PATH saves a picture of the page after an
// INT8 export of the sample project (it trains the sample for a few steps on Fashion-MNIST).
#include "app/export_controller.h"
#include "app/project_document.h"
#include "app/training_controller.h"
#include "engine/tracking/store.h"
#include "graph/op_registry.h"
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/backends.h"
#include "tests/support/tiny_project.h"
#include "ui/export/deploy_page.h"
#include "ui/export/export_report_view.h"
#include "ui/main_window.h"
#include "ui/theme.h"
#include "ui/training/train_page.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QScopeGuard>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace nw;
using ui::DeployPage;
using ui::ExportReportView;

namespace {

constexpr int kExportTimeoutMs = 120000;

// Clicks Export and waits for finished() (true) or failed() (false).
bool exportAndWait(DeployPage& page, QString* error = nullptr) {
    QSignalSpy finished(page.controller(), &app::ExportController::finished);
    QSignalSpy failed(page.controller(), &app::ExportController::failed);
    QTest::mouseClick(page.exportButton(), Qt::LeftButton);
    if (!page.controller()->isRunning()) {
        return false; // refused before starting
    }
    if (!QTest::qWaitFor([&] { return finished.count() + failed.count() > 0; }, kExportTimeoutMs)) {
        if (error) {
            *error = QStringLiteral("the export did not end in time");
        }
        return false;
    }
    if (error && failed.count() == 1) {
        *error = failed.first().first().toString();
    }
    return finished.count() == 1;
}

// Clicks a radio button or check box on its indicator (a wide one's centre may lie past its
// label, outside the part that reacts).
void clickIndicator(QAbstractButton* button) {
    QTest::mouseClick(button, Qt::LeftButton, {}, QPoint(8, button->height() / 2));
}

} // namespace

class TestDeploy : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_project = nw::testing::writeTinyWorkspace(m_dir.path(), 1);
        QVERIFY(!m_project.isEmpty());
    }

    // Trains in the Train mode, then exports that run to ONNX from the Deploy mode.
    void exportsSessionRunToOnnx() {
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_project).ok());
        ui::MainWindow window(document, nw::testing::cpuOnlyRegistry());
        window.setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        window.show();
        DeployPage* page = window.deployPage();
        QVERIFY(page);
        QVERIFY(window.showMode(QStringLiteral("deploy")));
        QVERIFY(page->isVisible());

        QVERIFY(window.showMode(QStringLiteral("train")));
        QSignalSpy trained(window.trainingController(), &app::TrainingController::finished);
        QTest::mouseClick(window.trainPage()->startButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(trained.count(), 1, 60000);
        const auto run = trained.first().first().value<app::RunFinished>();
        QCOMPARE(run.status, QStringLiteral("completed"));
        m_runId = run.runId;
        QVERIFY(m_runId > 0);

        // The run just finished is listed and preselected.
        QVERIFY(window.showMode(QStringLiteral("deploy")));
        QCOMPARE(page->selectedRun(), m_runId);
        QVERIFY(page->runSourceButton()->isChecked());
        QVERIFY(page->runCombo()->currentText().contains(QStringLiteral("this session")));
        QVERIFY(page->onnxButton()->isChecked());
        QCOMPARE(page->outputEdit()->text(), m_dir.filePath("tiny.onnx"));
        QVERIFY(!page->busyIndicator()->isVisible());
        ExportReportView* report = page->reportView();
        QVERIFY(!report->verificationTable()->isVisible());

        QSignalSpy progress(page->controller(), &app::ExportController::progress);
        QSignalSpy finished(page->controller(), &app::ExportController::finished);
        QTest::mouseClick(page->exportButton(), Qt::LeftButton);
        QVERIFY(page->controller()->isRunning());
        QVERIFY(!page->exportButton()->isEnabled());
        QVERIFY(page->busyIndicator()->isVisible());
        QVERIFY(!page->startExport()); // one export at a time
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kExportTimeoutMs);
        QVERIFY(progress.count() > 0);
        QVERIFY(page->exportButton()->isEnabled());
        QVERIFY(!page->busyIndicator()->isVisible());

        const auto r = finished.first().first().value<app::ExportReport>();
        QVERIFY(r.verified);
        QVERIFY(r.tolerance > 0);
        QVERIFY(QFileInfo(m_dir.filePath("tiny.onnx")).size() > 0);
        QVERIFY(report->banner()->text().contains(QStringLiteral("verified")));
        QVERIFY(report->showInFolderButton()->isVisible());
        QTableWidget* table = report->verificationTable();
        QVERIFY(table->isVisible());
        QCOMPARE(table->rowCount(), int(r.rows.size()));
        QVERIFY(table->rowCount() >= 1);
        for (int i = 0; i < table->rowCount(); ++i) {
            QCOMPARE(table->item(i, ExportReportView::Result)->text(), QStringLiteral("PASS"));
            QCOMPARE(table->item(i, ExportReportView::Output)->text(),
                     QString::fromStdString(r.rows[std::size_t(i)].output));
            QCOMPARE(table->item(i, ExportReportView::MaxAbs)->text().toDouble(),
                     QString::number(r.rows[std::size_t(i)].maxAbs, 'e', 3).toDouble());
        }
        QVERIFY(table->isColumnHidden(ExportReportView::SameTop1)); // f32: no top-1 column
        QVERIFY(!report->accuracyLabel()->isVisible());

        // "Show in folder" opens the file's folder.
        QString opened;
        report->setOpenFolder([&opened](const QString& folder) { opened = folder; });
        QTest::mouseClick(report->showInFolderButton(), Qt::LeftButton);
        QCOMPARE(QDir(opened), QDir(m_dir.path()));
    }

    void exportsInt8Bundle() {
        QVERIFY2(m_runId > 0, "needs the run of exportsSessionRunToOnnx");
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_project).ok());
        DeployPage page(document, nw::testing::cpuOnlyRegistry());
        page.show();
        QVERIFY(page.selectRun(m_runId));
        clickIndicator(page.bundleButton());
        QVERIFY(page.int8Check()->isEnabled());
        QVERIFY(!page.calibrationSpin()->isEnabled());
        clickIndicator(page.int8Check());
        QVERIFY(page.int8Check()->isChecked());
        QVERIFY(page.calibrationSpin()->isEnabled());
        page.calibrationSpin()->setValue(48);
        QCOMPARE(page.outputEdit()->text(), m_dir.filePath("tiny-int8.nwbundle"));
        auto request = page.request();
        QVERIFY(request.ok());
        QCOMPARE(request->format, app::ExportFormat::Bundle);
        QVERIFY(request->int8);
        QCOMPARE(request->calibration, 48);
        QCOMPARE(request->run, m_runId);
        QCOMPARE(QString::fromStdString(request->db), m_dir.filePath("experiments.db"));

        QString error;
        QVERIFY2(exportAndWait(page, &error), qPrintable(error));
        QVERIFY(QFileInfo(m_dir.filePath("tiny-int8.nwbundle")).size() > 0);
        ExportReportView* report = page.reportView();
        QVERIFY(report->accuracyLabel()->isVisible());
        const QString accuracy = report->accuracyLabel()->text();
        QVERIFY2(accuracy.contains(QStringLiteral("f32")) &&
                     accuracy.contains(QStringLiteral("INT8")) &&
                     accuracy.contains(QStringLiteral("points")),
                 qPrintable(accuracy));
        QTableWidget* table = report->verificationTable();
        QVERIFY(table->rowCount() >= 1);
        QVERIFY(!table->isColumnHidden(ExportReportView::SameTop1));
        QVERIFY(table->item(0, ExportReportView::SameTop1)->text().contains(QLatin1Char('/')));
    }

    void int8ControlsFollowTheFormat() {
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_project).ok());
        DeployPage page(document, nw::testing::cpuOnlyRegistry());
        page.show();
        QVERIFY(page.onnxButton()->isChecked());
        QVERIFY(!page.int8Check()->isEnabled());
        QVERIFY(!page.calibrationSpin()->isEnabled());
        clickIndicator(page.bundleButton());
        QCOMPARE(page.outputEdit()->text(), m_dir.filePath("tiny.nwbundle"));
        page.int8Check()->setChecked(true);
        QVERIFY(page.calibrationSpin()->isEnabled());
        clickIndicator(page.onnxButton());
        QVERIFY(!page.int8Check()->isEnabled());
        QVERIFY(!page.calibrationSpin()->isEnabled());
        QCOMPARE(page.outputEdit()->text(), m_dir.filePath("tiny.onnx"));
        auto request = page.request();
        QVERIFY(request.ok());
        QVERIFY(!request->int8); // a checked box under ONNX does not quantise
        QCOMPARE(request->format, app::ExportFormat::Onnx);

        // An output the user typed is kept when the format changes.
        page.outputEdit()->setText(m_dir.filePath("mine.onnx"));
        clickIndicator(page.bundleButton());
        QCOMPARE(page.outputEdit()->text(), m_dir.filePath("mine.onnx"));
    }

    void missingFolderIsAnErrorOnThePage() {
        QVERIFY(m_runId > 0);
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_project).ok());
        DeployPage page(document, nw::testing::cpuOnlyRegistry());
        page.show();
        QVERIFY(page.selectRun(m_runId));
        const QString missing = m_dir.filePath("no-such-folder/tiny.onnx");
        page.outputEdit()->setText(missing);
        QVERIFY(!exportAndWait(page));
        QVERIFY(!page.controller()->isRunning());
        QVERIFY(page.exportButton()->isEnabled());
        const QString banner = page.reportView()->banner()->text();
        QVERIFY2(banner.contains(QStringLiteral("Export failed")) &&
                     banner.contains(QStringLiteral("no-such-folder")) &&
                     banner.contains(QStringLiteral("does not exist")),
                 qPrintable(banner));
        QVERIFY(!page.reportView()->verificationTable()->isVisible());
        QVERIFY(!QFileInfo::exists(missing));
    }

    // An error of the pipeline itself (on the worker) names the file.
    void badWeightsFileIsAnErrorOnThePage() {
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_project).ok());
        DeployPage page(document, nw::testing::cpuOnlyRegistry());
        page.show();
        QFile bad(m_dir.filePath("bad.nwweights"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("not weights");
        bad.close();
        page.weightsSourceButton()->setChecked(true);
        QVERIFY(page.weightsEdit()->isEnabled());
        QVERIFY(!page.runCombo()->isEnabled());
        page.weightsEdit()->setText(bad.fileName());
        page.outputEdit()->setText(m_dir.filePath("bad.onnx"));
        QString error;
        QVERIFY(!exportAndWait(page, &error));
        QVERIFY2(error.contains(QStringLiteral("bad.nwweights")), qPrintable(error));
        QVERIFY(page.reportView()->banner()->text().contains(QStringLiteral("bad.nwweights")));
        QVERIFY(page.exportButton()->isEnabled());
        QVERIFY(!QFileInfo::exists(m_dir.filePath("bad.onnx")));
    }

    // Export waits for something to export: a weights file named, an output file.
    void exportNeedsWeightsAndOutput() {
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_project).ok());
        DeployPage page(document, nw::testing::cpuOnlyRegistry());
        page.show();
        page.weightsSourceButton()->setChecked(true);
        page.weightsEdit()->clear();
        QVERIFY(!page.exportButton()->isEnabled());
        QVERIFY(page.exportButton()->toolTip().contains(QStringLiteral("weights file")));
        page.weightsEdit()->setText(m_dir.filePath("some.nwweights"));
        page.outputEdit()->setText(m_dir.filePath("out.onnx"));
        QVERIFY(page.exportButton()->isEnabled());
        page.outputEdit()->clear();
        QVERIFY(!page.exportButton()->isEnabled());
        QVERIFY(page.exportButton()->toolTip().contains(QStringLiteral("output file")));
    }

    void unsavedProjectMustBeSavedFirst() {
        app::ProjectDocument document(m_registry); // untitled
        DeployPage page(document, nw::testing::cpuOnlyRegistry());
        page.show();
        QVERIFY(!page.exportButton()->isEnabled());
        QVERIFY(page.projectLabel()->text().contains(QStringLiteral("Save the project first")));
        QVERIFY(page.outputEdit()->text().isEmpty());
        auto request = page.request();
        QVERIFY(!request.ok());
        QVERIFY(QString::fromStdString(request.error().message).contains(QStringLiteral("save")));
        QVERIFY(!page.startExport());
        QVERIFY(page.reportView()->banner()->text().contains(QStringLiteral("Export failed")));
    }

    // What the pane shows for reports the tiny model does not produce: a row over the
    // tolerance, and an INT8 bundle losing more (or less) than kAccuracyWarningPoints.
    void reportViewShowsFailures_data() {
        QTest::addColumn<double>("int8Accuracy");
        QTest::addColumn<QString>("tint");
        QTest::addColumn<bool>("warned");
        QTest::newRow("loses 1 point") << 0.89 << "warn" << true;
        QTest::newRow("loses 0.2 points") << 0.898 << "ok" << false;
        QTest::newRow("gains 0.1 points") << 0.901 << "ok" << false;
    }
    void reportViewShowsFailures() {
        QFETCH(double, int8Accuracy);
        QFETCH(QString, tint);
        QFETCH(bool, warned);
        ExportReportView view;
        view.show();
        app::ExportReport r;
        r.output = m_dir.filePath("x.onnx").toStdString();
        r.summary = {"wrote x.onnx"};
        r.verificationTitle = "the engine against the exported model";
        r.tolerance = 1e-4;
        r.rows = {{"logits", 2e-6, 1e-5, -1, 64}, {"probabilities", 3e-2, 0.5, -1, 64}};
        r.verified = false;
        r.notes = {"the project has changed since run 3"};
        view.showReport(r);
        QVERIFY(view.banner()->text().contains(QStringLiteral("verification FAILED")));
        QTableWidget* table = view.verificationTable();
        QCOMPARE(table->rowCount(), 2);
        QCOMPARE(table->item(0, ExportReportView::Result)->text(), QStringLiteral("PASS"));
        QCOMPARE(table->item(1, ExportReportView::Result)->text(), QStringLiteral("FAILED"));
        QCOMPARE(table->item(1, ExportReportView::MaxAbs)->text(), QStringLiteral("3.000e-02"));
        QVERIFY(!view.accuracyLabel()->isVisible());
        QVERIFY(view.notesLabel()->text().contains(QStringLiteral("changed since run 3")));

        app::ExportReport q;
        q.format = app::ExportFormat::Bundle;
        q.output = m_dir.filePath("x-int8.nwbundle").toStdString();
        q.tolerance = 0;
        q.rows = {{"logits", 0.05, 0.8, 61, 64}};
        q.accuracy = app::AccuracyChange{10000, "fashion-mnist/test", 0.9, int8Accuracy};
        if (warned) {
            q.warnings = {"INT8 loses 1.00 points of test accuracy"};
        }
        view.showReport(q);
        QVERIFY(view.banner()->text().contains(QStringLiteral("61 of 64")));
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, ExportReportView::SameTop1)->text(), QStringLiteral("61 / 64"));
        QCOMPARE(table->item(0, ExportReportView::Result)->text(), QStringLiteral("INT8"));
        QVERIFY(view.accuracyLabel()->isVisible());
        QCOMPARE(view.accuracyLabel()->property("tint").toString(), tint);
        const QString points = QString::number(100 * (int8Accuracy - 0.9), 'f', 2);
        QVERIFY2(view.accuracyLabel()->text().contains(points),
                 qPrintable(view.accuracyLabel()->text()));
        QCOMPARE(view.accuracyLabel()->text().contains(QStringLiteral("loses more than")), warned);
        QCOMPARE(view.notesLabel()->isVisible(), warned);
        QCOMPARE(view.notesLabel()->text().contains(QStringLiteral("Warning")), warned);
    }

    // The preselected run is the newest of the open project's file (by its recorded path),
    // never a newer run of another project; a project without runs preselects none.
    void preselectsOnlyTheOpenProjectsRuns() {
        const QString db = m_dir.filePath("experiments.db");
        auto store = tracking::ExperimentStore::open(db.toStdString());
        QVERIFY(store.ok());
        auto addRun = [&](const QString& projectPath) -> qint64 {
            tracking::RunRecord r;
            r.name = QFileInfo(projectPath).completeBaseName().toStdString();
            r.projectJson = "{}";
            r.projectPath = projectPath.toStdString();
            auto id = (*store)->createRun(r);
            if (!id || !(*store)->finishRun(*id, "completed").ok()) {
                return 0;
            }
            const QString folder =
                QString::fromStdString(tracking::runDirectory(db.toStdString(), *id).string());
            QDir().mkpath(folder);
            QFile checkpoint(QDir(folder).filePath("checkpoint.nwckpt"));
            return checkpoint.open(QIODevice::WriteOnly) ? *id : 0;
        };
        const qint64 own = addRun(QFileInfo(m_project).absoluteFilePath());
        const qint64 other = addRun(m_dir.filePath("elsewhere/other.nwproj")); // newest
        QVERIFY(own > 0 && other > own);

        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_project).ok());
        DeployPage page(document, nw::testing::cpuOnlyRegistry());
        page.show();
        QVERIFY(page.runCombo()->findData(other) >= 0); // listed, not preselected
        QCOMPARE(page.selectedRun(), own);

        // Another project file, no run of its own: nothing is preselected, Export says why.
        const QString lonely = m_dir.filePath("lonely.nwproj");
        QFile::remove(lonely);
        QVERIFY(QFile::copy(m_project, lonely));
        app::ProjectDocument lonelyDocument(m_registry);
        QVERIFY(lonelyDocument.load(lonely).ok());
        DeployPage lonelyPage(lonelyDocument, nw::testing::cpuOnlyRegistry());
        lonelyPage.show();
        QVERIFY(lonelyPage.runCombo()->count() >= 2);
        QCOMPARE(lonelyPage.selectedRun(), qint64(0));
        QCOMPARE(lonelyPage.runCombo()->currentIndex(), -1);
        QVERIFY(!lonelyPage.exportButton()->isEnabled());
        QVERIFY2(lonelyPage.exportButton()->toolTip().contains(QStringLiteral("Choose the run")),
                 qPrintable(lonelyPage.exportButton()->toolTip()));
        QVERIFY(!lonelyPage.request().ok());
        QVERIFY(lonelyPage.selectRun(other)); // the user may still choose it
        QVERIFY(lonelyPage.exportButton()->isEnabled());

        // The page follows the document to another file: that file's run, not the old choice.
        QVERIFY(page.selectRun(other));
        QVERIFY(document.load(lonely).ok());
        QCOMPARE(page.selectedRun(), qint64(0));
    }

    // The sample and the templates opened from the application's resources/ do not default
    // the output there, but to the user's documents folder.
    void defaultOutputIsNotInTheResources_data() {
        QTest::addColumn<QString>("project");
        QTest::newRow("sample") << QStringLiteral("samples/fashion-mnist-cnn.nwproj");
        QTest::newRow("template") << QStringLiteral("templates/mlp.nwproj");
    }
    void defaultOutputIsNotInTheResources() {
        QFETCH(QString, project);
        QTemporaryDir home;
        QVERIFY(home.isValid());
        const QByteArray oldHome = qgetenv("HOME"), oldConfig = qgetenv("XDG_CONFIG_HOME");
        const bool hadConfig = qEnvironmentVariableIsSet("XDG_CONFIG_HOME");
        qputenv("HOME", home.path().toUtf8());
        qunsetenv("XDG_CONFIG_HOME");
        auto restore = qScopeGuard([&] {
            qputenv("HOME", oldHome);
            if (hadConfig) {
                qputenv("XDG_CONFIG_HOME", oldConfig);
            }
        });
        const QString documents =
            QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
        QVERIFY2(documents.startsWith(home.path()), qPrintable(documents));
        QVERIFY(QDir().mkpath(documents));

        const QString path = QStringLiteral(NW_SOURCE_DIR "/resources/") + project;
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(path).ok());
        DeployPage page(document, nw::testing::cpuOnlyRegistry());
        page.show();
        const QString base = QFileInfo(path).completeBaseName();
        QCOMPARE(page.outputEdit()->text(), QDir(documents).filePath(base + ".onnx"));
        clickIndicator(page.bundleButton());
        QCOMPARE(page.outputEdit()->text(), QDir(documents).filePath(base + ".nwbundle"));

        // A copy in a folder of the user's own defaults beside itself.
        const QString copy = home.filePath(QFileInfo(path).fileName());
        QVERIFY(QFile::copy(path, copy));
        QVERIFY(document.load(copy).ok());
        QCOMPARE(page.outputEdit()->text(), home.filePath(base + ".nwbundle"));
    }

    // PASS/FAILED compares the max ABSOLUTE error with the tolerance: the page's legend and
    // the CLI's text (formatReport) say so, and a large relative error still passes.
    void legendSaysWhichErrorIsChecked() {
        ExportReportView view;
        view.show();
        app::ExportReport r;
        r.output = m_dir.filePath("x.onnx").toStdString();
        r.summary = {"wrote x.onnx"};
        r.verificationTitle = "the engine against the exported model";
        r.tolerance = 1e-4;
        r.rows = {{"logits", 2e-6, 4.8e-4, -1, 64}};
        r.verified = true;
        view.showReport(r);
        QTableWidget* table = view.verificationTable();
        QCOMPARE(table->item(0, ExportReportView::Result)->text(), QStringLiteral("PASS"));
        QCOMPARE(table->item(0, ExportReportView::MaxRel)->text(), QStringLiteral("4.800e-04"));
        const QString legend = view.verificationTitleLabel()->text();
        QVERIFY2(legend.contains(QStringLiteral("Max abs error ≤ tolerance 1e-04 passes; the "
                                                "relative error is shown for information")),
                 qPrintable(legend));
        QVERIFY(!legend.contains(QStringLiteral(", tolerance")));
        QVERIFY2(table->item(0, ExportReportView::Result)
                     ->toolTip()
                     .contains(QStringLiteral("max abs error 2.000e-06 ≤ tolerance 1e-04")),
                 qPrintable(table->item(0, ExportReportView::Result)->toolTip()));

        const QString text = QString::fromStdString(app::formatReport(r));
        QVERIFY2(text.contains(QStringLiteral("max abs error <= tolerance 1e-04 passes; the "
                                              "relative error is shown for information")),
                 qPrintable(text));
        QVERIFY(!text.contains(QStringLiteral("FAILED")));
        r.rows = {{"logits", 3e-4, 1e-5, -1, 64}}; // small relative, large absolute: fails
        r.verified = false;
        QVERIFY(QString::fromStdString(app::formatReport(r)).contains(QStringLiteral("FAILED")));
        view.showReport(r);
        QCOMPARE(table->item(0, ExportReportView::Result)->text(), QStringLiteral("FAILED"));
    }

    void screenshot() {
        const QString out = qEnvironmentVariable("NW_DEPLOY_SCREENSHOT");
        if (out.isEmpty()) {
            QSKIP("set NW_DEPLOY_SCREENSHOT=PATH to save a picture of the Deploy mode");
        }
        QVERIFY(ui::applyTheme(*qApp, qEnvironmentVariable("NW_SCREENSHOT_THEME", "light")));
        // The sample, trained for a few steps (the built-in Fashion-MNIST), saved in the
        // temporary folder so that the default outputs land there.
        QFile sample(QStringLiteral(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj"));
        QVERIFY(sample.open(QIODevice::ReadOnly));
        const QString path = m_dir.filePath("fashion-mnist-cnn.nwproj");
        QFile copy(path);
        QVERIFY(copy.open(QIODevice::WriteOnly));
        copy.write(sample.readAll());
        copy.close();
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(path).ok());
        ui::MainWindow window(document, nw::testing::cpuOnlyRegistry());
        window.setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        window.resize(1280, 800);
        window.show();
        QSignalSpy trained(window.trainingController(), &app::TrainingController::finished);
        const qint64 steps = qEnvironmentVariableIntValue("NW_DEPLOY_SCREENSHOT_STEPS");
        QVERIFY(window.trainingController()->start(
            document.project(), path, steps > 0 ? steps : 300, QStringLiteral("fashion-cnn")));
        QTRY_COMPARE_WITH_TIMEOUT(trained.count(), 1, 600000);
        QVERIFY(window.showMode(QStringLiteral("deploy")));
        DeployPage* page = window.deployPage();
        clickIndicator(page->bundleButton());
        page->int8Check()->setChecked(true);
        QString error;
        QVERIFY2(exportAndWait(*page, &error), qPrintable(error));
        QTest::qWait(200);
        QVERIFY(window.grab().save(out, "PNG"));
    }

private:
    QTemporaryDir m_dir;
    QString m_project;
    graph::OpRegistry m_registry = graph::makeCoreRegistry();
    qint64 m_runId = 0;
};

QTEST_MAIN(TestDeploy)
#include "test_deploy.moc"
