// The cross-backend op harness, in the spirit of ggml's test-backend-ops: every case of
// op_cases.h on every backend the composition roots list (app/backends.h).
//
// - On the CPU, the reference: forward against the hand-computed values, backward against
//   central finite differences (Caffe's GradientChecker: fixed seed, step, tolerance, and a
//   kink rule for non-smooth points).
// - On every other backend: forward and backward against the CPU, within a tolerance per
//   dtype. A second CPU configured like a GPU (256-byte alignment, one thread) runs that path
//   here, so it is exercised before any GPU backend exists.
// - A backend this build or machine lacks skips each row with the reason.
#include "app/backends.h"
#include "base/rng.h"
#include "engine/plan/execution_plan.h"
#include "graph/op_registry.h"
#include "tests/engine/op_cases.h"
#include "tests/support/backends.h"
#include "tests/support/value_compare.h"
#if NW_HAVE_VULKAN
#include "gpu/vulkan/runtime/instance.h"
#endif

#include <QtTest>
#include <cmath>
#include <memory>

using namespace nw;
using namespace nw::engine;

namespace {

using testing::compare;
using testing::download;
using testing::upload;

struct HarnessBackend {
    std::string name; // the row prefix
    std::string id;   // what openBackend takes
    BackendOptions options;
    std::string absent; // non-empty: why this backend cannot run here
};

// Every backend of this build and every op, the example plugin's included (its CPU kernels
// are checked like the built-in ones; other backends run them on the CPU fallback).
const app::Registries& registries() {
    static const auto r = app::loadRegistries({{NW_EXAMPLE_PLUGIN}, {}});
    return *r;
}

const BackendRegistry& registry() {
    return registries().backends;
}

std::vector<HarnessBackend> harnessBackends() {
    std::vector<HarnessBackend> out;
    for (const auto& d : registry().availableDevices()) {
        out.push_back({d.id, d.id, {}, {}});
    }
    out.push_back({"cpu-as-gpu", "cpu", {1, 256}, {}});
    for (const auto& a : registry().absentBackends()) {
        out.push_back({a.kind, a.kind + ":0", {}, a.reason});
    }
    return out;
}

// Whether `b` has kernels for `ops`. Every backend has them for the built-in ops (the
// coverage test holds it to that); the plugin ops have CPU kernels only, so their rows run on
// the CPU backends (a Vulkan plan places them on the CPU fallback, which these rows are).
bool runsOps(const HarnessBackend& b, const std::vector<std::string>& ops) {
    if (!b.absent.empty()) {
        return true; // its rows say why they are skipped
    }
    for (const auto& d : registry().availableDevices()) {
        if (d.id != b.id) {
            continue;
        }
        auto backend = registry().openBackend(b.id, b.options);
        for (const auto& op : ops) {
            if (backend && !(*backend)->supportsOp(op)) {
                return false;
            }
        }
    }
    return true;
}

// f32 everywhere so far: relative to max(1, |reference|).
constexpr double kF32Tolerance = 1e-4;

bool uploadTargets(Backend& b, const Tensor& t, const std::vector<float>& v) {
    if (t.dtype() != DType::I32) {
        return upload(b, t, v);
    }
    std::vector<std::int32_t> labels(v.begin(), v.end());
    return labels.size() == std::size_t(t.numel()) && b.copyFromHost(t, labels.data()).ok() &&
           b.synchronize().ok();
}

std::unique_ptr<Backend> open(const HarnessBackend& hb) {
    auto b = registry().openBackend(hb.id, hb.options);
    if (!b) {
        qFatal("%s: %s", hb.name.c_str(), b.error().message.c_str());
    }
    return std::move(*b);
}

struct ForwardResult {
    QString error;
    std::vector<float> prediction;
    float loss = 0;
};

template <class Result>
Result failure(QString error) {
    Result r;
    r.error = std::move(error);
    return r;
}

ForwardResult runForward(Backend& backend, const testing::ForwardCase& c) {
    const graph::OpRegistry& ops = registries().ops;
    ModelParams params(backend);
    auto plan = ExecutionPlan::compile(c.graph, ops, backend, params, {c.batch, c.training, 5});
    if (!plan) {
        return failure<ForwardResult>(QString::fromStdString(plan.error().message));
    }
    if (!params.initialize(1).ok()) {
        return failure<ForwardResult>(QStringLiteral("initialising the parameters failed"));
    }
    if (c.params.size() != params.entries().size()) {
        return failure<ForwardResult>(
            QStringLiteral("the case gives %1 parameter tensors, the plan has %2")
                .arg(c.params.size())
                .arg(params.entries().size()));
    }
    for (std::size_t i = 0; i < c.params.size(); ++i) {
        if (!upload(backend, params.entries()[i]->value, c.params[i])) {
            return failure<ForwardResult>(
                QStringLiteral("parameter %1 (%2) has %3 values, not %4")
                    .arg(i)
                    .arg(QString::fromStdString(params.entries()[i]->spec.name))
                    .arg(c.params[i].size())
                    .arg(params.entries()[i]->value.numel()));
        }
    }
    auto& p = **plan;
    if (!upload(backend, p.input(), c.input) || !uploadTargets(backend, p.targets(), c.targets)) {
        return failure<ForwardResult>(
            QStringLiteral("the case's input or targets do not fit the plan"));
    }
    if (auto st = p.forward(c.training, 1); !st) {
        return failure<ForwardResult>(QString::fromStdString(st.error().message));
    }
    ForwardResult r;
    r.prediction = download(backend, p.prediction());
    r.loss = download(backend, p.loss())[0];
    return r;
}

// Gradients of a case's trainable parameters at a seeded point, with the loss there.
struct GradientPoint {
    QString error;
    float loss = 0;
    std::vector<std::vector<float>> grads; // in ModelParams::trainable() order
};

struct GradientRun {
    const graph::OpRegistry& ops = registries().ops;
    std::unique_ptr<ModelParams> params;
    std::unique_ptr<ExecutionPlan> plan;
};

// `input`: the case's own input (token ids); empty: a seeded normal draw.
QString prepareGradients(Backend& backend, const graph::Graph& graph, GradientRun& run,
                         const std::vector<float>& input) {
    const std::int64_t batch = 3;
    run.params = std::make_unique<ModelParams>(backend);
    auto plan = ExecutionPlan::compile(graph, run.ops, backend, *run.params, {batch, true, 7});
    if (!plan) {
        return QString::fromStdString(plan.error().message);
    }
    run.plan = std::move(*plan);
    if (!run.params->initialize(11).ok()) {
        return QStringLiteral("initialising the parameters failed");
    }
    auto& p = *run.plan;
    // Random input and targets from the counter RNG: the same on every backend.
    std::vector<float> x(static_cast<std::size_t>(p.input().numel()));
    CounterRng(3, 1).fillNormal(x, 0.0f, 1.0f);
    if (!input.empty()) {
        x = input;
    }
    std::vector<float> t;
    if (p.targets().dtype() == DType::I32) {
        // A label per row: [N] or, for a label per step, [N, T]; the classes come last.
        auto classes = p.prediction().shape().back();
        for (std::int64_t i = 0; i < p.targets().numel(); ++i) {
            t.push_back(float((i * 7 + 1) % classes));
        }
    } else {
        t.resize(static_cast<std::size_t>(p.targets().numel()));
        CounterRng(3, 2).fillUniform(t, 0.0f, 1.0f);
    }
    if (!upload(backend, p.input(), x) || !uploadTargets(backend, p.targets(), t)) {
        return QStringLiteral("uploading the input failed");
    }
    // Nudge every parameter away from its initial value (biases, gamma) so that no gradient
    // is trivially symmetric.
    for (auto* e : run.params->trainable()) {
        auto v = download(backend, e->value);
        std::vector<float> noise(v.size());
        CounterRng(5, streamId(e->nodeId + e->spec.name)).fillNormal(noise, 0.0f, 0.3f);
        for (std::size_t i = 0; i < v.size(); ++i) {
            v[i] += noise[i];
        }
        upload(backend, e->value, v);
    }
    return {};
}

GradientPoint gradientsAt(Backend& backend, GradientRun& run) {
    GradientPoint g;
    if (auto st = run.plan->forward(true, 1); !st) {
        return failure<GradientPoint>(QString::fromStdString(st.error().message));
    }
    if (auto st = run.plan->backward(); !st) {
        return failure<GradientPoint>(QString::fromStdString(st.error().message));
    }
    g.loss = download(backend, run.plan->loss())[0];
    for (auto* e : run.params->trainable()) {
        g.grads.push_back(download(backend, e->grad));
    }
    return g;
}

} // namespace

Q_DECLARE_METATYPE(HarnessBackend)
Q_DECLARE_METATYPE(nw::testing::ForwardCase)
Q_DECLARE_METATYPE(nw::testing::GradientCase)

class TestOpHarness : public QObject {
    Q_OBJECT
private slots:
    // With NW_VULKAN_VALIDATION=1 (CTest sets it) the Khronos validation layer watched every
    // Vulkan row: it must have reported nothing.
    void cleanupTestCase() {
#if NW_HAVE_VULKAN
        auto instance = gpu::vulkan::Instance::get();
        if (instance && (*instance)->validation()) {
            QCOMPARE(gpu::vulkan::Instance::validationMessages(), std::uint64_t(0));
        }
#endif
    }

    void forward_data() {
        QTest::addColumn<HarnessBackend>("backend");
        QTest::addColumn<testing::ForwardCase>("c");
        for (const auto& b : harnessBackends()) {
            for (const auto& c : testing::forwardCases()) {
                if (runsOps(b, c.ops)) {
                    QTest::newRow((b.name + " " + c.name).c_str()) << b << c;
                }
            }
        }
    }

    void forward() {
        QFETCH(HarnessBackend, backend);
        QFETCH(testing::ForwardCase, c);
        if (!backend.absent.empty()) {
            QSKIP(qPrintable(QString::fromStdString(backend.name + ": " + backend.absent)));
        }
        auto b = open(backend);
        ForwardResult got = runForward(*b, c);
        QVERIFY2(got.error.isEmpty(), qPrintable(got.error));
        if (backend.id == "cpu" && backend.options.alignment == 0) { // the reference
            if (c.check) {
                std::string why = c.check(c.input, got.prediction);
                QVERIFY2(why.empty(), why.c_str());
            } else {
                QString why = compare("prediction", got.prediction, c.prediction, c.tolerance);
                QVERIFY2(why.isEmpty(), qPrintable(why));
            }
            if (c.loss >= 0) {
                QVERIFY2(
                    std::abs(got.loss - c.loss) <= c.tolerance * std::max(1.0, c.loss),
                    qPrintable(QStringLiteral("loss %1, expected %2").arg(got.loss).arg(c.loss)));
            }
            return;
        }
        auto cpu = registry().openBackend("cpu");
        QVERIFY(cpu.ok());
        ForwardResult want = runForward(**cpu, c);
        QVERIFY2(want.error.isEmpty(), qPrintable(want.error));
        QString why = compare("prediction", got.prediction, want.prediction, kF32Tolerance);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        why = compare("loss", {got.loss}, {want.loss}, kF32Tolerance);
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void gradients_data() {
        QTest::addColumn<HarnessBackend>("backend");
        QTest::addColumn<testing::GradientCase>("c");
        for (const auto& b : harnessBackends()) {
            for (const auto& c : testing::gradientCases()) {
                if (runsOps(b, c.ops)) {
                    QTest::newRow((b.name + " " + c.name).c_str()) << b << c;
                }
            }
        }
    }

    void gradients() {
        QFETCH(HarnessBackend, backend);
        QFETCH(testing::GradientCase, c);
        if (!backend.absent.empty()) {
            QSKIP(qPrintable(QString::fromStdString(backend.name + ": " + backend.absent)));
        }
        auto b = open(backend);
        GradientRun run;
        QString prepared = prepareGradients(*b, c.graph, run, c.input);
        QVERIFY2(prepared.isEmpty(), qPrintable(prepared));
        GradientPoint got = gradientsAt(*b, run);
        QVERIFY2(got.error.isEmpty(), qPrintable(got.error));
        // A frozen node's parameters have no gradient (fine-tuning): its kernel got undefined
        // gradParams and the optimizer never sees them.
        for (const auto& e : run.params->entries()) {
            const bool nodeTrains = c.graph.findNode(e->nodeId)->trainable;
            QVERIFY2(e->grad.defined() == (e->spec.trainable && nodeTrains),
                     qPrintable(QString::fromStdString(e->nodeId + "." + e->spec.name)));
        }
        if (backend.id != "cpu" || backend.options.alignment != 0) {
            auto cpu = registry().openBackend("cpu");
            QVERIFY(cpu.ok());
            GradientRun ref;
            prepared = prepareGradients(**cpu, c.graph, ref, c.input);
            QVERIFY2(prepared.isEmpty(), qPrintable(prepared));
            GradientPoint want = gradientsAt(**cpu, ref);
            QVERIFY2(want.error.isEmpty(), qPrintable(want.error));
            QCOMPARE(got.grads.size(), want.grads.size());
            for (std::size_t i = 0; i < got.grads.size(); ++i) {
                const auto* e = run.params->trainable()[i];
                std::string what = e->nodeId + "." + e->spec.name;
                QString why = compare(what.c_str(), got.grads[i], want.grads[i], kF32Tolerance);
                QVERIFY2(why.isEmpty(), qPrintable(why));
            }
            return;
        }
        checkFiniteDifferences(*b, run, got);
    }

    void backendMetrics_data() {
        QTest::addColumn<HarnessBackend>("backend");
        for (const auto& b : harnessBackends()) {
            QTest::newRow(b.name.c_str()) << b;
        }
    }

    // The device-side classification kernels training reads its per-step scalars from.
    void backendMetrics() {
        QFETCH(HarnessBackend, backend);
        if (!backend.absent.empty()) {
            QSKIP(qPrintable(QString::fromStdString(backend.name + ": " + backend.absent)));
        }
        auto b = open(backend);
        auto tensor = [&](Dims shape, DType dtype) {
            auto t = b->allocate(shape, dtype);
            if (!t) {
                qFatal("allocate failed");
            }
            return *t;
        };
        // Six classes: row 0's label scores highest; row 1's ties the best (a hit: ties
        // favour the true class); row 2's is 4th (top-5 only); row 3's is last.
        Tensor logits = tensor({4, 6}, DType::F32);
        QVERIFY(upload(*b, logits, {0, 9, 1, 2, 3, 4, //
                                    7, 1, 7, 0, 0, 0, //
                                    6, 5, 4, 3, 2, 1, //
                                    1, 2, 3, 4, 5, 0}));
        Tensor labels = tensor({4}, DType::I32);
        std::vector<std::int32_t> l{1, 2, 3, 5};
        QVERIFY(b->copyFromHost(labels, l.data()).ok());
        Tensor loss = tensor({1}, DType::F32);
        QVERIFY(upload(*b, loss, {0.75f}));
        Tensor metrics = tensor({3}, DType::F32);
        QVERIFY(b->classificationMetrics(logits, labels, loss, metrics).ok());
        QCOMPARE(download(*b, metrics), (std::vector<float>{0.75f, 2, 3}));

        Tensor oneHot = tensor({4, 6}, DType::F32);
        QVERIFY(b->oneHot(labels, oneHot).ok());
        auto rows = download(*b, oneHot);
        for (std::size_t i = 0; i < 4; ++i) {
            for (std::size_t j = 0; j < 6; ++j) {
                QCOMPARE(rows[i * 6 + j], j == std::size_t(l[i]) ? 1.0f : 0.0f);
            }
        }
        l[2] = 6; // outside the classes: a user error naming the sample, not a stray write
        QVERIFY(b->copyFromHost(labels, l.data()).ok());
        // An asynchronous device finds it when the kernel has run: at the next synchronize().
        Status bad = b->oneHot(labels, oneHot);
        if (bad.ok()) {
            bad = b->synchronize();
        }
        QVERIFY(!bad.ok());
        QVERIFY(bad.error().message.find("sample 2") != std::string::npos);
    }

private:
    // Central differences. Where a kink (ReLU at 0, a max-pool winner changing) lies within
    // ±h of the point, the difference quotient is off; like Caffe's GradientChecker skipping
    // its kink region, such an element is checked again with a ten times smaller step, and
    // fails only when both steps disagree with backward.
    void checkFiniteDifferences(Backend& backend, GradientRun& run, const GradientPoint& at) {
        auto lossAt = [&]() {
            if (!run.plan->forward(true, 1).ok()) {
                qFatal("forward failed");
            }
            return download(backend, run.plan->loss())[0];
        };
        auto centralDifference = [&](ModelParams::Entry* e, std::vector<float>& v, std::size_t i,
                                     float h) {
            float orig = v[i];
            v[i] = orig + h;
            upload(backend, e->value, v);
            float plus = lossAt();
            v[i] = orig - h;
            upload(backend, e->value, v);
            float minus = lossAt();
            v[i] = orig;
            upload(backend, e->value, v);
            return (double(plus) - double(minus)) / (2.0 * h);
        };
        int checked = 0, retried = 0;
        auto trainable = run.params->trainable();
        for (std::size_t t = 0; t < trainable.size(); ++t) {
            auto* e = trainable[t];
            const auto& analytic = at.grads[t];
            auto v = download(backend, e->value);
            // At most 12 elements per tensor, spread over it.
            std::size_t stride = std::max<std::size_t>(1, v.size() / 12);
            for (std::size_t i = 0; i < v.size(); i += stride, ++checked) {
                auto agrees = [&](double numeric) {
                    return std::abs(numeric - analytic[i]) <= 2e-3 + 3e-2 * std::abs(numeric);
                };
                double numeric = centralDifference(e, v, i, 1e-2f);
                if (agrees(numeric)) {
                    continue;
                }
                ++retried;
                double fine = centralDifference(e, v, i, 1e-3f);
                QVERIFY2(agrees(fine),
                         qPrintable(QStringLiteral("%1.%2[%3]: analytic %4, numeric %5 / %6")
                                        .arg(QString::fromStdString(e->nodeId),
                                             QString::fromStdString(e->spec.name))
                                        .arg(i)
                                        .arg(analytic[i])
                                        .arg(numeric)
                                        .arg(fine)));
            }
        }
        QVERIFY(checked > 0);
        QVERIFY2(
            retried * 4 <= checked,
            qPrintable(QStringLiteral("%1 of %2 elements near kinks").arg(retried).arg(checked)));
    }
};

QTEST_GUILESS_MAIN(TestOpHarness)
#include "test_op_harness.moc"
