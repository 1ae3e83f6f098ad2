// Plugin ops in the Design mode, offscreen: with the example plugin (netwright-examples)
// loaded, the palette lists its category and ops, a dropped op gets its inspector and its
// declared card colour, and the saved file records the plugin; without the plugin, a project
// using its op still opens, the card and the problems list name the missing plugin, and saving
// writes the node back unchanged. A project of both plugin ops trains from the Train mode.
#include "app/backends.h"
#include "app/project_document.h"
#include "app/training_controller.h"
#include "graph/op_registry.h"
#include "tests/support/gui_fixtures.h"
#include "tests/support/tiny_project.h"
#include "ui/design_page.h"
#include "ui/graph_editor/editor_style.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/graph_view.h"
#include "ui/graph_editor/inspector.h"
#include "ui/graph_editor/node_item.h"
#include "ui/graph_editor/op_palette.h"
#include "ui/main_window.h"
#include "ui/training/train_page.h"

#include <QCheckBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QMimeData>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>
#include <algorithm>
#include <memory>

using nw::app::ProjectDocument;
using nw::testing::coreRegistry;
using nw::ui::DesignPage;

namespace {

const QString kPlugin = QStringLiteral("netwright-examples");

// input -> conv -> se (SqueezeExcite, the plugin's) -> pool -> fc -> loss.
const char* kSqueezeExciteProject = R"({
  "format_version": 1,
  "name": "Gated",
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [3, 32, 32]}, "position": [0, 0]},
      {"id": "conv", "op": "Conv2D", "attributes": {"filters": 16}, "position": [0, 120]},
      {"id": "se", "op": "SqueezeExcite", "attributes": {"reduction": 8},
       "position": [30, 240]},
      {"id": "pool", "op": "GlobalAvgPool", "position": [0, 360]},
      {"id": "fc", "op": "Dense", "attributes": {"units": 10}, "position": [0, 480]},
      {"id": "loss", "op": "Loss", "position": [0, 600]}
    ],
    "edges": [
      {"from": "input", "to": "conv"},
      {"from": "conv", "to": "se"},
      {"from": "se", "to": "pool"},
      {"from": "pool", "to": "fc"},
      {"from": "fc", "to": "loss"}
    ]
  }
})";

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The node `id` of a project file, as JSON.
QJsonObject nodeInFile(const QString& path, const QString& id) {
    const auto nodes = QJsonDocument::fromJson(readAll(path))
                           .object()[QStringLiteral("graph")]
                           .toObject()[QStringLiteral("nodes")]
                           .toArray();
    for (const auto& n : nodes) {
        if (n.toObject()[QStringLiteral("id")].toString() == id) {
            return n.toObject();
        }
    }
    return {};
}

// The palette's top-level row `category`, or nullptr.
QTreeWidgetItem* categoryRow(nw::ui::OpPalette* palette, const QString& category) {
    auto* tree = palette->tree();
    for (int i = 0; i < tree->topLevelItemCount(); ++i) {
        if (tree->topLevelItem(i)->text(0) == category) {
            return tree->topLevelItem(i);
        }
    }
    return nullptr;
}

QStringList childOps(const QTreeWidgetItem* group) {
    QStringList out;
    for (int i = 0; group && i < group->childCount(); ++i) {
        out << group->child(i)->text(0);
    }
    return out;
}

} // namespace

class TestPluginOps : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        // Only the plugin named here: no user's plugin folder, no NETWRIGHT_PLUGIN_PATH.
        QVERIFY(m_xdg.isValid());
        qputenv("XDG_DATA_HOME", m_xdg.path().toUtf8());
        qunsetenv("NETWRIGHT_PLUGIN_PATH");
        nw::plugins::PluginSearch search;
        search.files = {NW_EXAMPLE_PLUGIN};
        m_registries = nw::app::loadRegistries(search);
        const auto& plugins = *m_registries->plugins;
        QVERIFY2(plugins.refused().empty(),
                 plugins.refused().empty() ? "" : plugins.refused().front().reason.c_str());
        QCOMPARE(plugins.loaded().size(), std::size_t{1});
        QCOMPARE(QString::fromStdString(plugins.loaded().front().name), kPlugin);
        m_project =
            nw::testing::writeFile(m_dir, QStringLiteral("gated.nwproj"), kSqueezeExciteProject);
    }

    void thePaletteListsThePluginsOps() {
        ProjectDocument doc(m_registries->ops);
        DesignPage page(doc);
        auto* palette = page.opPalette();
        QTreeWidgetItem* attention = categoryRow(palette, QStringLiteral("Attention"));
        QVERIFY2(attention, "no Attention category in the palette");
        // The plugin's op joins the built-in category of that name, after its own ops.
        QCOMPARE(childOps(attention), (QStringList{QStringLiteral("MultiHeadAttention"),
                                                   QStringLiteral("SqueezeExcite")}));
        QTreeWidgetItem* activation = categoryRow(palette, QStringLiteral("Activation"));
        QVERIFY(childOps(activation).contains(QStringLiteral("LearnedSwish")));
        QVERIFY(palette->visibleOps().contains(QStringLiteral("SqueezeExcite")));
        QVERIFY(palette->visibleOps().contains(QStringLiteral("LearnedSwish")));
        palette->setFilter(QStringLiteral("squeezeexc")); // Mul's doc names squeeze-and-excitation
        QCOMPARE(palette->visibleOps(), QStringList{QStringLiteral("SqueezeExcite")});
        palette->setFilter(QString());
    }

    // Dropped from the palette: the inspector edits the op's declared attributes, the card
    // has the op's declared colour, and the saved file names the plugin.
    void aDroppedPluginOpHasItsInspectorAndColour_data() {
        QTest::addColumn<QString>("op");
        QTest::addColumn<QString>("attr");
        QTest::addColumn<QColor>("colour");
        QTest::newRow("SqueezeExcite") << "SqueezeExcite"
                                       << "reduction" << QColor(0x4FA3A5u);
        QTest::newRow("LearnedSwish") << "LearnedSwish"
                                      << "per_channel" << QColor(0xE8A33Du);
    }
    void aDroppedPluginOpHasItsInspectorAndColour() {
        QFETCH(QString, op);
        QFETCH(QString, attr);
        QFETCH(QColor, colour);
        ProjectDocument doc(m_registries->ops);
        DesignPage page(doc);
        QVERIFY(doc.load(m_project).ok());
        page.resize(1200, 800);
        nw::testing::showExposed(page);

        auto* tree = page.opPalette()->tree();
        QTreeWidgetItem* item = tree->findItems(op, Qt::MatchExactly | Qt::MatchRecursive).value(0);
        QVERIFY(item);
        std::unique_ptr<QMimeData> mime(tree->model()->mimeData({tree->indexFromItem(item)}));
        QVERIFY(mime && mime->hasFormat(nw::ui::GraphView::kOpMimeType));
        auto* viewport = page.view()->viewport();
        const QPoint at = page.view()->mapFromScene(QPointF(600, 300));
        QDragEnterEvent enter(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &enter);
        QDropEvent drop(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &drop);

        const auto& added = doc.graph().nodes().back();
        QCOMPARE(QString::fromStdString(added.op), op);
        QCOMPARE(QString::fromStdString(added.plugin), kPlugin);
        const QString id = QString::fromStdString(added.id);
        QCOMPARE(page.inspector()->node(), id);
        QWidget* editor = page.inspector()->editor(attr);
        QVERIFY2(editor, qPrintable("no editor for " + attr));
        if (auto* spin = qobject_cast<QSpinBox*>(editor)) {
            QCOMPARE(spin->value(), 4);
            QCOMPARE(spin->minimum(), 1);
            QCOMPARE(spin->maximum(), 1024);
        } else {
            auto* check = qobject_cast<QCheckBox*>(editor);
            QVERIFY2(check, "the editor is neither a spin box nor a check box");
            QVERIFY(check->isChecked());
        }

        auto* scene = page.scene();
        scene->setEditorStyle(nw::ui::EditorStyle::light());
        QCOMPARE(scene->nodeItem(id)->view().header, colour);
        scene->setEditorStyle(nw::ui::EditorStyle::darkTheme());
        QCOMPARE(scene->nodeItem(id)->view().header, colour.darker(115));

        const QString saved = m_dir.filePath(op + QStringLiteral("-added.nwproj"));
        QVERIFY(doc.save(saved).ok());
        QCOMPARE(nodeInFile(saved, id)[QStringLiteral("plugin")].toString(), kPlugin);
        QVERIFY(!nodeInFile(saved, QStringLiteral("conv")).contains(QStringLiteral("plugin")));
    }

    // Without the plugin: the project opens, the node is marked with an error naming the
    // plugin, the problems list says so, and saving (before and after another edit) writes the
    // node back as it was.
    void aProjectOpensWithoutThePlugin() {
        // The file as the IDE saves it with the plugin loaded.
        const QString original = m_dir.filePath(QStringLiteral("with-plugin.nwproj"));
        {
            ProjectDocument doc(m_registries->ops);
            QVERIFY(doc.load(m_project).ok());
            QVERIFY2(!doc.analysis().hasErrors(),
                     doc.analysis().problems.empty()
                         ? ""
                         : doc.analysis().problems.front().message.c_str());
            QVERIFY(doc.save(original).ok());
        }
        const QJsonObject se = nodeInFile(original, QStringLiteral("se"));
        QCOMPARE(se[QStringLiteral("plugin")].toString(), kPlugin);

        ProjectDocument doc(coreRegistry());
        DesignPage page(doc);
        QVERIFY(doc.load(original).ok());
        page.resize(1200, 800);
        nw::testing::showExposed(page);

        auto* card = page.scene()->nodeItem(QStringLiteral("se"));
        QVERIFY(card);
        QVERIFY2(card->view().problems.contains(kPlugin), qPrintable(card->view().problems));
        QCOMPARE(card->view().op, QStringLiteral("SqueezeExcite"));
        QCOMPARE(card->pos(), QPointF(30, 240));
        // Its edges still meet it, at the sockets they use.
        QCOMPARE(card->view().inputs, 1);
        QCOMPARE(card->view().outputs, 1);
        auto* in = page.scene()->edgeItem({{"conv", 0}, {"se", 0}});
        auto* out = page.scene()->edgeItem({{"se", 0}, {"pool", 0}});
        QVERIFY(in && out);

        auto* list = page.problemList();
        const QListWidgetItem* row = nullptr;
        for (int i = 0; i < list->count(); ++i) {
            if (list->item(i)->data(Qt::UserRole).toString() == QStringLiteral("se")) {
                row = list->item(i);
            }
        }
        QVERIFY2(row, "no problem row for the node se");
        QVERIFY2(row->text().contains(QStringLiteral("op 'SqueezeExcite' comes from the plugin '") +
                                      kPlugin + QStringLiteral("', which is not loaded")),
                 qPrintable(row->text()));

        // The inspector says which plugin is missing instead of offering editors.
        page.scene()->selectNodes({QStringLiteral("se")});
        QCOMPARE(page.inspector()->node(), QStringLiteral("se"));
        QVERIFY(!page.inspector()->editor(QStringLiteral("reduction")));
        const auto labels = page.inspector()->findChildren<QLabel*>();
        QVERIFY(std::any_of(labels.begin(), labels.end(), [](const QLabel* label) {
            return label->text().contains(QStringLiteral("comes from the plugin '") + kPlugin +
                                          QStringLiteral("', which is not loaded"));
        }));

        const QString unchanged = m_dir.filePath(QStringLiteral("without-plugin.nwproj"));
        QVERIFY(doc.save(unchanged).ok());
        QCOMPARE(readAll(unchanged), readAll(original));

        QVERIFY(
            doc.setAttribute(QStringLiteral("fc"), QStringLiteral("units"), std::int64_t{12}).ok());
        const QString edited = m_dir.filePath(QStringLiteral("edited.nwproj"));
        QVERIFY(doc.save(edited).ok());
        QCOMPARE(nodeInFile(edited, QStringLiteral("se")), se);
        QCOMPARE(QJsonDocument::fromJson(readAll(edited))
                     .object()[QStringLiteral("graph")]
                     .toObject()[QStringLiteral("edges")],
                 QJsonDocument::fromJson(readAll(original))
                     .object()[QStringLiteral("graph")]
                     .toObject()[QStringLiteral("edges")]);
    }

    // SqueezeExcite and LearnedSwish between built-in layers, trained from the Train mode's
    // Start button on the CPU (the plugin's kernels) and recorded like any run.
    void aProjectOfPluginOpsTrainsInTheTrainMode() {
        QTemporaryDir work;
        QVERIFY(!nw::testing::writeTinyWorkspace(work.path(), 2).isEmpty());
        QByteArray json = nw::testing::tinyProject(2);
        json.replace(
            R"({"id": "fc", "op": "Dense", "attributes": {"units": 10}},)",
            R"({"id": "conv", "op": "Conv2D", "attributes": {"filters": 4, "padding": [1, 1]}},
      {"id": "se", "op": "SqueezeExcite", "attributes": {"reduction": 2}},
      {"id": "swish", "op": "LearnedSwish"},
      {"id": "flat2", "op": "Flatten"},
      {"id": "fc", "op": "Dense", "attributes": {"units": 10}},)");
        json.replace(R"({"from": "input", "to": "flatten"},
      {"from": "flatten", "to": "fc"},)",
                     R"({"from": "input", "to": "conv"}, {"from": "conv", "to": "se"},
      {"from": "se", "to": "swish"}, {"from": "swish", "to": "flat2"},
      {"from": "flat2", "to": "fc"},)");
        json.replace(R"({"id": "flatten", "op": "Flatten"},)", "");
        const QString file = nw::testing::writeFile(work, QStringLiteral("se.nwproj"), json);
        ProjectDocument doc(m_registries->ops);
        QVERIFY(doc.load(file).ok());
        QVERIFY(doc.graph().findNode("se") && doc.graph().findNode("swish"));
        QVERIFY(!doc.graph().findNode("flatten"));
        QVERIFY2(!doc.analysis().hasErrors(),
                 doc.analysis().problems.empty() ? ""
                                                 : doc.analysis().problems.front().message.c_str());
        nw::ui::MainWindow window(doc, m_registries->backends);
        window.setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        window.show();
        QVERIFY(window.showMode(QStringLiteral("train")));
        auto* controller = window.trainingController();
        QSignalSpy finished(controller, &nw::app::TrainingController::finished);
        QTest::mouseClick(window.trainPage()->startButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const auto result = finished.first().first().value<nw::app::RunFinished>();
        QVERIFY2(result.status == QStringLiteral("completed"), qPrintable(result.message));
        QCOMPARE(result.steps, 40);
        QVERIFY(result.runId > 0);
    }

private:
    QTemporaryDir m_xdg;
    QTemporaryDir m_dir;
    QString m_project; // kSqueezeExciteProject, written to m_dir
    std::unique_ptr<nw::app::Registries> m_registries;
};

QTEST_MAIN(TestPluginOps)
#include "test_plugin_ops.moc"
