#include "ui/export/deploy_page.h"

#include "app/export_controller.h"
#include "app/project_document.h"
#include "engine/tracking/store.h"
#include "ui/export/export_report_view.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <filesystem>
#include <memory>

namespace nw::ui {

namespace {

namespace fs = std::filesystem;

struct RunChoice {
    qint64 id = 0;
    QString text;
    QString toolTip;
    bool sameProject = false;
};

bool hasCheckpoint(tracking::ExperimentStore& store, const fs::path& database, qint64 id) {
    std::error_code ec;
    if (auto artifacts = store.artifacts(id)) {
        for (const auto& a : *artifacts) {
            if (a.kind == "checkpoint" && fs::exists(a.path, ec)) {
                return true;
            }
        }
    }
    return fs::exists(tracking::runDirectory(database, id) / "checkpoint.nwckpt", ec);
}

double bestOf(tracking::ExperimentStore& store, qint64 id, const char* metric) {
    double best = -1;
    if (auto points = store.metrics(id, metric)) {
        for (const auto& p : *points) {
            best = std::max(best, p.value);
        }
    }
    return best;
}

// The store's runs that have a checkpoint on disk, newest first. No store yet: none.
Expected<std::vector<RunChoice>> listRuns(const fs::path& database, const QString& projectPath) {
    std::error_code ec;
    if (!fs::exists(database, ec)) {
        return std::vector<RunChoice>{};
    }
    auto store = tracking::ExperimentStore::open(database, /*recover=*/false);
    if (!store) {
        return store.error();
    }
    auto runs = (*store)->runSummaries();
    if (!runs) {
        return runs.error();
    }
    const QString project = QFileInfo(projectPath).absoluteFilePath();
    std::vector<RunChoice> out;
    for (const auto& run : *runs) {
        if (!hasCheckpoint(**store, database, run.id)) {
            continue;
        }
        RunChoice c;
        c.id = run.id;
        const QString runProject = QString::fromStdString(run.projectPath);
        c.sameProject =
            !projectPath.isEmpty() && QFileInfo(runProject).absoluteFilePath() == project;
        QStringList parts{QObject::tr("Run %1").arg(run.id)};
        if (!run.name.empty()) {
            parts << QString::fromStdString(run.name);
        }
        if (run.status != "completed") {
            parts << QString::fromStdString(run.status);
        }
        if (const double test = bestOf(**store, run.id, "test/accuracy"); test >= 0) {
            parts << QObject::tr("%1% test").arg(100 * test, 0, 'f', 2);
        }
        parts << QDateTime::fromSecsSinceEpoch(qint64(run.startedAt))
                     .toString(QStringLiteral("d MMM HH:mm"));
        if (!c.sameProject) {
            parts << QObject::tr("from %1").arg(QFileInfo(runProject).fileName());
        }
        c.text = parts.join(QStringLiteral("  ·  "));
        c.toolTip = QObject::tr("Run %1 (%2), trained from %3")
                        .arg(run.id)
                        .arg(QString::fromStdString(run.status), runProject);
        out.push_back(std::move(c));
    }
    return out;
}

// True for a project bundled with the application: a Qt resource (":/samples/…"), or a copy
// of one on disk, <…>/resources/<sub>/<file> where ":/<sub>/<file>" is compiled in (the
// source tree's resources/ or an installed copy of it).
bool isApplicationResource(const QString& projectPath) {
    if (projectPath.startsWith(QLatin1Char(':'))) {
        return true;
    }
    const QString path = QFileInfo(projectPath).canonicalFilePath();
    const QString marker = QStringLiteral("/resources/");
    for (qsizetype at = path.lastIndexOf(marker); at >= 0;
         at = at > 0 ? path.lastIndexOf(marker, at - 1) : -1) {
        if (QFileInfo::exists(QStringLiteral(":/") + path.mid(at + marker.size()))) {
            return true;
        }
    }
    return false;
}

QLabel* muted(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

} // namespace

DeployPage::DeployPage(app::ProjectDocument& document, const engine::BackendRegistry& backends,
                       QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_controller(new app::ExportController(backends, this)) {
    m_report = new ExportReportView(this);
    auto* resultArea = new QScrollArea(this);
    resultArea->setWidgetResizable(true);
    resultArea->setFrameShape(QFrame::NoFrame);
    auto* result = new QWidget(resultArea);
    auto* resultLayout = new QVBoxLayout(result);
    auto* title = new QLabel(tr("Result"), result);
    QFont big = title->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.25);
    title->setFont(big);
    resultLayout->addWidget(title);
    resultLayout->addWidget(m_report, 1);
    resultArea->setWidget(result);

    auto* splitter = new QSplitter(this);
    splitter->addWidget(buildForm());
    splitter->addWidget(resultArea);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({480, 800});
    splitter->setChildrenCollapsible(false);
    (new QHBoxLayout(this))->addWidget(splitter);

    connect(m_controller, &app::ExportController::runningChanged, this, &DeployPage::setRunning);
    connect(m_controller, &app::ExportController::progress, m_progress, &QLabel::setText);
    auto elapsed = std::make_shared<QElapsedTimer>();
    connect(m_controller, &app::ExportController::runningChanged, this, [elapsed](bool running) {
        if (running) {
            elapsed->start();
        }
    });
    connect(m_controller, &app::ExportController::finished, this,
            [this, elapsed](const app::ExportReport& report) {
                m_report->showReport(report);
                m_progress->setText(
                    tr("Finished in %1 s").arg(double(elapsed->elapsed()) / 1000.0, 0, 'f', 1));
            });
    connect(m_controller, &app::ExportController::failed, this, [this](const QString& message) {
        m_report->showError(message);
        m_progress->clear();
    });
    connect(&m_document, &app::ProjectDocument::changed, this, &DeployPage::updateProject);
    updateProject();
    setRunning(false);
}

QWidget* DeployPage::buildForm() {
    auto* form = new QWidget(this);
    form->setMinimumWidth(400);
    auto* layout = new QVBoxLayout(form);

    // The model: the project file and its weights.
    auto* model = new QGroupBox(tr("Model"), form);
    auto* modelGrid = new QGridLayout(model);
    m_project = new QLabel(model);
    m_project->setWordWrap(true);
    m_project->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_fromRun = new QRadioButton(tr("Tracked run"), model);
    m_fromWeights = new QRadioButton(tr("Weights file"), model);
    m_fromRun->setChecked(true);
    m_runs = new QComboBox(model);
    m_runs->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_runs->setMinimumContentsLength(20);
    m_runs->setPlaceholderText(tr("Choose a run…"));
    connect(m_runs, &QComboBox::currentIndexChanged, this, &DeployPage::updateControls);
    auto* reload = new QToolButton(model);
    reload->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));
    reload->setToolTip(tr("Re-read the runs"));
    m_runsMessage = muted(QString(), model);
    m_weights = new QLineEdit(model);
    m_weights->setPlaceholderText(tr("A .nwweights file (netwright-cli train --save-weights)"));
    connect(m_weights, &QLineEdit::textChanged, this, &DeployPage::updateControls);
    m_browseWeights = new QPushButton(tr("Browse…"), model);
    // Each choice on its line, its field indented below it at the group's full width.
    modelGrid->setColumnMinimumWidth(0, 24);
    modelGrid->addWidget(m_project, 0, 0, 1, 3);
    modelGrid->addWidget(m_fromRun, 1, 0, 1, 3);
    modelGrid->addWidget(m_runs, 2, 1);
    modelGrid->addWidget(reload, 2, 2);
    modelGrid->addWidget(m_runsMessage, 3, 1, 1, 2);
    modelGrid->addWidget(m_fromWeights, 4, 0, 1, 3);
    modelGrid->addWidget(m_weights, 5, 1);
    modelGrid->addWidget(m_browseWeights, 5, 2);
    modelGrid->setColumnStretch(1, 1);
    layout->addWidget(model);

    // The format.
    auto* format = new QGroupBox(tr("Format"), form);
    auto* formatGrid = new QGridLayout(format);
    m_onnx = new QRadioButton(tr("ONNX"), format);
    m_bundle = new QRadioButton(tr("Inference bundle"), format);
    m_formats = new QButtonGroup(this);
    m_formats->addButton(m_onnx);
    m_formats->addButton(m_bundle);
    m_onnx->setChecked(true);
    m_int8 = new QCheckBox(tr("INT8 quantisation"), format);
    m_int8->setToolTip(tr("Post-training quantisation of the convolutions and dense layers, "
                          "their activation ranges calibrated on training samples"));
    m_calibrationLabel = new QLabel(tr("Calibration samples"), format);
    m_calibration = new QSpinBox(format);
    m_calibration->setRange(1, 1000000);
    m_calibration->setValue(int(app::ExportRequest{}.calibration));
    m_calibration->setGroupSeparatorShown(true);
    m_calibrationLabel->setBuddy(m_calibration);
    auto* indent = new QHBoxLayout;
    indent->setContentsMargins(24, 0, 0, 0);
    indent->addWidget(m_calibrationLabel);
    indent->addWidget(m_calibration);
    indent->addStretch(1);
    formatGrid->addWidget(m_onnx, 0, 0);
    formatGrid->addWidget(muted(tr("Portable: ONNX Runtime and other runtimes; checked by the "
                                   "ONNX checker and shape inference."),
                                format),
                          1, 0);
    formatGrid->addWidget(m_bundle, 2, 0);
    formatGrid->addWidget(muted(tr("For libnetwright_rt: fused layers, weights laid out for "
                                   "this CPU's kernels."),
                                format),
                          3, 0);
    auto* int8Row = new QHBoxLayout;
    int8Row->setContentsMargins(24, 0, 0, 0);
    int8Row->addWidget(m_int8);
    formatGrid->addLayout(int8Row, 4, 0);
    formatGrid->addLayout(indent, 5, 0);
    layout->addWidget(format);

    // The output file.
    auto* output = new QGroupBox(tr("Output file"), form);
    auto* outputRow = new QHBoxLayout(output);
    m_output = new QLineEdit(output);
    connect(m_output, &QLineEdit::textChanged, m_output, &QLineEdit::setToolTip);
    connect(m_output, &QLineEdit::textChanged, this, &DeployPage::updateControls);
    m_browseOutput = new QPushButton(tr("Save As…"), output);
    outputRow->addWidget(m_output, 1);
    outputRow->addWidget(m_browseOutput);
    layout->addWidget(output);

    // Export, its busy indicator and the pipeline's messages.
    m_export = new QPushButton(tr("Export"), form);
    m_export->setDefault(true);
    m_export->setMinimumHeight(m_export->sizeHint().height() * 5 / 4);
    QFont bold = m_export->font();
    bold.setBold(true);
    m_export->setFont(bold);
    m_busy = new QProgressBar(form);
    m_busy->setRange(0, 0);
    m_busy->setTextVisible(false);
    m_busy->setMaximumHeight(6);
    m_progress = muted(QString(), form);
    layout->addWidget(m_export);
    layout->addWidget(m_busy);
    layout->addWidget(m_progress);
    layout->addStretch(1);

    connect(reload, &QToolButton::clicked, this, &DeployPage::reloadRuns);
    connect(m_fromRun, &QRadioButton::toggled, this, &DeployPage::updateControls);
    connect(m_bundle, &QRadioButton::toggled, this, [this] {
        updateControls();
        updateDefaultOutput();
    });
    connect(m_int8, &QCheckBox::toggled, this, [this] {
        updateControls();
        updateDefaultOutput();
    });
    connect(m_browseWeights, &QPushButton::clicked, this, &DeployPage::chooseWeights);
    connect(m_browseOutput, &QPushButton::clicked, this, &DeployPage::chooseOutput);
    connect(m_export, &QPushButton::clicked, this, &DeployPage::startExport);
    return form;
}

void DeployPage::setDatabasePath(const QString& path) {
    m_databasePath = path;
    reloadRuns();
}

QString DeployPage::databasePath() const {
    return QString::fromStdString(
        tracking::defaultDatabasePath(m_databasePath.toStdString()).string());
}

void DeployPage::reloadRuns() {
    // Another project: its own newest run, not the one picked for the previous project.
    const qint64 selected = m_listedProject == m_document.filePath() ? selectedRun() : 0;
    m_listedProject = m_document.filePath();
    auto runs = listRuns(databasePath().toStdString(), m_document.filePath());
    m_runs->clear();
    if (!runs) {
        m_runsMessage->setText(QString::fromStdString(runs.error().message));
        m_runsMessage->setVisible(true);
        updateControls();
        return;
    }
    int preferred = -1, sameProject = -1;
    for (const RunChoice& c : *runs) {
        QString text = c.text;
        if (c.id == m_sessionRun) {
            text += tr("  ·  this session");
        }
        m_runs->addItem(text, c.id);
        m_runs->setItemData(m_runs->count() - 1, c.toolTip, Qt::ToolTipRole);
        if (c.id == selected || (selected == 0 && c.id == m_sessionRun && c.sameProject)) {
            preferred = m_runs->count() - 1;
        }
        if (sameProject < 0 && c.sameProject) {
            sameProject = m_runs->count() - 1;
        }
    }
    // Never another project's run unless chosen: none when the open project has no run.
    m_runs->setCurrentIndex(preferred >= 0 ? preferred : sameProject);
    m_runsMessage->setText(m_runs->count() > 0
                               ? QString()
                               : tr("No run with a checkpoint yet: train the model in the Train "
                                    "mode (or with netwright-cli train)."));
    m_runsMessage->setVisible(!m_runsMessage->text().isEmpty());
    updateControls();
}

void DeployPage::noteRunFinished(qint64 runId) {
    if (runId <= 0) {
        return;
    }
    m_sessionRun = runId;
    reloadRuns();
    selectRun(runId);
}

bool DeployPage::selectRun(qint64 id) {
    const int i = m_runs->findData(id);
    if (i < 0) {
        return false;
    }
    m_runs->setCurrentIndex(i);
    m_fromRun->setChecked(true);
    return true;
}

qint64 DeployPage::selectedRun() const {
    return m_runs->currentIndex() >= 0 ? m_runs->currentData().toLongLong() : 0;
}

void DeployPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (!m_controller->isRunning()) {
        reloadRuns(); // runs of other processes (netwright-cli train) too
    }
}

void DeployPage::updateProject() {
    const QString path = m_document.filePath();
    if (path != m_projectPath) { // another project: its runs first
        m_projectPath = path;
        if (isVisible() && !m_controller->isRunning()) { // else showEvent() lists them
            reloadRuns();
        }
    }
    if (path.isEmpty()) {
        m_project->setText(tr("<b>Save the project first</b> (File › Save As…): the export "
                              "reads the project file, whose folder resolves the dataset."));
    } else {
        QString text =
            tr("<b>Project:</b> %1")
                .arg(QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath()).toHtmlEscaped());
        if (m_document.isModified()) {
            text += tr("<br>It has unsaved changes: the saved file is what is exported with "
                       "a weights file; a run exports the graph it trained.");
        }
        m_project->setText(text);
    }
    updateDefaultOutput();
    updateControls();
}

QString DeployPage::defaultOutput() const {
    const QString path = m_document.filePath();
    if (path.isEmpty()) {
        return {};
    }
    const QFileInfo info(path);
    const QString suffix = !m_bundle->isChecked() ? QStringLiteral(".onnx")
                           : m_int8->isChecked()  ? QStringLiteral("-int8.nwbundle")
                                                  : QStringLiteral(".nwbundle");
    return QDir(defaultOutputFolder()).filePath(info.completeBaseName() + suffix);
}

QString DeployPage::defaultOutputFolder() const {
    const QString path = m_document.filePath();
    const QFileInfo folder(QFileInfo(path).absolutePath());
    if (!path.isEmpty() && !isApplicationResource(path) && folder.isDir() && folder.isWritable()) {
        return folder.absoluteFilePath();
    }
    const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return !documents.isEmpty() && QFileInfo(documents).isDir() ? documents : QDir::homePath();
}

void DeployPage::updateDefaultOutput() {
    const QString next = defaultOutput();
    if (m_output->text().isEmpty() || m_output->text() == m_autoOutput) {
        m_output->setText(next);
    }
    m_autoOutput = next;
}

void DeployPage::updateControls() {
    const bool running = m_controller->isRunning();
    const bool fromRun = m_fromRun->isChecked();
    const bool bundle = m_bundle->isChecked();
    m_runs->setEnabled(!running && fromRun && m_runs->count() > 0);
    m_weights->setEnabled(!running && !fromRun);
    m_browseWeights->setEnabled(!running && !fromRun);
    m_int8->setEnabled(!running && bundle);
    m_calibration->setEnabled(!running && bundle && m_int8->isChecked());
    m_calibrationLabel->setEnabled(m_calibration->isEnabled());
    QString missing;
    if (m_document.filePath().isEmpty()) {
        missing = tr("Save the project first: the export reads the project file");
    } else if (fromRun && m_runs->count() == 0) {
        missing = tr("No tracked run with a checkpoint: train the model first, or choose a "
                     "weights file");
    } else if (fromRun && selectedRun() <= 0) {
        missing = tr("Choose the run to export: none was trained from this project file");
    } else if (!fromRun && m_weights->text().trimmed().isEmpty()) {
        missing = tr("Choose the weights file to export");
    } else if (m_output->text().trimmed().isEmpty()) {
        missing = tr("Choose the output file");
    }
    m_export->setEnabled(!running && missing.isEmpty());
    m_export->setToolTip(missing);
}

void DeployPage::setRunning(bool running) {
    for (QWidget* w : std::initializer_list<QWidget*>{m_fromRun, m_fromWeights, m_onnx, m_bundle,
                                                      m_output, m_browseOutput}) {
        w->setEnabled(!running);
    }
    m_busy->setVisible(running);
    m_export->setText(running ? tr("Exporting…") : tr("Export"));
    updateControls();
}

void DeployPage::chooseWeights() {
    const QString start = m_weights->text().isEmpty()
                              ? QFileInfo(m_document.filePath()).absolutePath()
                              : m_weights->text();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Trained weights"), start, tr("Netwright weights (*.nwweights);;All files (*)"));
    if (!path.isEmpty()) {
        m_weights->setText(path);
        m_fromWeights->setChecked(true);
    }
}

void DeployPage::chooseOutput() {
    const bool bundle = m_bundle->isChecked();
    QString path = QFileDialog::getSaveFileName(this, tr("Export to"), m_output->text(),
                                                bundle ? tr("Inference bundles (*.nwbundle)")
                                                       : tr("ONNX models (*.onnx)"));
    if (path.isEmpty()) {
        return;
    }
    const QString suffix = bundle ? QStringLiteral(".nwbundle") : QStringLiteral(".onnx");
    if (!path.endsWith(suffix, Qt::CaseInsensitive)) {
        path += suffix;
    }
    m_output->setText(path);
}

Expected<app::ExportRequest> DeployPage::request() const {
    const QString project = m_document.filePath();
    if (project.isEmpty()) {
        return Error::user(tr("The project has not been saved: save it first (File › Save "
                              "As…); the export reads the project file, whose folder "
                              "resolves the dataset.")
                               .toStdString());
    }
    const QDir projectDir = QFileInfo(project).absoluteDir();
    app::ExportRequest r;
    r.project = QFileInfo(project).absoluteFilePath().toStdString();
    if (m_fromRun->isChecked()) {
        r.run = selectedRun();
        if (r.run <= 0) {
            return Error::user(tr("Choose a tracked run with a checkpoint, or a weights file. "
                                  "Runs appear here once trained in the Train mode.")
                                   .toStdString());
        }
        r.db = databasePath().toStdString();
    } else {
        const QString weights = m_weights->text().trimmed();
        if (weights.isEmpty()) {
            return Error::user(tr("Choose the weights file (.nwweights) to export.").toStdString());
        }
        const QString absolute = projectDir.absoluteFilePath(weights);
        if (!QFileInfo(absolute).isFile()) {
            return Error::user(tr("%1: no such file").arg(absolute).toStdString());
        }
        r.weights = absolute.toStdString();
    }
    r.format = m_bundle->isChecked() ? app::ExportFormat::Bundle : app::ExportFormat::Onnx;
    r.int8 = m_bundle->isChecked() && m_int8->isChecked();
    r.calibration = m_calibration->value();

    const QString output = m_output->text().trimmed();
    if (output.isEmpty()) {
        return Error::user(tr("Choose the output file.").toStdString());
    }
    const QFileInfo out(projectDir.absoluteFilePath(output));
    if (out.isDir()) {
        return Error::user(
            tr("%1 is a folder: name the file to write in it.").arg(out.filePath()).toStdString());
    }
    if (!out.absoluteDir().exists()) {
        return Error::user(tr("%1: the folder %2 does not exist.")
                               .arg(out.filePath(), out.absolutePath())
                               .toStdString());
    }
    r.output = out.absoluteFilePath().toStdString();
    return r;
}

bool DeployPage::startExport() {
    if (m_controller->isRunning()) {
        return false;
    }
    auto r = request();
    if (!r) {
        m_report->showError(QString::fromStdString(r.error().message));
        return false;
    }
    m_report->showPending(QString::fromStdString(r->output));
    m_progress->setText(tr("Starting…"));
    return m_controller->start(*r);
}

} // namespace nw::ui
