#pragma once
// The IDE's main window: modes along the side (Design, Data, Train, Experiments, Deploy),
// a menu bar and toolbar, and a status bar with the model's totals. It hosts pages; it does
// not know their insides. It owns file handling (new, open, open recent, save, save as, import
// ONNX), asks before unsaved changes are lost, and restores its geometry and layout on restart.

#include "engine/core/backend_registry.h"
#include "ui/datasets/background_jobs.h"

#include <QMainWindow>
#include <QMessageBox>
#include <QPointer>
#include <functional>

class QAction;
class QActionGroup;
class QLabel;
class QStackedWidget;

namespace nw::app {
struct ImportReport;
class ProjectDocument;
class TrainingController;
} // namespace nw::app

namespace nw::ui {

class CrashedRunBar;
class DeployPage;
class DesignPage;
class WelcomePage;
class ExperimentsPage;
class TrainPage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `backends` (outliving the window): the devices the Train and Deploy modes offer.
    MainWindow(app::ProjectDocument& document, const engine::BackendRegistry& backends,
               QWidget* parent = nullptr);

    DesignPage* designPage() const { return m_design; }
    // The welcome page (main_window_welcome.cpp): shown at start without a project, and from
    // Help > Welcome; opening or starting a project from it switches to Design.
    WelcomePage* welcomePage() const { return m_welcome; }
    void showWelcome();
    bool isWelcomeShown() const;
    TrainPage* trainPage() const { return m_train; }
    ExperimentsPage* experimentsPage() const { return m_experiments; }
    DeployPage* deployPage() const { return m_deploy; }
    app::TrainingController* trainingController() const { return m_training; }
    // Offers to resume the newest crashed run of the training store (ui/training/
    // crashed_run_bar.h), as the IDE does once its window is shown; returns its id, 0: none.
    qint64 checkForCrashedRuns();
    CrashedRunBar* crashedRunBar() const { return m_crashedRuns; }
    // Switches to the mode named `name` (case-insensitive: "design", "train", ...); false when
    // there is no such mode.
    bool showMode(const QString& name);
    // Replaces the question closing asks while a run is active (true: stop it and close).
    void setStopRunPrompt(std::function<bool()> prompt) { m_stopRunPrompt = std::move(prompt); }
    // The status bar's model totals, e.g. "421,834 parameters · 8.67 MFLOPs · ...".
    QString totalsText() const;
    // The status bar's problem count: "Valid", "1 error, 2 warnings", or empty for an empty
    // graph.
    QString problemCountText() const;
    // What the welcome page's cards do: open `path`, or (asTemplate) start a new unsaved
    // project from it, after offering to save the current one.
    void openFromWelcome(const QString& path, bool asTemplate);

    // With unsaved changes, asks Save / Discard / Cancel; true when it is fine to go on
    // (saved, discarded, or nothing to save).
    bool maybeSave();
    // Replaces the question maybeSave() asks (tests answer it without a dialog).
    void setUnsavedChangesPrompt(std::function<QMessageBox::StandardButton()> prompt) {
        m_prompt = std::move(prompt);
    }
    bool save();
    bool saveAs();

    // A question the file dialogs ask (Open, Save As, Import ONNX): which file to open or to
    // write, starting at `start` (a folder, or the proposed file), among `filter`'s files.
    struct FileQuestion {
        enum Kind { Open, Save };
        Kind kind = Open;
        QString title;
        QString start;
        QString filter;
    };
    // Replaces the file dialogs (tests answer them without one); an empty answer cancels.
    void setFileDialog(std::function<QString(const FileQuestion&)> dialog) {
        m_fileDialog = std::move(dialog);
    }

    // File > Import ONNX… (main_window_import.cpp): after offering to save the current
    // project, asks for the .onnx model, then for the project to write (the model's name
    // with .nwproj, beside it), and imports it off the UI thread (app/export/model_import.h:
    // project and weights, verified against the model). Success opens the written project in
    // Design and shows the report; a failure shows the error and changes nothing.
    void importOnnx();
    bool isImporting() const { return m_importing; }
    // The last import's report or error, shown without blocking; null once it is closed.
    QMessageBox* importResult() const { return m_importResult; }
    // Most recent first, at most kMaxRecentFiles. Kept in QSettings, together with the window
    // geometry and dock/toolbar state, when the application has an organization name (the IDE
    // sets one; tests do not, so they never touch the user's settings).
    QStringList recentFiles() const;
    static constexpr int kMaxRecentFiles = 8;
    // The entries of a stored recent list that can be opened from anywhere: absolute paths,
    // canonical where the file exists (symbolic links and "." / ".." resolved), so one project
    // is listed once. Relative entries (whose directory is unknown) and resources are dropped,
    // as are duplicates; order kept, at most kMaxRecentFiles.
    static QStringList openableRecentFiles(const QStringList& stored);

signals:
    // An import ended: `opened` true when the imported project is now the document's.
    void importFinished(bool opened);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void addMode(const QString& name, QWidget* page);
    void refresh();
    void openFile();
    void newProject();
    static bool persistent();
    void rememberFile(const QString& path);
    void rebuildRecentMenu();
    void buildWelcome();
    void openRunSnapshot(const QString& projectJson, const QString& projectPath);
    QString askForFile(const FileQuestion& question);
    void setImporting(bool importing);
    void finishImport(const Expected<app::ImportReport>& imported, const QString& model,
                      const QString& project, bool changedMeanwhile);
    void showImportResult(QMessageBox::Icon icon, const QString& text, const QString& details);

    app::ProjectDocument& m_document;
    const engine::BackendRegistry& m_backends;
    QStackedWidget* m_pages;
    QActionGroup* m_modes;
    QToolBar* m_modeBar;
    DesignPage* m_design;
    app::TrainingController* m_training;
    TrainPage* m_train;
    ExperimentsPage* m_experiments;
    DeployPage* m_deploy;
    std::function<bool()> m_stopRunPrompt;
    QLabel* m_totals;
    QLabel* m_problemCount;
    QLabel* m_trainingDevice; // "Training on <device>" while a run is on
    std::function<QMessageBox::StandardButton()> m_prompt;
    QMenu* m_recentMenu = nullptr;
    QStringList m_recent; // used when not persistent
    QString m_lastPath;
    WelcomePage* m_welcome = nullptr;
    CrashedRunBar* m_crashedRuns = nullptr;
    std::function<QString(const FileQuestion&)> m_fileDialog;
    QAction* m_importAction = nullptr;
    bool m_importing = false;
    bool m_changedWhileImporting = false; // edited or replaced while the import ran
    QPointer<QMessageBox> m_importResult;
    BackgroundJobs m_jobs; // last: destroying the window waits for a running import
};

} // namespace nw::ui
