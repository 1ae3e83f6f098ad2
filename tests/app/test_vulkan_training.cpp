// Training on a Vulkan device (lavapipe here) against the CPU: a small CNN with every layer
// kind of the sample (convolution, batch norm, ReLU, max-pool, dense, dropout) trains with
// the same seed on both, and every step's loss agrees within 1e-3 relative; a run trained on
// Vulkan resumes on the CPU and a CPU run on Vulkan, continuing from their checkpoints.
#include "app/backends.h"
#include "app/training_run.h"
#include "engine/tracking/store.h"
#include "tests/support/tiny_project.h"

#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

using namespace nw;
using app::TrainingRun;
using app::TrainingRunRequest;

namespace {

// The tiny workspace's 1 x 4 x 4 images through a conv block and a dropout classifier.
QByteArray cnnProject() {
    return R"({
  "format_version": 1,
  "name": "tiny-cnn",
  "dataset": {"kind": "idx", "path": "data"},
  "training": {"batch_size": 16, "epochs": 2, "seed": 5,
               "optimizer": {"type": "sgd", "learning_rate": 0.05, "momentum": 0.9}},
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 4, 4]}},
      {"id": "conv", "op": "Conv2D", "attributes": {"filters": 8, "kernel_size": [3, 3],
                                                     "padding": [1, 1]}},
      {"id": "bn", "op": "BatchNorm"},
      {"id": "relu", "op": "ReLU"},
      {"id": "pool", "op": "MaxPool2D", "attributes": {"kernel_size": [2, 2], "stride": [2, 2]}},
      {"id": "flatten", "op": "Flatten"},
      {"id": "fc1", "op": "Dense", "attributes": {"units": 16}},
      {"id": "drop", "op": "Dropout", "attributes": {"rate": 0.25}},
      {"id": "fc2", "op": "Dense", "attributes": {"units": 10}},
      {"id": "loss", "op": "Loss"}
    ],
    "edges": [
      {"from": "input", "to": "conv"}, {"from": "conv", "to": "bn"}, {"from": "bn", "to": "relu"},
      {"from": "relu", "to": "pool"}, {"from": "pool", "to": "flatten"},
      {"from": "flatten", "to": "fc1"}, {"from": "fc1", "to": "drop"},
      {"from": "drop", "to": "fc2"}, {"from": "fc2", "to": "loss"}
    ]
  }
})";
}

} // namespace

class TestVulkanTraining : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(!nw::testing::writeTinyWorkspace(m_dir.path(), 2).isEmpty());
        QFile f(m_dir.filePath("cnn.nwproj"));
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write(cnnProject()) > 0);
        m_project = f.fileName().toStdString();
        bool vulkan = false;
        for (const auto& d : m_backends.availableDevices()) {
            vulkan = vulkan || d.id == "vulkan:0";
        }
        if (!vulkan) {
            for (const auto& a : m_backends.absentBackends()) {
                if (a.kind == "vulkan") {
                    QSKIP(qPrintable(QString::fromStdString("no Vulkan device: " + a.reason)));
                }
            }
        }
    }

    // Two epochs (40 steps) with the same seed: same initial weights, same batches, same
    // dropout masks; only the order of floating-point sums differs.
    void lossesMatchTheCpuAtEveryStep() {
        auto cpu = train("cpu", 0, 0);
        auto vk = train("vulkan:0", 0, 0);
        QCOMPARE(cpu.size(), std::size_t(40));
        QCOMPARE(vk.size(), cpu.size());
        for (std::size_t i = 0; i < cpu.size(); ++i) {
            double rel = std::abs(vk[i] - cpu[i]) / std::abs(cpu[i]);
            QVERIFY2(rel <= 1e-3, qPrintable(QStringLiteral("step %1: vulkan %2, cpu %3")
                                                 .arg(i + 1)
                                                 .arg(vk[i], 0, 'g', 9)
                                                 .arg(cpu[i], 0, 'g', 9)));
        }
    }

    void resumesOnTheOtherDevice_data() {
        QTest::addColumn<QString>("first");
        QTest::addColumn<QString>("then");
        QTest::newRow("vulkan then cpu") << "vulkan:0"
                                         << "cpu";
        QTest::newRow("cpu then vulkan") << "cpu"
                                         << "vulkan:0";
    }

    // Stopped at step 20 (checkpointed there), resumed on the other device: the same run goes
    // on from step 21 and its losses follow an uninterrupted CPU run's.
    void resumesOnTheOtherDevice() {
        QFETCH(QString, first);
        QFETCH(QString, then);
        auto reference = train("cpu", 0, 0);
        auto losses = train(first.toStdString(), 20, 0);
        QCOMPARE(losses.size(), std::size_t(20));
        auto resumed = train(then.toStdString(), 0, m_lastRun);
        QCOMPARE(resumed.size(), std::size_t(40)); // the run's own 20 and the resumed 20
        for (std::size_t i = 0; i < resumed.size(); ++i) {
            double rel = std::abs(resumed[i] - reference[i]) / std::abs(reference[i]);
            QVERIFY2(rel <= 1e-3, qPrintable(QStringLiteral("step %1: %2, uninterrupted %3")
                                                 .arg(i + 1)
                                                 .arg(resumed[i], 0, 'g', 9)
                                                 .arg(reference[i], 0, 'g', 9)));
        }
    }

private:
    // Trains (or resumes run `resume`) on `device`, stopping after `stopAfter` steps when
    // non-zero; returns the run's recorded train/loss per step.
    std::vector<double> train(const std::string& device, std::int64_t stopAfter,
                              std::int64_t resume) {
        TrainingRunRequest r;
        r.projectPath = m_project;
        r.databasePath = m_dir.filePath("experiments.db").toStdString();
        r.source = "test";
        r.overrides.device = device;
        r.resumeRunId = resume;
        r.checkpointEvery = 20;
        auto run = TrainingRun::open(r, m_registry, m_backends);
        if (!run) {
            qWarning("%s", run.error().message.c_str());
            return {};
        }
        if ((*run)->backend().device().toString() != device) {
            qWarning("trained on %s, not %s", (*run)->backend().device().toString().c_str(),
                     device.c_str());
            return {};
        }
        app::TrainingRecording recording;
        recording.stopAfter = stopAfter;
        if (!(*run)->startRecording(recording).ok()) {
            return {};
        }
        auto result = (*run)->train();
        if (!result || !(*run)->finish(result).ok()) {
            qWarning("%s", result ? "finish failed" : result.error().message.c_str());
            return {};
        }
        m_lastRun = (*run)->runId();
        std::vector<double> out;
        if (auto points = (*run)->tracked().store().metrics(m_lastRun, "train/loss")) {
            for (const auto& p : *points) {
                out.push_back(p.value);
            }
        }
        return out;
    }

    QTemporaryDir m_dir;
    std::string m_project;
    std::int64_t m_lastRun = 0;
    graph::OpRegistry m_registry = graph::makeCoreRegistry();
    engine::BackendRegistry m_backends = app::makeBackendRegistry();
};

QTEST_GUILESS_MAIN(TestVulkanTraining)
#include "test_vulkan_training.moc"
