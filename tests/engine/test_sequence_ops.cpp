// What the harness's rows cannot show about the sequence ops on the CPU: Embedding's
// initialisation (N(0, 1), the padding row zero), the padding row's zero gradient (a finite
// difference would disagree with it by design, as PyTorch's padding_idx does), token ids that
// are not ids, and the learned position table's N(0, 0.02²) start; and, where Vulkan exists,
// a network of them whose unsupported nodes the plan places on the CPU computes what the CPU
// does.
#include "app/backends.h"
#include "base/rng.h"
#include "engine/plan/execution_plan.h"
#include "graph/op_registry.h"
#include "tests/engine/op_cases.h"
#include "tests/support/backends.h"

#include <QtTest>
#include <algorithm>
#include <cmath>

using namespace nw;
using namespace nw::engine;

namespace {

using testing::Chain;
using testing::download;
using testing::kMse;

struct Compiled {
    graph::OpRegistry registry = graph::makeCoreRegistry();
    std::unique_ptr<Backend> backend = nw::testing::openCpu();
    std::unique_ptr<ModelParams> params = std::make_unique<ModelParams>(*backend);
    std::unique_ptr<ExecutionPlan> plan;
};

// Compiles `chain` for `batch` samples, training, and initialises its parameters.
std::unique_ptr<Compiled> compile(const Chain& chain, std::int64_t batch) {
    auto c = std::make_unique<Compiled>();
    auto plan = ExecutionPlan::compile(chain.graph(), c->registry, *c->backend, *c->params,
                                       {batch, true, 0});
    if (!plan || !c->params->initialize(5)) {
        qWarning("%s", plan ? "initialize failed" : plan.error().message.c_str());
        return nullptr;
    }
    c->plan = std::move(*plan);
    return c;
}

const ModelParams::Entry* param(const Compiled& c, const std::string& name) {
    for (const auto& e : c.params->entries()) {
        if (e->spec.name == name) {
            return e.get();
        }
    }
    return nullptr;
}

// Mean and standard deviation of `v`.
std::pair<double, double> moments(const std::vector<float>& v) {
    double mean = 0, sq = 0;
    for (float x : v) {
        mean += x;
    }
    mean /= double(v.size());
    for (float x : v) {
        sq += (x - mean) * (x - mean);
    }
    return {mean, std::sqrt(sq / double(v.size()))};
}

Chain embedding(std::int64_t padding) {
    Chain c({4});
    c.add("Embedding", {{"vocabulary", 40}, {"dimension", 25}, {"padding_index", padding}})
        .add("Loss", kMse);
    return c;
}

// Loss, prediction and every parameter gradient after one training step on `backend`, the
// CPU `fallback` running the nodes it lacks: ids -> Embedding -> PositionalEncoding -> Dense
// [N, 6, 4]; MatMul(that, its Transpose) [N, 6, 6]; SequencePool max -> Dense -> Loss.
// `placed`: each node's op and device, "MatMul@vulkan:0".
std::vector<std::vector<float>> sequenceStep(Backend& backend, Backend* fallback,
                                             QStringList* placed = nullptr) {
    Chain c({6});
    c.add("Embedding", {{"vocabulary", 10}, {"dimension", 4}, {"padding_index", 0}})
        .add("PositionalEncoding")
        .add("Dense", {{"units", 4}});
    std::string t = c.branch(c.last(), "Transpose");
    c.add("MatMul", {}, {t})
        .add("SequencePool", {{"mode", std::string("max")}})
        .add("Dense", {{"units", 3}})
        .add("Loss");
    auto registry = graph::makeCoreRegistry();
    ModelParams params(backend);
    auto plan =
        ExecutionPlan::compile(c.graph(), registry, backend, params, {2, true, 0, fallback});
    if (!plan || !params.initialize(5)) {
        qWarning("%s", plan ? "initialize failed" : plan.error().message.c_str());
        return {};
    }
    auto& p = **plan;
    for (const auto& node : p.placement()) {
        if (placed) {
            *placed << QString::fromStdString(node.op + "@" + node.device);
        }
    }
    std::vector<float> ids{3, 1, 0, 9, 4, 4, 2, 8, 7, 0, 5, 6};
    std::vector<std::int32_t> labels{2, 0};
    if (!testing::upload(backend, p.input(), ids) ||
        !backend.copyFromHost(p.targets(), labels.data()).ok() || !p.forward(true, 1).ok() ||
        !p.backward().ok()) {
        qWarning("the step failed");
        return {};
    }
    std::vector<std::vector<float>> out{download(backend, p.loss()),
                                        download(backend, p.prediction())};
    for (auto* e : params.trainable()) {
        out.push_back(download(backend, e->grad));
    }
    return out;
}

} // namespace

class TestSequenceOps : public QObject {
    Q_OBJECT
private slots:
    void embeddingStartsNormalWithAZeroPaddingRow() {
        auto c = compile(embedding(7), 2);
        QVERIFY(c);
        const auto* w = param(*c, "weight");
        QVERIFY(w);
        auto v = download(*c->backend, w->value); // [40, 25]
        for (int d = 0; d < 25; ++d) {
            QCOMPARE(v[std::size_t(7 * 25 + d)], 0.0f);
        }
        v.erase(v.begin() + 7 * 25, v.begin() + 8 * 25);
        auto [mean, stddev] = moments(v); // 975 draws of N(0, 1)
        QVERIFY2(std::abs(mean) < 0.15 && std::abs(stddev - 1.0) < 0.1,
                 qPrintable(QStringLiteral("mean %1, std %2").arg(mean).arg(stddev)));
    }

    // dW[id] is the sum of dy over the steps reading id; the padding row's stays zero.
    void embeddingGradientScattersAndSkipsThePaddingRow() {
        auto c = compile(embedding(2), 2);
        QVERIFY(c);
        std::vector<float> ids{2, 5, 5, 0, 2, 1, 39, 5};
        QVERIFY(testing::upload(*c->backend, c->plan->input(), ids));
        std::vector<float> targets(std::size_t(8 * 25), 0.0f);
        QVERIFY(testing::upload(*c->backend, c->plan->targets(), targets));
        QVERIFY(c->plan->forward(true, 1).ok());
        QVERIFY(c->plan->backward().ok());
        const auto* w = param(*c, "weight");
        auto weight = download(*c->backend, w->value);
        auto grad = download(*c->backend, w->grad);
        // mse over 200 elements: dy = 2 y / 200, y the looked-up row.
        for (int row : {0, 1, 2, 5, 39, 3}) {
            int uses = int(std::count(ids.begin(), ids.end(), float(row)));
            for (int d = 0; d < 25; ++d) {
                float want =
                    row == 2 ? 0.0f : float(uses) * 2 * weight[std::size_t(row * 25 + d)] / 200;
                float got = grad[std::size_t(row * 25 + d)];
                QVERIFY2(std::abs(got - want) <= 1e-6f,
                         qPrintable(QStringLiteral("row %1[%2]: %3, expected %4")
                                        .arg(row)
                                        .arg(d)
                                        .arg(got)
                                        .arg(want)));
            }
        }
    }

    void embeddingRefusesIdsOutsideTheVocabulary_data() {
        QTest::addColumn<float>("id");
        QTest::addColumn<QString>("shown");
        QTest::newRow("vocabulary size") << 40.0f << "token id 40 at sample 1, step 2";
        QTest::newRow("negative") << -1.0f << "token id -1 at sample 1, step 2";
        QTest::newRow("fraction") << 2.5f << "token id 2.5 at sample 1, step 2";
    }

    void embeddingRefusesIdsOutsideTheVocabulary() {
        QFETCH(float, id);
        QFETCH(QString, shown);
        auto c = compile(embedding(-1), 2);
        QVERIFY(c);
        std::vector<float> ids{0, 1, 2, 3, 4, 5, id, 7};
        QVERIFY(testing::upload(*c->backend, c->plan->input(), ids));
        auto st = c->plan->forward(false, 0);
        QVERIFY(!st.ok());
        QVERIFY(st.error().kind == Error::Kind::User);
        QString message = QString::fromStdString(st.error().message);
        QVERIFY2(message.contains("node 'Embedding1'") && message.contains(shown) &&
                     message.contains("[0, 40)"),
                 qPrintable(message));
    }

    // Vulkan runs every node but the Embedding, which the plan places on the CPU, copying
    // between the two.
    void mixedPlacementComputesWhatTheCpuDoes() {
        auto backends = app::makeBackendRegistry();
        std::string id;
        for (const auto& d : backends.availableDevices()) {
            id = id.empty() && d.id.starts_with("vulkan") ? d.id : id;
        }
        if (id.empty()) {
            QSKIP("no Vulkan device here");
        }
        auto device = backends.openBackend(id);
        QVERIFY(device.ok());
        auto cpu = nw::testing::openCpu();
        QStringList placed;
        auto got = sequenceStep(**device, cpu.get(), &placed);
        const QString v = QString::fromStdString(id);
        for (const char* op :
             {"PositionalEncoding", "Dense", "Transpose", "MatMul", "SequencePool", "Loss"}) {
            QVERIFY2(placed.contains(op + ("@" + v)), qPrintable(placed.join(' ')));
        }
        for (const char* op : {"Embedding"}) {
            QVERIFY2(placed.contains(QString(op) + "@cpu"), qPrintable(placed.join(' ')));
        }
        auto reference = nw::testing::openCpu();
        auto want = sequenceStep(*reference, nullptr);
        QVERIFY(!got.empty() && got.size() == want.size());
        QCOMPARE(want.size(), std::size_t(2 + 5)); // Embedding weight, 2 Dense x (weight, bias)
        for (std::size_t t = 0; t < got.size(); ++t) {
            QCOMPARE(got[t].size(), want[t].size());
            for (std::size_t i = 0; i < got[t].size(); ++i) {
                QVERIFY2(std::abs(got[t][i] - want[t][i]) <=
                             1e-4f * std::max(1.0f, std::abs(want[t][i])),
                         qPrintable(QStringLiteral("tensor %1[%2]: %3, expected %4")
                                        .arg(t)
                                        .arg(i)
                                        .arg(got[t][i])
                                        .arg(want[t][i])));
            }
        }
    }

    void learnedPositionsStartSmall() {
        Chain chain({50, 20});
        chain.add("PositionalEncoding", {{"kind", std::string("learned")}}).add("Loss", kMse);
        auto c = compile(chain, 1);
        QVERIFY(c);
        const auto* p = param(*c, "position");
        QVERIFY(p);
        QCOMPARE(p->value.numel(), std::int64_t(1000));
        auto [mean, stddev] = moments(download(*c->backend, p->value));
        QVERIFY2(std::abs(mean) < 0.004 && std::abs(stddev - 0.02) < 0.002,
                 qPrintable(QStringLiteral("mean %1, std %2").arg(mean).arg(stddev)));
    }
};

QTEST_GUILESS_MAIN(TestSequenceOps)
#include "test_sequence_ops.moc"
