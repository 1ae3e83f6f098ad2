// engine/train's arithmetic on the CPU backend: optimizer updates, learning-rate schedules,
// parameter initialisation, gradient clipping and the backend's element-wise helpers.
// Expected values are worked out by hand in the comments.
#include "base/rng.h"
#include "engine/cpu/cpu_backend.h"
#include "engine/train/grad_clip.h"
#include "engine/train/initializers.h"
#include "engine/train/optimizer.h"
#include "engine/train/schedule.h"
#include "tests/support/backends.h"

#include <QtTest>
#include <cmath>
#include <vector>

using namespace nw;
using namespace nw::engine;

using Values = QList<float>;
using Steps = QList<QList<float>>;

namespace {

Tensor makeTensor(Backend& backend, const Values& values) {
    Tensor t = *backend.allocate({static_cast<std::int64_t>(values.size())}, DType::F32);
    (void)backend.copyFromHost(t, values.data());
    return t;
}

Values read(Backend& backend, const Tensor& t) {
    Values out(static_cast<qsizetype>(t.numel()));
    (void)backend.copyToHost(t, out.data());
    (void)backend.synchronize();
    return out;
}

// Empty when every element of `got` is within 1e-5 (absolute, or relative for large values)
// of `want`; otherwise says where they differ.
QString differences(const Values& got, const Values& want) {
    if (got.size() != want.size()) {
        return QStringLiteral("%1 values, expected %2").arg(got.size()).arg(want.size());
    }
    for (qsizetype i = 0; i < got.size(); ++i) {
        const float tol = 1e-5f * std::max(1.0f, std::abs(want[i]));
        if (!(std::abs(got[i] - want[i]) <= tol)) {
            return QStringLiteral("element %1: got %2, expected %3")
                .arg(i)
                .arg(double(got[i]), 0, 'g', 9)
                .arg(double(want[i]), 0, 'g', 9);
        }
    }
    return {};
}

#define NW_COMPARE_VALUES(got, want)                                                               \
    do {                                                                                           \
        const QString diff = differences((got), (want));                                           \
        QVERIFY2(diff.isEmpty(), qPrintable(diff));                                                \
    } while (false)

graph::OptimizerConfig optimizerConfig(const char* type, double momentum, bool nesterov,
                                       double weightDecay) {
    graph::OptimizerConfig c;
    c.type = type;
    c.momentum = momentum;
    c.nesterov = nesterov;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.epsilon = 1e-8;
    c.weightDecay = weightDecay;
    return c;
}

ParamSpec weightSpec(Init init, Dims shape, std::int64_t fanIn, std::int64_t fanOut) {
    ParamSpec s;
    s.name = "weight";
    s.shape = std::move(shape);
    s.init = init;
    s.fanIn = fanIn;
    s.fanOut = fanOut;
    return s;
}

} // namespace

class TestTrainMath : public QObject {
    Q_OBJECT
private slots:
    // ---- optimizers ---------------------------------------------------------------------
    // Every row starts from p = [1, -2] and applies the gradients in `grads`, one step each,
    // comparing p after every step with the matching row of `expected`.
    void optimizerUpdates_data() {
        QTest::addColumn<QString>("type");
        QTest::addColumn<double>("lr");
        QTest::addColumn<double>("momentum");
        QTest::addColumn<bool>("nesterov");
        QTest::addColumn<double>("weightDecay");
        QTest::addColumn<bool>("decays");
        QTest::addColumn<Steps>("grads");
        QTest::addColumn<Steps>("expected");

        // p -= lr*g.  1: [1 - 0.1*0.5, -2 - 0.1*1] = [0.95, -2.1]
        //             2: [0.95 + 0.1*1, -2.1 - 0.1*0.5] = [1.05, -2.15]
        QTest::newRow("sgd") << "sgd" << 0.1 << 0.0 << false << 0.0 << true
                             << Steps{{0.5f, 1.0f}, {-1.0f, 0.5f}}
                             << Steps{{0.95f, -2.1f}, {1.05f, -2.15f}};
        // buf = 0.9*buf + g; p -= 0.1*buf.
        // 1: buf = [0.5, 1]; p = [0.95, -2.1]
        // 2: buf = [0.45 - 1, 0.9 + 0.5] = [-0.55, 1.4]; p = [0.95 + 0.055, -2.1 - 0.14]
        //    = [1.005, -2.24]
        // 3 (g = 0): buf = [-0.495, 1.26]; p = [1.005 + 0.0495, -2.24 - 0.126] = [1.0545, -2.366]
        QTest::newRow("sgd momentum")
            << "sgd" << 0.1 << 0.9 << false << 0.0 << true
            << Steps{{0.5f, 1.0f}, {-1.0f, 0.5f}, {0.0f, 0.0f}}
            << Steps{{0.95f, -2.1f}, {1.005f, -2.24f}, {1.0545f, -2.366f}};
        // buf as above; p -= 0.1*(g + 0.9*buf).
        // 1: buf = [0.5, 1]; g + 0.9*buf = [0.95, 1.9]; p = [0.905, -2.19]
        // 2: buf = [-0.55, 1.4]; g + 0.9*buf = [-1 - 0.495, 0.5 + 1.26] = [-1.495, 1.76];
        //    p = [0.905 + 0.1495, -2.19 - 0.176] = [1.0545, -2.366]
        QTest::newRow("sgd nesterov")
            << "sgd" << 0.1 << 0.9 << true << 0.0 << true << Steps{{0.5f, 1.0f}, {-1.0f, 0.5f}}
            << Steps{{0.905f, -2.19f}, {1.0545f, -2.366f}};
        // d = g + 0.1*p; p -= 0.1*d.
        // 1: d = [0.5 + 0.1, 1 - 0.2] = [0.6, 0.8]; p = [0.94, -2.08]
        // 2: d = [-1 + 0.094, 0.5 - 0.208] = [-0.906, 0.292]; p = [0.94 + 0.0906, -2.08 - 0.0292]
        //    = [1.0306, -2.1092]
        QTest::newRow("sgd weight decay")
            << "sgd" << 0.1 << 0.0 << false << 0.1 << true << Steps{{0.5f, 1.0f}, {-1.0f, 0.5f}}
            << Steps{{0.94f, -2.08f}, {1.0306f, -2.1092f}};
        // decays = false: exactly plain SGD.
        QTest::newRow("sgd weight decay, not decaying")
            << "sgd" << 0.1 << 0.0 << false << 0.1 << false << Steps{{0.5f, 1.0f}, {-1.0f, 0.5f}}
            << Steps{{0.95f, -2.1f}, {1.05f, -2.15f}};
        // Adam, lr 0.1, b1 0.9, b2 0.999, eps 1e-8 (negligible here).
        // 1: m = 0.1*g = [0.05, 0.1]; v = 0.001*g^2 = [0.00025, 0.001];
        //    m^ = m/0.1 = g; v^ = v/0.001 = g^2; p -= 0.1*g/|g| -> [0.9, -2.1]
        // 2: g = [-1, 0]: m = 0.9*m + 0.1*g = [0.045 - 0.1, 0.09] = [-0.055, 0.09];
        //    v = 0.999*v + 0.001*g^2 = [0.00024975 + 0.001, 0.000999] = [0.00124975, 0.000999];
        //    bias corrections 1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999;
        //    m^ = [-0.28947368, 0.47368421]; v^ = [0.62518759, 0.49974987];
        //    sqrt(v^) = [0.79068805, 0.70692989]; m^/sqrt(v^) = [-0.36610353, 0.67005825];
        //    p = [0.9 + 0.036610353, -2.1 - 0.067005825] = [0.93661035, -2.16700583]
        QTest::newRow("adam") << "adam" << 0.1 << 0.0 << false << 0.0 << true
                              << Steps{{0.5f, 1.0f}, {-1.0f, 0.0f}}
                              << Steps{{0.9f, -2.1f}, {0.93661035f, -2.16700583f}};
        // Adam's L2 term: d = g + 0.1*p.
        // 1: d = [0.6, 0.8]; the first step moves by lr*sign(d): p = [0.9, -2.1]
        // 2: d = [0.5 + 0.09, 1 - 0.21] = [0.59, 0.79];
        //    m = 0.9*[0.06, 0.08] + 0.1*d = [0.113, 0.151]; m^ = m/0.19 = [0.59473684, 0.79473684]
        //    v = 0.999*[0.00036, 0.00064] + 0.001*d^2 = [0.00070774, 0.00126346];
        //    v^ = v/0.001999 = [0.35404702, 0.63204602]; sqrt = [0.59501851, 0.79501322];
        //    m^/sqrt(v^) = [0.99952663, 0.99965236]; p = [0.80004734, -2.19996523]
        QTest::newRow("adam weight decay")
            << "adam" << 0.1 << 0.0 << false << 0.1 << true << Steps{{0.5f, 1.0f}, {0.5f, 1.0f}}
            << Steps{{0.9f, -2.1f}, {0.80004734f, -2.19996523f}};
        // AdamW: p *= 1 - 0.1*0.1 = 0.99, then Adam without decay. A constant gradient gives
        // m^ = g, v^ = g^2 on every step, so Adam moves each element by lr*sign(g):
        // 1: p = [0.99, -1.98] - 0.1*[1, 1] = [0.89, -2.08]
        // 2: p = [0.8811, -2.0592] - 0.1*[1, 1] = [0.7811, -2.1592]
        QTest::newRow("adamw") << "adamw" << 0.1 << 0.0 << false << 0.1 << true
                               << Steps{{0.5f, 1.0f}, {0.5f, 1.0f}}
                               << Steps{{0.89f, -2.08f}, {0.7811f, -2.1592f}};
        // decays = false: no shrinking, [0.9, -2.1] then [0.8, -2.2].
        QTest::newRow("adamw, not decaying")
            << "adamw" << 0.1 << 0.0 << false << 0.1 << false << Steps{{0.5f, 1.0f}, {0.5f, 1.0f}}
            << Steps{{0.9f, -2.1f}, {0.8f, -2.2f}};
        // RmsProp, lr 0.01, alpha 0.99: sq = 0.99*sq + 0.01*g^2; p -= 0.01*g/sqrt(sq).
        // 1: sq = [0.0025, 0.01]; sqrt = [0.05, 0.1]; g/sqrt = [10, -10]; p = [0.9, -1.9]
        // 2: sq = [0.002475 + 0.0025, 0.0099 + 0.01] = [0.004975, 0.0199] = 0.0199*g^2;
        //    g/sqrt(sq) = ±1/sqrt(0.0199) = ±7.08881205; p = [0.82911188, -1.82911188]
        QTest::newRow("rmsprop") << "rmsprop" << 0.01 << 0.0 << false << 0.0 << true
                                 << Steps{{0.5f, -1.0f}, {0.5f, -1.0f}}
                                 << Steps{{0.9f, -1.9f}, {0.82911188f, -1.82911188f}};
        // With momentum 0.9: buf = 0.9*buf + g/sqrt(sq); p -= 0.01*buf.
        // 1: buf = [10, -10]; p = [0.9, -1.9]
        // 2: buf = [9 + 7.08881205, -(9 + 7.08881205)] = ±16.08881205; p = [0.73911188,
        // -1.73911188]
        QTest::newRow("rmsprop momentum") << "rmsprop" << 0.01 << 0.9 << false << 0.0 << true
                                          << Steps{{0.5f, -1.0f}, {0.5f, -1.0f}}
                                          << Steps{{0.9f, -1.9f}, {0.73911188f, -1.73911188f}};
    }
    void optimizerUpdates() {
        QFETCH(QString, type);
        QFETCH(double, lr);
        QFETCH(double, momentum);
        QFETCH(bool, nesterov);
        QFETCH(double, weightDecay);
        QFETCH(bool, decays);
        QFETCH(Steps, grads);
        QFETCH(Steps, expected);

        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto config = optimizerConfig(type.toStdString().c_str(), momentum, nesterov, weightDecay);
        auto optimizer = Optimizer::create(config, backend);
        QVERIFY(optimizer.ok());
        Tensor param = makeTensor(backend, {1.0f, -2.0f});
        QVERIFY(optimizer->addParameter(param, decays).ok());
        for (qsizetype i = 0; i < grads.size(); ++i) {
            Tensor grad = makeTensor(backend, grads[i]);
            Status s = optimizer->step({&grad, 1}, float(lr));
            QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
            QCOMPARE(optimizer->steps(), std::int64_t(i + 1));
            NW_COMPARE_VALUES(read(backend, param), expected[i]);
        }
    }

    // Several parameters step together, each with its own state; the state is visible for
    // checkpoints in parameter order.
    void optimizerKeepsStatePerParameter() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto optimizer = Optimizer::create(optimizerConfig("sgd", 0.9, false, 0.1), backend);
        QVERIFY(optimizer.ok());
        Tensor weight = makeTensor(backend, {1.0f, -2.0f});
        Tensor bias = makeTensor(backend, {3.0f});
        QVERIFY(optimizer->addParameter(weight, true).ok());
        QVERIFY(optimizer->addParameter(bias, false).ok());
        QCOMPARE(optimizer->slotsPerParameter(), 1);
        std::vector<Tensor> grads{makeTensor(backend, {0.5f, 1.0f}), makeTensor(backend, {2.0f})};
        QVERIFY(optimizer->step(grads, 0.1f).ok());
        // weight: d = [0.5 + 0.1, 1 - 0.2] = [0.6, 0.8] = buf; p = [0.94, -2.08]
        // bias (no decay): d = buf = [2]; p = [3 - 0.2] = [2.8]
        NW_COMPARE_VALUES(read(backend, weight), (Values{0.94f, -2.08f}));
        NW_COMPARE_VALUES(read(backend, bias), (Values{2.8f}));
        auto state = optimizer->stateTensors();
        QCOMPARE(state.size(), std::size_t(2));
        NW_COMPARE_VALUES(read(backend, state[0]), (Values{0.6f, 0.8f}));
        NW_COMPARE_VALUES(read(backend, state[1]), (Values{2.0f}));

        // Wrong gradient count: an error, nothing counted.
        Status s = optimizer->step({grads.data(), 1}, 0.1f);
        QVERIFY(!s.ok());
        QVERIFY(QString::fromStdString(s.error().message).contains("1 gradients for 2"));
        QCOMPARE(optimizer->steps(), std::int64_t(1));
        optimizer->setSteps(10);
        QCOMPARE(optimizer->steps(), std::int64_t(10));
    }

    void optimizerSlotCounts_data() {
        QTest::addColumn<QString>("type");
        QTest::addColumn<double>("momentum");
        QTest::addColumn<int>("slotCount");
        QTest::newRow("sgd") << "sgd" << 0.0 << 0;
        QTest::newRow("sgd momentum") << "sgd" << 0.9 << 1;
        QTest::newRow("adam") << "adam" << 0.9 << 2; // momentum ignored
        QTest::newRow("adamw") << "adamw" << 0.0 << 2;
        QTest::newRow("rmsprop") << "rmsprop" << 0.0 << 1;
        QTest::newRow("rmsprop momentum") << "rmsprop" << 0.5 << 2;
    }
    void optimizerSlotCounts() {
        QFETCH(QString, type);
        QFETCH(double, momentum);
        QFETCH(int, slotCount);
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto optimizer = Optimizer::create(
            optimizerConfig(type.toStdString().c_str(), momentum, false, 0.0), backend);
        QVERIFY(optimizer.ok());
        QVERIFY(optimizer->addParameter(makeTensor(backend, {1.0f, 2.0f, 3.0f}), true).ok());
        QCOMPARE(optimizer->slotsPerParameter(), slotCount);
        const auto state = optimizer->stateTensors();
        QCOMPARE(int(state.size()), slotCount);
        for (const Tensor& t : state) {
            NW_COMPARE_VALUES(read(backend, t), (Values{0.0f, 0.0f, 0.0f}));
        }
    }

    void optimizerRejectsBadConfig() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto unknown = Optimizer::create(optimizerConfig("lamb", 0.0, false, 0.0), backend);
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().kind, Error::Kind::User);
        QVERIFY(QString::fromStdString(unknown.error().message).contains("optimizer.type"));
        auto nesterov = Optimizer::create(optimizerConfig("sgd", 0.0, true, 0.0), backend);
        QVERIFY(!nesterov.ok());
        QVERIFY(QString::fromStdString(nesterov.error().message).contains("nesterov"));
    }

    // The OpenMP path (large tensors) computes what the serial path does: a 100,000-element
    // tensor repeating the pair [1, -2] ends like the two-element "adam" row above.
    void optimizerStepOnLargeTensors() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        const int n = 100000;
        Values p(n), g1(n), g2(n), want(n);
        for (int i = 0; i < n; ++i) {
            const bool even = i % 2 == 0;
            p[i] = even ? 1.0f : -2.0f;
            g1[i] = even ? 0.5f : 1.0f;
            g2[i] = even ? -1.0f : 0.0f;
            want[i] = even ? 0.93661035f : -2.16700583f;
        }
        auto optimizer = Optimizer::create(optimizerConfig("adam", 0.0, false, 0.0), backend);
        QVERIFY(optimizer.ok());
        Tensor param = makeTensor(backend, p);
        QVERIFY(optimizer->addParameter(param, true).ok());
        Tensor grad1 = makeTensor(backend, g1), grad2 = makeTensor(backend, g2);
        QVERIFY(optimizer->step({&grad1, 1}, 0.1f).ok());
        QVERIFY(optimizer->step({&grad2, 1}, 0.1f).ok());
        NW_COMPARE_VALUES(read(backend, param), want);
    }

    void optimizerStepRejectsMismatches() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        OptimizerStep sgd; // plain Sgd: no slots
        OptimizerStep momentum;
        momentum.momentum = 0.9f;
        Tensor p = makeTensor(backend, {1.0f, 2.0f, 3.0f});
        Tensor shortGrad = makeTensor(backend, {1.0f, 2.0f});
        Tensor grad = makeTensor(backend, {1.0f, 2.0f, 3.0f});
        Tensor intGrad = *backend.allocate({3}, DType::I32);

        Status s = backend.optimizerStep(sgd, p, shortGrad, {}, true);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().kind, Error::Kind::Internal);
        QVERIFY2(QString::fromStdString(s.error().message).contains("2 elements"),
                 s.error().message.c_str());
        s = backend.optimizerStep(sgd, p, intGrad, {}, true);
        QVERIFY(!s.ok());
        QVERIFY(QString::fromStdString(s.error().message).contains("not f32"));
        s = backend.optimizerStep(momentum, p, grad, {}, true); // needs one slot
        QVERIFY(!s.ok());
        QVERIFY(QString::fromStdString(s.error().message).contains("needs 1"));
        std::vector<Tensor> shortSlot{shortGrad};
        s = backend.optimizerStep(momentum, p, grad, shortSlot, true);
        QVERIFY(!s.ok());
        // Nothing was written by the failed calls.
        NW_COMPARE_VALUES(read(backend, p), (Values{1.0f, 2.0f, 3.0f}));
    }

    // ---- schedules -----------------------------------------------------------------------
    void schedules_data() {
        QTest::addColumn<QString>("type");
        QTest::addColumn<qint64>("warmup");
        QTest::addColumn<qint64>("stepSize");
        QTest::addColumn<double>("gamma");
        QTest::addColumn<double>("minLr");
        QTest::addColumn<qint64>("stepsPerEpoch");
        QTest::addColumn<qint64>("totalSteps");
        QTest::addColumn<qint64>("step");
        QTest::addColumn<double>("lr");
        // base 0.1 throughout.
        QTest::newRow("constant 0")
            << "constant" << 0ll << 1ll << 0.1 << 0.0 << 10ll << 100ll << 0ll << 0.1;
        QTest::newRow("constant 1000")
            << "constant" << 0ll << 1ll << 0.1 << 0.0 << 10ll << 100ll << 1000ll << 0.1;
        // Warm-up over 4 steps: 0.1 * (step + 1) / 4.
        QTest::newRow("warm-up 0")
            << "constant" << 4ll << 1ll << 0.1 << 0.0 << 10ll << 100ll << 0ll << 0.025;
        QTest::newRow("warm-up 1")
            << "constant" << 4ll << 1ll << 0.1 << 0.0 << 10ll << 100ll << 1ll << 0.05;
        QTest::newRow("warm-up 3")
            << "constant" << 4ll << 1ll << 0.1 << 0.0 << 10ll << 100ll << 3ll << 0.1;
        QTest::newRow("after warm-up")
            << "constant" << 4ll << 1ll << 0.1 << 0.0 << 10ll << 100ll << 4ll << 0.1;
        // Step decay, 10 steps an epoch, halving every 2 epochs: epoch = step / 10,
        // lr = 0.1 * 0.5^(epoch / 2).
        QTest::newRow("step 0") << "step" << 0ll << 2ll << 0.5 << 0.0 << 10ll << 100ll << 0ll
                                << 0.1;
        QTest::newRow("step 19 (epoch 1)")
            << "step" << 0ll << 2ll << 0.5 << 0.0 << 10ll << 100ll << 19ll << 0.1;
        QTest::newRow("step 20 (epoch 2)")
            << "step" << 0ll << 2ll << 0.5 << 0.0 << 10ll << 100ll << 20ll << 0.05;
        QTest::newRow("step 39 (epoch 3)")
            << "step" << 0ll << 2ll << 0.5 << 0.0 << 10ll << 100ll << 39ll << 0.05;
        QTest::newRow("step 40 (epoch 4)")
            << "step" << 0ll << 2ll << 0.5 << 0.0 << 10ll << 100ll << 40ll << 0.025;
        QTest::newRow("step 65 (epoch 6)")
            << "step" << 0ll << 2ll << 0.5 << 0.0 << 10ll << 100ll << 65ll << 0.0125;
        // Cosine from 0.1 to 0.01 over steps 10..110 (T = 100) after 10 warm-up steps:
        // 0.01 + 0.09 * (1 + cos(pi * (step - 10) / 100)) / 2.
        QTest::newRow("cosine in warm-up")
            << "cosine" << 10ll << 1ll << 0.1 << 0.01 << 10ll << 110ll << 4ll << 0.05;
        QTest::newRow("cosine start")
            << "cosine" << 10ll << 1ll << 0.1 << 0.01 << 10ll << 110ll << 10ll << 0.1;
        // t = 25: 0.01 + 0.045 * (1 + cos(pi/4)) = 0.01 + 0.045 * 1.70710678 = 0.08681981
        QTest::newRow("cosine quarter")
            << "cosine" << 10ll << 1ll << 0.1 << 0.01 << 10ll << 110ll << 35ll << 0.08681981;
        // t = 50: cos(pi/2) = 0: 0.01 + 0.045 = 0.055
        QTest::newRow("cosine midpoint")
            << "cosine" << 10ll << 1ll << 0.1 << 0.01 << 10ll << 110ll << 60ll << 0.055;
        QTest::newRow("cosine end")
            << "cosine" << 10ll << 1ll << 0.1 << 0.01 << 10ll << 110ll << 110ll << 0.01;
        QTest::newRow("cosine past the end")
            << "cosine" << 10ll << 1ll << 0.1 << 0.01 << 10ll << 110ll << 500ll << 0.01;
        // No warm-up, T = 4: step 1 = 0.1 * (1 + cos(pi/4)) / 2 = 0.08535534
        QTest::newRow("cosine no warm-up 0")
            << "cosine" << 0ll << 1ll << 0.1 << 0.0 << 10ll << 4ll << 0ll << 0.1;
        QTest::newRow("cosine no warm-up 1")
            << "cosine" << 0ll << 1ll << 0.1 << 0.0 << 10ll << 4ll << 1ll << 0.08535534;
        QTest::newRow("cosine no warm-up 2")
            << "cosine" << 0ll << 1ll << 0.1 << 0.0 << 10ll << 4ll << 2ll << 0.05;
    }
    void schedules() {
        QFETCH(QString, type);
        QFETCH(qint64, warmup);
        QFETCH(qint64, stepSize);
        QFETCH(double, gamma);
        QFETCH(double, minLr);
        QFETCH(qint64, stepsPerEpoch);
        QFETCH(qint64, totalSteps);
        QFETCH(qint64, step);
        QFETCH(double, lr);
        graph::ScheduleConfig config;
        config.type = type.toStdString();
        config.warmupSteps = warmup;
        config.stepSize = stepSize;
        config.gamma = gamma;
        config.minLearningRate = minLr;
        auto schedule = LearningRateSchedule::create(config, 0.1, stepsPerEpoch, totalSteps);
        QVERIFY(schedule.ok());
        NW_COMPARE_VALUES((Values{schedule->at(step)}), (Values{float(lr)}));
    }

    void scheduleRejectsBadConfig() {
        graph::ScheduleConfig config;
        config.type = "linear";
        auto unknown = LearningRateSchedule::create(config, 0.1, 10, 100);
        QVERIFY(!unknown.ok());
        QVERIFY(QString::fromStdString(unknown.error().message).contains("schedule.type"));
        config.type = "step";
        config.stepSize = 0;
        auto zeroStep = LearningRateSchedule::create(config, 0.1, 10, 100);
        QVERIFY(!zeroStep.ok());
        QVERIFY(QString::fromStdString(zeroStep.error().message).contains("step_size"));
        config.stepSize = 1;
        QVERIFY(!LearningRateSchedule::create(config, 0.1, 0, 100).ok());
    }

    // ---- initializers --------------------------------------------------------------------
    void initializersAreDeterministic() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        const ParamSpec spec = weightSpec(Init::HeNormal, {64, 32}, 32, 64);
        auto values = [&](std::uint64_t seed, const char* node, const ParamSpec& s) {
            Tensor t = *backend.allocate(s.shape, DType::F32);
            Status st = initializeParameter(backend, t, s, seed, node);
            return st.ok() ? read(backend, t) : Values{};
        };
        const Values a = values(42, "dense1", spec);
        QCOMPARE(a.size(), qsizetype(64 * 32));
        QCOMPARE(values(42, "dense1", spec), a);
        QVERIFY(values(43, "dense1", spec) != a);
        QVERIFY(values(42, "dense2", spec) != a);
        ParamSpec other = spec;
        other.name = "weight2";
        QVERIFY(values(42, "dense1", other) != a);
        // The values are stream "init/dense1/weight" of CounterRng(42), scaled.
        std::vector<float> direct(4);
        CounterRng(42, streamId("init/dense1/weight")).fillNormal(direct, 0.0f, 0.25f);
        NW_COMPARE_VALUES(a.first(4), (Values{direct[0], direct[1], direct[2], direct[3]}));
    }

    // 131,072 draws: the standard error of the mean is std/362 and of the standard deviation
    // about std/512, so 1e-3 and 2% are both more than five standard errors.
    void initializerStatistics_data() {
        QTest::addColumn<int>("init");
        QTest::addColumn<double>("stddev");
        QTest::addColumn<double>("limit"); // 0: unbounded (normal)
        // fanIn 512, fanOut 256.
        // He: std = sqrt(2/512) = 0.0625; uniform limit sqrt(6/512) = 0.10825318 (std l/sqrt 3)
        QTest::newRow("he normal") << int(Init::HeNormal) << 0.0625 << 0.0;
        QTest::newRow("he uniform") << int(Init::HeUniform) << 0.0625 << 0.10825318;
        // Glorot: std = sqrt(2/768) = 0.05103104; limit sqrt(6/768) = 0.08838835
        QTest::newRow("glorot normal") << int(Init::GlorotNormal) << 0.05103104 << 0.0;
        QTest::newRow("glorot uniform") << int(Init::GlorotUniform) << 0.05103104 << 0.08838835;
    }
    void initializerStatistics() {
        QFETCH(int, init);
        QFETCH(double, stddev);
        QFETCH(double, limit);
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        const ParamSpec spec = weightSpec(Init(init), {256, 512}, 512, 256);
        Tensor t = *backend.allocate(spec.shape, DType::F32);
        QVERIFY(initializeParameter(backend, t, spec, 7, "dense").ok());
        const Values v = read(backend, t);
        double sum = 0, sumSq = 0, maxAbs = 0;
        for (float x : v) {
            sum += x;
            sumSq += double(x) * x;
            maxAbs = std::max(maxAbs, double(std::abs(x)));
        }
        const double mean = sum / double(v.size());
        const double sd = std::sqrt(sumSq / double(v.size()) - mean * mean);
        QVERIFY2(std::abs(mean) < 1e-3, qPrintable(QString::number(mean)));
        QVERIFY2(std::abs(sd - stddev) < 0.02 * stddev, qPrintable(QString::number(sd)));
        if (limit > 0) {
            QVERIFY2(maxAbs <= limit * (1 + 1e-6), qPrintable(QString::number(maxAbs)));
            QVERIFY(maxAbs > 0.99 * limit); // the whole range is used
        }
    }

    void constantInitializers() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        ParamSpec ones = weightSpec(Init::Ones, {3, 2}, 0, 0); // fans not needed
        ParamSpec zeros = weightSpec(Init::Zeros, {3, 2}, 0, 0);
        Tensor t = *backend.allocate({3, 2}, DType::F32);
        QVERIFY(initializeParameter(backend, t, ones, 1, "bn").ok());
        QCOMPARE(read(backend, t), Values(6, 1.0f));
        QVERIFY(initializeParameter(backend, t, zeros, 1, "bn").ok());
        QCOMPARE(read(backend, t), Values(6, 0.0f));
    }

    void initializerRejectsMismatches() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        Tensor t = *backend.allocate({3, 2}, DType::F32);
        Status s =
            initializeParameter(backend, t, weightSpec(Init::HeNormal, {3, 2}, 0, 3), 1, "conv1");
        QVERIFY(!s.ok());
        QVERIFY2(QString::fromStdString(s.error().message).contains("conv1/weight"),
                 s.error().message.c_str());
        s = initializeParameter(backend, t, weightSpec(Init::Zeros, {4, 2}, 0, 0), 1, "conv1");
        QVERIFY(!s.ok());
        QVERIFY(QString::fromStdString(s.error().message).contains("[4, 2]"));
    }

    // ---- gradient clipping ---------------------------------------------------------------
    void clipGradNorm_data() {
        QTest::addColumn<Values>("a");
        QTest::addColumn<Values>("b");
        QTest::addColumn<double>("maxNorm");
        QTest::addColumn<double>("norm");
        QTest::addColumn<Values>("clippedA");
        QTest::addColumn<Values>("clippedB");
        // |[3, 4]| = 5; factor 1/(5 + 1e-6) -> [0.6, 0.8] (to 2e-7)
        QTest::newRow("clipped") << Values{3.0f, 4.0f} << Values{} << 1.0 << 5.0
                                 << Values{0.6f, 0.8f} << Values{};
        // Across tensors: sqrt(3^2 + 4^2) = 5; factor 2/5
        QTest::newRow("across tensors")
            << Values{3.0f} << Values{4.0f} << 2.0 << 5.0 << Values{1.2f} << Values{1.6f};
        // sqrt(1 + 4 + 4) = 3 <= 6: unchanged
        QTest::newRow("under the limit") << Values{1.0f, 2.0f} << Values{2.0f} << 6.0 << 3.0
                                         << Values{1.0f, 2.0f} << Values{2.0f};
        QTest::newRow("no clipping")
            << Values{3.0f, 4.0f} << Values{} << 0.0 << 5.0 << Values{3.0f, 4.0f} << Values{};
    }
    void clipGradNorm() {
        QFETCH(Values, a);
        QFETCH(Values, b);
        QFETCH(double, maxNorm);
        QFETCH(double, norm);
        QFETCH(Values, clippedA);
        QFETCH(Values, clippedB);
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        std::vector<Tensor> grads{makeTensor(backend, a)};
        if (!b.isEmpty()) {
            grads.push_back(makeTensor(backend, b));
        }
        auto result = engine::clipGradNorm(backend, grads, maxNorm);
        QVERIFY(result.ok());
        QVERIFY2(std::abs(*result - norm) < 1e-9, qPrintable(QString::number(*result)));
        NW_COMPARE_VALUES(read(backend, grads[0]), clippedA);
        if (!b.isEmpty()) {
            NW_COMPARE_VALUES(read(backend, grads[1]), clippedB);
        }
    }

    // ---- element-wise helpers ------------------------------------------------------------
    void fillScaleAndSumOfSquares() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        // Large enough for the OpenMP path.
        Tensor big = *backend.allocate({400, 250}, DType::F32);
        Tensor small = makeTensor(backend, {1.0f, 2.0f, 3.0f});
        QVERIFY(backend.fill(big, 2.5f).ok());
        QCOMPARE(read(backend, big), Values(100000, 2.5f));
        QVERIFY(backend.scale(big, 2.0f).ok());
        QCOMPARE(read(backend, big), Values(100000, 5.0f));
        QVERIFY(backend.scale(small, -0.5f).ok());
        QCOMPARE(read(backend, small), (Values{-0.5f, -1.0f, -1.5f}));
        // 100000 * 25 + (0.25 + 1 + 2.25) = 2500003.5, exact in double.
        std::vector<Tensor> both{big, small};
        auto sum = backend.sumOfSquares(both);
        QVERIFY(sum.ok());
        QCOMPARE(*sum, 2500003.5);
        auto none = backend.sumOfSquares({});
        QVERIFY(none.ok());
        QCOMPARE(*none, 0.0);
    }

    void elementWiseHelpersRejectOtherTypes() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        Tensor ints = *backend.allocate({4}, DType::I32);
        QVERIFY(!backend.fill(ints, 1.0f).ok());
        QVERIFY(!backend.scale(ints, 1.0f).ok());
        std::vector<Tensor> tensors{makeTensor(backend, {1.0f}), ints};
        auto sum = backend.sumOfSquares(tensors);
        QVERIFY(!sum.ok());
        QVERIFY2(QString::fromStdString(sum.error().message).contains("i32[4]"),
                 sum.error().message.c_str());
        QVERIFY(!backend.fill(Tensor(), 1.0f).ok());
    }
};

QTEST_GUILESS_MAIN(TestTrainMath)
#include "test_train_math.moc"
