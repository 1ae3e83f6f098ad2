// Fine-tuning in the IDE, offscreen: the inspector's Trainable check box and its undo, Freeze /
// Unfreeze on a multi-selection as one undo step, a frozen node's card and the parameter
// totals, the Train form's initial weights (choose, clear, undo, a missing file) and the notes
// a run starting from them shows.
#include "app/project_document.h"
#include "app/training_controller.h"
#include "app/training_run.h"
#include "graph/op_registry.h"
#include "tests/support/backends.h"
#include "tests/support/gui_fixtures.h"
#include "tests/support/tiny_project.h"
#include "ui/design_page.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/inspector.h"
#include "ui/graph_editor/node_item.h"
#include "ui/main_window.h"
#include "ui/training/train_page.h"
#include "ui/training/training_form.h"

#include <QAction>
#include <QCheckBox>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QToolButton>
#include <QTreeWidget>
#include <QtTest>

using namespace nw;
using nw::testing::coreRegistry;

namespace {

// input -> conv1 -> relu -> flatten -> fc -> loss: two nodes with parameters, two without.
const char* kProject = R"({
  "format_version": 1,
  "name": "Backbone",
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 8, 8]}, "position": [0, 0]},
      {"id": "conv1", "op": "Conv2D", "position": [0, 120]},
      {"id": "relu", "op": "ReLU", "position": [0, 240]},
      {"id": "flatten", "op": "Flatten", "position": [0, 360]},
      {"id": "fc", "op": "Dense", "attributes": {"units": 10}, "position": [0, 480]},
      {"id": "loss", "op": "Loss", "position": [0, 600]}
    ],
    "edges": [
      {"from": "input", "to": "conv1"},
      {"from": "conv1", "to": "relu"},
      {"from": "relu", "to": "flatten"},
      {"from": "flatten", "to": "fc"},
      {"from": "fc", "to": "loss"}
    ]
  }
})";

struct Fixture : nw::testing::DesignPageFixture {
    Fixture()
        : DesignPageFixture(QStringLiteral("backbone.nwproj"), kProject) {}

    bool trainable(const char* id) const { return doc.graph().findNode(id)->trainable; }
};

// The card of `id` as the scene draws it.
QImage renderCard(ui::GraphScene* scene, const QString& id) {
    ui::NodeItem* item = scene->nodeItem(id);
    const QRectF area = item->sceneBoundingRect();
    QImage image(area.size().toSize(), QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    scene->render(&painter, QRectF(QPointF(0, 0), area.size()), area);
    return image;
}

} // namespace

class TestFinetuneUi : public QObject {
    Q_OBJECT
private slots:
    void inspectorTrainableToggleIsOneUndoStep() {
        Fixture f;
        ui::Inspector* inspector = f.page.inspector();
        f.scene()->selectNodes({QStringLiteral("conv1")});
        QCOMPARE(inspector->node(), QStringLiteral("conv1"));
        QCheckBox* box = inspector->trainableBox();
        QVERIFY(!box->isHidden());
        QVERIFY(box->isChecked());
        QVERIFY(box->toolTip().contains(QStringLiteral("fine-tuning")));
        const int before = f.doc.undoStack()->count();

        box->click();
        QVERIFY(!f.trainable("conv1"));
        QVERIFY(!box->isChecked());
        QVERIFY(f.doc.isModified());
        QCOMPARE(f.doc.undoStack()->count(), before + 1);
        QCOMPARE(f.doc.undoStack()->undoText(), QStringLiteral("Freeze conv1"));
        QVERIFY(f.scene()->nodeItem(QStringLiteral("conv1"))->isFrozen());

        f.doc.undoStack()->undo();
        QVERIFY(f.trainable("conv1"));
        QVERIFY(box->isChecked()); // the inspector follows the document
        QVERIFY(!f.scene()->nodeItem(QStringLiteral("conv1"))->isFrozen());
        f.doc.undoStack()->redo();
        QVERIFY(!f.trainable("conv1"));
        box->click();
        QVERIFY(f.trainable("conv1"));
        QCOMPARE(f.doc.undoStack()->undoText(), QStringLiteral("Unfreeze conv1"));
        QCOMPARE(f.doc.undoStack()->count(), before + 2);

        // Nothing to freeze on a node without parameters.
        f.scene()->selectNodes({QStringLiteral("relu")});
        QCOMPARE(inspector->node(), QStringLiteral("relu"));
        QVERIFY(box->isHidden());
    }

    void freezeOnAMultiSelectionIsOneUndoStep() {
        Fixture f;
        QAction* freeze = f.page.freezeAction();
        QAction* unfreeze = f.page.unfreezeAction();
        QVERIFY(f.page.editActions().contains(freeze)); // the Edit menu and the context menu
        QVERIFY(f.page.editActions().contains(unfreeze));
        f.scene()->selectNodes({QStringLiteral("relu")});
        QVERIFY(!freeze->isEnabled());
        QVERIFY(!unfreeze->isEnabled());

        f.scene()->selectNodes({QStringLiteral("input"), QStringLiteral("conv1"),
                                QStringLiteral("relu"), QStringLiteral("flatten"),
                                QStringLiteral("fc")});
        QVERIFY(freeze->isEnabled());
        QVERIFY(!unfreeze->isEnabled());
        const int before = f.doc.undoStack()->count();
        freeze->trigger();
        QVERIFY(!f.trainable("conv1"));
        QVERIFY(!f.trainable("fc"));
        // Only the layers with weights are marked.
        QVERIFY(f.trainable("relu"));
        QVERIFY(f.trainable("flatten"));
        QVERIFY(f.trainable("input"));
        QCOMPARE(f.doc.undoStack()->count(), before + 1);
        QCOMPARE(f.doc.undoStack()->undoText(), QStringLiteral("Freeze 2 node(s)"));
        QVERIFY(!freeze->isEnabled());
        QVERIFY(unfreeze->isEnabled());
        // The project summary (the inspector with no node) and the layer table show it.
        f.scene()->clearSelection();
        bool summarized = false;
        for (const QLabel* label : f.page.inspector()->findChildren<QLabel*>()) {
            summarized = summarized || label->text().contains(QStringLiteral("frozen"));
        }
        QVERIFY(summarized);
        const auto fcRow = f.page.layerTable()->findItems(QStringLiteral("fc"), Qt::MatchExactly);
        QCOMPARE(fcRow.size(), 1);
        QVERIFY2(fcRow.front()->text(3).endsWith(QStringLiteral("(frozen)")),
                 qPrintable(fcRow.front()->text(3)));

        f.doc.undoStack()->undo(); // one step thaws both
        QVERIFY(f.trainable("conv1"));
        QVERIFY(f.trainable("fc"));
        QVERIFY(!fcRow.front()->text(3).contains(QStringLiteral("frozen")));
        f.doc.undoStack()->redo();
        QVERIFY(!f.trainable("conv1"));

        f.scene()->selectNodes({QStringLiteral("fc")});
        unfreeze->trigger();
        QVERIFY(f.trainable("fc"));
        QVERIFY(!f.trainable("conv1"));
        QCOMPARE(f.doc.undoStack()->undoText(), QStringLiteral("Unfreeze fc"));
        // Unfreezing a selection with nothing frozen is refused with a reason, pushing nothing.
        const int count = f.doc.undoStack()->count();
        auto refused = f.page.setSelectionTrainable(true);
        QVERIFY(!refused.ok());
        QVERIFY(QString::fromStdString(refused.error().message).contains("frozen"));
        QCOMPARE(f.doc.undoStack()->count(), count);
    }

    void aFrozenCardPaintsDifferently() {
        Fixture f;
        f.scene()->clearSelection();
        const QImage trained = renderCard(f.scene(), QStringLiteral("conv1"));
        QVERIFY(f.doc.setTrainable({QStringLiteral("conv1")}, false).ok());
        ui::NodeItem* item = f.scene()->nodeItem(QStringLiteral("conv1"));
        QVERIFY(item->isFrozen());
        QVERIFY(item->view().frozen);
        QVERIFY(item->toolTip().contains(QStringLiteral("frozen")));
        const QImage frozen = renderCard(f.scene(), QStringLiteral("conv1"));
        QCOMPARE(frozen.size(), trained.size());
        QVERIFY(frozen != trained);
        // The frozen colour (the lock and its label) is on the card, and nowhere on the
        // trainable one.
        const QRgb ice = f.scene()->editorStyle().frozen.rgb();
        auto count = [ice](const QImage& image) {
            int n = 0;
            for (int y = 0; y < image.height(); ++y) {
                for (int x = 0; x < image.width(); ++x) {
                    n += image.pixel(x, y) == ice;
                }
            }
            return n;
        };
        QVERIFY2(count(frozen) > 10, qPrintable(QString::number(count(frozen))));
        QCOMPARE(count(trained), 0);
        // The other cards are as they were.
        QVERIFY(!f.scene()->nodeItem(QStringLiteral("fc"))->isFrozen());
        QVERIFY(f.doc.setTrainable({QStringLiteral("conv1")}, true).ok());
        QCOMPARE(renderCard(f.scene(), QStringLiteral("conv1")), trained);
    }

    void projectTotalsCountFrozenParameters() {
        nw::testing::MainWindowFixture f;
        QTemporaryDir dir;
        QVERIFY(f.doc.load(nw::testing::writeFile(dir, QStringLiteral("b.nwproj"), kProject)).ok());
        QVERIFY2(!f.window.totalsText().contains(QStringLiteral("frozen")),
                 qPrintable(f.window.totalsText()));
        QVERIFY(f.doc.setTrainable({QStringLiteral("conv1")}, false).ok());
        // conv1: 32 filters of 3x3 over 1 channel + bias = 320.
        QVERIFY2(f.window.totalsText().contains(QStringLiteral(", 320 frozen parameters")),
                 qPrintable(f.window.totalsText()));
    }

    void trainFormEditsInitialWeightsAndUndoes() {
        QTemporaryDir dir;
        app::ProjectDocument doc(coreRegistry());
        QVERIFY(doc.load(nw::testing::writeFile(dir, QStringLiteral("b.nwproj"), kProject)).ok());
        ui::TrainingForm form(doc, nw::testing::cpuOnlyRegistry());
        QVERIFY(form.initialWeightsEdit()->text().isEmpty());
        QVERIFY(!form.clearInitialWeightsButton()->isEnabled());
        QVERIFY(form.initialWeightsNote()->isHidden());

        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("weights")));
        const QString file = nw::testing::writeFile(dir, QStringLiteral("weights/tuned.nwweights"),
                                                    QByteArray("not read by the form"));
        QString askedIn;
        form.setFileChooser([&](const QString& start) {
            askedIn = start;
            return file;
        });
        const int before = doc.undoStack()->count();
        QTest::mouseClick(form.chooseInitialWeightsButton(), Qt::LeftButton);
        QCOMPARE(QDir(askedIn).canonicalPath(), QDir(dir.path()).canonicalPath());
        // Stored relative to the project file, shown as stored.
        QCOMPARE(doc.project().training.initialWeights, std::string("weights/tuned.nwweights"));
        QCOMPARE(form.initialWeightsEdit()->text(), QStringLiteral("weights/tuned.nwweights"));
        QVERIFY(form.initialWeightsEdit()->toolTip().endsWith(QStringLiteral("tuned.nwweights")));
        QVERIFY(form.initialWeightsNote()->isHidden());
        QVERIFY(form.clearInitialWeightsButton()->isEnabled());
        QCOMPARE(doc.undoStack()->count(), before + 1);
        QCOMPARE(doc.undoStack()->undoText(), QStringLiteral("Set initial weights"));

        // Another setting after it is its own step.
        form.epochsBox()->setValue(form.epochsBox()->value() + 1);
        QCOMPARE(doc.undoStack()->count(), before + 2);
        doc.undoStack()->undo();
        QCOMPARE(doc.project().training.initialWeights, std::string("weights/tuned.nwweights"));

        QTest::mouseClick(form.clearInitialWeightsButton(), Qt::LeftButton);
        QVERIFY(doc.project().training.initialWeights.empty());
        QVERIFY(form.initialWeightsEdit()->text().isEmpty());
        QCOMPARE(doc.undoStack()->undoText(), QStringLiteral("Clear initial weights"));
        doc.undoStack()->undo();
        QCOMPARE(form.initialWeightsEdit()->text(), QStringLiteral("weights/tuned.nwweights"));
        doc.undoStack()->undo();
        QVERIFY(doc.project().training.initialWeights.empty());
        QVERIFY(form.initialWeightsEdit()->text().isEmpty());

        // The next Choose… starts in the chosen file's folder; a missing file is explained.
        form.setInitialWeights(file);
        QTest::mouseClick(form.chooseInitialWeightsButton(), Qt::LeftButton);
        QCOMPARE(QDir(askedIn).canonicalPath(), QDir(dir.filePath("weights")).canonicalPath());
        QVERIFY(QFile::remove(file));
        doc.undoStack()->undo();
        doc.undoStack()->redo(); // the form re-reads the document
        QVERIFY(!form.initialWeightsNote()->isHidden());
        QVERIFY(form.initialWeightsNote()->text().contains(QStringLiteral("tuned.nwweights")));

        // Saved and read back: the field is in the file.
        QVERIFY(doc.save(dir.filePath("b.nwproj")).ok());
        app::ProjectDocument again(coreRegistry());
        QVERIFY(again.load(dir.filePath("b.nwproj")).ok());
        QCOMPARE(again.project().training.initialWeights, std::string("weights/tuned.nwweights"));
    }

    void aRunShowsWhatItsInitialWeightsGave() {
        QTemporaryDir dir;
        const QString projectPath = nw::testing::writeTinyWorkspace(dir.path(), 1);
        QVERIFY(!projectPath.isEmpty());
        // Weights of one step of the same project, written by the run use case itself.
        const QString weights = dir.filePath("start.nwweights");
        {
            app::TrainingRunRequest request;
            request.projectPath = projectPath.toStdString();
            request.maxSteps = 1;
            request.track = false;
            auto run =
                app::TrainingRun::open(request, coreRegistry(), nw::testing::cpuOnlyRegistry());
            QVERIFY2(run.ok(), run.ok() ? "" : run.error().message.c_str());
            QVERIFY((*run)->startRecording({}).ok());
            auto result = (*run)->train();
            QVERIFY(result.ok());
            QVERIFY((*run)->finish(result, weights.toStdString()).ok());
        }

        app::ProjectDocument doc(coreRegistry());
        QVERIFY(doc.load(projectPath).ok());
        ui::MainWindow window(doc, nw::testing::cpuOnlyRegistry());
        window.setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        window.show();
        ui::TrainPage* page = window.trainPage();
        page->form()->setInitialWeights(weights);
        QCOMPARE(doc.project().training.initialWeights, std::string("start.nwweights"));
        page->setMaxSteps(2);
        QVERIFY(window.showMode(QStringLiteral("train")));
        app::TrainingController* controller = window.trainingController();
        QSignalSpy started(controller, &app::TrainingController::runStarted);
        QSignalSpy finished(controller, &app::TrainingController::finished);
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 60000);
        QCOMPARE(controller->runNotes().size(), 1);
        const QString note = controller->runNotes().front();
        QVERIFY2(note.startsWith(QStringLiteral("initial weights from")), qPrintable(note));
        QVERIFY2(note.contains(QStringLiteral("2 tensors loaded")), qPrintable(note));
        QVERIFY2(page->statusLabel()->text().contains(note),
                 qPrintable(page->statusLabel()->text()));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QCOMPARE(finished.first().first().value<app::RunFinished>().status,
                 QStringLiteral("completed"));
        QVERIFY(page->statusLabel()->text().contains(note));
        controller->stopAndWait();
    }
};

QTEST_MAIN(TestFinetuneUi)
#include "test_finetune_ui.moc"
