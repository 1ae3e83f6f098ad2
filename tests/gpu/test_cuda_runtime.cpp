// The CUDA backend's runtime under the kernels, against the CPU backend: host copies through
// pinned staging, the training arithmetic and every optimizer, the on-device classification
// metrics and the label check reported at synchronize(), the memory counters, out of memory
// as a user error, the profiler's ranges, and a training step under training.precision bf16.
// The backends come from the composition roots' registry (app/backends.h), as the programs
// open them. Every case skips with the registry's reason where no CUDA device exists, except
// the device listing, which checks that reason.
#include "app/backends.h"
#include "base/rng.h"
#include "engine/plan/execution_plan.h"
#include "engine/plan/model_params.h"
#include "gpu/cuda/cuda_backend.h"
#include "graph/op_registry.h"
#include "tests/engine/op_cases.h"
#include "tests/support/backends.h"
#include "tests/support/precision_step.h"
#include "tests/support/value_compare.h"

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <random>

using namespace nw;
using namespace nw::engine;
using gpu::cuda::CudaBackend;
using testing::compare;
using testing::convDenseStep;
using testing::relativeDistance;
using testing::StepResult;

Q_DECLARE_METATYPE(nw::engine::OptimizerStep)

namespace {

std::vector<float> randomValues(std::size_t n, std::uint32_t seed, float lo = -1.0f,
                                float hi = 1.0f) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) {
        x = dist(gen);
    }
    return v;
}

// A tensor of `backend` holding `values`; undefined when the allocation or the upload fails.
Tensor tensorOf(Backend& backend, const Dims& shape, const std::vector<float>& values) {
    auto t = backend.allocate(shape, DType::F32);
    if (!t || !testing::upload(backend, *t, values)) {
        return {};
    }
    return *t;
}

// i32 [N] class labels; undefined when the allocation or the upload fails.
Tensor labelsOf(Backend& backend, const std::vector<std::int32_t>& labels) {
    auto t = backend.allocate({std::int64_t(labels.size())}, DType::I32);
    if (!t || !backend.copyFromHost(*t, labels.data()) || !backend.synchronize()) {
        return {};
    }
    return *t;
}

// The same tensor on the CUDA device and on the CPU.
struct Pair {
    Tensor cuda, cpu;
    bool defined() const { return cuda.defined() && cpu.defined(); }
};

} // namespace

// QSKIP returns from the test function, so it cannot sit in a helper.
#define NW_REQUIRE_CUDA()                                                                          \
    do {                                                                                           \
        if (!m_cuda) {                                                                             \
            QSKIP(qPrintable("no CUDA device here: " + m_absent));                                 \
        }                                                                                          \
    } while (false)

class TestCudaRuntime : public QObject {
    Q_OBJECT

    BackendRegistry m_registry = app::makeBackendRegistry();
    std::unique_ptr<Backend> m_cpu;
    std::unique_ptr<Backend> m_cuda; // null where this machine has no CUDA device
    QString m_absent;                // why, then (the registry's reason)

    CudaBackend& cuda() { return static_cast<CudaBackend&>(*m_cuda); }

    Pair pairOf(const Dims& shape, const std::vector<float>& values) {
        return {tensorOf(*m_cuda, shape, values), tensorOf(*m_cpu, shape, values)};
    }

private slots:
    void initTestCase() {
        m_cpu = testing::openBackend(m_registry, "cpu");
        const auto devices = m_registry.availableDevices();
        const bool found = std::any_of(devices.begin(), devices.end(),
                                       [](const DeviceInfo& d) { return d.id == "cuda:0"; });
        if (!found) {
            for (const auto& a : m_registry.absentBackends()) {
                if (a.kind == "cuda") {
                    m_absent = QString::fromStdString(a.reason);
                }
            }
            return;
        }
        auto b = m_registry.openBackend("cuda:0");
        QVERIFY2(b, b ? "" : b.error().message.c_str());
        m_cuda = std::move(*b);
    }

    // Runs everywhere: a machine without a GPU lists no CUDA device and says why.
    void listsTheDeviceOrSaysWhyNot() {
        const auto devices = m_registry.availableDevices();
        const auto cudaDevice = std::find_if(devices.begin(), devices.end(), [](const auto& d) {
            return d.id.rfind("cuda:", 0) == 0;
        });
        if (!m_cuda) {
            QVERIFY(cudaDevice == devices.end());
            QVERIFY2(!m_absent.isEmpty(), "no CUDA device and no reason in absentBackends()");
            QVERIFY2(m_absent.contains("driver", Qt::CaseInsensitive) ||
                         m_absent.contains("CUDA runtime"),
                     qPrintable(m_absent));
            auto b = m_registry.openBackend("cuda:0");
            QVERIFY(!b);
            QCOMPARE(b.error().kind, Error::Kind::User);
            return;
        }
        QVERIFY(cudaDevice != devices.end());
        QCOMPARE(cudaDevice->id, std::string("cuda:0"));
        QVERIFY(!cudaDevice->name.empty());
        for (const char* part : {"CUDA ", "cuDNN ", "driver ", "compute capability "}) {
            QVERIFY2(cudaDevice->driver.find(part) != std::string::npos,
                     cudaDevice->driver.c_str());
        }
        QVERIFY(cudaDevice->memoryBytes > 0);
        QVERIFY(m_cuda->description().find(cudaDevice->name) != std::string::npos);
        QCOMPARE(m_cuda->device().toString(), std::string("cuda:0"));
        const auto absent = m_registry.absentBackends();
        QVERIFY(std::none_of(absent.begin(), absent.end(),
                             [](const AbsentBackend& a) { return a.kind == "cuda"; }));
    }

    // Uploads and downloads of f32 and i32, a view at an offset, one larger than a staging
    // block (16 MiB), and several copies queued before one synchronize().
    void copiesRoundTrip() {
        NW_REQUIRE_CUDA();
        const auto values = randomValues(1001, 1);
        auto f = tensorOf(*m_cuda, {7, 11, 13}, values);
        QVERIFY(f.defined());
        QCOMPARE(testing::download(*m_cuda, f), values);

        std::vector<std::int32_t> ints(257);
        for (std::size_t i = 0; i < ints.size(); ++i) {
            ints[i] = std::int32_t(i * 7919) - 1000000;
        }
        auto i32 = labelsOf(*m_cuda, ints);
        QVERIFY(i32.defined());
        std::vector<std::int32_t> back(ints.size());
        QVERIFY(m_cuda->copyToHost(i32, back.data()).ok());
        QVERIFY(m_cuda->synchronize().ok());
        QCOMPARE(back, ints);

        // A view 256 bytes into a zeroed buffer: only its elements change.
        auto whole = m_cuda->allocate({256}, DType::F32);
        QVERIFY(whole && m_cuda->fill(*whole, 0.0f).ok());
        Tensor part = whole->view({64}, DType::F32, 256);
        QVERIFY(testing::upload(*m_cuda, part, std::vector<float>(64, 3.0f)));
        const auto all = testing::download(*m_cuda, *whole);
        for (std::size_t i = 0; i < all.size(); ++i) {
            QCOMPARE(all[i], i >= 64 && i < 128 ? 3.0f : 0.0f);
        }

        // 20 MiB: a staging block of its own.
        const auto large = randomValues(5 << 20, 2);
        auto big = tensorOf(*m_cuda, {5 << 20}, large);
        QVERIFY(big.defined());
        QVERIFY(testing::download(*m_cuda, big) == large);

        // Two downloads and an upload queued, then one wait: each lands where it belongs.
        std::vector<float> first(values.size()), second(64);
        QVERIFY(m_cuda->copyToHost(f, first.data()).ok());
        QVERIFY(m_cuda->copyToHost(part, second.data()).ok());
        const std::vector<float> later(values.size(), -2.5f);
        QVERIFY(m_cuda->copyFromHost(f, later.data()).ok());
        QVERIFY(m_cuda->synchronize().ok());
        QCOMPARE(first, values);
        QCOMPARE(second, std::vector<float>(64, 3.0f));
        QCOMPARE(testing::download(*m_cuda, f), later);
    }

    // fill, scale, addInto and sumOfSquares over many blocks and a partial last one.
    void trainingArithmeticMatchesTheCpu() {
        NW_REQUIRE_CUDA();
        const std::int64_t n = 1000003;
        const Dims shape{n};
        const auto x = randomValues(std::size_t(n), 3);
        const auto y = randomValues(std::size_t(n), 4);
        Pair a = pairOf(shape, x), b = pairOf(shape, y);
        QVERIFY(a.defined() && b.defined());
        for (Backend* be : {m_cuda.get(), m_cpu.get()}) {
            Tensor& ta = be == m_cuda.get() ? a.cuda : a.cpu;
            Tensor& tb = be == m_cuda.get() ? b.cuda : b.cpu;
            QVERIFY(be->scale(ta, -1.75f).ok());
            QVERIFY(be->addInto(ta, tb).ok());
            QVERIFY(be->scale(tb, 0.5f).ok());
        }
        const auto gotA = testing::download(*m_cuda, a.cuda),
                   wantA = testing::download(*m_cpu, a.cpu);
        QVERIFY2(gotA == wantA, qPrintable(compare("scale, addInto", gotA, wantA, 0)));
        QCOMPARE(testing::download(*m_cuda, b.cuda), testing::download(*m_cpu, b.cpu));

        const std::vector<Tensor> cudaTensors{a.cuda, b.cuda}, cpuTensors{a.cpu, b.cpu};
        auto got = m_cuda->sumOfSquares(cudaTensors);
        auto want = m_cpu->sumOfSquares(cpuTensors);
        QVERIFY2(got, got ? "" : got.error().message.c_str());
        QVERIFY(want);
        QVERIFY2(std::abs(*got - *want) <= 1e-9 * *want,
                 qPrintable(
                     QStringLiteral("%1 against %2").arg(*got, 0, 'g', 17).arg(*want, 0, 'g', 17)));
        auto empty = m_cuda->sumOfSquares({});
        QVERIFY(empty && *empty == 0.0);

        QVERIFY(m_cuda->fill(a.cuda, 0.125f).ok());
        QCOMPARE(testing::download(*m_cuda, a.cuda), std::vector<float>(std::size_t(n), 0.125f));
    }

    void optimizersMatchTheCpu_data() {
        QTest::addColumn<OptimizerStep>("step");
        QTest::addColumn<bool>("decays");
        using Kind = OptimizerStep::Kind;
        auto make = [](Kind kind, float lr, float momentum, bool nesterov, float wd) {
            OptimizerStep s;
            s.kind = kind;
            s.learningRate = lr;
            s.momentum = momentum;
            s.nesterov = nesterov;
            s.weightDecay = wd;
            return s;
        };
        QTest::newRow("sgd") << make(Kind::Sgd, 0.1f, 0, false, 0) << false;
        QTest::newRow("sgd weight decay") << make(Kind::Sgd, 0.1f, 0, false, 0.01f) << true;
        QTest::newRow("sgd momentum") << make(Kind::Sgd, 0.1f, 0.9f, false, 0) << false;
        QTest::newRow("sgd nesterov") << make(Kind::Sgd, 0.1f, 0.9f, true, 0.01f) << true;
        QTest::newRow("adam") << make(Kind::Adam, 1e-2f, 0, false, 0) << false;
        QTest::newRow("adam weight decay") << make(Kind::Adam, 1e-2f, 0, false, 0.05f) << true;
        QTest::newRow("adamw") << make(Kind::AdamW, 1e-2f, 0, false, 0.05f) << true;
        QTest::newRow("adamw, not decaying") << make(Kind::AdamW, 1e-2f, 0, false, 0.05f) << false;
        QTest::newRow("rmsprop") << make(Kind::RmsProp, 1e-2f, 0, false, 0) << false;
        QTest::newRow("rmsprop momentum") << make(Kind::RmsProp, 1e-2f, 0.9f, false, 0.01f) << true;
    }

    // Three updates from zeroed state, a new gradient each: the parameter and every state
    // tensor within 1e-6 of the CPU's (relative to max(1, |value|)).
    void optimizersMatchTheCpu() {
        NW_REQUIRE_CUDA();
        QFETCH(OptimizerStep, step);
        QFETCH(bool, decays);
        const std::int64_t n = 70001;
        const Dims shape{n};
        Pair param = pairOf(shape, randomValues(std::size_t(n), 5));
        QVERIFY(param.defined());
        std::vector<Pair> state;
        for (int i = 0; i < optimizerSlotCount(step); ++i) {
            state.push_back(pairOf(shape, std::vector<float>(std::size_t(n), 0.0f)));
            QVERIFY(state.back().defined());
        }
        for (std::int64_t t = 1; t <= 3; ++t) {
            step.step = t;
            Pair grad =
                pairOf(shape, randomValues(std::size_t(n), std::uint32_t(10 + t), -0.5f, 0.5f));
            QVERIFY(grad.defined());
            std::vector<Tensor> cudaState, cpuState;
            for (const Pair& s : state) {
                cudaState.push_back(s.cuda);
                cpuState.push_back(s.cpu);
            }
            auto got = m_cuda->optimizerStep(step, param.cuda, grad.cuda, cudaState, decays);
            QVERIFY2(got, got ? "" : got.error().message.c_str());
            QVERIFY(m_cpu->optimizerStep(step, param.cpu, grad.cpu, cpuState, decays).ok());
        }
        const QString p = compare("parameter", testing::download(*m_cuda, param.cuda),
                                  testing::download(*m_cpu, param.cpu), 1e-6);
        QVERIFY2(p.isEmpty(), qPrintable(p));
        for (const Pair& s : state) {
            const QString d = compare("state", testing::download(*m_cuda, s.cuda),
                                      testing::download(*m_cpu, s.cpu), 1e-6);
            QVERIFY2(d.isEmpty(), qPrintable(d));
        }
    }

    void classificationMatchesTheCpu_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("classes");
        QTest::newRow("7 x 3 (no top-5)") << 7 << 3;
        QTest::newRow("300 x 10 (two blocks)") << 300 << 10;
        QTest::newRow("1000 x 100") << 1000 << 100;
    }

    // oneHot and the metrics {loss, top-1, top-5}, logits with ties (multiples of 0.25).
    void classificationMatchesTheCpu() {
        NW_REQUIRE_CUDA();
        QFETCH(int, rows);
        QFETCH(int, classes);
        std::mt19937 gen(std::uint32_t(rows * 131 + classes));
        std::uniform_int_distribution<int> label(0, classes - 1), level(-8, 8);
        std::vector<std::int32_t> labels(static_cast<std::size_t>(rows));
        for (auto& l : labels) {
            l = label(gen);
        }
        std::vector<float> logits(std::size_t(rows) * std::size_t(classes));
        for (float& v : logits) {
            v = 0.25f * float(level(gen));
        }
        const Dims shape{rows, classes};
        Pair lg = pairOf(shape, logits), loss = pairOf({1}, {0.6875f});
        Tensor cudaLabels = labelsOf(*m_cuda, labels), cpuLabels = labelsOf(*m_cpu, labels);
        auto cudaTargets = m_cuda->allocate(shape, DType::F32);
        auto cpuTargets = m_cpu->allocate(shape, DType::F32);
        auto cudaMetrics = m_cuda->allocate({3}, DType::F32);
        auto cpuMetrics = m_cpu->allocate({3}, DType::F32);
        QVERIFY(lg.defined() && loss.defined() && cudaLabels.defined() && cpuLabels.defined());
        QVERIFY(cudaTargets && cpuTargets && cudaMetrics && cpuMetrics);

        QVERIFY(m_cuda->oneHot(cudaLabels, *cudaTargets).ok());
        QVERIFY(m_cpu->oneHot(cpuLabels, *cpuTargets).ok());
        QCOMPARE(testing::download(*m_cuda, *cudaTargets), testing::download(*m_cpu, *cpuTargets));

        QVERIFY(m_cuda->classificationMetrics(lg.cuda, cudaLabels, loss.cuda, *cudaMetrics).ok());
        QVERIFY(m_cpu->classificationMetrics(lg.cpu, cpuLabels, loss.cpu, *cpuMetrics).ok());
        const auto got = testing::download(*m_cuda, *cudaMetrics);
        QCOMPARE(got, testing::download(*m_cpu, *cpuMetrics));
        QCOMPARE(got[0], 0.6875f);
        if (classes < 5) {
            QCOMPARE(got[2], 0.0f);
        }
    }

    // A label outside [0, K) is found on the device: the call queues, synchronize() fails
    // with the user error naming the sample (the CPU says the same at the call), once.
    void badLabelIsAUserErrorAtSynchronize() {
        NW_REQUIRE_CUDA();
        const std::vector<std::int32_t> labels{1, 2, 3, 4, 5, 10, 0}; // sample 5: 10 of 10 classes
        Tensor cudaLabels = labelsOf(*m_cuda, labels), cpuLabels = labelsOf(*m_cpu, labels);
        auto targets = m_cuda->allocate({7, 10}, DType::F32);
        auto cpuTargets = m_cpu->allocate({7, 10}, DType::F32);
        QVERIFY(cudaLabels.defined() && cpuLabels.defined() && targets && cpuTargets);

        QVERIFY(m_cuda->oneHot(cudaLabels, *targets).ok());
        Status s = m_cuda->synchronize();
        QVERIFY(!s);
        QCOMPARE(s.error().kind, Error::Kind::User);
        for (const char* part : {"10 of sample 5", "10 classes"}) {
            QVERIFY2(s.error().message.find(part) != std::string::npos, s.error().message.c_str());
        }
        QVERIFY(m_cuda->synchronize().ok()); // reported once
        Status onCpu = m_cpu->oneHot(cpuLabels, *cpuTargets);
        QVERIFY(!onCpu);
        QCOMPARE(onCpu.error().kind, Error::Kind::User);
        QVERIFY(onCpu.error().message.find("10 of sample 5") != std::string::npos);

        // The metrics check the labels too: a negative one.
        Tensor negative = labelsOf(*m_cuda, {0, -1, 2});
        Tensor logits = tensorOf(*m_cuda, {3, 4}, randomValues(12, 6));
        Tensor loss = tensorOf(*m_cuda, {1}, {1.0f});
        auto metrics = m_cuda->allocate({3}, DType::F32);
        QVERIFY(negative.defined() && logits.defined() && loss.defined() && metrics);
        QVERIFY(m_cuda->classificationMetrics(logits, negative, loss, *metrics).ok());
        s = m_cuda->synchronize();
        QVERIFY(!s);
        QCOMPARE(s.error().kind, Error::Kind::User);
        QVERIFY2(s.error().message.find("-1 of sample 1") != std::string::npos,
                 s.error().message.c_str());
        QVERIFY(m_cuda->synchronize().ok());
    }

    // bytesInUse counts live tensors exactly; peakBytes the most since resetPeak().
    void countsMemory() {
        NW_REQUIRE_CUDA();
        QVERIFY(m_cuda->synchronize().ok());
        const std::size_t before = m_cuda->bytesInUse();
        m_cuda->resetPeak();
        QCOMPARE(m_cuda->peakBytes(), before);
        const std::size_t a = std::size_t(4) << 20, b = 4000;
        {
            auto ta = m_cuda->allocate({1 << 20}, DType::F32);
            auto tb = m_cuda->allocate({1000}, DType::I32);
            QVERIFY(ta && tb);
            QCOMPARE(m_cuda->bytesInUse(), before + a + b);
            Tensor alias = ta->reshaped({1024, 1024}); // a view holds the same memory
            QCOMPARE(m_cuda->bytesInUse(), before + a + b);
        }
        QCOMPARE(m_cuda->bytesInUse(), before);
        QCOMPARE(m_cuda->peakBytes(), before + a + b);
        m_cuda->resetPeak();
        QCOMPARE(m_cuda->peakBytes(), before);
    }

    void outOfMemoryIsAUserError() {
        NW_REQUIRE_CUDA();
        auto t = m_cuda->allocate({std::int64_t(1) << 40}, DType::F32); // 4 TiB, no managed memory
        QVERIFY(!t);
        QCOMPARE(t.error().kind, Error::Kind::User);
        QVERIFY2(t.error().message.find("out of memory") != std::string::npos,
                 t.error().message.c_str());
        // The backend works afterwards, and the next launch does not report the old failure.
        auto small = m_cuda->allocate({4}, DType::F32);
        QVERIFY(small);
        Status filled = m_cuda->fill(*small, 5.0f);
        QVERIFY2(filled, filled ? "" : filled.error().message.c_str());
        QCOMPARE(testing::download(*m_cuda, *small), std::vector<float>(4, 5.0f));
    }

    // The ranges between beginProfileRange and endProfileRange, summed per label, largest first;
    // nothing is recorded while profiling is off.
    void profilesLabelledRanges() {
        NW_REQUIRE_CUDA();
        auto t = m_cuda->allocate({1 << 24}, DType::F32); // 64 MiB: microseconds a pass
        QVERIFY(t);
        QVERIFY(m_cuda->setProfiling(true));
        (void)m_cuda->takeProfile(); // drop what came before
        for (int i = 0; i < 2; ++i) {
            cuda().beginProfileRange("fill");
            QVERIFY(m_cuda->fill(*t, 1.0f).ok());
            cuda().endProfileRange();
        }
        cuda().beginProfileRange("scale x8");
        for (int i = 0; i < 8; ++i) {
            QVERIFY(m_cuda->scale(*t, 1.5f).ok());
        }
        cuda().endProfileRange();
        QVERIFY(m_cuda->synchronize().ok());
        auto profile = m_cuda->takeProfile();
        QCOMPARE(profile.size(), std::size_t(2));
        QCOMPARE(profile[0].label, std::string("scale x8")); // 8 passes against 1 a call
        QCOMPARE(profile[0].calls, std::uint64_t(1));
        QCOMPARE(profile[1].label, std::string("fill"));
        QCOMPARE(profile[1].calls, std::uint64_t(2));
        for (const auto& k : profile) {
            QVERIFY2(k.milliseconds > 0 && k.milliseconds < 1000, k.label.c_str());
        }
        QVERIFY(m_cuda->takeProfile().empty()); // taken

        QVERIFY(m_cuda->setProfiling(false));
        cuda().beginProfileRange("off");
        QVERIFY(m_cuda->fill(*t, 2.0f).ok());
        cuda().endProfileRange();
        QVERIFY(m_cuda->synchronize().ok());
        QVERIFY(m_cuda->takeProfile().empty());
    }

    // training.precision bf16, as the CPU's bf16ProductsFollowFp32 checks it: the convolution
    // (bf16 copies into cuDNN) and Dense (cuBLASLt's bf16 compute) accumulate in fp32, so the
    // loss and every gradient stay within bf16's rounding of the fp32 CPU step, yet differ
    // from the fp32 CUDA step (the bf16 path ran). Devices before compute capability 8.0
    // refuse bf16, naming the GPU and its capability.
    void bf16ProductsFollowFp32() {
        NW_REQUIRE_CUDA();
        auto opened = m_registry.openBackend("cuda:0");
        QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
        Backend& bf16 = **opened;
        const auto& props = static_cast<CudaBackend&>(bf16).properties();
        Status set = bf16.setPrecision(Precision::Bf16);
        if (props.major < 8) {
            QVERIFY(!set);
            QCOMPARE(set.error().kind, Error::Kind::User);
            const std::string capability =
                std::to_string(props.major) + "." + std::to_string(props.minor);
            for (const std::string& part : {props.name, capability}) {
                QVERIFY2(set.error().message.find(part) != std::string::npos,
                         set.error().message.c_str());
            }
            QSKIP("compute capability before 8.0: bf16 is refused, as checked");
        }
        QVERIFY2(set, set ? "" : set.error().message.c_str());
        QCOMPARE(bf16.precision(), Precision::Bf16);
        QCOMPARE(static_cast<CudaBackend&>(bf16).mathMode(), gpu::cuda::MathMode::Bf16);
        QCOMPARE(m_cuda->precision(), Precision::Fp32);

        const StepResult cpu = convDenseStep(*m_cpu), fp32 = convDenseStep(*m_cuda),
                         low = convDenseStep(bf16);
        for (const StepResult* r : {&cpu, &fp32, &low}) {
            QVERIFY2(r->error.empty(), r->error.c_str());
            QCOMPARE(r->loss.size(), std::size_t(1));
            QCOMPARE(r->grads.size(), cpu.grads.size());
        }
        QVERIFY(cpu.grads.size() >= 2); // the convolution's weight, Dense's weight, biases
        QVERIFY2(std::abs(low.loss[0] - cpu.loss[0]) <= 2e-2f * std::abs(cpu.loss[0]),
                 qPrintable(QString("loss %1 vs %2").arg(low.loss[0]).arg(cpu.loss[0])));
        double differs = 0;
        for (std::size_t g = 0; g < cpu.grads.size(); ++g) {
            // fp32 on the GPU is the CPU's step up to summation order.
            const double exact = relativeDistance(fp32.grads[g], cpu.grads[g]);
            QVERIFY2(exact <= 1e-4, qPrintable(QString("fp32 gradient %1: %2").arg(g).arg(exact)));
            // bf16 keeps 8 bits of mantissa; the sums behind a weight gradient cancel, so the
            // whole gradient's relative error is larger than one product's (as on the CPU).
            const double rounded = relativeDistance(low.grads[g], cpu.grads[g]);
            QVERIFY2(rounded <= 6e-2,
                     qPrintable(QString("bf16 gradient %1: %2 from fp32").arg(g).arg(rounded)));
            differs += relativeDistance(low.grads[g], fp32.grads[g]);
        }
        QVERIFY2(differs > 0, "bf16 gave exactly the fp32 gradients: its products did not run");
    }

    void cleanupTestCase() {
        m_cuda.reset();
        m_cpu.reset();
    }
};

QTEST_GUILESS_MAIN(TestCudaRuntime)
#include "test_cuda_runtime.moc"
