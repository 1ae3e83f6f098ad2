#pragma once
// The IDE's main window: modes along the side (Design, Data, Train, Experiments, Deploy),
// a menu bar, and a status bar with the model's totals. It hosts pages; it does not know
// their insides.

#include <QMainWindow>

class QActionGroup;
class QLabel;
class QStackedWidget;

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class DesignPage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(app::ProjectDocument& document, QWidget* parent = nullptr);

    DesignPage* designPage() const { return m_design; }
    // The status bar's model totals, e.g. "421,834 parameters · 8.67 MFLOPs · ...".
    QString totalsText() const;

private:
    void buildMenus();
    void addMode(const QString& name, QWidget* page);
    QWidget* placeholder(const QString& what);
    void refresh();
    void openFile();

    app::ProjectDocument& m_document;
    QStackedWidget* m_pages;
    QActionGroup* m_modes;
    QToolBar* m_modeBar;
    DesignPage* m_design;
    QLabel* m_totals;
    QLabel* m_problemCount;
};

} // namespace nw::ui
