// Language models in the IDE, offscreen, on a tiny generated corpus ("0123456789" repeated,
// windows of 16): the Data mode shows the windows as text, the selected window's token ids
// and the vocabulary with its counts; a run started from the Train mode charts perplexity and
// tokens/s and its evaluation shows per-token figures, not a 10 x 10 matrix; the Generate tab
// streams text from the trained model (deterministic for a seed, of the requested length, in
// the vocabulary), Stop stops it and a prompt outside the vocabulary is an error in the panel.
#include "app/project_document.h"
#include "app/training_controller.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "tests/support/backends.h"
#include "tests/support/language_model.h"
#include "ui/datasets/class_histogram.h"
#include "ui/datasets/data_page.h"
#include "ui/datasets/text_corpus_view.h"
#include "ui/main_window.h"
#include "ui/training/evaluation_panel.h"
#include "ui/training/generation_panel.h"
#include "ui/training/metric_chart.h"
#include "ui/training/train_page.h"

#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <numeric>

using namespace nw;
using nw::ui::TrainPage;

namespace {

constexpr int kWindow = 16;
constexpr int kCorpusChars = 3000;

// Input [16] -> Embedding(10, 16) -> Dense(32) -> ReLU -> Dense(10) -> Loss: each character
// decides the next, so a few epochs learn the corpus.
graph::Project languageModel(const std::string& corpus) {
    nw::testing::LanguageModelBuilder b(corpus, kWindow, 10, 16);
    b.p.training.epochs = 5;
    b.add("fc", "Dense", {{"units", std::int64_t(32)}}).add("act", "ReLU");
    return b.finish();
}

} // namespace

class TestLanguageModelUi : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        qputenv("NETWRIGHT_DB", m_dir.filePath("experiments.db").toUtf8());
        const std::string corpus = m_dir.filePath("corpus.txt").toStdString();
        nw::testing::writeRepeatedCorpus(corpus, "0123456789", kCorpusChars);
        m_projectPath = m_dir.filePath("lm.nwproj");
        auto st = graph::writeProject(languageModel(corpus), m_projectPath.toStdString());
        QVERIFY2(st, st ? "" : st.error().message.c_str());
    }

    void dataPageShowsWindowsAndVocabulary() {
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_projectPath).ok());
        ui::DataPage page(document);
        QSignalSpy ready(&page, &ui::DataPage::datasetReady);
        page.show(); // opens the dataset off the UI thread
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 20000);
        QVERIFY(page.showsText());
        ui::TextCorpusView* view = page.textView();
        // (3000 - 1) / 16 = 187 windows, train and validation together.
        const int windows = (kCorpusChars - 1) / kWindow;
        QCOMPARE(view->windowModel()->rowCount(), windows);
        // Every window is 16 consecutive characters of the corpus, as text.
        for (int row : {0, 1, windows - 1}) {
            const QString t = view->windowModel()->index(row).data(Qt::UserRole).toString();
            QCOMPARE(t.size(), kWindow);
            for (int i = 1; i < t.size(); ++i) {
                QCOMPARE((t[i].digitValue() + 10 - t[i - 1].digitValue()) % 10, 1);
            }
        }
        QVERIFY(view->windowModel()->index(0).data().toString().contains(QLatin1String("train")));
        // The selected window's characters with their ids (the corpus's digits are ids 0-9).
        view->selectWindow(3);
        QCOMPARE(view->tokenTable()->rowCount(), kWindow);
        const QString third = view->windowModel()->index(3).data(Qt::UserRole).toString();
        for (int t = 0; t < kWindow; ++t) {
            QCOMPARE(view->tokenTable()->item(t, 1)->text(), QString(third[t]));
            QCOMPARE(view->tokenTable()->item(t, 2)->data(Qt::DisplayRole).toInt(),
                     third[t].digitValue());
        }
        // The vocabulary: 10 characters by id; then their counts over every window.
        QCOMPARE(view->vocabularyTable()->rowCount(), 10);
        QCOMPARE(view->vocabularyTable()->item(7, 1)->text(), QStringLiteral("7"));
        QSignalSpy counted(view, &ui::TextCorpusView::countsReady);
        QTRY_VERIFY_WITH_TIMEOUT(!view->counts().empty(), 20000);
        const auto& counts = view->counts();
        QCOMPARE(std::accumulate(counts.begin(), counts.end(), std::int64_t(0)),
                 std::int64_t(windows) * kWindow);
        for (std::int64_t c : counts) { // the digits come in turn: each about a tenth
            QVERIFY(std::abs(c - windows * kWindow / 10) <= 1);
        }
        QCOMPARE(view->vocabularyTable()->item(0, 2)->data(Qt::DisplayRole).toLongLong(),
                 counts[0]);
        QCOMPARE(view->frequencyChart()->counts().size(), std::size_t(10));
        const QString summary = view->summaryText();
        QVERIFY2(summary.contains(QLatin1String("T = 16")), qPrintable(summary));
        QVERIFY2(summary.contains(QLatin1String("187 windows")), qPrintable(summary));
        QVERIFY2(summary.contains(QLatin1String("vocabulary of 10")), qPrintable(summary));
    }

    void trainChartsPerplexityThenGenerates() {
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_projectPath).ok());
        ui::MainWindow window(document, nw::testing::cpuOnlyRegistry());
        window.setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        window.show();
        TrainPage* page = window.trainPage();
        QVERIFY(window.showMode(QStringLiteral("train")));
        auto* controller = window.trainingController();
        QSignalSpy finished(controller, &app::TrainingController::finished);
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
        const auto result = finished.first().first().value<app::RunFinished>();
        QCOMPARE(result.status, QStringLiteral("completed"));

        // The second chart is the perplexity: exp of the loss at every step.
        QVERIFY(page->showsLanguageModel());
        ui::MetricChart* ppl = page->accuracyChart();
        QVERIFY(ppl->title().contains(QLatin1String("Perplexity")));
        QVERIFY(page->throughputChart()->title().contains(QLatin1String("Tokens")));
        QCOMPARE(page->throughputChart()->curveName(0), QStringLiteral("tokens/s"));
        const qsizetype steps = page->lossChart()->storedCount(TrainPage::TrainStep);
        QVERIFY(steps > 10);
        QCOMPARE(ppl->storedCount(TrainPage::TrainStep), steps);
        QCOMPARE(ppl->storedCount(TrainPage::Validation), qsizetype(5)); // one per epoch
        ppl->refresh();
        page->lossChart()->refresh();
        const auto lossFirst = page->lossChart()->displayedSegment(TrainPage::TrainStep, 0);
        const auto pplFirst = ppl->displayedSegment(TrainPage::TrainStep, 0);
        QVERIFY(!lossFirst.isEmpty() && !pplFirst.isEmpty());
        QVERIFY(std::abs(pplFirst.front().y() - std::exp(lossFirst.front().y())) < 1e-3);
        // A 10-character model starts near perplexity 10 and ends near 1.
        QVERIFY2(pplFirst.front().y() > 5, qPrintable(QString::number(pplFirst.front().y())));
        const auto val = ppl->displayedSegment(TrainPage::Validation, 0);
        QVERIFY2(val.back().y() < 1.5, qPrintable(QString::number(val.back().y())));

        // The evaluation: per-token figures, no 10 x 10 matrix.
        ui::EvaluationPanel* evaluation = page->evaluationPanel();
        QSignalSpy evaluated(controller, &app::TrainingController::evaluated);
        QTRY_VERIFY(evaluation->evaluateButton()->isEnabled());
        QTest::mouseClick(evaluation->evaluateButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 1, 30000);
        QVERIFY(!evaluation->languageModelNote()->isHidden());
        QCOMPARE(evaluation->confusionModel()->rowCount(), 0);
        const QString summary = evaluation->summaryLabel()->text();
        QVERIFY2(summary.contains(QLatin1String("perplexity")), qPrintable(summary));
        QVERIFY2(summary.contains(QLatin1String("per-token accuracy")), qPrintable(summary));
        QVERIFY2(summary.contains(QLatin1String("validation split")), qPrintable(summary));

        // Generation: 30 tokens after "3", streamed, the same for the same seed.
        ui::GenerationPanel* gen = page->generationPanel();
        QTRY_VERIFY(gen->generateButton()->isEnabled());
        QSignalSpy done(gen, &ui::GenerationPanel::generationFinished);
        QSignalSpy streamed(&gen->controller(), &app::TextGenerationController::textGenerated);
        gen->promptEdit()->setText(QStringLiteral("3"));
        gen->tokensBox()->setValue(30);
        gen->temperatureBox()->setValue(0.8);
        gen->seedBox()->setValue(7);
        QTest::mouseClick(gen->generateButton(), Qt::LeftButton);
        QVERIFY(gen->stopButton()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 30000);
        auto r = done.first().first().value<app::GenerationResult>();
        QCOMPARE(r.status, QStringLiteral("completed"));
        QCOMPARE(r.tokens, qint64(30));
        const QString first = gen->generatedText();
        QCOMPARE(first, r.text);
        QCOMPARE(first.size(), 30);
        for (QChar c : first) {
            QVERIFY2(c.isDigit(), qPrintable(first)); // the vocabulary's characters only
        }
        QVERIFY(streamed.count() >= 1);
        QCOMPARE(gen->output()->toPlainText(), QStringLiteral("3") + first);
        // The trained model continues the sequence: what follows "3" is mostly "4567...".
        const QString expected = QStringLiteral("456789012345678901234567890123");
        int agree = 0;
        for (int i = 0; i < 30; ++i) {
            agree += first[i] == expected[i];
        }
        QVERIFY2(agree >= 20, qPrintable(first));
        QVERIFY(!gen->stopButton()->isEnabled());
        saveScreenshots(window, gen);

        QTest::mouseClick(gen->generateButton(), Qt::LeftButton); // same seed, same text
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 30000);
        QCOMPARE(gen->generatedText(), first);
        gen->seedBox()->setValue(8); // another seed: still 30 digits
        gen->temperatureBox()->setValue(3.0);
        QVERIFY(gen->generate());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, 30000);
        QCOMPARE(gen->generatedText().size(), 30);

        // Stop: a long generation ends early, with what it drew so far.
        gen->tokensBox()->setValue(100000);
        QVERIFY(gen->generate());
        QTRY_VERIFY_WITH_TIMEOUT(gen->generatedText().size() > 5, 30000);
        QTest::mouseClick(gen->stopButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 4, 30000);
        r = done.last().first().value<app::GenerationResult>();
        QCOMPARE(r.status, QStringLiteral("stopped"));
        QVERIFY(r.tokens < 100000);
        QCOMPARE(gen->generatedText().size(), int(r.tokens));
        QVERIFY(gen->statusLabel()->text().contains(QLatin1String("Stopped")));

        // A prompt character outside the vocabulary: an error in the panel.
        gen->tokensBox()->setValue(10);
        gen->promptEdit()->setText(QStringLiteral("3x"));
        QVERIFY(gen->generate());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 5, 30000);
        r = done.last().first().value<app::GenerationResult>();
        QCOMPARE(r.status, QStringLiteral("failed"));
        const QString status = gen->statusLabel()->text();
        QVERIFY2(status.contains(QLatin1String("Prompt")) && status.contains(QLatin1String("x")),
                 qPrintable(status));
        QVERIFY(gen->generateButton()->isEnabled());

        // The stored run, shown again from the experiment store: still perplexity.
        QVERIFY(page->showStoredRun(result.runId));
        QVERIFY(page->showsLanguageModel());
        QCOMPARE(ppl->storedCount(TrainPage::TrainStep), steps);
        QCOMPARE(ppl->storedCount(TrainPage::Validation), qsizetype(5));
        QVERIFY(page->throughputChart()->storedCount(0) > 0);
        // Its Generate tab uses the run's final checkpoint: the session model's weights, so
        // the same prompt and seed give the same text.
        gen->promptEdit()->setText(QStringLiteral("3"));
        gen->tokensBox()->setValue(30);
        gen->temperatureBox()->setValue(0.8);
        gen->seedBox()->setValue(7);
        QTRY_VERIFY(gen->generateButton()->isEnabled());
        QVERIFY(gen->generateButton()->toolTip().contains(QLatin1String("checkpoint")));
        QVERIFY(gen->generate());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 6, 30000);
        r = done.last().first().value<app::GenerationResult>();
        QVERIFY2(r.status == QLatin1String("completed"), qPrintable(r.message));
        QCOMPARE(gen->generatedText(), first);
        window.trainingController()->stopAndWait();
    }

    // Closing while text is being generated: the panel stops the worker and waits for it.
    void closingDuringGenerationStops() {
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_projectPath).ok());
        auto window = std::make_unique<ui::MainWindow>(document, nw::testing::cpuOnlyRegistry());
        window->setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        window->show();
        TrainPage* page = window->trainPage();
        QVERIFY(window->showMode(QStringLiteral("train")));
        QSignalSpy finished(window->trainingController(), &app::TrainingController::finished);
        page->setMaxSteps(20);
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
        ui::GenerationPanel* gen = page->generationPanel();
        QTRY_VERIFY(gen->generateButton()->isEnabled());
        gen->promptEdit()->setText(QStringLiteral("0"));
        gen->tokensBox()->setValue(100000);
        QVERIFY(gen->generate());
        QTRY_VERIFY_WITH_TIMEOUT(!gen->generatedText().isEmpty(), 30000);
        QVERIFY(gen->controller().isActive());
        window.reset(); // must not hang or crash
    }

private:
    // NW_SCREENSHOT_DIR set: the Train mode's charts and its Generate tab, as PNGs there.
    static void saveScreenshots(QWidget& window, QWidget* generationTab) {
        const QString dir = qEnvironmentVariable("NW_SCREENSHOT_DIR");
        auto* tabs = generationTab->parentWidget()
                         ? qobject_cast<QTabWidget*>(generationTab->parentWidget()->parentWidget())
                         : nullptr;
        if (dir.isEmpty() || !tabs) {
            return;
        }
        window.resize(1600, 1000);
        tabs->setCurrentIndex(0);
        QTest::qWait(300);
        window.grab().save(dir + "/lm-train-charts.png");
        tabs->setCurrentWidget(generationTab);
        QTest::qWait(300);
        window.grab().save(dir + "/lm-train-generate.png");
    }

    QTemporaryDir m_dir;
    QString m_projectPath;
    graph::OpRegistry m_registry = graph::makeCoreRegistry();
};

QTEST_MAIN(TestLanguageModelUi)
#include "test_language_model_ui.moc"
