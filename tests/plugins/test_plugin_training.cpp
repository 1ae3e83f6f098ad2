// A project built from the example plugin's ops (plugins/examples: SqueezeExcite and
// LearnedSwish between built-in layers), through netwright-cli with --plugin: it validates,
// its summary counts the plugin's parameters, it trains and is recorded, it exports to ONNX
// with the plugin's ops in a custom domain named after the plugin, and the bundle refuses it
// with the reason. Without the plugin, the project fails validation naming the plugin.
// XDG_DATA_HOME points into a temporary folder, so no user plugin is read.
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/cli_run.h"

#include <QDir>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <onnx/onnx_pb.h>

namespace {

const QByteArray kProject = R"({
  "format_version": 1,
  "name": "plugin ops",
  "dataset": {"kind": "idx", "path": "data"},
  "training": {"batch_size": 16, "epochs": 3, "seed": 4,
               "optimizer": {"type": "adam", "learning_rate": 0.01}},
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 4, 4]}},
      {"id": "conv", "op": "Conv2D", "attributes": {"filters": 8, "padding": [1, 1]}},
      {"id": "se", "op": "SqueezeExcite", "plugin": "netwright-examples",
       "attributes": {"reduction": 2}},
      {"id": "swish", "op": "LearnedSwish", "plugin": "netwright-examples"},
      {"id": "flatten", "op": "Flatten"},
      {"id": "fc", "op": "Dense", "attributes": {"units": 10}},
      {"id": "loss", "op": "Loss"}
    ],
    "edges": [
      {"from": "input", "to": "conv"}, {"from": "conv", "to": "se"},
      {"from": "se", "to": "swish"}, {"from": "swish", "to": "flatten"},
      {"from": "flatten", "to": "fc"}, {"from": "fc", "to": "loss"}
    ]
  }
})";

// 4x4 images whose brightness is their label (i % 10) plus a little pattern: learnable in a
// few epochs (320 training and 64 test samples, like writeMnistFolder's layout).
bool writeLearnableFolder(const QString& dir) {
    using namespace nw::datasets::testing;
    QDir().mkpath(dir);
    auto split = [&](const char* prefix, std::uint32_t n, std::uint32_t salt) {
        std::vector<std::uint8_t> images, labels;
        for (std::uint32_t i = 0; i < n; ++i) {
            const std::uint8_t label = std::uint8_t(i % 10);
            labels.push_back(label);
            for (std::uint32_t k = 0; k < 16; ++k) {
                images.push_back(std::uint8_t(label * 24 + (i * 7 + k * 3 + salt) % 9));
            }
        }
        const QString base = dir + "/" + prefix;
        return writeFile(base + "-images-idx3-ubyte", idxBytes({n, 4, 4}, images), false) &&
               writeFile(base + "-labels-idx1-ubyte", idxBytes({n}, labels), false);
    };
    return split("train", 320, 0) && split("t10k", 64, 5);
}

} // namespace

class TestPluginTraining : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        qputenv("XDG_DATA_HOME", m_dir.filePath("xdg").toUtf8());
        qunsetenv("NETWRIGHT_PLUGIN_PATH");
        qputenv("NETWRIGHT_DB", m_dir.filePath("runs.db").toUtf8());
        QVERIFY(writeLearnableFolder(m_dir.filePath("data")));
        QFile f(project());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kProject);
    }

    void validatesAndCountsThePluginsParameters() {
        nw::testing::CliRun v = cli({"validate", project(), "--json"}, true);
        QVERIFY2(v.exitCode == 0, qPrintable(v.describe()));
        nw::testing::CliRun s = cli({"summary", project(), "--json"}, true);
        QVERIFY2(s.exitCode == 0, qPrintable(s.describe()));
        // conv 8*9 + 8 = 80; se: fc1 4x8 + 4, fc2 8x4 + 8 = 76; swish beta 8; fc 128*10 + 10.
        QCOMPARE(s.lastJson().value("trainable_params").toInteger(), qint64(80 + 76 + 8 + 1290));
    }

    void withoutThePluginTheErrorNamesIt() {
        nw::testing::CliRun v = cli({"validate", project()}, false);
        QCOMPARE(v.exitCode, 2);
        const QByteArray said = qPrintable(v.describe());
        QVERIFY2(said.contains("plugin 'netwright-examples'"), qPrintable(said));
        QVERIFY2(said.contains("SqueezeExcite"), qPrintable(said));
    }

    void trainsAndIsRecorded() {
        nw::testing::CliRun t = cli({"train", project(), "--json", "--threads", "1"}, true);
        QVERIFY2(t.exitCode == 0, qPrintable(t.describe()));
        const QJsonObject j = t.lastJson();
        QCOMPARE(j.value("outcome").toString(), QString("completed"));
        QCOMPARE(j.value("steps").toInt(), 60);
        QVERIFY(std::isfinite(j.value("final_loss").toDouble()));
        // Brightness is the label: learnable; chance is 0.1.
        QVERIFY2(j.value("test_accuracy").toDouble() > 0.5, qPrintable(t.out));
        m_run = j.value("run_id").toInt();
        QVERIFY(m_run > 0);
    }

    void exportsToOnnxInTheCustomDomain() {
        QVERIFY(m_run > 0);
        const QString onnxFile = m_dir.filePath("model.onnx");
        nw::testing::CliRun e =
            cli({"export", project(), "--run", QString::number(m_run), "-o", onnxFile}, true);
        QVERIFY2(e.exitCode == 0, qPrintable(e.describe()));
        QVERIFY2(e.out.contains("not run") && e.out.contains("netwright-examples"),
                 qPrintable(e.out));
        onnx::ModelProto model;
        std::ifstream in(onnxFile.toStdString(), std::ios::binary);
        QVERIFY(model.ParseFromIstream(&in));
        bool imported = false;
        for (const auto& o : model.opset_import()) {
            imported = imported || (o.domain() == "netwright-examples" && o.version() == 1);
        }
        QVERIFY(imported);
        QStringList custom;
        for (const auto& n : model.graph().node()) {
            if (n.domain() == "netwright-examples") {
                custom << QString::fromStdString(n.op_type());
                if (n.op_type() == "SqueezeExcite") {
                    QCOMPARE(n.input_size(), 5); // the input, then its four parameters
                    QCOMPARE(n.attribute(0).name(), std::string("reduction"));
                    QCOMPARE(n.attribute(0).i(), std::int64_t(2));
                }
            }
        }
        QCOMPARE(custom, (QStringList{"SqueezeExcite", "LearnedSwish"}));
    }

    void theBundleRefusesItWithTheReason() {
        QVERIFY(m_run > 0);
        const QString bundle = m_dir.filePath("model.nwbundle");
        nw::testing::CliRun e = cli({"export", project(), "--run", QString::number(m_run),
                                     "--format", "bundle", "-o", bundle},
                                    true);
        QCOMPARE(e.exitCode, 2);
        QVERIFY2(e.err.contains("plugin 'netwright-examples'") &&
                     e.err.contains("built-in ops only"),
                 qPrintable(e.err));
        QVERIFY(!QFile::exists(bundle));
    }

private:
    QString project() const { return m_dir.filePath("plugin-ops.nwproj"); }

    nw::testing::CliRun cli(QStringList args, bool withPlugin) {
        if (withPlugin) {
            args << "--plugin" << QStringLiteral(NW_EXAMPLE_PLUGIN);
        }
        return nw::testing::runCli(args);
    }

    QTemporaryDir m_dir;
    int m_run = 0;
};

QTEST_GUILESS_MAIN(TestPluginTraining)
#include "test_plugin_training.moc"
