#pragma once
// The Deploy mode: export what was trained, from the IDE, through the same pipeline and with
// the same verification as `netwright-cli export` (app/export/model_export.h, run by
// app::ExportController on a worker thread).
//
// Left, the form: the model (a tracked run with a checkpoint from the experiment store, newest
// first; preselected: the last run finished in this session, else the newest run of the open
// project's file, else none; or a weights file), the format (ONNX, or the inference bundle
// with optional INT8 quantisation and its calibration size) and the output file (by default
// <name>.onnx, <name>.nwbundle or <name>-int8.nwbundle next to the project, or in the user's
// documents folder when the project's folder is not writable or the project is one bundled
// with the application: a template or the sample, from resources/). Right, the result
// (ExportReportView). The project must be saved: the export reads the project file, whose folder
// resolves the dataset's paths.
//
// The page reads the store only while it lists the runs (its own short-lived connection).

#include "app/export/model_export.h"

#include <QWidget>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace nw::app {
class ExportController;
class ProjectDocument;
} // namespace nw::app

namespace nw::ui {

class ExportReportView;

class DeployPage : public QWidget {
    Q_OBJECT
public:
    // `backends` (outliving the page) opens the device the export is verified on.
    DeployPage(app::ProjectDocument& document, const engine::BackendRegistry& backends,
               QWidget* parent = nullptr);

    // Where the store is: empty for the default (NETWRIGHT_DB, else the XDG location), the
    // same as the Train and Experiments modes.
    void setDatabasePath(const QString& path);
    QString databasePath() const;
    // Re-reads the runs that have a checkpoint, keeping the selected one.
    void reloadRuns();
    // A run finished in this session (TrainingController::finished): reloads and selects it.
    void noteRunFinished(qint64 runId);
    // Selects run `id` as the source; false when it is not listed.
    bool selectRun(qint64 id);
    qint64 selectedRun() const; // 0: none

    // The request the form describes, or what is missing (unsaved project, no run, no weights
    // file, no output, a folder that does not exist).
    Expected<app::ExportRequest> request() const;
    // What the Export button does: false (and the error shown) when refused.
    bool startExport();

    app::ExportController* controller() const { return m_controller; }
    ExportReportView* reportView() const { return m_report; }
    QRadioButton* runSourceButton() const { return m_fromRun; }
    QRadioButton* weightsSourceButton() const { return m_fromWeights; }
    QComboBox* runCombo() const { return m_runs; }
    QLineEdit* weightsEdit() const { return m_weights; }
    QRadioButton* onnxButton() const { return m_onnx; }
    QRadioButton* bundleButton() const { return m_bundle; }
    QCheckBox* int8Check() const { return m_int8; }
    QSpinBox* calibrationSpin() const { return m_calibration; }
    QLineEdit* outputEdit() const { return m_output; }
    QPushButton* exportButton() const { return m_export; }
    QProgressBar* busyIndicator() const { return m_busy; }
    QLabel* progressLabel() const { return m_progress; }
    QLabel* projectLabel() const { return m_project; }

protected:
    void showEvent(QShowEvent* event) override;

private:
    QWidget* buildForm();
    void updateProject();
    void updateControls();
    void updateDefaultOutput();
    QString defaultOutput() const;
    QString defaultOutputFolder() const;
    void chooseWeights();
    void chooseOutput();
    void setRunning(bool running);

    app::ProjectDocument& m_document;
    app::ExportController* m_controller; // first child: destroyed (and waited for) first
    QString m_databasePath;
    qint64 m_sessionRun = 0;
    QString m_autoOutput;  // the default the output field holds until the user edits it
    QString m_projectPath; // the document's file when its change was last handled
    QString m_listedProject; // the document's file when the runs were last listed

    QLabel* m_project = nullptr;
    QRadioButton* m_fromRun = nullptr;
    QRadioButton* m_fromWeights = nullptr;
    QComboBox* m_runs = nullptr;
    QLabel* m_runsMessage = nullptr;
    QLineEdit* m_weights = nullptr;
    QPushButton* m_browseWeights = nullptr;
    QButtonGroup* m_formats = nullptr;
    QRadioButton* m_onnx = nullptr;
    QRadioButton* m_bundle = nullptr;
    QCheckBox* m_int8 = nullptr;
    QSpinBox* m_calibration = nullptr;
    QLabel* m_calibrationLabel = nullptr;
    QLineEdit* m_output = nullptr;
    QPushButton* m_browseOutput = nullptr;
    QPushButton* m_export = nullptr;
    QProgressBar* m_busy = nullptr;
    QLabel* m_progress = nullptr;
    ExportReportView* m_report = nullptr;
};

} // namespace nw::ui
