// MainWindow's welcome page: where the IDE starts without a project. It is a page of the
// central stack but not a mode; choosing anything on it opens or starts a project and
// switches to Design.
#include "app/project_document.h"
#include "ui/main_window.h"
#include "ui/welcome_page.h"

#include <QAction>
#include <QActionGroup>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>

namespace nw::ui {

void MainWindow::buildWelcome() {
    m_welcome = new WelcomePage(this);
    m_pages->addWidget(m_welcome);
    m_welcome->setRecentFiles(recentFiles());
    connect(m_welcome, &WelcomePage::newProjectRequested, this, [this] {
        if (maybeSave()) {
            m_document.clear();
            showMode(tr("Design"));
        }
    });
    connect(m_welcome, &WelcomePage::openRequested, this, [this] {
        openFile();
        if (!m_document.filePath().isEmpty()) {
            showMode(tr("Design"));
        }
    });
    connect(m_welcome, &WelcomePage::templateChosen, this,
            [this](const QString& path) { openFromWelcome(path, true); });
    connect(m_welcome, &WelcomePage::recentChosen, this,
            [this](const QString& path) { openFromWelcome(path, false); });
}

void MainWindow::showWelcome() {
    m_welcome->setRecentFiles(recentFiles());
    m_pages->setCurrentWidget(m_welcome);
    if (QAction* checked = m_modes->checkedAction()) { // no mode is current
        m_modes->setExclusionPolicy(QActionGroup::ExclusionPolicy::ExclusiveOptional);
        checked->setChecked(false);
        m_modes->setExclusionPolicy(QActionGroup::ExclusionPolicy::Exclusive);
    }
}

bool MainWindow::isWelcomeShown() const {
    return m_pages->currentWidget() == m_welcome;
}

void MainWindow::openFromWelcome(const QString& path, bool asTemplate) {
    if (!maybeSave()) {
        return;
    }
    auto status = asTemplate ? m_document.newFromTemplate(path) : m_document.load(path);
    if (!status) {
        QMessageBox::warning(this, tr("Cannot open project"),
                             QString::fromStdString(status.error().message));
        return;
    }
    showMode(tr("Design"));
    if (asTemplate) { // by the template's name, never its resource path (":/templates/...")
        statusBar()->showMessage(
            tr("New project from the template \u201c%1\u201d; save it to keep it")
                .arg(m_document.displayName()),
            6000);
    }
}

} // namespace nw::ui
