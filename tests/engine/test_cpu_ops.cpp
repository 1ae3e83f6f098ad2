// What only the CPU backend does: activations fused into their producers in inference plans,
// and graphs the plan refuses. Every op's forward and backward on every backend is in the
// cross-backend harness (test_op_harness.cpp).
#include "base/rng.h"
#include "engine/plan/execution_plan.h"
#include "graph/op_registry.h"
#include "tests/engine/op_cases.h"
#include "tests/support/backends.h"
#include "tests/support/precision_step.h"

#include <QtTest>
#include <cmath>
#include <functional>

using namespace nw;
using namespace nw::engine;

namespace {

using testing::download;

using testing::Chain;
using testing::conv;
using testing::kMse;

void upload(Backend& b, const Tensor& t, const std::vector<float>& v) {
    QVERIFY2(b.copyFromHost(t, v.data()).ok() && b.synchronize().ok(), "upload failed");
}

} // namespace

class TestCpuOps : public QObject {
    Q_OBJECT
private slots:
    // Inference plans run an activation inside its producer (oneDNN post-ops, fused batch
    // norm + ReLU); the result must equal the unfused training plan's inference forward.
    void fusedInferenceMatchesUnfused() {
        Chain c({2, 6, 6});
        c.add("Conv2D", conv(4))
            .add("ReLU")
            .add("BatchNorm")
            .add("ReLU")
            .add("Flatten")
            .add("Dense", {{"units", 8}})
            .add("GELU")
            .add("Dense", {{"units", 3}})
            .add("Loss");
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        ModelParams params(backend);
        auto unfused = ExecutionPlan::compile(c.graph(), registry, backend, params, {4, true, 0});
        auto fused = ExecutionPlan::compile(c.graph(), registry, backend, params, {4, false, 0});
        QVERIFY(unfused.ok() && fused.ok());
        QVERIFY(params.initialize(3).ok());
        // Non-trivial running statistics, so the fused batch norm has work to do.
        for (auto& e : params.entries()) {
            if (e->spec.name == "running_mean") {
                upload(backend, e->value, {0.2f, -0.1f, 0.3f, 0.05f});
            } else if (e->spec.name == "running_var") {
                upload(backend, e->value, {0.5f, 2.0f, 1.5f, 0.25f});
            }
        }
        std::vector<float> x(static_cast<std::size_t>((*fused)->input().numel()));
        CounterRng(8, 0).fillNormal(x, 0.0f, 1.0f);
        std::vector<std::int32_t> labels{0, 1, 2, 0};
        for (auto* plan : {unfused->get(), fused->get()}) {
            upload(backend, plan->input(), x);
            QVERIFY(backend.copyFromHost(plan->targets(), labels.data()).ok());
            QVERIFY(plan->forward(false, 0).ok());
        }
        auto a = download(backend, (*unfused)->prediction());
        auto b = download(backend, (*fused)->prediction());
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            QVERIFY2(std::abs(a[i] - b[i]) <= 1e-5f * (1 + std::abs(a[i])),
                     qPrintable(QString("%1: %2 vs %3").arg(i).arg(a[i]).arg(b[i])));
        }
        QVERIFY((*fused)->arenaBytes() < (*unfused)->arenaBytes());
    }

    // Cast passes gradients straight through: a network with a Cast to float16 between two
    // Dense layers gets the gradients of the same network without it, up to float16's
    // rounding of the activations (not exactly: the Cast did round), and not zero or scaled.
    void castPassesGradientsStraightThrough() {
        auto step = [](bool cast) {
            Chain c({6});
            c.add("Dense", {{"units", 5}});
            if (cast) {
                c.add("Cast", {{"to", std::string("float16")}});
            }
            c.add("Dense", {{"units", 3}}).add("Loss", kMse);
            auto backend = nw::testing::openCpu();
            auto registry = graph::makeCoreRegistry();
            ModelParams params(*backend);
            auto plan = ExecutionPlan::compile(c.graph(), registry, *backend, params, {4, true, 0});
            std::vector<std::vector<float>> grads;
            if (!plan || !params.initialize(7).ok()) {
                return grads;
            }
            std::vector<float> x(24), t(12);
            CounterRng(4, 0).fillNormal(x, 0.0f, 1.0f);
            CounterRng(5, 0).fillNormal(t, 0.0f, 1.0f);
            upload(*backend, (*plan)->input(), x);
            upload(*backend, (*plan)->targets(), t);
            if ((*plan)->forward(true, 0).ok() && (*plan)->backward().ok() &&
                backend->synchronize().ok()) {
                for (const auto& e : params.entries()) {
                    grads.push_back(download(*backend, e->grad));
                }
            }
            return grads;
        };
        const auto with = step(true), without = step(false);
        QCOMPARE(with.size(), 4u); // both Dense layers' weight and bias
        QCOMPARE(without.size(), 4u);
        for (std::size_t k = 0; k < with.size(); ++k) {
            const double d = nw::testing::relativeDistance(with[k], without[k]);
            QVERIFY2(d < 2e-3, qPrintable(QString("gradient %1: %2").arg(k).arg(d)));
            if (k < 2) { // the first layer's, through the Cast: float16 rounded on the way
                QVERIFY2(d > 0, qPrintable(QString("gradient %1 is exactly the same").arg(k)));
            }
        }
    }

    // training.precision on the CPU: tf32 is refused with the reason; bf16, where the CPU has
    // AVX512-BF16, computes convolutions and Dense on bf16 inputs with fp32 accumulation: the
    // loss and every gradient stay within bf16's rounding of the fp32 ones, yet differ from
    // them (the bf16 path really ran).
    void bf16ProductsFollowFp32() {
        auto fp32 = nw::testing::openCpu();
        auto bf16 = nw::testing::openCpu();
        auto tf32 = bf16->setPrecision(Precision::Tf32);
        QVERIFY(!tf32.ok());
        QVERIFY2(tf32.error().message.find("NVIDIA") != std::string::npos,
                 tf32.error().message.c_str());
        auto set = bf16->setPrecision(Precision::Bf16);
        if (!__builtin_cpu_supports("avx512bf16")) {
            QVERIFY(!set.ok());
            QVERIFY(set.error().message.find("AVX512-BF16") != std::string::npos);
            QSKIP("this CPU has no AVX512-BF16: bf16 is refused, as checked");
        }
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message.c_str());
        QCOMPARE(bf16->precision(), Precision::Bf16);

        const auto a = nw::testing::convDenseStep(*fp32), b = nw::testing::convDenseStep(*bf16);
        QVERIFY2(a.error.empty() && b.error.empty(), (a.error + b.error).c_str());
        QCOMPARE(a.loss.size(), std::size_t(1));
        QCOMPARE(b.loss.size(), std::size_t(1));
        QCOMPARE(a.grads.size(), b.grads.size());
        QVERIFY2(std::abs(a.loss[0] - b.loss[0]) <= 2e-2f * std::abs(a.loss[0]),
                 qPrintable(QString("loss %1 vs %2").arg(a.loss[0]).arg(b.loss[0])));
        double differs = 0;
        for (std::size_t g = 0; g < a.grads.size(); ++g) {
            // bf16 keeps 8 bits of mantissa (0.4% per input); the sums behind a weight
            // gradient cancel, so the relative error of the whole gradient is larger (3.7% seen
            // for the convolution's weight).
            const double d = nw::testing::relativeDistance(b.grads[g], a.grads[g]);
            QVERIFY2(d <= 6e-2, qPrintable(QString("gradient %1: %2 from fp32").arg(g).arg(d)));
            differs += d;
        }
        QVERIFY2(differs > 0, "bf16 gave exactly the fp32 gradients: its products did not run");
    }

    void unsupportedGraphsAreUserErrors() {
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        ModelParams params(backend);
        Chain noLoss({4});
        noLoss.add("Dense", {{"units", 2}});
        auto plan = ExecutionPlan::compile(noLoss.graph(), registry, backend, params, {2, true, 0});
        QVERIFY(!plan.ok());
        QVERIFY(plan.error().message.find("no Loss") != std::string::npos);

        Chain bad({4});
        bad.add("Dense", {{"units", 0}}).add("Loss", kMse);
        plan = ExecutionPlan::compile(bad.graph(), registry, backend, params, {2, true, 0});
        QVERIFY(!plan.ok());
        QVERIFY(plan.error().message.find("node 'Dense1', field 'units'") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestCpuOps)
#include "test_cpu_ops.moc"
