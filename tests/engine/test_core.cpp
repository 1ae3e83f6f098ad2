// engine/core: devices, tensors, the counter-based RNG and the CPU backend's memory.
#include "base/rng.h"
#include "engine/core/device.h"
#include "engine/core/tensor.h"
#include "engine/cpu/cpu_backend.h"
#include "tests/support/backends.h"

#include <QtTest>
#include <cmath>
#include <vector>

using namespace nw;
using namespace nw::engine;

class TestEngineCore : public QObject {
    Q_OBJECT
private slots:
    void parsesDevices_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("canonical");
        QTest::newRow("cpu") << "cpu" << true << "cpu";
        QTest::newRow("cuda") << "cuda" << true << "cuda:0";
        QTest::newRow("cuda:1") << "cuda:1" << true << "cuda:1";
        QTest::newRow("vulkan:12") << "vulkan:12" << true << "vulkan:12";
        QTest::newRow("gpu") << "gpu" << false << "";
        QTest::newRow("cuda:") << "cuda:" << false << "";
        QTest::newRow("cuda:x") << "cuda:x" << false << "";
        QTest::newRow("cuda:-1") << "cuda:-1" << false << "";
        QTest::newRow("cuda1") << "cuda1" << false << "";
        QTest::newRow("cpu:0") << "cpu:0" << false << "";
    }
    void parsesDevices() {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(QString, canonical);
        auto d = Device::parse(text.toStdString());
        QCOMPARE(d.ok(), ok);
        if (ok) {
            QCOMPARE(QString::fromStdString(d->toString()), canonical);
        } else {
            QVERIFY(QString::fromStdString(d.error().message).contains(text));
        }
    }

    // The known-answer vectors published with the Random123 library.
    void philoxMatchesKnownAnswers() {
        using W = std::array<std::uint32_t, 4>;
        QCOMPARE(philox4x32({0, 0, 0, 0}, {0, 0}),
                 (W{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
        QCOMPARE(philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                            {0xffffffffu, 0xffffffffu}),
                 (W{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
    }

    void rngIsAPureFunctionOfSeedStreamAndIndex() {
        CounterRng a(42, streamId("init/conv1/weight"));
        CounterRng b(42, streamId("init/conv1/weight"));
        CounterRng otherSeed(43, streamId("init/conv1/weight"));
        CounterRng otherStream(42, streamId("init/conv2/weight"));
        std::vector<float> x(1000), y(1000), z(1000), w(1000);
        a.fillNormal(x, 0.0f, 1.0f);
        b.fillNormal(y, 0.0f, 1.0f);
        otherSeed.fillNormal(z, 0.0f, 1.0f);
        otherStream.fillNormal(w, 0.0f, 1.0f);
        QCOMPARE(x, y);
        QVERIFY(x != z);
        QVERIFY(x != w);
        // Reading from an offset gives the same values as reading from the start.
        std::vector<float> tail(10);
        a.fillNormal(tail, 0.0f, 1.0f, 990);
        QCOMPARE(tail, std::vector<float>(x.begin() + 990, x.end()));
    }

    void rngDistributions() {
        CounterRng rng(7, 1);
        const int n = 200000;
        std::vector<float> u(n), g(n);
        rng.fillUniform(u, -2.0f, 3.0f);
        rng.fillNormal(g, 1.5f, 0.5f, 12345);
        double su = 0, sg = 0, sg2 = 0;
        float lo = 1e9f, hi = -1e9f;
        for (int i = 0; i < n; ++i) {
            su += u[i];
            lo = std::min(lo, u[i]);
            hi = std::max(hi, u[i]);
            sg += g[i];
            sg2 += double(g[i]) * g[i];
        }
        double meanU = su / n, meanG = sg / n, stdG = std::sqrt(sg2 / n - meanG * meanG);
        QVERIFY2(lo >= -2.0f && hi < 3.0f, "uniform values outside [lo, hi)");
        // Standard errors: uniform 5/sqrt(12n) = 0.0032; normal mean 0.5/sqrt(n) = 0.0011.
        QVERIFY2(std::abs(meanU - 0.5) < 0.02, qPrintable(QString::number(meanU)));
        QVERIFY2(std::abs(meanG - 1.5) < 0.01, qPrintable(QString::number(meanG)));
        QVERIFY2(std::abs(stdG - 0.5) < 0.01, qPrintable(QString::number(stdG)));
    }

    void tensorsViewBackendMemory() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto t = backend.allocate({2, 3, 4}, DType::F32);
        QVERIFY(t.ok());
        QCOMPARE(t->numel(), 24);
        QCOMPARE(t->bytes(), std::size_t(96));
        QCOMPARE(QString::fromStdString(t->toString()), QStringLiteral("f32[2, 3, 4] on cpu"));
        QCOMPARE(reinterpret_cast<std::uintptr_t>(cpu::CpuBackend::data(*t)) % 64, 0u);

        std::vector<float> in(24), out(24, -1.0f);
        for (int i = 0; i < 24; ++i) {
            in[i] = float(i) * 0.5f;
        }
        QVERIFY(backend.copyFromHost(*t, in.data()).ok());
        Tensor flat = t->reshaped({6, 4});
        QVERIFY(flat.defined());
        QVERIFY(!t->reshaped({5, 5}).defined());
        QVERIFY(backend.copyToHost(flat, out.data()).ok());
        QVERIFY(backend.synchronize().ok());
        QCOMPARE(out, in);
    }

    void backendCountsLiveAndPeakBytes() {
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        QCOMPARE(backend.bytesInUse(), std::size_t(0));
        {
            auto a = backend.allocate({1000}, DType::F32); // 4000 -> 4032 aligned
            auto b = backend.allocate({10}, DType::U8);    // 10 -> 64
            QVERIFY(a.ok() && b.ok());
            QCOMPARE(backend.bytesInUse(), std::size_t(4032 + 64));
        }
        QCOMPARE(backend.bytesInUse(), std::size_t(0));
        QCOMPARE(backend.peakBytes(), std::size_t(4096));
        backend.resetPeak();
        QCOMPARE(backend.peakBytes(), std::size_t(0));
    }

    void bufferOutlivesItsBackend() {
        Tensor t;
        {
            auto backendOwner = nw::testing::openCpu();
            auto& backend = *backendOwner;
            t = *backend.allocate({16}, DType::F32);
        }
        QVERIFY(t.defined()); // freeing it later must not touch the destroyed backend
        t = Tensor();
        QVERIFY(!t.defined());
    }
};

QTEST_GUILESS_MAIN(TestEngineCore)
#include "test_core.moc"
