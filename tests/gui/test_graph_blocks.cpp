// Blocks on the canvas, offscreen: group the selection into a named block (drawn as a titled
// frame), collapse it to one card that takes the crossing edges and expand it again, rename,
// ungroup, undo/redo of each, drag a collapsed block, save and reopen, and reuse through the
// block library. (The graph-level edits are tested in tests/graph/test_edits.cpp.)
#include "app/block_library.h"
#include "app/project_document.h"
#include "graph/op_registry.h"
#include "tests/support/gui_fixtures.h"
#include "ui/design_page.h"
#include "ui/graph_editor/edge_item.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/graph_view.h"
#include "ui/graph_editor/group_item.h"
#include "ui/graph_editor/node_item.h"

#include <QAction>
#include <QTemporaryDir>
#include <QtTest>

using nw::app::ProjectDocument;
using nw::graph::Edge;
using nw::graph::Graph;
using nw::ui::GroupItem;

namespace {

// The sample, shown on a Design page offscreen, with its first conv and the node after it
// ("a" and "b", in graph order) ready to group.
struct Fixture : nw::testing::DesignPageFixture {
    QString a, b;

    Fixture() {
        page.setBlockLibrary(std::make_unique<nw::app::BlockLibrary>(dir.filePath("blocks")));
        page.setNamePrompt([](const QString&, const QString&) { return QStringLiteral("Stem"); });
        const auto& edges = doc.graph().edges();
        a = QString::fromStdString(edges[1].from.node); // an inner pair: fed and feeding
        b = QString::fromStdString(edges[1].to.node);
    }
    QAction* action(const QString& text) const {
        for (QAction* act : page.editActions()) {
            if (act && act->text().remove('&').startsWith(text)) {
                return act;
            }
        }
        qFatal("no action %s", qPrintable(text));
    }
};

} // namespace

class TestGraphBlocks : public QObject {
    Q_OBJECT
private slots:
    void groupActionDrawsATitledFrame() {
        Fixture f;
        f.scene()->selectNodes({f.a, f.b});
        f.action("Group into Block")->trigger();
        QCOMPARE(f.doc.graph().groups().size(), std::size_t{1});
        QCOMPARE(f.doc.graph().groups().front().name, std::string("Stem"));
        QCOMPARE(f.scene()->groupItemCount(), 1);
        GroupItem* frame = f.scene()->groupItem("block1");
        QVERIFY(frame);
        QVERIFY(!frame->view().collapsed);
        // The frame surrounds both member cards.
        const QRectF around = frame->sceneBoundingRect();
        QVERIFY(around.contains(f.scene()->nodeItem(f.a)->sceneBoundingRect()));
        QVERIFY(around.contains(f.scene()->nodeItem(f.b)->sceneBoundingRect()));
        QCOMPARE(f.scene()->selectedGroupId(), QString("block1"));
        f.doc.undoStack()->undo();
        QCOMPARE(f.scene()->groupItemCount(), 0);
        f.doc.undoStack()->redo();
        QCOMPARE(f.scene()->groupItemCount(), 1);
    }

    void collapseShowsOneCardWithTheCrossingEdges() {
        Fixture f;
        QVERIFY(f.doc.groupNodes({f.a, f.b}, "Stem").ok());
        f.scene()->selectNodes({f.a});
        QVERIFY(f.page.toggleSelectedGroup().ok());
        GroupItem* card = f.scene()->groupItem("block1");
        QVERIFY(card->view().collapsed);
        QVERIFY(!f.scene()->nodeItem(f.a)->isVisible());
        QVERIFY(!f.scene()->nodeItem(f.b)->isVisible());
        QCOMPARE(card->view().inputs, 1);
        QCOMPARE(card->view().params, QString("384 params")); // conv1 320 + bn1 64
        QVERIFY(card->view().outputs >= 1);
        // The inner edge is hidden; the edge into the block ends on the card's socket.
        const auto& g = f.doc.graph();
        QVERIFY(!f.scene()->edgeItem(g.edges()[1])->isVisible());
        auto* in = f.scene()->edgeItem(g.edges()[0]);
        QVERIFY(in->isVisible());
        const QPointF end = in->mapToScene(in->path().pointAtPercent(1));
        QVERIFY(QLineF(end, card->inputPortPos(0)).length() < 1);
        // Selecting the card selects the members (copy, delete and ungroup act on them).
        f.scene()->clearSelection();
        card->setSelected(true);
        QCOMPARE(f.scene()->selectedNodeIds(), (QStringList{f.a, f.b}));
        // Expand again, by the card's button.
        const QPointF button = card->mapToScene(card->toggleRect().center());
        QTest::mouseClick(f.page.view()->viewport(), Qt::LeftButton, {},
                          f.page.view()->mapFromScene(button));
        QVERIFY(!f.doc.graph().groups().front().collapsed);
        QVERIFY(f.scene()->nodeItem(f.a)->isVisible());
        QCOMPARE(f.doc.undoStack()->count(), 3); // group, collapse, expand
    }

    void draggingACollapsedBlockMovesItsMembers() {
        Fixture f;
        QVERIFY(f.doc.groupNodes({f.a, f.b}, "Stem").ok());
        QVERIFY(f.doc.setGroupCollapsed("block1", true).ok());
        const auto before = f.doc.graph().findNode(f.b.toStdString())->position;
        GroupItem* card = f.scene()->groupItem("block1");
        auto* viewport = f.page.view()->viewport();
        const QPoint start = f.page.view()->mapFromScene(card->mapToScene(QPointF(60, 40)));
        QTest::mousePress(viewport, Qt::LeftButton, {}, start);
        QMouseEvent move(QEvent::MouseMove, start + QPoint(80, 40),
                         viewport->mapToGlobal(start + QPoint(80, 40)), Qt::NoButton,
                         Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &move);
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, start + QPoint(80, 40));
        const auto after = f.doc.graph().findNode(f.b.toStdString())->position;
        QVERIFY(after.x > before.x && after.y > before.y);
        f.doc.undoStack()->undo();
        QCOMPARE(f.doc.graph().findNode(f.b.toStdString())->position, before);
    }

    void renameAndUngroupAreUndoable() {
        Fixture f;
        QVERIFY(f.doc.groupNodes({f.a, f.b}, "Stem").ok());
        f.page.setNamePrompt([](const QString&, const QString& old) { return old + " v2"; });
        f.scene()->selectNodes({f.a, f.b});
        f.action("Rename Block")->trigger();
        QCOMPARE(f.doc.graph().groups().front().name, std::string("Stem v2"));
        QCOMPARE(f.scene()->groupItem("block1")->view().name, QString("Stem v2"));
        QVERIFY(f.page.ungroupSelection().ok());
        QVERIFY(f.doc.graph().groups().empty());
        QCOMPARE(f.scene()->groupItemCount(), 0);
        QCOMPARE(f.scene()->selectedNodeIds(), (QStringList{f.a, f.b}));
        f.doc.undoStack()->undo();
        QCOMPARE(f.scene()->groupItemCount(), 1);
        f.doc.undoStack()->undo();
        QCOMPARE(f.doc.graph().groups().front().name, std::string("Stem"));
    }

    void blocksSurviveSaveAndReopen() {
        Fixture f;
        QVERIFY(f.doc.groupNodes({f.a, f.b}, "Stem").ok());
        QVERIFY(f.doc.setGroupCollapsed("block1", true).ok());
        const QString path = f.dir.filePath("grouped.nwproj");
        QVERIFY(f.doc.save(path).ok());
        ProjectDocument again(nw::testing::coreRegistry());
        QVERIFY(again.load(path).ok());
        QVERIFY(again.project() == f.doc.project());
    }

    void saveToTheLibraryAndInsertAgain() {
        Fixture f;
        QVERIFY(f.doc.groupNodes({f.a, f.b}, "Stem").ok());
        f.scene()->selectNodes({f.a});
        QVERIFY(f.page.saveSelectedBlock().ok());
        QCOMPARE(f.page.blockLibrary().names(), QStringList{"Stem"});
        const auto nodes = f.doc.graph().nodes().size();
        auto inserted = f.page.insertBlock("Stem");
        QVERIFY2(inserted.ok(), inserted.ok() ? "" : inserted.error().message.c_str());
        QCOMPARE(inserted->size(), 2);
        QCOMPARE(f.doc.graph().nodes().size(), nodes + 2);
        QCOMPARE(f.doc.graph().groups().size(), std::size_t{2});
        const auto& copy = f.doc.graph().groups().back();
        QCOMPARE(copy.id, std::string("block2"));
        QCOMPARE(copy.name, std::string("Stem"));
        QCOMPARE(f.scene()->groupItemCount(), 2);
        QVERIFY(!f.page.insertBlock("Missing").ok());
    }

    void theFrameFollowsItsMembersAndItsTitleRenames() {
        Fixture f;
        QVERIFY(f.doc.groupNodes({f.a, f.b}, "Stem").ok());
        GroupItem* frame = f.scene()->groupItem("block1");
        QVERIFY(f.doc.moveNodes({{f.b.toStdString(), {900, 900}}}).ok());
        QVERIFY(frame->sceneBoundingRect().contains(f.scene()->nodeItem(f.b)->sceneBoundingRect()));
        f.page.setNamePrompt([](const QString&, const QString&) { return QStringLiteral("Head"); });
        // The right end of the title bar (left of the collapse button): no card covers it.
        const QPointF inTitle(frame->toggleRect().left() - 30, frame->toggleRect().center().y());
        f.page.view()->centerOn(frame->mapToScene(inTitle));
        const QPoint title = f.page.view()->mapFromScene(frame->mapToScene(inTitle));
        QVERIFY(f.page.view()->viewport()->rect().contains(title));
        QTest::mouseDClick(f.page.view()->viewport(), Qt::LeftButton, {}, title);
        QCOMPARE(f.doc.graph().groups().front().name, std::string("Head"));
    }

    void deletingAMemberShrinksTheBlock() {
        Fixture f;
        QVERIFY(f.doc.groupNodes({f.a, f.b}, "Stem").ok());
        QVERIFY(f.doc.removeNodes({f.a}).ok());
        QCOMPARE(f.doc.graph().groups().front().nodes, std::vector<std::string>{f.b.toStdString()});
        QVERIFY(f.doc.removeNodes({f.b}).ok());
        QVERIFY(f.doc.graph().groups().empty());
        QCOMPARE(f.scene()->groupItemCount(), 0);
    }
};

QTEST_MAIN(TestGraphBlocks)
#include "test_graph_blocks.moc"
