// The node-graph editor, offscreen: adding from the palette (real drop events), connecting
// by mouse, refusing incompatible connections, undo/redo of every kind of edit, merged
// attribute edits, copy/paste between projects, save and reopen, the problems list, and the
// unsaved-changes prompt.
#include "app/project_document.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "tests/support/backends.h"
#include "tests/support/gui_fixtures.h"
#include "ui/attr_editor.h"
#include "ui/design_page.h"
#include "ui/graph_editor/edge_item.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/graph_view.h"
#include "ui/graph_editor/inspector.h"
#include "ui/graph_editor/node_item.h"
#include "ui/graph_editor/op_palette.h"
#include "ui/graph_editor/quick_add_popup.h"
#include "ui/main_window.h"

#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>
#include <functional>

using nw::app::ProjectDocument;
using nw::graph::Edge;
using nw::graph::Graph;
using nw::testing::coreRegistry;
using nw::testing::kSampleProject;
using nw::ui::DesignPage;

namespace {

// input -> conv1 -> flatten -> fc -> loss, plus a free Conv2D "conv2" and Dense "spare".
const char* kSmallProject = R"({
  "format_version": 1,
  "name": "Small",
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 28, 28]}, "position": [0, 0]},
      {"id": "conv1", "op": "Conv2D", "position": [0, 120]},
      {"id": "flatten", "op": "Flatten", "position": [0, 240]},
      {"id": "fc", "op": "Dense", "attributes": {"units": 10}, "position": [0, 360]},
      {"id": "loss", "op": "Loss", "position": [0, 480]},
      {"id": "conv2", "op": "Conv2D", "position": [300, 120]},
      {"id": "spare", "op": "Dense", "position": [300, 360]}
    ],
    "edges": [
      {"from": "input", "to": "conv1"},
      {"from": "conv1", "to": "flatten"},
      {"from": "flatten", "to": "fc"},
      {"from": "fc", "to": "loss"}
    ]
  }
})";

// The small project, on a Design page shown offscreen.
struct Fixture : nw::testing::DesignPageFixture {
    Fixture()
        : DesignPageFixture(QStringLiteral("small.nwproj"), kSmallProject) {}

    QPoint viewPoint(QPointF scenePos) const { return page.view()->mapFromScene(scenePos); }
};

bool hasEdge(const Graph& g, const Edge& e) {
    return std::find(g.edges().begin(), g.edges().end(), e) != g.edges().end();
}

using Action = std::function<bool(Fixture&)>;

} // namespace

Q_DECLARE_METATYPE(Action)

class TestGraphEditor : public QObject {
    Q_OBJECT
private slots:
    // Schema docs are written with `code` spans: labels and tooltips show them as code, with
    // no literal backticks, and the rest escaped.
    void docsRenderTheirCodeSpans() {
        QCOMPARE(nw::ui::docToHtml("pad by `padding` if a < b"),
                 QStringLiteral("<p>pad by <code>padding</code> if a &lt; b</p>"));
        auto registry = nw::graph::makeCoreRegistry();
        for (const auto* schema : registry.all()) {
            for (const auto& attr : schema->attrs) {
                QVERIFY2(!nw::ui::docToHtml(attr.doc).contains(QLatin1Char('`')), attr.doc.c_str());
            }
            QVERIFY2(!nw::ui::docToHtml(schema->doc).contains(QLatin1Char('`')),
                     schema->doc.c_str());
        }
    }

    void showsTheSampleAsCards() {
        ProjectDocument doc(coreRegistry());
        DesignPage page(doc);
        QVERIFY(doc.load(kSampleProject).ok());
        auto* scene = page.scene();
        QCOMPARE(scene->nodeItemCount(), static_cast<int>(doc.graph().nodes().size()));
        QCOMPARE(scene->edgeItemCount(), static_cast<int>(doc.graph().edges().size()));
        auto* conv1 = scene->nodeItem(QStringLiteral("conv1"));
        QVERIFY(conv1);
        QCOMPARE(conv1->view().shape, QStringLiteral("[N, 32, 28, 28]"));
        QCOMPARE(conv1->view().params, QStringLiteral("320 params"));
        QVERIFY(conv1->view().problems.isEmpty());
        const Edge intoConv{{"input", 0}, {"conv1", 0}};
        QVERIFY(scene->edgeItem(intoConv));
        QCOMPARE(scene->edgeItem(intoConv)->label(), QStringLiteral("[N, 1, 28, 28]"));
    }

    void aGraphWithoutPositionsIsLaidOut() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("flat.nwproj"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"format_version": 1, "graph": {"nodes": [
            {"id": "input", "op": "Input"}, {"id": "fc", "op": "Dense"},
            {"id": "loss", "op": "Loss"}],
            "edges": [{"from": "input", "to": "fc"}, {"from": "fc", "to": "loss"}]}})");
        file.close();
        ProjectDocument doc(coreRegistry());
        DesignPage page(doc);
        QVERIFY(doc.load(path).ok());
        const auto& g = doc.graph();
        QVERIFY(g.findNode("input")->position.y < g.findNode("fc")->position.y);
        QVERIFY(g.findNode("fc")->position.y < g.findNode("loss")->position.y);
        QVERIFY(!doc.isModified());
        QCOMPARE(page.scene()->nodeItem("loss")->pos().y(), g.findNode("loss")->position.y);
    }

    void arrowKeysNudgeTheSelectionInOneUndoStep() {
        Fixture f;
        f.page.scene()->selectNodes({"conv2", "spare"});
        f.page.view()->setFocus();
        QTest::keyClick(f.page.view(), Qt::Key_Right);
        QTest::keyClick(f.page.view(), Qt::Key_Right);
        QTest::keyClick(f.page.view(), Qt::Key_Down, Qt::ShiftModifier);
        QCOMPARE(f.doc.graph().findNode("conv2")->position, (nw::graph::Position{320, 170}));
        QCOMPARE(f.doc.graph().findNode("spare")->position, (nw::graph::Position{320, 410}));
        QCOMPARE(f.doc.undoStack()->count(), 1);
        f.doc.undoStack()->undo();
        QCOMPARE(f.doc.graph().findNode("conv2")->position, (nw::graph::Position{300, 120}));
    }

    void invalidNodesCarryTheirError() {
        Fixture f;
        QVERIFY(f.doc.setAttribute("conv1", "kernel_size", nw::graph::IntList{40, 40}).ok());
        auto* conv1 = f.page.scene()->nodeItem(QStringLiteral("conv1"));
        QVERIFY2(!conv1->view().problems.isEmpty(), "conv1 should be invalid");
        QCOMPARE(conv1->toolTip(), conv1->view().problems);
        QVERIFY(f.page.scene()->nodeItem(QStringLiteral("fc"))->view().problems.isEmpty());
    }

    // The issue-15 categories are palette groups of their own, each with its own colour.
    void paletteGroupsTheSequenceAndTensorOps() {
        Fixture f;
        QTreeWidget* tree = f.page.opPalette()->tree();
        auto children = [tree](const QString& category) {
            QStringList names;
            for (int i = 0; i < tree->topLevelItemCount(); ++i) {
                QTreeWidgetItem* group = tree->topLevelItem(i);
                for (int k = 0; group->text(0) == category && k < group->childCount(); ++k) {
                    names << group->child(k)->text(0);
                }
            }
            return names;
        };
        const QStringList sequence = children(QStringLiteral("Sequence"));
        for (const char* op : {"Embedding", "PositionalEncoding", "SequencePool"}) {
            QVERIFY2(sequence.contains(QString(op)), qPrintable(sequence.join(' ')));
        }
        QCOMPARE(children(QStringLiteral("Tensor")),
                 (QStringList{QStringLiteral("Cast"), QStringLiteral("MatMul"),
                              QStringLiteral("Transpose")}));
        const auto style = nw::ui::EditorStyle::light();
        const QColor unknown = style.categoryColor("no such category");
        QVERIFY(style.categoryColor("Sequence") != unknown);
        QVERIFY(style.categoryColor("Tensor") != unknown);
        QVERIFY(style.categoryColor("Sequence") != style.categoryColor("Tensor"));
        QCOMPARE(children(QStringLiteral("Attention")),
                 QStringList{QStringLiteral("MultiHeadAttention")});
        QVERIFY(style.categoryColor("Attention") != unknown);
        for (const char* other : {"Sequence", "Tensor", "Normalization", "Core"}) {
            QVERIFY(style.categoryColor("Attention") != style.categoryColor(other));
        }
    }

    void paletteDropAddsANode() {
        Fixture f;
        auto* palette = f.page.opPalette();
        palette->setFilter(QStringLiteral("pool"));
        QVERIFY(palette->visibleOps().contains(QStringLiteral("MaxPool2D")));
        QVERIFY(!palette->visibleOps().contains(QStringLiteral("Dense")));
        palette->setFilter(QString());

        // The palette's own drag payload, dropped on the canvas through a real drop event.
        QTreeWidgetItem* item =
            palette->tree()->findItems(QStringLiteral("BatchNorm"), Qt::MatchRecursive).value(0);
        QVERIFY(item);
        const QModelIndex index = palette->tree()->indexFromItem(item);
        std::unique_ptr<QMimeData> mime(palette->tree()->model()->mimeData({index}));
        QVERIFY(mime && mime->hasFormat(nw::ui::GraphView::kOpMimeType));
        const int before = static_cast<int>(f.doc.graph().nodes().size());
        const QPoint at = f.viewPoint(QPointF(600, 300));
        QDragEnterEvent enter(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(f.page.view()->viewport(), &enter);
        QDropEvent drop(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(f.page.view()->viewport(), &drop);

        QCOMPARE(static_cast<int>(f.doc.graph().nodes().size()), before + 1);
        const auto& added = f.doc.graph().nodes().back();
        QCOMPARE(added.op, std::string("BatchNorm"));
        QCOMPARE(f.page.scene()->selectedNodeIds(), QStringList{QString::fromStdString(added.id)});
        QCOMPARE(f.page.inspector()->node(), QString::fromStdString(added.id));
        // Centred on the drop point, snapped to the grid.
        QVERIFY(std::abs(added.position.x + 100 - 600) <= 10);
        f.doc.undoStack()->undo();
        QCOMPARE(static_cast<int>(f.doc.graph().nodes().size()), before);
    }

    void connectTwoPortsWithTheMouse() {
        Fixture f;
        auto* scene = f.page.scene();
        // input's output socket to conv2's input socket.
        const QPoint from = f.viewPoint(scene->nodeItem("input")->outputPortPos(0));
        const QPoint to = f.viewPoint(scene->nodeItem("conv2")->inputPortPos(0));
        auto* viewport = f.page.view()->viewport();
        QTest::mousePress(viewport, Qt::LeftButton, {}, from);
        QTest::mouseMove(viewport, (from + to) / 2);
        QTest::mouseMove(viewport, to);
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, to);
        const Edge edge{{"input", 0}, {"conv2", 0}};
        QVERIFY(hasEdge(f.doc.graph(), edge));
        QVERIFY(scene->edgeItem(edge));
        QCOMPARE(scene->edgeItem(edge)->label(), QStringLiteral("[N, 1, 28, 28]"));
        QVERIFY(scene->nodeItem("conv2")->view().problems.isEmpty());
    }

    void dragANodeWithTheMouseIsOneUndoStep() {
        Fixture f;
        auto* node = f.page.scene()->nodeItem("spare");
        const QPoint grab = f.viewPoint(node->sceneBoundingRect().center());
        auto* viewport = f.page.view()->viewport();
        const int steps = f.doc.undoStack()->count();
        QTest::mousePress(viewport, Qt::LeftButton, {}, grab);
        for (int i = 1; i <= 5; ++i) {
            QMouseEvent move(QEvent::MouseMove, grab + QPoint(10 * i, 8 * i),
                             viewport->mapToGlobal(grab + QPoint(10 * i, 8 * i)), Qt::NoButton,
                             Qt::LeftButton, Qt::NoModifier);
            QApplication::sendEvent(viewport, &move);
        }
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, grab + QPoint(50, 40));
        const auto* moved = f.doc.graph().findNode("spare");
        QVERIFY(moved->position.x > 300);
        QCOMPARE(std::fmod(moved->position.x, 10.0), 0.0); // snapped to the grid
        QCOMPARE(f.doc.undoStack()->count(), steps + 1);
        f.doc.undoStack()->undo();
        QCOMPARE(f.doc.graph().findNode("spare")->position.x, 300.0);
        QCOMPARE(node->pos(), QPointF(300, 360));
    }

    void rubberBandSelectsTheNodesItTouches() {
        Fixture f;
        auto* viewport = f.page.view()->viewport();
        // From empty canvas left of the column, across conv1 and flatten only.
        const QPoint start = f.viewPoint(QPointF(-60, 100));
        const QPoint end = f.viewPoint(QPointF(40, 250));
        QTest::mousePress(viewport, Qt::LeftButton, {}, start);
        for (int i = 1; i <= 4; ++i) {
            const QPoint at = start + (end - start) * i / 4;
            QMouseEvent move(QEvent::MouseMove, at, viewport->mapToGlobal(at), Qt::NoButton,
                             Qt::LeftButton, Qt::NoModifier);
            QApplication::sendEvent(viewport, &move);
        }
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, end);
        QCOMPARE(f.page.scene()->selectedNodeIds(), (QStringList{"conv1", "flatten"}));
        QCOMPARE(f.doc.undoStack()->count(), 0); // selecting is not an edit
    }

    void incompatibleConnectionIsRefused() {
        Fixture f;
        auto* scene = f.page.scene();
        // Dense's [N, 10] cannot feed a Conv2D: not highlighted, and a drop is refused.
        auto compatible = scene->compatibleInputs({"fc", 0});
        QVERIFY(!compatible.value("conv2").contains(0));
        QVERIFY(compatible.value("spare").contains(0));
        QVERIFY(!compatible.value("input").contains(0)); // Input has no input socket
        QVERIFY(!compatible.value("conv1").contains(0)); // would be a cycle
        QSignalSpy messages(scene, &nw::ui::GraphScene::message);
        const Graph before = f.doc.graph();
        const int steps = f.doc.undoStack()->count();
        auto status = scene->dropConnection({"fc", 0}, scene->nodeItem("conv2")->inputPortPos(0));
        QVERIFY(!status.ok());
        QVERIFY(QString::fromStdString(status.error().message).contains("[N, 10]"));
        QCOMPARE(messages.count(), 1);
        QVERIFY(f.doc.graph() == before);
        QCOMPARE(f.doc.undoStack()->count(), steps);
    }

    void dropAnEdgeOnAnotherPortReconnectsIt() {
        Fixture f;
        auto* scene = f.page.scene();
        const Edge old{{"fc", 0}, {"loss", 0}};
        // Pick the edge up at loss's input and drop it on spare's input.
        QVERIFY(
            scene->dropConnection({"fc", 0}, scene->nodeItem("spare")->inputPortPos(0), old).ok());
        QVERIFY(!hasEdge(f.doc.graph(), old));
        QVERIFY(hasEdge(f.doc.graph(), Edge{{"fc", 0}, {"spare", 0}}));
        f.doc.undoStack()->undo(); // one step
        QVERIFY(hasEdge(f.doc.graph(), old));
        // Dropped in empty space, it is disconnected.
        QVERIFY(scene->dropConnection({"fc", 0}, QPointF(2000, 2000), old).ok());
        QVERIFY(!hasEdge(f.doc.graph(), old));
    }

    void undoRedoOfEveryEdit_data() {
        QTest::addColumn<Action>("edit");
        QTest::newRow("add") << Action([](Fixture& f) {
            return f.doc.addNode("ReLU", {500, 500}).ok();
        });
        QTest::newRow("remove") << Action([](Fixture& f) {
            return f.doc.removeNodes({"flatten", "conv2"}).ok();
        });
        QTest::newRow("connect") << Action([](Fixture& f) {
            return f.doc.connectPorts({"flatten", 0}, {"spare", 0}).ok();
        });
        QTest::newRow("disconnect") << Action([](Fixture& f) {
            return f.doc.disconnect(Edge{{"conv1", 0}, {"flatten", 0}}).ok();
        });
        QTest::newRow("reconnect") << Action([](Fixture& f) {
            return f.doc.reconnect(Edge{{"fc", 0}, {"loss", 0}}, {"spare", 0}).ok();
        });
        QTest::newRow("set attribute") << Action(
            [](Fixture& f) { return f.doc.setAttribute("fc", "units", std::int64_t{64}).ok(); });
        QTest::newRow("move") << Action([](Fixture& f) {
            return f.doc.moveNodes({{"fc", {40, 360}}, {"loss", {40, 480}}}).ok();
        });
        QTest::newRow("auto layout") << Action([](Fixture& f) { return f.doc.autoLayout().ok(); });
        QTest::newRow("duplicate") << Action([](Fixture& f) {
            return f.page.scene()->selectNodes({"conv1", "flatten"}),
                   f.page.duplicateSelection().ok();
        });
        QTest::newRow("delete a selected edge") << Action([](Fixture& f) {
            const Edge edge{{"flatten", 0}, {"fc", 0}};
            f.page.scene()->clearSelection();
            f.page.scene()->edgeItem(edge)->setSelected(true);
            f.page.view()->setFocus();
            QTest::keyClick(f.page.view(), Qt::Key_Delete);
            return !hasEdge(f.doc.graph(), edge) && f.doc.graph().findNode("fc");
        });
        QTest::newRow("group into a block") << Action([](Fixture& f) {
            f.page.scene()->selectNodes({"conv1", "flatten"});
            return f.page.groupSelection("Features").ok();
        });
        QTest::newRow("delete key") << Action([](Fixture& f) {
            f.page.scene()->selectNodes({"fc"});
            f.page.view()->setFocus();
            QTest::keyClick(f.page.view(), Qt::Key_Delete);
            return f.doc.graph().findNode("fc") == nullptr;
        });
    }

    void undoRedoOfEveryEdit() {
        QFETCH(Action, edit);
        Fixture f;
        const Graph before = f.doc.graph();
        QVERIFY(!f.doc.isModified());
        QVERIFY(edit(f));
        const Graph after = f.doc.graph();
        QVERIFY(after != before);
        QVERIFY(f.doc.isModified());
        QCOMPARE(f.doc.undoStack()->count(), 1);
        f.doc.undoStack()->undo();
        QVERIFY(f.doc.graph() == before);
        QVERIFY(!f.doc.isModified());
        QCOMPARE(f.page.scene()->nodeItemCount(), static_cast<int>(before.nodes().size()));
        QCOMPARE(f.page.scene()->edgeItemCount(), static_cast<int>(before.edges().size()));
        f.doc.undoStack()->redo();
        QVERIFY(f.doc.graph() == after);
        QCOMPARE(f.page.scene()->nodeItemCount(), static_cast<int>(after.nodes().size()));
    }

    void spinBoxChangesMergeIntoOneUndoStep() {
        Fixture f;
        f.page.scene()->selectNodes({"conv1"});
        auto* filters = qobject_cast<QSpinBox*>(f.page.inspector()->editor("filters"));
        QVERIFY(filters);
        QCOMPARE(filters->value(), 32);
        QCOMPARE(filters->minimum(), 1);
        QCOMPARE(filters->maximum(), 65536);
        QVERIFY(!filters->toolTip().isEmpty());
        filters->stepUp();
        filters->stepUp();
        filters->setValue(40);
        QCOMPARE(std::get<std::int64_t>(f.doc.graph().findNode("conv1")->attrs.at("filters")), 40);
        QCOMPARE(f.doc.undoStack()->count(), 1);
        f.doc.undoStack()->undo();
        QCOMPARE(std::get<std::int64_t>(f.doc.graph().findNode("conv1")->attrs.at("filters")), 32);
        QCOMPARE(filters->value(), 32); // the editor follows the document
        // A different attribute is a new step.
        f.doc.undoStack()->redo();
        QVERIFY(f.doc.setAttribute("conv1", "groups", std::int64_t{2}).ok());
        QCOMPARE(f.doc.undoStack()->count(), 2);
    }

    void anInvalidValueIsRefusedAndNotStored() {
        Fixture f;
        f.page.scene()->selectNodes({"conv1"});
        auto* kernel = qobject_cast<QLineEdit*>(f.page.inspector()->editor("kernel_size"));
        QVERIFY(kernel);
        QCOMPARE(kernel->text(), QStringLiteral("3, 3"));
        kernel->setText(QStringLiteral("0, 3"));
        emit kernel->editingFinished();
        QVERIFY2(f.page.inspector()->errorText().contains("kernel_size"),
                 qPrintable(f.page.inspector()->errorText()));
        QCOMPARE(kernel->text(), QStringLiteral("3, 3"));
        QCOMPARE(f.doc.undoStack()->count(), 0);
        kernel->setText(QStringLiteral("three"));
        emit kernel->editingFinished();
        QVERIFY(f.page.inspector()->errorText().contains("not a list of integers"));
        kernel->setText(QStringLiteral("5, 5"));
        emit kernel->editingFinished();
        QVERIFY(f.page.inspector()->errorText().isEmpty());
        QCOMPARE(
            std::get<nw::graph::IntList>(f.doc.graph().findNode("conv1")->attrs.at("kernel_size")),
            (nw::graph::IntList{5, 5}));
    }

    void copyPasteBetweenTwoProjects() {
        Fixture a;
        Fixture b;
        a.page.scene()->selectNodes({"conv1", "flatten"});
        a.page.copySelection();
        auto pasted = b.page.paste();
        QVERIFY(pasted.ok());
        QCOMPARE(pasted->size(), 2);
        QCOMPARE(*pasted, (QStringList{"conv3", "flatten1"}));
        QVERIFY(hasEdge(b.doc.graph(), Edge{{"conv3", 0}, {"flatten1", 0}}));
        QCOMPARE(b.page.scene()->selectedNodeIds(), *pasted);
        QCOMPARE(b.doc.undoStack()->count(), 1);
        QCOMPARE(a.doc.undoStack()->count(), 0);
        b.doc.undoStack()->undo();
        QVERIFY(!b.doc.graph().findNode("conv3"));
    }

    void saveAndReopenGivesTheSameProject() {
        Fixture f;
        QVERIFY(f.doc.addNode("Dropout", {300, 450}).ok());
        QVERIFY(f.doc.connectPorts({"flatten", 0}, {"spare", 0}).ok());
        QVERIFY(f.doc.isModified());
        const QString path = f.dir.filePath(QStringLiteral("saved.nwproj"));
        QVERIFY(f.doc.save(path).ok());
        QVERIFY(!f.doc.isModified());
        ProjectDocument reopened(coreRegistry());
        QVERIFY(reopened.load(path).ok());
        QVERIFY(reopened.project() == f.doc.project());
        f.doc.undoStack()->undo();
        QVERIFY(f.doc.isModified()); // undoing past the save point is a change
    }

    void theProblemsListSelectsTheNode() {
        Fixture f;
        QVERIFY(f.doc.disconnect(Edge{{"input", 0}, {"conv1", 0}}).ok());
        auto* list = f.page.problemList();
        QListWidgetItem* row = nullptr;
        for (int i = 0; i < list->count(); ++i) {
            if (list->item(i)->data(Qt::UserRole).toString() == QStringLiteral("conv1")) {
                row = list->item(i);
            }
        }
        QVERIFY(row);
        list->scrollToItem(row);
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(row).center());
        QCOMPARE(f.page.scene()->selectedNodeIds(), QStringList{"conv1"});
        QCOMPARE(f.page.inspector()->node(), QStringLiteral("conv1"));
    }

    void quickAddWithTabTypeAndEnter() {
        Fixture f;
        f.page.view()->setFocus();
        QTest::keyClick(f.page.view(), Qt::Key_Tab);
        auto* popup = f.page.quickAdd();
        QVERIFY(popup->isVisible());
        QTest::keyClicks(popup->searchBox(), QStringLiteral("softm"));
        QTest::keyClick(popup->searchBox(), Qt::Key_Return);
        QVERIFY(!popup->isVisible());
        QCOMPARE(f.doc.graph().nodes().back().op, std::string("Softmax"));
    }

    void switchingThemeRecoloursTheCanvas() {
        Fixture f;
        auto* scene = f.page.scene();
        scene->setEditorStyle(nw::ui::EditorStyle::light());
        const QColor lightHeader = scene->nodeItem("conv1")->view().header;
        scene->setEditorStyle(nw::ui::EditorStyle::darkTheme());
        QVERIFY(scene->editorStyle().dark);
        QVERIFY(scene->nodeItem("conv1")->view().header != lightHeader);
        QVERIFY(scene->editorStyle().canvas.lightness() < 64);
    }

    void panWithTheMiddleButtonZoomWithTheWheelAndFit() {
        Fixture f;
        auto* view = f.page.view();
        auto* viewport = view->viewport();
        view->setZoom(1.0);
        const QPoint centre = viewport->rect().center();
        const QPointF before = view->mapToScene(centre);
        QTest::mousePress(viewport, Qt::MiddleButton, {}, centre);
        QMouseEvent move(QEvent::MouseMove, centre + QPoint(100, 50),
                         viewport->mapToGlobal(centre + QPoint(100, 50)), Qt::NoButton,
                         Qt::MiddleButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &move);
        QTest::mouseRelease(viewport, Qt::MiddleButton, {}, centre + QPoint(100, 50));
        const QPointF panned = view->mapToScene(centre);
        QVERIFY(std::abs((before - panned).x() - 100) <= 1);
        QVERIFY(std::abs((before - panned).y() - 50) <= 1);
        QCOMPARE(f.doc.undoStack()->count(), 0); // panning is not an edit

        // Wheel: zooms around the cursor, which stays over the same scene point.
        const QPointF under = view->mapToScene(centre);
        QWheelEvent wheel(QPointF(centre), viewport->mapToGlobal(QPointF(centre)), QPoint(),
                          QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(viewport, &wheel);
        QVERIFY(view->zoom() > 1.1);
        QVERIFY(QLineF(view->mapToScene(centre), under).length() < 2);

        view->fitToGraph(nw::ui::GraphView::kMinZoom);
        const QRectF shown = view->mapToScene(viewport->rect()).boundingRect();
        QVERIFY(shown.contains(f.page.scene()->itemsBoundingRect()));
    }

    void zoomStaysWithinItsLimits() {
        Fixture f;
        auto* view = f.page.view();
        for (int i = 0; i < 40; ++i) {
            view->zoomBy(1.5, view->viewport()->rect().center());
        }
        QCOMPARE(view->zoom(), nw::ui::GraphView::kMaxZoom);
        for (int i = 0; i < 80; ++i) {
            view->zoomBy(0.5, view->viewport()->rect().center());
        }
        QCOMPARE(view->zoom(), nw::ui::GraphView::kMinZoom);
    }

    void closingWithUnsavedChangesAsks() {
        ProjectDocument doc(coreRegistry());
        nw::ui::MainWindow window(doc, nw::testing::cpuOnlyRegistry());
        QVERIFY(doc.load(kSampleProject).ok());
        QVERIFY(window.close()); // nothing to save: no question
        window.show();
        QVERIFY(doc.addNode("ReLU", {400, 0}).ok());
        QVERIFY(window.isWindowModified());
        int asked = 0;
        window.setUnsavedChangesPrompt([&asked] {
            ++asked;
            return QMessageBox::Cancel;
        });
        QVERIFY(!window.close());
        QCOMPARE(asked, 1);
        window.setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        QVERIFY(window.close());
    }
};

QTEST_MAIN(TestGraphEditor)
#include "test_graph_editor.moc"
