// The IDE window, offscreen: it shows the loaded project's canvas, layers, totals and problems,
// marks unsaved edits, switches modes, imports an ONNX model, and writes a screenshot (light or
// dark) from the command line.
#include "app/project_document.h"
#include "graph/analysis.h"
#include "graph/onnx/onnx_export.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "tests/support/gui_fixtures.h"
#include "tests/support/tiny_project.h"
#include "ui/design_page.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/main_window.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolBar>
#include <QTreeWidget>
#include <QtTest>

using nw::testing::kSampleProject;

namespace {

// A Conv2D whose input is not connected, so the graph has errors.
const char* kBrokenProject = R"({
  "format_version": 1,
  "name": "Broken",
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 28, 28]}},
      {"id": "conv1", "op": "Conv2D"},
      {"id": "flatten", "op": "Flatten"},
      {"id": "fc", "op": "Dense", "attributes": {"units": 10}},
      {"id": "loss", "op": "Loss"}
    ],
    "edges": [
      {"from": "conv1", "to": "flatten"},
      {"from": "flatten", "to": "fc"},
      {"from": "fc", "to": "loss"}
    ]
  }
})";

// The tests' tiny MLP (tiny_project.h) exported to ONNX at `path`, its parameters small fixed
// values; false on failure.
bool writeTinyOnnx(const QString& path) {
    const auto& registry = nw::testing::coreRegistry();
    auto project =
        nw::graph::parseProject(nw::testing::tinyProject(1).toStdString(), "tiny.nwproj", registry);
    if (!project) {
        qWarning("%s", project.error().message.c_str());
        return false;
    }
    const auto analysis = nw::graph::analyze(project->graph, registry);
    nw::graph::WeightMap weights;
    for (const auto& [node, info] : analysis.nodes) {
        for (const auto& spec : info.params) {
            nw::graph::HostTensor& t = weights[{node, spec.name}];
            t.dims = spec.shape;
            std::int64_t n = 1;
            for (auto d : spec.shape) {
                n *= d;
            }
            for (std::int64_t i = 0; i < n; ++i) {
                t.data.push_back(0.05f * float(i % 7 - 3));
            }
        }
    }
    auto exported = nw::graph::onnx_export::exportModel(project->graph, registry, weights, {});
    if (!exported) {
        qWarning("%s", exported.error().message.c_str());
        return false;
    }
    return nw::graph::onnx_export::writeModel(exported->model, path.toStdString()).ok();
}

} // namespace

// A GPU kind for the layer table's Device column: one device, no Dense kernel, never opened.
class PretendGpu final : public nw::engine::BackendProvider {
public:
    PretendGpu() {
        for (const auto& op : nw::testing::cpuOnlyRegistry().opCoverage("cpu").value()->named()) {
            if (op == "Dense") {
                m_ops.unsupported(op, "not written yet");
            } else {
                m_ops.add(op, 0);
            }
        }
    }
    std::string kind() const override { return "vulkan"; }
    std::vector<nw::engine::DeviceInfo> devices() const override {
        return {{"vulkan:0", "Pretend GPU", "test", 1u << 30, 0}};
    }
    const nw::graph::OpCoverage& opCoverage() const override { return m_ops; }
    nw::Expected<std::unique_ptr<nw::engine::Backend>>
    open(int, const nw::engine::BackendOptions&) override {
        return nw::Error::user("the pretend GPU does not open");
    }

private:
    nw::graph::OpTable<int> m_ops;
};

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    // Issue 21, defect 2: a 1024-pixel-wide screen fits the window in every mode (the Data
    // mode's side panels scroll instead of widening it).
    void minimumWidthFitsA1024PixelScreen() {
        nw::testing::MainWindowFixture f;
        QVERIFY(
            f.doc.load(QStringLiteral(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj"))
                .ok());
        f.window.show();
        for (const char* mode : {"design", "data", "train", "experiments", "deploy"}) {
            QVERIFY(f.window.showMode(mode));
            QCoreApplication::processEvents();
            QVERIFY2(f.window.minimumSizeHint().width() <= 1024,
                     qPrintable(QStringLiteral("%1: minimum width %2")
                                    .arg(mode)
                                    .arg(f.window.minimumSizeHint().width())));
        }
    }
    // The layer table says where each node runs on the project's training.device: there, or
    // on the CPU for an op that device's backend lacks.
    void layerTableShowsEachNodesDevice() {
        nw::testing::MainWindowFixture f;
        QVERIFY(f.doc.load(kSampleProject).ok());
        auto* table = f.window.designPage()->layerTable();
        QCOMPARE(table->headerItem()->text(5), QStringLiteral("Device"));
        for (int r = 0; r < table->topLevelItemCount(); ++r) {
            QCOMPARE(table->topLevelItem(r)->text(5), QStringLiteral("cpu"));
        }

        QTemporaryDir dir;
        QFile in(kSampleProject);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray text = in.readAll().replace("\"device\": \"cpu\"", "\"device\": \"vulkan:0\"");
        const QString path = dir.filePath(QStringLiteral("gpu.nwproj"));
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly) && out.write(text) == text.size());
        out.close();
        nw::engine::BackendRegistry backends;
        nw::engine::registerCpuBackend(backends);
        QVERIFY(backends.add(std::make_unique<PretendGpu>()).ok());
        f.window.designPage()->setBackends(&backends);
        QVERIFY(f.doc.load(path).ok());
        QCOMPARE(f.doc.project().training.device, std::string("vulkan:0"));
        int fallback = 0;
        for (int r = 0; r < table->topLevelItemCount(); ++r) {
            auto* item = table->topLevelItem(r);
            bool dense = item->text(1) == QStringLiteral("Dense");
            QCOMPARE(item->text(5),
                     dense ? QStringLiteral("cpu (fallback)") : QStringLiteral("vulkan:0"));
            if (dense) {
                QVERIFY(item->toolTip(5).contains(QStringLiteral("runs on the CPU")));
                ++fallback;
            }
        }
        QCOMPARE(fallback, 2);
        f.window.designPage()->setBackends(nullptr); // `backends` goes out of scope first
    }

    void showsTheSampleProject() {
        nw::testing::MainWindowFixture f;
        QVERIFY(f.doc.load(kSampleProject).ok());

        QVERIFY(f.window.windowTitle().contains(QStringLiteral("Fashion-MNIST CNN")));
        QCOMPARE(f.window.designPage()->layerTable()->topLevelItemCount(), 15);
        auto* conv1 = f.window.designPage()->layerTable()->topLevelItem(1);
        QCOMPARE(conv1->text(0), QStringLiteral("conv1"));
        QCOMPARE(conv1->text(2), QStringLiteral("[N, 32, 28, 28]"));
        QCOMPARE(conv1->text(3), QStringLiteral("320"));
        QVERIFY2(f.window.totalsText().contains(QStringLiteral("421,834 parameters")),
                 qPrintable(f.window.totalsText()));
        QCOMPARE(f.window.designPage()->problemList()->count(), 1);
        QVERIFY(f.window.designPage()->problemList()->item(0)->text().contains("No problems"));
        // The canvas shows the same graph.
        QCOMPARE(f.window.designPage()->scene()->nodeItemCount(), 15);
        QCOMPARE(f.window.designPage()->scene()->edgeItemCount(), 14);
    }

    // A fresh window reports no problems for its empty graph; a project opened by a relative
    // path is remembered by its absolute path, and templates are not remembered at all.
    void freshWindowAndRecentPaths() {
        nw::testing::MainWindowFixture f;
        QCOMPARE(f.window.problemCountText(), QString());
        QTemporaryDir dir;
        QFile::copy(kSampleProject, dir.filePath(QStringLiteral("copy.nwproj")));
        const QString cwd = QDir::currentPath();
        QDir::setCurrent(dir.path());
        const bool loaded = f.doc.load(QStringLiteral("copy.nwproj")).ok();
        QDir::setCurrent(cwd);
        QVERIFY(loaded);
        QVERIFY(!f.window.recentFiles().isEmpty());
        QCOMPARE(f.window.recentFiles().front(),
                 QFileInfo(dir.filePath(QStringLiteral("copy.nwproj"))).canonicalFilePath());
        const QStringList before = f.window.recentFiles();
        QVERIFY(f.doc.newFromTemplate(QStringLiteral(":/templates/mlp.nwproj")).ok());
        QCOMPARE(f.window.recentFiles(), before);
        // From the welcome page: the status bar names the template, not its resource path.
        f.window.openFromWelcome(QStringLiteral(":/templates/lenet5.nwproj"), true);
        const QString message = f.window.statusBar()->currentMessage();
        QVERIFY2(!message.contains(QStringLiteral(":/")) && message.contains(f.doc.displayName()),
                 qPrintable(message));
        for (const auto& file : f.window.recentFiles()) {
            QVERIFY2(!file.startsWith(QLatin1Char(':')), qPrintable(file));
        }
    }

    // A project reached through a symbolic link is remembered by its canonical path, and
    // opening it again by its real path does not list it twice.
    void recentProjectsAreCanonical() {
        QTemporaryDir dir;
        const QString real = QDir(dir.path()).filePath(QStringLiteral("real"));
        QVERIFY(QDir().mkpath(real));
        const QString link = QDir(dir.path()).filePath(QStringLiteral("link"));
        if (!QFile::link(real, link)) {
            QSKIP("this file system has no symbolic links");
        }
        const QString project = QDir(real).filePath(QStringLiteral("copy.nwproj"));
        QVERIFY(QFile::copy(kSampleProject, project));
        nw::testing::MainWindowFixture f;
        QVERIFY(f.doc.load(QDir(link).filePath(QStringLiteral("./copy.nwproj"))).ok());
        const QString canonical = QFileInfo(project).canonicalFilePath();
        QCOMPARE(f.window.recentFiles().front(), canonical);
        QVERIFY(f.doc.load(kSampleProject).ok());
        QVERIFY(f.doc.load(project).ok());
        QCOMPARE(f.window.recentFiles().count(canonical), 1);
        QCOMPARE(f.window.recentFiles().front(), canonical);
    }

    // What a stored recent list keeps when it is read back (settings of older versions).
    void storedRecentListsKeepOnlyOpenablePaths_data() {
        QTest::addColumn<QStringList>("stored");
        QTest::addColumn<QStringList>("kept");
        const QString root = QDir::rootPath();
        const QString a = root + QStringLiteral("nw-missing/a.nwproj");
        const QString b = root + QStringLiteral("nw-missing/b.nwproj");
        QTest::newRow("absolute kept in order") << QStringList{a, b} << QStringList{a, b};
        QTest::newRow("relative dropped")
            << QStringList{QStringLiteral("copy.nwproj"), a, QStringLiteral("../x/b.nwproj")}
            << QStringList{a};
        QTest::newRow("resources dropped")
            << QStringList{QStringLiteral(":/templates/mlp.nwproj"), b} << QStringList{b};
        QTest::newRow("cleaned, then one copy each")
            << QStringList{root + QStringLiteral("nw-missing/x/../a.nwproj"), a, b, a}
            << QStringList{a, b};
        QStringList many;
        for (int i = 0; i < nw::ui::MainWindow::kMaxRecentFiles + 3; ++i) {
            many << root + QStringLiteral("nw-missing/%1.nwproj").arg(i);
        }
        QTest::newRow("at most the limit")
            << many << many.mid(0, nw::ui::MainWindow::kMaxRecentFiles);
    }
    void storedRecentListsKeepOnlyOpenablePaths() {
        QFETCH(QStringList, stored);
        QFETCH(QStringList, kept);
        QCOMPARE(nw::ui::MainWindow::openableRecentFiles(stored), kept);
    }

    void editsMarkTheWindowModifiedAndUndo() {
        nw::testing::MainWindowFixture f;
        QVERIFY(f.doc.load(kSampleProject).ok());
        QStringList menus;
        for (auto* a : f.window.menuBar()->actions()) {
            menus << a->text();
        }
        QCOMPARE(menus, (QStringList{"&File", "&Edit", "&View", "&Help"}));
        QVERIFY(!f.window.isWindowModified());
        QVERIFY(f.doc.setAttribute("fc1", "units", std::int64_t{64}).ok());
        QVERIFY(f.window.isWindowModified());
        QVERIFY(f.window.totalsText() != QString());
        auto* undo = f.window.designPage()->editActions().front();
        QVERIFY(undo->isEnabled());
        undo->trigger();
        QVERIFY(!f.window.isWindowModified());
        QVERIFY2(f.window.totalsText().contains(QStringLiteral("421,834 parameters")),
                 qPrintable(f.window.totalsText()));
        QCOMPARE(f.window.recentFiles(), QStringList{kSampleProject});
        QCOMPARE(f.window.problemCountText(), QStringLiteral("Valid"));

        // Ctrl+Y redoes, as well as the platform's Redo keys.
        auto* redo = f.window.designPage()->editActions().at(1);
        QVERIFY(redo->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Y)));
        QVERIFY(redo->shortcuts().contains(QKeySequence(QKeySequence::Redo)));
        f.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.window));
        f.window.activateWindow();
        f.window.designPage()->setFocus();
        QTest::keySequence(f.window.designPage(), QKeySequence(Qt::CTRL | Qt::Key_Y));
        QVERIFY(f.window.isWindowModified()); // the units edit is back
    }

    void listsProblemsWithTheirNode() {
        QTemporaryDir dir;
        QString path = nw::testing::writeFile(dir, QStringLiteral("broken.nwproj"), kBrokenProject);
        nw::testing::MainWindowFixture f;
        QVERIFY(f.doc.load(path).ok());

        QVERIFY(f.doc.analysis().hasErrors());
        const auto errors = f.doc.analysis().errorCount();
        QVERIFY2(
            f.window.problemCountText().startsWith(
                errors == 1 ? QStringLiteral("1 error") : QStringLiteral("%1 errors").arg(errors)),
            qPrintable(f.window.problemCountText()));
        QVERIFY(!f.window.problemCountText().contains(QStringLiteral("(s)")));
        auto* problems = f.window.designPage()->problemList();
        bool found = false;
        for (int i = 0; i < problems->count(); ++i) {
            auto* item = problems->item(i);
            if (item->data(Qt::UserRole).toString() == QStringLiteral("conv1")) {
                QVERIFY(item->text().contains(QStringLiteral("field 'input'")));
                QVERIFY(item->text().contains(QStringLiteral("not connected")));
                found = true;
            }
        }
        QVERIFY2(found, "the unconnected Conv2D input is not in the problems list");
    }

    // File > Import ONNX…: after the unsaved edits are offered for saving, the model from the
    // open dialog, the project where the save dialog proposes it (the model's name beside it),
    // imported off the UI thread; the imported project is then the document, on the canvas,
    // and the report says PASS.
    void importOnnxOpensTheImportedProject() {
        QTemporaryDir dir;
        const QString model = dir.filePath(QStringLiteral("tiny.onnx"));
        QVERIFY(writeTinyOnnx(model));
        nw::testing::MainWindowFixture f;
        QVERIFY(f.doc.load(kSampleProject).ok());
        QVERIFY(f.doc.setAttribute("fc1", "units", std::int64_t{64}).ok());
        int prompts = 0;
        f.window.setUnsavedChangesPrompt([&] {
            ++prompts;
            return QMessageBox::Discard;
        });
        QList<nw::ui::MainWindow::FileQuestion> questions;
        f.window.setFileDialog([&](const nw::ui::MainWindow::FileQuestion& q) {
            questions << q;
            return q.kind == nw::ui::MainWindow::FileQuestion::Open ? model : q.start;
        });
        auto* action = f.window.findChild<QAction*>(QStringLiteral("importOnnx"));
        QVERIFY(action);
        QVERIFY(f.window.menuBar()->actions().front()->menu()->actions().contains(action));
        QSignalSpy finished(&f.window, &nw::ui::MainWindow::importFinished);
        action->trigger();
        QCOMPARE(prompts, 1);
        QCOMPARE(questions.size(), 2);
        QVERIFY(questions[0].filter.contains(QStringLiteral("*.onnx")));
        const QString project = dir.filePath(QStringLiteral("tiny.nwproj"));
        QCOMPARE(questions[1].kind, nw::ui::MainWindow::FileQuestion::Save);
        QCOMPARE(questions[1].start, project);
        QVERIFY(f.window.isImporting()); // the UI thread is free meanwhile
        QVERIFY(!action->isEnabled());
        QVERIFY(finished.wait(60000));
        QVERIFY2(finished.first().first().toBool(),
                 qPrintable(f.window.importResult()
                                ? f.window.importResult()->text() + QLatin1Char('\n') +
                                      f.window.importResult()->informativeText()
                                : QStringLiteral("no report")));
        QVERIFY(!f.window.isImporting());
        QVERIFY(action->isEnabled());

        QVERIFY(QFile::exists(project));
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("tiny.nwweights"))));
        QCOMPARE(f.doc.filePath(), project);
        QVERIFY(!f.doc.isModified());
        QCOMPARE(f.doc.graph().nodes().size(), std::size_t{4}); // Input, Flatten, Dense, Loss
        QCOMPARE(f.window.designPage()->scene()->nodeItemCount(), 4);
        QCOMPARE(f.window.designPage()->layerTable()->topLevelItemCount(), 4);
        QVERIFY2(f.window.totalsText().contains(QStringLiteral("170 parameters")),
                 qPrintable(f.window.totalsText()));
        QVERIFY(f.window.windowTitle().contains(f.doc.displayName()));
        QVERIFY(f.window.recentFiles().contains(project));
        QMessageBox* report = f.window.importResult();
        QVERIFY(report);
        QVERIFY2(report->text().contains(QStringLiteral("PASS")), qPrintable(report->text()));
        QVERIFY2(report->informativeText().contains(QStringLiteral("PASS")) &&
                     report->informativeText().contains(QStringLiteral("wrote ") + project),
                 qPrintable(report->informativeText()));
    }

    // A file that is not ONNX: the error is shown, nothing is written and the open project
    // stays as it was; a cancelled dialog starts nothing.
    void importOfAJunkModelChangesNothing() {
        QTemporaryDir dir;
        const QString junk =
            nw::testing::writeFile(dir, QStringLiteral("junk.onnx"), "not a protobuf at all");
        nw::testing::MainWindowFixture f;
        QVERIFY(f.doc.load(kSampleProject).ok());
        QSignalSpy finished(&f.window, &nw::ui::MainWindow::importFinished);
        f.window.setFileDialog([&](const nw::ui::MainWindow::FileQuestion& q) {
            return q.kind == nw::ui::MainWindow::FileQuestion::Open ? junk : QString();
        });
        f.window.importOnnx(); // the save dialog cancelled
        QVERIFY(!f.window.isImporting());
        QVERIFY(!f.window.importResult());

        f.window.setFileDialog([&](const nw::ui::MainWindow::FileQuestion& q) {
            return q.kind == nw::ui::MainWindow::FileQuestion::Open ? junk : q.start;
        });
        f.window.importOnnx();
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().first().toBool(), false);
        QMessageBox* error = f.window.importResult();
        QVERIFY(error);
        QCOMPARE(error->icon(), QMessageBox::Warning);
        QVERIFY2(error->informativeText().contains(junk), qPrintable(error->informativeText()));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("junk.nwproj"))));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("junk.nwweights"))));
        QCOMPARE(f.doc.filePath(), kSampleProject);
        QVERIFY(!f.doc.isModified());
        QCOMPARE(f.window.designPage()->scene()->nodeItemCount(), 15);
        QCOMPARE(f.window.designPage()->layerTable()->topLevelItemCount(), 15);
    }

    void aFailedLoadKeepsTheOpenProject() {
        QTemporaryDir dir;
        QString bad =
            nw::testing::writeFile(dir, QStringLiteral("bad.nwproj"), "{ \"format_version\": 1, ");
        nw::testing::MainWindowFixture f;
        QVERIFY(f.doc.load(kSampleProject).ok());

        auto status = f.doc.load(bad);
        QVERIFY(!status.ok());
        QVERIFY(QString::fromStdString(status.error().message).contains(bad));
        QCOMPARE(f.doc.filePath(), kSampleProject);
        QCOMPARE(f.window.designPage()->layerTable()->topLevelItemCount(), 15);
    }

    void switchesModes() {
        nw::testing::MainWindowFixture f;
        auto* modes = f.window.findChild<QToolBar*>(QStringLiteral("modeBar"));
        QVERIFY(modes);
        QStringList names;
        for (auto* a : modes->actions()) {
            names << a->text();
        }
        QCOMPARE(names, (QStringList{"Design", "Data", "Train", "Experiments", "Deploy"}));
        auto* pages = f.window.findChild<QStackedWidget*>(QStringLiteral("pages"));
        QVERIFY(pages);
        QCOMPARE(pages->currentIndex(), 0);
        modes->actions().at(2)->trigger();
        QCOMPARE(pages->currentIndex(), 2);
        QVERIFY(modes->actions().at(2)->isChecked());
        QVERIFY(!modes->actions().at(0)->isChecked());
    }

    void screenshotFromTheCommandLine() {
        QTemporaryDir dir;
        QString png = dir.filePath(QStringLiteral("ide.png"));
        QProcess ide;
        ide.start(QStringLiteral(NW_IDE_PATH),
                  {QStringLiteral("--screenshot"), png, kSampleProject});
        QVERIFY(ide.waitForFinished(60000));
        QCOMPARE(ide.exitCode(), 0);
        QImage image(png);
        QVERIFY2(!image.isNull(), "no PNG was written");
        QVERIFY(image.width() >= 800 && image.height() >= 600);
    }

    void screenshotInTheDarkTheme() {
        QTemporaryDir dir;
        QString png = dir.filePath(QStringLiteral("dark.png"));
        QProcess ide;
        ide.start(QStringLiteral(NW_IDE_PATH),
                  {QStringLiteral("--theme"), QStringLiteral("dark"),
                   QStringLiteral("--screenshot"), png, kSampleProject});
        QVERIFY(ide.waitForFinished(60000));
        QCOMPARE(ide.exitCode(), 0);
        QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(qGray(image.pixel(image.width() / 2, image.height() - 40)) < 100); // dark
        QProcess bad;
        bad.start(QStringLiteral(NW_IDE_PATH),
                  {QStringLiteral("--theme"), QStringLiteral("pink"),
                   QStringLiteral("--screenshot"), png, kSampleProject});
        QVERIFY(bad.waitForFinished(60000));
        QCOMPARE(bad.exitCode(), 2);
    }

    void screenshotOfAnUnreadableProjectFails() {
        QTemporaryDir dir;
        QString png = dir.filePath(QStringLiteral("ide.png"));
        QProcess ide;
        ide.start(QStringLiteral(NW_IDE_PATH),
                  {QStringLiteral("--screenshot"), png, dir.filePath("missing.nwproj")});
        QVERIFY(ide.waitForFinished(60000));
        QCOMPARE(ide.exitCode(), 2);
        QVERIFY(ide.readAllStandardError().contains("missing.nwproj: no such file"));
        QVERIFY(!QFile::exists(png));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
