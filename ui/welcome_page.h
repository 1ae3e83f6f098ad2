#pragma once
// The welcome page, shown when the IDE starts without a project: start empty, start from a
// template, open the sample or another project, or reopen a recent one. Templates and the
// sample are compiled into the binary as Qt resources (":/templates/*.nwproj",
// ":/samples/*.nwproj", ui/CMakeLists.txt), so an installed IDE finds them anywhere. The page
// only asks; the main window opens.

#include <QWidget>

class QLabel;
class QListWidget;
class QListWidgetItem;
class QPushButton;

namespace nw::ui {

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);

    // The bundled templates, sorted by file name, and the sample project.
    static QStringList templatePaths();
    static QString samplePath();

    // Most recent first; files that no longer exist are listed disabled.
    void setRecentFiles(const QStringList& files);

    QListWidget* templateList() const { return m_templates; }
    QListWidget* recentList() const { return m_recent; }
    QPushButton* sampleButton() const { return m_sample; }

signals:
    void newProjectRequested();
    // A template or the sample (a resource path) to start an unsaved project from.
    void templateChosen(const QString& path);
    void openRequested();
    void recentChosen(const QString& path);

private:
    void chooseTemplate(QListWidgetItem* item);

    QListWidget* m_templates;
    QListWidget* m_recent;
    QPushButton* m_sample;
    QLabel* m_noRecent;
};

} // namespace nw::ui
