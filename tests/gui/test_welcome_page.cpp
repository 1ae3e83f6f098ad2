// The welcome page, offscreen: the templates and the sample come from the binary's resources,
// choosing one starts an unsaved project in Design mode, recent projects reopen, and the IDE
// started without a project shows the page (also in a --screenshot).
#include "app/project_document.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "tests/support/gui_fixtures.h"
#include "ui/main_window.h"
#include "ui/welcome_page.h"

#include <QImage>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QtTest>

using nw::testing::coreRegistry;
using nw::testing::kSampleProject;
using nw::ui::WelcomePage;

namespace {

// The IDE window on its welcome page, shown offscreen; unsaved changes are discarded.
struct Fixture : nw::testing::MainWindowFixture {
    Fixture() {
        window.setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        window.showWelcome();
        nw::testing::showExposed(window);
    }
    WelcomePage* page() const { return window.welcomePage(); }
};

} // namespace

class TestWelcomePage : public QObject {
    Q_OBJECT
private slots:
    void templatesAreCompiledIntoTheBinary() {
        const QStringList templates = WelcomePage::templatePaths();
        QCOMPARE(templates.size(), 6);
        QVERIFY(templates.contains(":/templates/lenet5.nwproj"));
        QVERIFY(QFile::exists(WelcomePage::samplePath()));
        for (const QString& path : templates) { // every bundled template is a valid project
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray text = file.readAll();
            auto project = nw::graph::parseProject(std::string_view(text.constData(), text.size()),
                                                   path.toStdString(), coreRegistry());
            QVERIFY2(project.ok(), project.ok() ? "" : project.error().message.c_str());
        }
    }

    void aTemplateStartsAnUnsavedProjectInDesign() {
        Fixture f;
        QVERIFY(f.window.isWelcomeShown());
        QCOMPARE(f.page()->templateList()->count(), 6);
        QListWidgetItem* lenet = nullptr;
        for (int i = 0; i < f.page()->templateList()->count(); ++i) {
            auto* item = f.page()->templateList()->item(i);
            if (item->data(Qt::UserRole).toString().contains("lenet5")) {
                lenet = item;
            }
        }
        QVERIFY(lenet);
        const QRect at = f.page()->templateList()->visualItemRect(lenet);
        QTest::mouseClick(f.page()->templateList()->viewport(), Qt::LeftButton, {}, at.center());
        QVERIFY(!f.window.isWelcomeShown());
        QVERIFY(!f.doc.graph().nodes().empty());
        QVERIFY(f.doc.filePath().isEmpty()); // a new project: Save asks where
        QVERIFY(!f.doc.isModified());
        QCOMPARE(f.doc.undoStack()->count(), 0);
    }

    void theSampleButtonOpensTheSample() {
        Fixture f;
        QTest::mouseClick(f.page()->sampleButton(), Qt::LeftButton);
        auto sample = nw::graph::readProject(kSampleProject.toStdString(), coreRegistry());
        QVERIFY(sample.ok());
        QVERIFY(f.doc.project().graph.nodes().size() == sample->graph.nodes().size());
        QVERIFY(!f.window.isWelcomeShown());
    }

    void recentProjectsReopen() {
        Fixture f;
        QTemporaryDir dir;
        const QString path = dir.filePath("mine.nwproj");
        QVERIFY(f.doc.load(kSampleProject).ok());
        QVERIFY(f.doc.save(path).ok());
        f.doc.clear();
        f.window.showWelcome();
        QCOMPARE(f.page()->recentList()->count(), 2); // saved after opening the sample
        QCOMPARE(f.page()->recentList()->item(0)->data(Qt::UserRole).toString(), path);
        const QRect at = f.page()->recentList()->visualItemRect(f.page()->recentList()->item(0));
        QTest::mouseClick(f.page()->recentList()->viewport(), Qt::LeftButton, {}, at.center());
        QCOMPARE(f.doc.filePath(), path);
        QVERIFY(!f.window.isWelcomeShown());
    }

    void startingWithoutAProjectShowsTheWelcomePage() {
        QTemporaryDir dir;
        const QString png = dir.filePath("welcome.png");
        QProcess ide;
        ide.start(QStringLiteral(NW_IDE_PATH), {QStringLiteral("--screenshot"), png});
        QVERIFY(ide.waitForFinished(60000));
        QCOMPARE(ide.exitCode(), 0);
        QImage image(png);
        QVERIFY2(!image.isNull(), "no PNG was written");
        QVERIFY(image.width() >= 800 && image.height() >= 600);
    }
};

QTEST_MAIN(TestWelcomePage)
#include "test_welcome_page.moc"
