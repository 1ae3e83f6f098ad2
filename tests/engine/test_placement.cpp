// Mixed placement: a node whose op the plan's backend lacks runs on the CPU fallback, with
// the copies around it, and the plan computes what a plan entirely on the CPU does —
// forward, backward, parameter gradients and batch-norm state alike.
#include "base/rng.h"
#include "engine/plan/execution_plan.h"
#include "graph/op_registry.h"
#include "tests/engine/op_cases.h"
#include "tests/support/backends.h"
#include "tests/support/restricted_backend.h"

#include <QtTest>
#include <cmath>

using namespace nw;
using namespace nw::engine;

namespace {

using testing::download;

graph::Graph network() {
    return testing::Chain({2, 6, 6})
        .add("Conv2D", testing::conv(4))
        .add("BatchNorm")
        .add("ReLU")
        .add("MaxPool2D")
        .add("Flatten")
        .add("Dense", {{"units", 5}})
        .add("Loss")
        .graph();
}

// Loss, prediction, every parameter's gradient and every state tensor after one training
// step's forward and backward at a seeded point.
struct StepResult {
    std::vector<std::vector<float>> values;
};

StepResult trainStep(Backend& backend, Backend* fallback, bool training) {
    auto ops = graph::makeCoreRegistry();
    ModelParams params(backend);
    PlanOptions o{4, training, 3, fallback};
    auto plan = ExecutionPlan::compile(network(), ops, backend, params, o);
    if (!plan) {
        qFatal("%s", plan.error().message.c_str());
    }
    if (!params.initialize(11).ok()) {
        qFatal("initialize failed");
    }
    auto& p = **plan;
    std::vector<float> x(static_cast<std::size_t>(p.input().numel()));
    CounterRng(4, 1).fillNormal(x, 0.0f, 1.0f);
    std::vector<std::int32_t> labels{0, 3, 4, 1};
    if (!backend.copyFromHost(p.input(), x.data()).ok() ||
        !backend.copyFromHost(p.labels(), labels.data()).ok() || !p.labelsToTargets().ok() ||
        !p.forward(training, 1).ok() || (training && !p.backward().ok())) {
        qFatal("the step failed");
    }
    StepResult r;
    r.values.push_back(download(backend, p.loss()));
    r.values.push_back(download(backend, p.prediction()));
    for (const auto& e : params.entries()) {
        r.values.push_back(download(backend, e->value)); // running statistics included
        if (training && e->grad.defined()) {
            r.values.push_back(download(backend, e->grad));
        }
    }
    return r;
}

} // namespace

class TestPlacement : public QObject {
    Q_OBJECT
private slots:
    void refusedWithoutAFallback() {
        testing::RestrictedBackend device(testing::openCpu(), {"BatchNorm"});
        auto ops = graph::makeCoreRegistry();
        ModelParams params(device);
        auto plan = ExecutionPlan::compile(network(), ops, device, params, {4, true, 3});
        QVERIFY(!plan.ok());
        QCOMPARE(plan.error().kind, Error::Kind::User);
        const auto& m = plan.error().message;
        QVERIFY2(m.find("node 'BatchNorm1'") != std::string::npos, m.c_str());
        QVERIFY2(m.find("vulkan:7 has no BatchNorm kernel: left out for the test") !=
                     std::string::npos,
                 m.c_str());
    }

    void placementNamesEachNodesDevice() {
        testing::RestrictedBackend device(testing::openCpu(), {"BatchNorm", "Dense"});
        auto cpu = testing::openCpu();
        auto ops = graph::makeCoreRegistry();
        ModelParams params(device);
        auto plan = ExecutionPlan::compile(network(), ops, device, params, {4, true, 3, cpu.get()});
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
        int onCpu = 0;
        for (const auto& p : (*plan)->placement()) {
            bool lacking = p.op == "BatchNorm" || p.op == "Dense";
            QCOMPARE(p.device, std::string(lacking ? "cpu" : "vulkan:7"));
            QCOMPARE(p.reason.empty(), !lacking);
            onCpu += lacking;
        }
        QCOMPARE(onCpu, 2);
        QCOMPARE((*plan)->fallbackNodes().size(), std::size_t(2));
        QCOMPARE((*plan)->placement().size(), network().nodes().size());
        // The summary's view agrees with the plan's.
        for (const auto& p : placeNodes(network(), device)) {
            QCOMPARE(p.device == "cpu", p.op == "BatchNorm" || p.op == "Dense");
        }
    }

    void fallbackComputesWhatTheCpuDoes_data() {
        QTest::addColumn<bool>("training");
        QTest::addColumn<QStringList>("lacks");
        QTest::newRow("training, BatchNorm and Dense") << true << QStringList{"BatchNorm", "Dense"};
        QTest::newRow("training, the Loss") << true << QStringList{"Loss"};
        QTest::newRow("training, Conv2D and ReLU") << true << QStringList{"Conv2D", "ReLU"};
        QTest::newRow("inference, BatchNorm and Dense")
            << false << QStringList{"BatchNorm", "Dense"};
    }

    void fallbackComputesWhatTheCpuDoes() {
        QFETCH(bool, training);
        QFETCH(QStringList, lacks);
        std::set<std::string> lacking;
        for (const auto& op : lacks) {
            lacking.insert(op.toStdString());
        }
        auto reference = testing::openCpu();
        StepResult want = trainStep(*reference, nullptr, training);
        testing::RestrictedBackend device(testing::openCpu(), lacking);
        auto cpu = testing::openCpu();
        StepResult got = trainStep(device, cpu.get(), training);
        QCOMPARE(got.values.size(), want.values.size());
        for (std::size_t t = 0; t < got.values.size(); ++t) {
            QCOMPARE(got.values[t].size(), want.values[t].size());
            for (std::size_t i = 0; i < got.values[t].size(); ++i) {
                float a = got.values[t][i], b = want.values[t][i];
                QVERIFY2(std::abs(a - b) <= 1e-6f * std::max(1.0f, std::abs(b)),
                         qPrintable(QStringLiteral("tensor %1[%2]: %3, expected %4")
                                        .arg(t)
                                        .arg(i)
                                        .arg(a)
                                        .arg(b)));
            }
        }
        QVERIFY(device.copies > 0); // the fallback's copies went through the device
    }
};

QTEST_GUILESS_MAIN(TestPlacement)
#include "test_placement.moc"
