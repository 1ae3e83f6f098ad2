// MainWindow's File > Import ONNX…: app::importModel (the service `netwright-cli import` runs)
// on a background thread, then the written project opened as Open opens one, with the
// import's report beside it.
#include "app/export/model_import.h"
#include "app/project_document.h"
#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QStatusBar>
#include <exception>
#include <memory>
#include <optional>

namespace nw::ui {

namespace {

// The report as a message box's details: what was written, the verification (PASS/FAILED per
// output, or why it did not run) and the importer's notes.
QString reportDetails(const app::ImportReport& report) {
    QString text = QString::fromStdString(app::formatImportReport(report)).trimmed();
    if (!report.notes.empty()) {
        text += QStringLiteral("\n\n") + QCoreApplication::translate("MainWindow", "Notes:");
        for (const auto& note : report.notes) {
            text += QStringLiteral("\n  ") + QString::fromStdString(note);
        }
    }
    return text;
}

} // namespace

void MainWindow::importOnnx() {
    if (m_importing || !maybeSave()) {
        return;
    }
    const QString start =
        m_document.filePath().isEmpty() ? QString() : QFileInfo(m_document.filePath()).path();
    const QString model = askForFile({FileQuestion::Open, tr("Import ONNX model"), start,
                                      tr("ONNX models (*.onnx);;All files (*)")});
    if (model.isEmpty()) {
        return;
    }
    const QFileInfo modelInfo(model);
    QString project = askForFile(
        {FileQuestion::Save, tr("Save the imported project as"),
         modelInfo.dir().filePath(modelInfo.completeBaseName() + QStringLiteral(".nwproj")),
         tr("Netwright projects (*.nwproj)")});
    if (project.isEmpty()) {
        return;
    }
    if (!project.endsWith(QStringLiteral(".nwproj"))) {
        project += QStringLiteral(".nwproj");
    }

    app::ImportRequest request;
    request.model = modelInfo.absoluteFilePath().toStdString();
    request.project = QFileInfo(project).absoluteFilePath().toStdString();
    request.registry = &m_document.registry(); // plugin ops import too
    // Written by the worker, read once it has ended.
    auto result = std::make_shared<std::optional<Expected<app::ImportReport>>>();
    setImporting(true);
    statusBar()->showMessage(tr("Importing %1…").arg(modelInfo.fileName()));
    m_jobs.run(
        this,
        [request, result, &backends = m_backends] {
            try {
                result->emplace(app::importModel(request, backends));
            } catch (const std::exception& e) { // an internal failure must not end the IDE
                result->emplace(Error::internal(std::string("import failed: ") + e.what()));
            }
        },
        [this, result, model, project = QFileInfo(project).absoluteFilePath()] {
            const bool changed = m_changedWhileImporting;
            setImporting(false);
            finishImport(**result, model, project, changed);
        });
}

void MainWindow::finishImport(const Expected<app::ImportReport>& imported, const QString& model,
                              const QString& project, bool changedMeanwhile) {
    const QString modelName = QFileInfo(model).fileName();
    if (!imported) {
        statusBar()->showMessage(tr("Cannot import %1").arg(modelName), 6000);
        showImportResult(QMessageBox::Warning, tr("Cannot import %1").arg(modelName),
                         QString::fromStdString(imported.error().message));
        emit importFinished(false);
        return;
    }
    const QString details = reportDetails(*imported);
    // Edited, or another project opened, while the import ran: ask again, as Open does.
    if (changedMeanwhile && !maybeSave()) {
        statusBar()->showMessage(tr("Imported into %1, not opened").arg(project), 6000);
        showImportResult(QMessageBox::Information, tr("Imported into %1").arg(project), details);
        emit importFinished(false);
        return;
    }
    if (auto status = m_document.load(project); !status) {
        showImportResult(QMessageBox::Warning, tr("Cannot open the imported project"),
                         QString::fromStdString(status.error().message));
        emit importFinished(false);
        return;
    }
    showMode(tr("Design"));
    const bool passed = imported->verified && imported->unverifiedReason.empty();
    const QString verdict = !imported->unverifiedReason.empty()
                                ? tr("imported; its output was not compared with the model")
                            : passed
                                ? tr("imported; the output matches the model (PASS)")
                                : tr("imported, but the output differs from the model (FAILED)");
    const QString headline = QStringLiteral("%1: %2").arg(modelName, verdict);
    statusBar()->showMessage(headline, 6000);
    showImportResult(passed ? QMessageBox::Information : QMessageBox::Warning, headline, details);
    emit importFinished(true);
}

void MainWindow::setImporting(bool importing) {
    if (importing == m_importing) {
        return;
    }
    m_importing = importing;
    m_changedWhileImporting = false;
    m_importAction->setEnabled(!importing);
    if (importing) {
        QApplication::setOverrideCursor(Qt::BusyCursor); // the window stays usable
    } else {
        QApplication::restoreOverrideCursor();
    }
}

// Without blocking (open(), not exec()): the window stays usable and tests read the box.
void MainWindow::showImportResult(QMessageBox::Icon icon, const QString& text,
                                  const QString& details) {
    if (m_importResult) {
        m_importResult->close();
    }
    auto* box = new QMessageBox(icon, tr("Import ONNX"), text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("importResult"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextFormat(Qt::PlainText);
    box->setInformativeText(details);
    m_importResult = box;
    box->open();
}

} // namespace nw::ui
