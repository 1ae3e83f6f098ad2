#include "ui/main_window.h"

#include "app/project_document.h"
#include "app/training_controller.h"
#include "graph/summary.h"
#include "ui/datasets/data_page.h"
#include "ui/design_page.h"
#include "ui/experiments/experiments_page.h"
#include "ui/export/deploy_page.h"
#include "ui/training/crashed_run_bar.h"
#include "ui/training/train_page.h"
#include "ui/welcome_page.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTemporaryFile>
#include <QToolBar>
#include <QVBoxLayout>

namespace nw::ui {

MainWindow::MainWindow(app::ProjectDocument& document, const engine::BackendRegistry& backends,
                       QWidget* parent)
    : QMainWindow(parent)
    , m_document(document)
    , m_backends(backends)
    , m_pages(new QStackedWidget(this))
    , m_modes(new QActionGroup(this))
    , m_modeBar(new QToolBar(tr("Modes"), this))
    , m_design(new DesignPage(document, this))
    , m_training(new app::TrainingController(document.registry(), backends, this))
    , m_train(new TrainPage(document, *m_training, this))
    , m_experiments(new ExperimentsPage(this))
    , m_deploy(new DeployPage(document, backends, this))
    , m_totals(new QLabel(this))
    , m_problemCount(new QLabel(this)) {
    m_pages->setObjectName(QStringLiteral("pages"));
    m_crashedRuns = new CrashedRunBar(persistent(), this);
    auto* central = new QWidget(this);
    auto* column = new QVBoxLayout(central);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);
    column->addWidget(m_crashedRuns);
    column->addWidget(m_pages, 1);
    setCentralWidget(central);
    m_design->setBackends(&backends);
    m_modeBar->setObjectName(QStringLiteral("modeBar"));
    m_modeBar->setMovable(false);
    m_modeBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    addToolBar(Qt::LeftToolBarArea, m_modeBar);

    addMode(tr("Design"), m_design);
    addMode(tr("Data"), new DataPage(m_document, this));
    addMode(tr("Train"), m_train);
    addMode(tr("Experiments"), m_experiments);
    m_experiments->setTrainingController(m_training);
    connect(m_training, &app::TrainingController::finished, m_experiments,
            &ExperimentsPage::reload);
    connect(m_experiments, &ExperimentsPage::openSnapshot, this, &MainWindow::openRunSnapshot);
    auto resumeRun = [this](qint64 runId) {
        if (m_train->resumeRun(runId)) {
            showMode(tr("Train"));
        } else {
            statusBar()->showMessage(tr("A run is already in progress"), 6000);
        }
    };
    connect(m_experiments, &ExperimentsPage::resumeRequested, this, resumeRun);
    connect(m_crashedRuns, &CrashedRunBar::resumeRequested, this, resumeRun);
    connect(m_crashedRuns, &CrashedRunBar::showRequested, this, [this](qint64 runId) {
        showMode(tr("Experiments"));
        m_experiments->selectRuns({runId});
    });
    addMode(tr("Deploy"), m_deploy);
    connect(m_training, &app::TrainingController::finished, m_deploy,
            [this](const app::RunFinished& r) { m_deploy->noteRunFinished(r.runId); });
    m_modes->actions().first()->setChecked(true);

    buildMenus();
    buildWelcome();
    statusBar()->addWidget(m_totals, 1);
    statusBar()->addPermanentWidget(m_problemCount);
    m_trainingDevice = new QLabel(this);
    m_trainingDevice->setObjectName(QStringLiteral("trainingDevice"));
    m_trainingDevice->hide();
    statusBar()->addPermanentWidget(m_trainingDevice);
    connect(m_training, &app::TrainingController::runStarted, this, [this] {
        m_trainingDevice->setText(tr("Training on %1").arg(m_training->deviceDescription()));
        m_trainingDevice->show();
    });
    connect(m_training, &app::TrainingController::finished, m_trainingDevice, &QLabel::hide);
    connect(&m_document, &app::ProjectDocument::changed, this, &MainWindow::refresh);
    connect(&m_document, &app::ProjectDocument::changed, this,
            [this] { m_changedWhileImporting = m_changedWhileImporting || m_importing; });
    connect(m_design, &DesignPage::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 6000); });
    resize(1280, 800);
    if (persistent()) {
        QSettings settings;
        restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
        restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    }
    refresh();
}

void MainWindow::addMode(const QString& name, QWidget* page) {
    int index = m_pages->addWidget(page);
    QAction* action = m_modeBar->addAction(name);
    action->setCheckable(true);
    action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + index)));
    m_modes->addAction(action);
    connect(action, &QAction::triggered, this, [this, index] { m_pages->setCurrentIndex(index); });
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New"), QKeySequence::New, this, &MainWindow::newProject);
    file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::openFile);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addAction(tr("&Save"), QKeySequence::Save, this, &MainWindow::save);
    file->addAction(tr("Save &As…"), QKeySequence::SaveAs, this, &MainWindow::saveAs);
    file->addSeparator();
    m_importAction = file->addAction(tr("&Import ONNX…"), this, &MainWindow::importOnnx);
    m_importAction->setObjectName(QStringLiteral("importOnnx"));
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);

    auto fillMenu = [](QMenu* menu, const QList<QAction*>& actions) {
        for (QAction* a : actions) {
            if (a) {
                menu->addAction(a);
            } else {
                menu->addSeparator();
            }
        }
    };
    fillMenu(menuBar()->addMenu(tr("&Edit")), m_design->editActions());
    fillMenu(menuBar()->addMenu(tr("&View")), m_design->viewActions());

    QToolBar* tools = addToolBar(tr("Edit"));
    tools->setObjectName(QStringLiteral("editBar"));
    tools->setMovable(false);
    tools->setToolButtonStyle(Qt::ToolButtonTextOnly);
    for (QAction* a : m_design->editActions()) {
        if (a && (a->shortcut() == QKeySequence::Undo || a->shortcut() == QKeySequence::Redo ||
                  a->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_L))) {
            tools->addAction(a);
        }
    }
    tools->addAction(m_design->viewActions().front());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Welcome"), this, &MainWindow::showWelcome);
    help->addAction(tr("&About Netwright"), this, [this] {
        QMessageBox::about(this, tr("About Netwright"),
                           tr("<b>Netwright</b> %1<br>A desktop IDE for building, training and "
                              "shipping neural networks.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::newProject() {
    if (maybeSave()) {
        m_document.clear();
    }
}

bool MainWindow::maybeSave() {
    if (!m_document.isModified()) {
        return true;
    }
    const auto answer =
        m_prompt ? m_prompt()
                 : QMessageBox::question(
                       this, tr("Unsaved changes"),
                       tr("%1 has unsaved changes. Save them?").arg(m_document.displayName()),
                       QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel,
                       QMessageBox::Save);
    if (answer == QMessageBox::Save) {
        return save();
    }
    return answer == QMessageBox::Discard;
}

bool MainWindow::save() {
    if (m_document.filePath().isEmpty()) {
        return saveAs();
    }
    auto status = m_document.save(m_document.filePath());
    if (!status) {
        QMessageBox::warning(this, tr("Cannot save the project"),
                             QString::fromStdString(status.error().message));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(m_document.filePath()), 4000);
    return true;
}

bool MainWindow::saveAs() {
    QString path = askForFile({FileQuestion::Save, tr("Save project as"), m_document.filePath(),
                               tr("Netwright projects (*.nwproj)")});
    if (path.isEmpty()) {
        return false;
    }
    if (!path.endsWith(QStringLiteral(".nwproj"))) {
        path += QStringLiteral(".nwproj");
    }
    auto status = m_document.save(path);
    if (!status) {
        QMessageBox::warning(this, tr("Cannot save the project"),
                             QString::fromStdString(status.error().message));
        return false;
    }
    return true;
}

qint64 MainWindow::checkForCrashedRuns() {
    return m_crashedRuns->check(m_training->databasePath());
}

bool MainWindow::persistent() {
    return !QCoreApplication::organizationName().isEmpty();
}

namespace {

// An absolute path, canonical when the file exists; empty for what a recent list must not hold.
QString recentEntry(const QString& file) {
    if (file.isEmpty() || file.startsWith(QLatin1Char(':'))) { // a resource (a built-in template)
        return {};
    }
    const QFileInfo info(file);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

} // namespace

QStringList MainWindow::openableRecentFiles(const QStringList& stored) {
    QStringList files;
    for (const QString& file : stored) {
        const QString path = QDir::isAbsolutePath(file) ? recentEntry(file) : QString();
        if (!path.isEmpty() && !files.contains(path) && files.size() < kMaxRecentFiles) {
            files << path;
        }
    }
    return files;
}

QStringList MainWindow::recentFiles() const {
    // Settings written by older versions may hold relative paths: they are dropped here.
    return persistent() ? openableRecentFiles(
                              QSettings().value(QStringLiteral("recentFiles")).toStringList())
                        : m_recent;
}

void MainWindow::rememberFile(const QString& file) {
    // Built-in templates (":/templates/...") are not the user's files; the others are kept
    // absolute and canonical, so a recent project opens whatever the working directory is
    // and is listed once however it was reached.
    const QString path = recentEntry(file);
    if (path.isEmpty()) {
        return;
    }
    const QStringList files = openableRecentFiles(QStringList{path} + recentFiles());
    m_recent = files;
    if (persistent()) {
        QSettings().setValue(QStringLiteral("recentFiles"), files);
    }
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList files = recentFiles();
    for (int i = 0; i < files.size(); ++i) {
        const QString path = files[i];
        m_recentMenu->addAction(QStringLiteral("&%1  %2").arg(i + 1).arg(path), this, [this, path] {
            if (!maybeSave()) {
                return;
            }
            if (auto status = m_document.load(path); !status) {
                QMessageBox::warning(this, tr("Cannot open project"),
                                     QString::fromStdString(status.error().message));
            }
        });
    }
    m_recentMenu->setEnabled(!files.isEmpty());
    if (m_welcome) {
        m_welcome->setRecentFiles(files);
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (m_training->isActive()) {
        const bool stop =
            m_stopRunPrompt
                ? m_stopRunPrompt()
                : QMessageBox::question(this, tr("Training in progress"),
                                        tr("A training run is in progress. Stop it and close? What "
                                           "it recorded so far is kept.")) == QMessageBox::Yes;
        if (!stop) {
            event->ignore();
            return;
        }
    }
    if (maybeSave()) {
        m_training->stopAndWait(); // the run's end (status, checkpoint) is recorded first
        if (persistent()) {
            QSettings settings;
            settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
            settings.setValue(QStringLiteral("window/state"), saveState());
        }
        event->accept();
    } else {
        event->ignore();
    }
}

bool MainWindow::showMode(const QString& name) {
    const QList<QAction*> actions = m_modes->actions();
    for (int i = 0; i < actions.size(); ++i) {
        if (actions[i]->text().remove(QLatin1Char('&')).compare(name, Qt::CaseInsensitive) == 0) {
            actions[i]->setChecked(true);
            m_pages->setCurrentIndex(i);
            return true;
        }
    }
    return false;
}

// The snapshot opens as unsaved changes to the file it came from (dataset paths resolve as
// when it was trained); saving it writes the snapshot there, "Save As" keeps both.
void MainWindow::openRunSnapshot(const QString& projectJson, const QString& projectPath) {
    if (!maybeSave()) {
        return;
    }
    QTemporaryFile file(QDir::tempPath() + QStringLiteral("/netwright-run-XXXXXX.nwproj"));
    if (!file.open() || file.write(projectJson.toUtf8()) < 0 || !file.flush()) {
        statusBar()->showMessage(tr("Cannot write a temporary file for the run's project"), 6000);
        return;
    }
    if (auto s = m_document.restoreRecovery(file.fileName(), projectPath); !s) {
        QMessageBox::warning(this, tr("Cannot open the run's project"),
                             QString::fromStdString(s.error().message));
        return;
    }
    showMode(tr("Design"));
}

void MainWindow::openFile() {
    if (!maybeSave()) {
        return;
    }
    QString path = askForFile(
        {FileQuestion::Open, tr("Open project"), QString(), tr("Netwright projects (*.nwproj)")});
    if (path.isEmpty()) {
        return;
    }
    auto status = m_document.load(path);
    if (!status) {
        QMessageBox::warning(this, tr("Cannot open project"),
                             QString::fromStdString(status.error().message));
    }
}

QString MainWindow::askForFile(const FileQuestion& q) {
    if (m_fileDialog) {
        return m_fileDialog(q);
    }
    return q.kind == FileQuestion::Open
               ? QFileDialog::getOpenFileName(this, q.title, q.start, q.filter)
               : QFileDialog::getSaveFileName(this, q.title, q.start, q.filter);
}

QString MainWindow::problemCountText() const {
    return m_problemCount->text();
}

QString MainWindow::totalsText() const {
    auto summary = graph::summarize(m_document.project().graph, m_document.analysis());
    const QString params =
        summary.frozenParams > 0
            ? tr("%1 trainable, %2 frozen parameters")
                  .arg(QString::fromStdString(graph::formatCount(summary.totals.trainableParams)),
                       QString::fromStdString(graph::formatCount(summary.frozenParams)))
            : tr("%1 parameters")
                  .arg(QString::fromStdString(graph::formatCount(summary.totals.trainableParams)));
    return tr("%1  ·  %2 per sample  ·  %3 of weights  ·  %4 of activations per sample")
        .arg(params, QString::fromStdString(graph::formatFlops(summary.totals.flops)),
             QString::fromStdString(graph::formatBytes(summary.parameterBytes)),
             QString::fromStdString(graph::formatBytes(summary.activationBytesPerSample)));
}

void MainWindow::refresh() {
    if (m_document.filePath() != m_lastPath) { // opened or saved under a new name
        m_lastPath = m_document.filePath();
        rememberFile(m_lastPath);
    }
    setWindowTitle(tr("%1[*] — Netwright").arg(m_document.displayName()));
    setWindowModified(m_document.isModified());
    setWindowFilePath(m_document.filePath());
    m_totals->setText(totalsText());
    const auto& analysis = m_document.analysis();
    auto errors = analysis.errorCount();
    auto warnings = analysis.problems.size() - errors;
    QStringList counts;
    if (errors > 0) {
        counts << (errors == 1 ? tr("1 error") : tr("%1 errors").arg(errors));
    }
    if (warnings > 0) {
        counts << (warnings == 1 ? tr("1 warning") : tr("%1 warnings").arg(warnings));
    }
    // An empty graph (a new project, the welcome page) has nothing to report yet.
    m_problemCount->setText(m_document.graph().nodes().empty() ? QString()
                            : counts.isEmpty()                 ? tr("Valid")
                                                               : counts.join(QStringLiteral(", ")));
}

} // namespace nw::ui
