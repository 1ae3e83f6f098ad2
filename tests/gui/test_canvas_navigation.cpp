// Canvas navigation and layout, offscreen: automatic layout of the selection only (one undo
// step, the rest of the graph untouched), pinch zoom around the fingers, and Space + drag
// panning.
#include "app/project_document.h"
#include "tests/support/gui_fixtures.h"
#include "ui/design_page.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/graph_view.h"

#include <QAction>
#include <QtTest>
#include <map>

using Fixture = nw::testing::DesignPageFixture;

class TestCanvasNavigation : public QObject {
    Q_OBJECT
private slots:
    void autoLayoutOfTheSelectionOnly() {
        Fixture f;
        const auto& nodes = f.doc.graph().nodes();
        const std::string a = nodes[1].id, b = nodes[2].id, c = nodes[3].id; // a chain
        // Scatter the three so that the layout has something to do.
        QVERIFY(f.doc.moveNodes({{a, {600, 900}}, {b, {580, 700}}, {c, {900, 650}}}).ok());
        f.doc.undoStack()->clear();
        const auto before = f.doc.graph();
        f.page.scene()->selectNodes(
            {QString::fromStdString(a), QString::fromStdString(b), QString::fromStdString(c)});
        QAction* layout = nullptr;
        for (QAction* action : f.page.editActions()) {
            if (action && action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_L)) {
                layout = action;
            }
        }
        QVERIFY(layout);
        layout->trigger();
        QCOMPARE(f.doc.undoStack()->count(), 1);
        const auto& g = f.doc.graph();
        for (const auto& n : before.nodes()) { // the others stay where they were
            if (n.id != a && n.id != b && n.id != c) {
                QCOMPARE(g.findNode(n.id)->position, n.position);
            }
        }
        const auto pa = g.findNode(a)->position, pb = g.findNode(b)->position,
                   pc = g.findNode(c)->position;
        QVERIFY(pa.y < pb.y && pb.y < pc.y); // data flows top to bottom
        QCOMPARE(pa.x, pb.x);
        // The block keeps its top-left corner.
        QCOMPARE(std::min({pa.x, pb.x, pc.x}), 580.0);
        QCOMPARE(std::min({pa.y, pb.y, pc.y}), 650.0);
        f.doc.undoStack()->undo();
        QVERIFY(f.doc.graph() == before);
    }

    void pinchZoomsAroundTheFingers() {
        Fixture f;
        auto* view = f.page.view();
        auto* viewport = view->viewport();
        view->setZoom(1.0);
        const QPointF at(300, 200);
        const QPointF under = view->mapToScene(at.toPoint());
        QNativeGestureEvent pinch(Qt::ZoomNativeGesture, QPointingDevice::primaryPointingDevice(),
                                  2, at, viewport->mapToGlobal(at), viewport->mapToGlobal(at), 0.5,
                                  QPointF(), 0);
        QApplication::sendEvent(viewport, &pinch);
        QVERIFY2(std::abs(view->zoom() - 1.5) < 1e-6, qPrintable(QString::number(view->zoom())));
        QVERIFY(QLineF(view->mapToScene(at.toPoint()), under).length() < 2);
        QNativeGestureEvent out(Qt::ZoomNativeGesture, QPointingDevice::primaryPointingDevice(), 2,
                                at, viewport->mapToGlobal(at), viewport->mapToGlobal(at), -0.5,
                                QPointF(), 0);
        QApplication::sendEvent(viewport, &out);
        QVERIFY(view->zoom() < 1.0);
        QCOMPARE(f.doc.undoStack()->count(), 0);
    }

    void spaceAndDragPans() {
        Fixture f;
        auto* view = f.page.view();
        auto* viewport = view->viewport();
        view->setZoom(1.0);
        view->setFocus();
        const QPoint start = viewport->rect().center();
        const QPointF before = view->mapToScene(start);
        const auto positions = f.doc.graph();
        QTest::keyPress(view, Qt::Key_Space);
        QTest::mousePress(viewport, Qt::LeftButton, {}, start);
        QMouseEvent move(QEvent::MouseMove, start + QPoint(-120, 60),
                         viewport->mapToGlobal(start + QPoint(-120, 60)), Qt::NoButton,
                         Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &move);
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, start + QPoint(-120, 60));
        QTest::keyRelease(view, Qt::Key_Space);
        const QPointF after = view->mapToScene(start);
        QVERIFY(std::abs((after - before).x() - 120) <= 1);
        QVERIFY(std::abs((after - before).y() + 60) <= 1);
        QVERIFY(f.doc.graph() == positions); // nothing moved, nothing selected by a band
        QCOMPARE(f.doc.undoStack()->count(), 0);
    }
};

QTEST_MAIN(TestCanvasNavigation)
#include "test_canvas_navigation.moc"
