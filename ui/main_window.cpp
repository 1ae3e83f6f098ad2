#include "ui/main_window.h"

#include "app/project_document.h"
#include "graph/summary.h"
#include "ui/design_page.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolBar>

namespace nw::ui {

MainWindow::MainWindow(app::ProjectDocument& document, QWidget* parent)
    : QMainWindow(parent)
    , m_document(document)
    , m_pages(new QStackedWidget(this))
    , m_modes(new QActionGroup(this))
    , m_modeBar(new QToolBar(tr("Modes"), this))
    , m_design(new DesignPage(document, this))
    , m_totals(new QLabel(this))
    , m_problemCount(new QLabel(this)) {
    setCentralWidget(m_pages);
    m_modeBar->setObjectName(QStringLiteral("modeBar"));
    m_modeBar->setMovable(false);
    m_modeBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    addToolBar(Qt::LeftToolBarArea, m_modeBar);

    addMode(tr("Design"), m_design);
    addMode(tr("Data"), placeholder(tr("The dataset browser and augmentation preview")));
    addMode(tr("Train"), placeholder(tr("Training with live charts")));
    addMode(tr("Experiments"), placeholder(tr("The experiment table and run comparison")));
    addMode(tr("Deploy"), placeholder(tr("Export to ONNX and to an inference bundle")));
    m_modes->actions().first()->setChecked(true);

    buildMenus();
    statusBar()->addWidget(m_totals, 1);
    statusBar()->addPermanentWidget(m_problemCount);
    connect(&m_document, &app::ProjectDocument::changed, this, &MainWindow::refresh);
    resize(1280, 800);
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

QWidget* MainWindow::placeholder(const QString& what) {
    auto* label = new QLabel(tr("%1 will appear here.").arg(what), this);
    label->setAlignment(Qt::AlignCenter);
    label->setEnabled(false);
    return label;
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::openFile);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Netwright"), this, [this] {
        QMessageBox::about(this, tr("About Netwright"),
                           tr("<b>Netwright</b> %1<br>A desktop IDE for building, training and "
                              "shipping neural networks.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::openFile() {
    QString path = QFileDialog::getOpenFileName(this, tr("Open project"), QString(),
                                                tr("Netwright projects (*.nwproj)"));
    if (path.isEmpty()) {
        return;
    }
    auto status = m_document.load(path);
    if (!status) {
        QMessageBox::warning(this, tr("Cannot open project"),
                             QString::fromStdString(status.error().message));
    }
}

QString MainWindow::totalsText() const {
    auto summary = graph::summarize(m_document.project().graph, m_document.analysis());
    return tr("%1 parameters  ·  %2 per sample  ·  %3 of weights  ·  %4 of activations per "
              "sample")
        .arg(QString::fromStdString(graph::formatCount(summary.totals.trainableParams)),
             QString::fromStdString(graph::formatFlops(summary.totals.flops)),
             QString::fromStdString(graph::formatBytes(summary.parameterBytes)),
             QString::fromStdString(graph::formatBytes(summary.activationBytesPerSample)));
}

void MainWindow::refresh() {
    setWindowTitle(tr("%1 — Netwright").arg(m_document.displayName()));
    setWindowFilePath(m_document.filePath());
    m_totals->setText(totalsText());
    const auto& analysis = m_document.analysis();
    auto errors = analysis.errorCount();
    auto warnings = analysis.problems.size() - errors;
    m_problemCount->setText(errors == 0 && warnings == 0
                                ? tr("Valid")
                                : tr("%n error(s)", nullptr, static_cast<int>(errors)) + ", " +
                                      tr("%n warning(s)", nullptr, static_cast<int>(warnings)));
}

} // namespace nw::ui
