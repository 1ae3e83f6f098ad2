// Every CPU kernel's backward against central finite differences, through the real plan:
// each case is a small graph  Input -> probe (a layer with parameters) -> op -> ... -> Loss,
// so the check covers the op's parameter gradients and, through the probe, its input
// gradient. Caffe's GradientChecker is the model: fixed seed, step, tolerance.
#include "engine/core/rng.h"
#include "engine/cpu/cpu_backend.h"
#include "engine/plan/execution_plan.h"
#include "graph/op_registry.h"
#include "tests/support/backends.h"

#include <QtTest>
#include <cmath>
#include <functional>

using namespace nw;
using namespace nw::engine;

Q_DECLARE_METATYPE(nw::graph::Graph)

namespace {

using Attrs = graph::AttrMap;

// Builds graphs by chaining nodes: each add() connects the previous node to the new one.
class Chain {
public:
    explicit Chain(graph::IntList inputShape) { add("Input", {{"shape", inputShape}}); }
    Chain& add(const std::string& op, Attrs attrs = {}, std::vector<std::string> extraInputs = {}) {
        std::string id = m_graph.uniqueId(op);
        m_graph.addNode({id, op, std::move(attrs), {}});
        if (!m_last.empty()) {
            m_graph.addEdge({{m_last, 0}, {id, 0}});
        }
        int port = 1;
        for (const auto& from : extraInputs) {
            m_graph.addEdge({{from, 0}, {id, port++}});
        }
        m_last = id;
        return *this;
    }
    // Adds a node fed from `from` without making it the chain's end.
    std::string branch(const std::string& from, const std::string& op, Attrs attrs) {
        std::string id = m_graph.uniqueId(op);
        m_graph.addNode({id, op, std::move(attrs), {}});
        m_graph.addEdge({{from, 0}, {id, 0}});
        return id;
    }
    const std::string& last() const { return m_last; }
    graph::Graph graph() const { return m_graph; }

private:
    graph::Graph m_graph;
    std::string m_last;
};

Attrs conv(std::int64_t filters, graph::IntList k = {3, 3}, graph::IntList pad = {1, 1}) {
    return {{"filters", filters}, {"kernel_size", k}, {"padding", pad}};
}
const Attrs kMse{{"loss", std::string("mse")}};

std::vector<float> download(Backend& b, const Tensor& t) {
    std::vector<float> v(static_cast<std::size_t>(t.numel()));
    if (!b.copyToHost(t, v.data()).ok() || !b.synchronize().ok()) {
        qFatal("download of %s failed", t.toString().c_str());
    }
    return v;
}

void upload(Backend& b, const Tensor& t, const std::vector<float>& v) {
    QVERIFY2(b.copyFromHost(t, v.data()).ok() && b.synchronize().ok(), "upload failed");
}

} // namespace

class TestCpuOps : public QObject {
    Q_OBJECT
private slots:
    void gradients_data() {
        QTest::addColumn<graph::Graph>("graph");
        auto row = [](const char* name, const Chain& c) { QTest::newRow(name) << c.graph(); };

        row("Dense", Chain({6}).add("Dense", {{"units", 4}}).add("Loss", kMse));
        row("Dense no bias", Chain({6})
                                 .add("Dense", {{"units", 3}})
                                 .add("Dense", {{"units", 4}, {"use_bias", false}})
                                 .add("Loss", kMse));
        row("Conv2D",
            Chain({2, 5, 5}).add("Conv2D", conv(3)).add("Conv2D", conv(4)).add("Loss", kMse));
        row("Conv2D same stride 2", Chain({2, 6, 6})
                                        .add("Conv2D", conv(3))
                                        .add("Conv2D", {{"filters", 4},
                                                        {"stride", graph::IntList{2, 2}},
                                                        {"padding_mode", std::string("same")}})
                                        .add("Loss", kMse));
        row("Conv2D dilation",
            Chain({1, 7, 7})
                .add("Conv2D", conv(2))
                .add("Conv2D", {{"filters", 3}, {"dilation", graph::IntList{2, 2}}})
                .add("Loss", kMse));
        row("Conv2D groups no bias", Chain({2, 5, 5})
                                         .add("Conv2D", conv(4))
                                         .add("Conv2D", {{"filters", 6},
                                                         {"groups", 2},
                                                         {"use_bias", false},
                                                         {"padding", graph::IntList{1, 1}}})
                                         .add("Loss", kMse));
        row("MaxPool2D",
            Chain({2, 6, 6}).add("Conv2D", conv(3)).add("MaxPool2D").add("Loss", kMse));
        row("AvgPool2D padded", Chain({2, 6, 6})
                                    .add("Conv2D", conv(3))
                                    .add("AvgPool2D", {{"kernel_size", graph::IntList{3, 3}},
                                                       {"padding", graph::IntList{1, 1}}})
                                    .add("Loss", kMse));
        row("GlobalAvgPool",
            Chain({2, 4, 4}).add("Conv2D", conv(3)).add("GlobalAvgPool").add("Loss", kMse));
        row("BatchNorm 4-D",
            Chain({2, 4, 4}).add("Conv2D", conv(3)).add("BatchNorm").add("Loss", kMse));
        row("BatchNorm 2-D",
            Chain({5}).add("Dense", {{"units", 4}}).add("BatchNorm").add("Loss", kMse));
        row("LayerNorm",
            Chain({5}).add("Dense", {{"units", 6}}).add("LayerNorm").add("Loss", kMse));
        row("LayerNorm 2 dims", Chain({2, 3, 3})
                                    .add("Conv2D", conv(2))
                                    .add("LayerNorm", {{"normalized_dims", 2}})
                                    .add("Loss", kMse));
        row("Dropout", Chain({6})
                           .add("Dense", {{"units", 8}})
                           .add("Dropout", {{"rate", 0.3}})
                           .add("Loss", kMse));
        for (const char* act : {"ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softmax"}) {
            row(act, Chain({5}).add("Dense", {{"units", 6}}).add(act).add("Loss", kMse));
        }
        row("GELU tanh", Chain({5})
                             .add("Dense", {{"units", 6}})
                             .add("GELU", {{"approximate", std::string("tanh")}})
                             .add("Loss", kMse));
        row("Flatten", Chain({2, 3, 3})
                           .add("Conv2D", conv(2))
                           .add("Flatten")
                           .add("Dense", {{"units", 3}})
                           .add("Loss", kMse));
        row("Reshape", Chain({6})
                           .add("Dense", {{"units", 12}})
                           .add("Reshape", {{"shape", graph::IntList{3, -1}}})
                           .add("Loss", kMse));
        {
            Chain c({5});
            c.add("Dense", {{"units", 4}});
            std::string skip = c.last();
            c.add("Tanh").add("Add", {}, {skip}).add("Loss", kMse); // fan-out: gradients summed
            row("Add residual", c);
        }
        {
            Chain c({2, 4, 4});
            c.add("Conv2D", conv(2));
            std::string side = c.branch(c.last(), "Conv2D", conv(3));
            c.add("Conv2D", conv(1)).add("Concat", {}, {side}).add("Loss", kMse);
            row("Concat", c);
        }
        row("Loss cross-entropy smoothed",
            Chain({5}).add("Dense", {{"units", 4}}).add("Loss", {{"label_smoothing", 0.1}}));
        row("Loss binary cross-entropy",
            Chain({5})
                .add("Dense", {{"units", 3}})
                .add("Loss", {{"loss", std::string("binary_cross_entropy_with_logits")}}));
    }

    void gradients() {
        QFETCH(graph::Graph, graph);
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        ModelParams params(backend);
        const std::int64_t batch = 3;
        auto plan = ExecutionPlan::compile(graph, registry, backend, params, {batch, true, 7});
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
        QVERIFY(params.initialize(11).ok());
        auto& p = **plan;

        // Random input and targets from the counter RNG.
        std::vector<float> x(static_cast<std::size_t>(p.input().numel()));
        CounterRng(3, 1).fillNormal(x, 0.0f, 1.0f);
        upload(backend, p.input(), x);
        if (p.targets().dtype() == DType::I32) {
            std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
            auto classes = p.prediction().dim(1);
            for (std::size_t i = 0; i < labels.size(); ++i) {
                labels[i] = static_cast<std::int32_t>(i % static_cast<std::size_t>(classes));
            }
            QVERIFY(backend.copyFromHost(p.targets(), labels.data()).ok());
        } else {
            std::vector<float> t(static_cast<std::size_t>(p.targets().numel()));
            CounterRng(3, 2).fillUniform(t, 0.0f, 1.0f);
            upload(backend, p.targets(), t);
        }
        // Nudge every parameter away from its initial value (biases, gamma) so that no
        // gradient is trivially symmetric.
        for (auto* e : params.trainable()) {
            auto v = download(backend, e->value);
            std::vector<float> noise(v.size());
            CounterRng(5, streamId(e->nodeId + e->spec.name)).fillNormal(noise, 0.0f, 0.3f);
            for (std::size_t i = 0; i < v.size(); ++i) {
                v[i] += noise[i];
            }
            upload(backend, e->value, v);
        }

        auto lossAt = [&]() {
            if (!p.forward(true, 1).ok()) {
                qFatal("forward failed");
            }
            return download(backend, p.loss())[0];
        };
        QVERIFY(p.forward(true, 1).ok());
        auto status = p.backward();
        QVERIFY2(status.ok(), status.ok() ? "" : status.error().message.c_str());

        // Central differences. Where a kink (ReLU at 0, a max-pool winner changing) lies
        // within ±h of the point, the difference quotient is off; like Caffe's
        // GradientChecker skipping its kink region, such an element is checked again with a
        // ten times smaller step, and fails only when both steps disagree with backward.
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
        for (auto* e : params.trainable()) {
            auto analytic = download(backend, e->grad);
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

    // Forward against hand-computed values: y = relu(W x + b), then the MSE loss.
    void denseForwardByHand() {
        Chain c({2});
        c.add("Dense", {{"units", 2}}).add("ReLU").add("Loss", kMse);
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        ModelParams params(backend);
        auto plan = ExecutionPlan::compile(c.graph(), registry, backend, params, {1, false, 0});
        QVERIFY(plan.ok());
        auto& p = **plan;
        upload(backend, params.entries()[0]->value, {1, 2, -3, 0.5f}); // W = [[1, 2], [-3, 0.5]]
        upload(backend, params.entries()[1]->value, {0.5f, 1});        // b = [0.5, 1]
        upload(backend, p.input(), {3, 4});                            // x = [3, 4]
        upload(backend, p.targets(), {10, 1});
        QVERIFY(p.forward(false, 0).ok());
        // W x + b = [3 + 8 + 0.5, -9 + 2 + 1] = [11.5, -6]; relu -> [11.5, 0]
        QCOMPARE(download(backend, p.prediction()), (std::vector<float>{11.5f, 0.0f}));
        // mse = ((11.5 - 10)^2 + (0 - 1)^2) / 2 = (2.25 + 1) / 2 = 1.625
        QCOMPARE(download(backend, p.loss())[0], 1.625f);
    }

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
