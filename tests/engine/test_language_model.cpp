// Language models end to end on small generated corpora: a label per step through the
// Trainer (mean cross-entropy per token, per-token accuracy), a pattern learnt to near-zero
// loss, context learnt through causal attention and through an LSTM, and generation that
// continues what was learnt; the sampler's top-k and temperature.
#include "datasets/catalog.h"
#include "engine/plan/execution_plan.h"
#include "engine/train/text_generator.h"
#include "engine/train/trainer.h"
#include "engine/train/weights_file.h"
#include "tests/support/backends.h"
#include "tests/support/create_trainer.h"
#include "tests/support/language_model.h"

#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <fstream>

using namespace nw;
using namespace nw::engine;

namespace {

using nw::testing::createTrainer;

// `unit` repeated to about `chars` characters, in a file of `dir`.
std::string writeCorpus(const QTemporaryDir& dir, const std::string& unit, std::size_t chars) {
    const std::string path = dir.filePath("corpus.txt").toStdString();
    nw::testing::writeRepeatedCorpus(path, unit, chars);
    return path;
}

using LmBuilder = nw::testing::LanguageModelBuilder;

struct TokenCounter final : TrainerCallbacks {
    std::int64_t stepTokens = -1, epochTokens = -1;
    void onStep(const StepEvent& e) override { stepTokens = e.tokensPerSample; }
    void onEpoch(const EpochEvent& e) override { epochTokens = e.tokensPerSample; }
};

Expected<EvalResult> trainAndValidate(const graph::Project& project, std::int64_t epochs,
                                      std::unique_ptr<Trainer>* keep = nullptr,
                                      Backend** backendOut = nullptr,
                                      TrainerCallbacks* callbacks = nullptr) {
    static auto registry = graph::makeCoreRegistry();
    static auto backend = nw::testing::openCpu();
    TrainOptions options;
    options.config = project.training;
    options.config.epochs = epochs;
    options.evaluateEachEpoch = false;
    auto trainer = createTrainer(project, registry, *backend, options);
    if (!trainer) {
        return trainer.error();
    }
    if (!(*trainer)->labelsPerStep()) {
        return Error::internal("the trainer does not see a label per step");
    }
    if (auto r = (*trainer)->run(callbacks); !r) {
        return r.error();
    }
    auto v = (*trainer)->evaluate(true);
    if (keep) {
        *keep = std::move(*trainer);
    }
    if (backendOut) {
        *backendOut = backend.get();
    }
    return v;
}

} // namespace

class TestLanguageModel : public QObject {
    Q_OBJECT
private slots:
    // Each character decides the next: an embedding and a dense layer suffice.
    void learnsARepeatingPattern() {
        QTemporaryDir dir;
        auto corpus = writeCorpus(dir, "0123456789", 3000);
        LmBuilder b(corpus, 16, 10, 16);
        b.add("fc", "Dense", {{"units", 32}}).add("act", "ReLU");
        TokenCounter events;
        auto v = trainAndValidate(b.finish(), 6, nullptr, nullptr, &events);
        QVERIFY2(v, v ? "" : v.error().message.c_str());
        QVERIFY2(v->loss < 0.05, qPrintable(QString::number(v->loss)));
        QVERIFY2(v->accuracy > 0.999, qPrintable(QString::number(v->accuracy)));
        QVERIFY(perplexity(v->loss) < 1.06);
        // The events say a sample is 16 tokens (tokens/s, perplexity in the UIs).
        QCOMPARE(events.stepTokens, 16);
        QCOMPARE(events.epochTokens, 16);
    }

    // "aab" repeated: after an 'a' the next character depends on the one before it, which a
    // per-step model cannot see (its best loss is (2/3) ln 2 ~ 0.46); causal attention can.
    void causalAttentionLearnsContext() {
        QTemporaryDir dir;
        auto corpus = writeCorpus(dir, "aab", 3000);
        LmBuilder b(corpus, 12, 2, 16);
        b.add("pos", "PositionalEncoding", {{"kind", std::string("learned")}})
            .add("attn", "MultiHeadAttention", {{"heads", 2}, {"causal", true}})
            .add("fc", "Dense", {{"units", 32}})
            .add("act", "GELU");
        auto v = trainAndValidate(b.finish(), 8);
        QVERIFY2(v, v ? "" : v.error().message.c_str());
        // The first step of a window has no context: at best (1/3) of its 'a's are
        // ambiguous, so the floor is about (1/12) (2/3) ln 2 ~ 0.04.
        QVERIFY2(v->loss < 0.15, qPrintable(QString::number(v->loss)));
    }

    void lstmLearnsContext() {
        QTemporaryDir dir;
        auto corpus = writeCorpus(dir, "aab", 3000);
        LmBuilder b(corpus, 12, 2, 8);
        b.add("lstm", "LSTM", {{"hidden_size", 32}});
        b.p.training.optimizer.learningRate = 0.02;
        auto v = trainAndValidate(b.finish(), 8);
        QVERIFY2(v, v ? "" : v.error().message.c_str());
        QVERIFY2(v->loss < 0.15, qPrintable(QString::number(v->loss)));
    }

    // After learning the digits, the generator continues a prompt with them.
    void generatorContinuesThePattern() {
        QTemporaryDir dir;
        auto corpus = writeCorpus(dir, "0123456789", 3000);
        LmBuilder b(corpus, 16, 10, 16);
        b.add("fc", "Dense", {{"units", 32}}).add("act", "ReLU");
        auto project = b.finish();
        std::unique_ptr<Trainer> trainer;
        Backend* backend = nullptr;
        auto v = trainAndValidate(project, 6, &trainer, &backend);
        QVERIFY2(v, v ? "" : v.error().message.c_str());
        const QString weights = dir.filePath("lm.nwweights");
        QVERIFY(trainer->saveWeights(weights.toStdString()));

        auto registry = graph::makeCoreRegistry();
        ModelParams params(*backend);
        auto gen = TextGenerator::create(project.graph, registry, *backend, params);
        QVERIFY2(gen, gen ? "" : gen.error().message.c_str());
        QCOMPARE((*gen)->window(), 16);
        QCOMPARE((*gen)->vocabularySize(), 10);
        QVERIFY(loadWeights(*backend, params, weights.toStdString()));
        // Ids are the digits themselves (the vocabulary is sorted). 30 tokens run past the
        // window, so the context slides.
        std::vector<std::int32_t> prompt{3, 4, 5};
        std::string streamed;
        auto out = (*gen)->generate(prompt, 30, {0.5, 0, 7}, [&](std::int32_t t) {
            streamed += char('0' + t);
            return true;
        });
        QVERIFY2(out, out ? "" : out.error().message.c_str());
        QCOMPARE(QString::fromStdString(streamed),
                 QStringLiteral("678901234567890123456789012345"));
        // Stopping early from the callback.
        int calls = 0;
        auto few = (*gen)->generate(prompt, 30, {}, [&](std::int32_t) { return ++calls < 4; });
        QVERIFY(few);
        QCOMPARE(few->size(), std::size_t(4));
        // Bad arguments are user errors.
        QVERIFY(!(*gen)->generate(std::vector<std::int32_t>{}, 3, {}));
        QVERIFY(!(*gen)->generate(std::vector<std::int32_t>{12}, 3, {}));
        QVERIFY(!(*gen)->generate(prompt, 3, {0.0, 0, 0}));
    }

    void aSequenceDatasetNeedsAPredictionPerStep() {
        QTemporaryDir dir;
        auto corpus = writeCorpus(dir, "0123456789", 500);
        LmBuilder b(corpus, 16, 10, 8);
        b.add("pool", "SequencePool", {{"mode", std::string("mean")}});
        auto project = b.finish(); // [N, 10]: one prediction per window
        auto registry = graph::makeCoreRegistry();
        auto backend = nw::testing::openCpu();
        TrainOptions options;
        options.config = project.training;
        auto trainer = createTrainer(project, registry, *backend, options);
        QVERIFY(!trainer);
        QVERIFY2(trainer.error().message.find("node 'loss'") != std::string::npos &&
                     trainer.error().message.find("[N, 16, 10]") != std::string::npos,
                 trainer.error().message.c_str());
    }

    // bench --profile on the CPU: every node's forward and backward, timed on the host clock.
    void hostTimingNamesEveryNode() {
        QTemporaryDir dir;
        auto corpus = writeCorpus(dir, "0123456789", 500);
        LmBuilder b(corpus, 8, 10, 8);
        b.add("fc", "Dense", {{"units", 16}});
        auto project = b.finish();
        auto registry = graph::makeCoreRegistry();
        auto backend = nw::testing::openCpu();
        ModelParams params(*backend);
        auto plan = ExecutionPlan::compile(project.graph, registry, *backend, params, {4, true, 1});
        QVERIFY2(plan, plan ? "" : plan.error().message.c_str());
        QVERIFY(params.initialize(1));
        std::vector<std::int32_t> labels(std::size_t((*plan)->targets().numel()), 1);
        QVERIFY(backend->copyFromHost((*plan)->targets(), labels.data()));
        std::vector<float> ids(std::size_t((*plan)->input().numel()), 2.0f);
        QVERIFY(backend->copyFromHost((*plan)->input(), ids.data()));
        QVERIFY((*plan)->forward(true, 0)); // untimed
        (*plan)->setHostTiming(true);
        for (int i = 0; i < 2; ++i) {
            QVERIFY((*plan)->forward(true, 0));
            QVERIFY((*plan)->backward());
        }
        (*plan)->setHostTiming(false);
        auto timings = (*plan)->takeHostTiming();
        QStringList labelsSeen;
        for (const auto& t : timings) {
            labelsSeen << QString::fromStdString(t.label);
            QCOMPARE(t.calls, std::uint64_t(2));
            QVERIFY(t.milliseconds >= 0);
        }
        for (const char* l : {"embed forward", "fc forward", "head backward", "loss backward"}) {
            QVERIFY2(labelsSeen.contains(l), qPrintable(labelsSeen.join(", ")));
        }
        QVERIFY(std::is_sorted(timings.begin(), timings.end(), [](const auto& x, const auto& y) {
            return x.milliseconds > y.milliseconds;
        }));
        QVERIFY((*plan)->takeHostTiming().empty());
    }

    void sampleTokenHonoursTopK() {
        const std::vector<float> p{0.1f, 0.5f, 0.15f, 0.25f};
        QCOMPARE(sampleToken(p, 1, 0.99f), 1); // only the likeliest is left
        QCOMPARE(sampleToken(p, 2, 0.0f), 1);
        QCOMPARE(sampleToken(p, 2, 0.99f), 3); // 0.5 and 0.25, renormalised
        // Without top-k, u walks the sorted cumulative distribution: 0.5, 0.75, 0.9, 1.0.
        QCOMPARE(sampleToken(p, 0, 0.49f), 1);
        QCOMPARE(sampleToken(p, 0, 0.74f), 3);
        QCOMPARE(sampleToken(p, 0, 0.89f), 2);
        QCOMPARE(sampleToken(p, 0, 0.95f), 0);
    }
};

QTEST_GUILESS_MAIN(TestLanguageModel)
#include "test_language_model.moc"
