// MultiHeadAttention beyond the harness's forward and gradient rows: the causal mask leaks
// nothing from the future (and the same probe sees the leak without it), and attention
// dropout is reproducible per step.
#include "base/rng.h"
#include "engine/plan/execution_plan.h"
#include "graph/op_registry.h"
#include "tests/engine/op_cases.h"
#include "tests/support/backends.h"

#include <QtTest>

using namespace nw;
using namespace nw::engine;

namespace {

using testing::Chain;
using testing::download;
using testing::kMse;
using testing::upload;

constexpr std::int64_t kBatch = 2, kT = 6, kC = 5, kOut = 3;

// Input [T, C] -> Dense -> MultiHeadAttention -> Dense -> Loss: a small random model.
struct Model {
    graph::OpRegistry registry = graph::makeCoreRegistry();
    std::unique_ptr<Backend> backend = nw::testing::openCpu();
    std::unique_ptr<ModelParams> params;
    std::unique_ptr<ExecutionPlan> plan;

    QString build(graph::AttrMap attention, bool training) {
        Chain c({kT, kC});
        c.add("Dense", {{"units", 8}})
            .add("MultiHeadAttention", std::move(attention))
            .add("Dense", {{"units", kOut}})
            .add("Loss", kMse);
        params = std::make_unique<ModelParams>(*backend);
        auto p =
            ExecutionPlan::compile(c.graph(), registry, *backend, *params, {kBatch, training, 17});
        if (!p) {
            return QString::fromStdString(p.error().message);
        }
        plan = std::move(*p);
        if (!params->initialize(5).ok()) {
            return QStringLiteral("initialising the parameters failed");
        }
        // Non-zero biases (the schema starts them at zero), so every term takes part.
        for (auto* e : params->trainable()) {
            auto v = download(*backend, e->value);
            std::vector<float> noise(v.size());
            CounterRng(9, streamId(e->nodeId + e->spec.name)).fillNormal(noise, 0.0f, 0.2f);
            for (std::size_t i = 0; i < v.size(); ++i) {
                v[i] += noise[i];
            }
            upload(*backend, e->value, v);
        }
        std::vector<float> zeros(static_cast<std::size_t>(plan->targets().numel()), 0.0f);
        return upload(*backend, plan->targets(), zeros) ? QString()
                                                        : QStringLiteral("targets do not fit");
    }

    std::vector<float> run(const std::vector<float>& x, bool training = false,
                           std::uint64_t step = 0) {
        if (!upload(*backend, plan->input(), x) || !plan->forward(training, step).ok()) {
            qFatal("forward failed");
        }
        return download(*backend, plan->prediction());
    }
};

std::vector<float> randomInput(std::uint64_t stream) {
    std::vector<float> x(static_cast<std::size_t>(kBatch * kT * kC));
    CounterRng(4, stream).fillNormal(x, 0.0f, 1.0f);
    return x;
}

// Output element (sample n, position t, feature k) of a [kBatch, kT, kOut] prediction.
float at(const std::vector<float>& y, std::int64_t n, std::int64_t t, std::int64_t k) {
    return y[static_cast<std::size_t>((n * kT + t) * kOut + k)];
}

// For each position t of sample 0: x with its features at t replaced by other values.
std::vector<float> changedAt(std::vector<float> x, std::int64_t t) {
    std::vector<float> other(static_cast<std::size_t>(kC));
    CounterRng(6, static_cast<std::uint64_t>(t)).fillNormal(other, 0.0f, 2.0f);
    for (std::int64_t k = 0; k < kC; ++k) {
        x[static_cast<std::size_t>(t * kC + k)] = other[static_cast<std::size_t>(k)];
    }
    return x;
}

} // namespace

class TestAttention : public QObject {
    Q_OBJECT
private slots:
    // Changing position t of a sample never changes its outputs before t, bit for bit, nor
    // any output of another sample; it does change the output at t.
    void causalMaskLeaksNothing() {
        Model m;
        QString why = m.build({{"heads", 2}, {"causal", true}}, false);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        const auto x = randomInput(1);
        const auto y = m.run(x);
        for (std::int64_t t = 0; t < kT; ++t) {
            const auto y2 = m.run(changedAt(x, t));
            for (std::int64_t s = 0; s < t; ++s) {
                for (std::int64_t k = 0; k < kOut; ++k) {
                    QVERIFY2(at(y2, 0, s, k) == at(y, 0, s, k),
                             qPrintable(QStringLiteral("position %1 changed output %2 (%3 -> %4)")
                                            .arg(t)
                                            .arg(s)
                                            .arg(at(y, 0, s, k))
                                            .arg(at(y2, 0, s, k))));
                }
            }
            float moved = 0;
            for (std::int64_t k = 0; k < kOut; ++k) {
                moved = std::max(moved, std::abs(at(y2, 0, t, k) - at(y, 0, t, k)));
            }
            QVERIFY2(moved > 1e-4f,
                     qPrintable(QStringLiteral("output %1 ignores its input").arg(t)));
            for (std::int64_t s = 0; s < kT; ++s) {
                for (std::int64_t k = 0; k < kOut; ++k) {
                    QCOMPARE(at(y2, 1, s, k), at(y, 1, s, k));
                }
            }
        }
    }

    // The same probe without the mask: the last position reaches every earlier output.
    void withoutTheMaskTheFutureIsSeen() {
        Model m;
        QString why = m.build({{"heads", 2}, {"causal", false}}, false);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        const auto x = randomInput(1);
        const auto y = m.run(x);
        const auto y2 = m.run(changedAt(x, kT - 1));
        for (std::int64_t s = 0; s < kT - 1; ++s) {
            float moved = 0;
            for (std::int64_t k = 0; k < kOut; ++k) {
                moved = std::max(moved, std::abs(at(y2, 0, s, k) - at(y, 0, s, k)));
            }
            QVERIFY2(moved > 1e-5f, qPrintable(QStringLiteral("output %1 unchanged").arg(s)));
        }
    }

    // Dropout on the attention probabilities: one mask per (seed, step, node), so a step
    // repeats exactly; another step draws another mask; inference drops nothing.
    void dropoutIsReproduciblePerStep() {
        Model m;
        QString why = m.build({{"heads", 2}, {"dropout", 0.5}}, true);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        const auto x = randomInput(2);
        const auto a = m.run(x, true, 3);
        QCOMPARE(m.run(x, true, 3), a);
        const auto b = m.run(x, true, 4);
        QVERIFY(a != b);
        const auto inference = m.run(x, false, 3);
        QVERIFY(inference != a);
        QCOMPARE(m.run(x, false, 4), inference);

        Model plain; // the same model without dropout: its inference is the same
        why = plain.build({{"heads", 2}}, true);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        const auto same = plain.run(x, false, 3);
        QCOMPARE(same.size(), inference.size());
        for (std::size_t i = 0; i < same.size(); ++i) {
            QVERIFY(std::abs(same[i] - inference[i]) <= 1e-6f * (1 + std::abs(same[i])));
        }
    }
};

QTEST_GUILESS_MAIN(TestAttention)
#include "test_attention.moc"
