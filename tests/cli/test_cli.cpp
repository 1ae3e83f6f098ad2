// netwright-cli end to end: the real binary (NW_CLI_PATH) run with QProcess on the sample and
// on broken files; exit status 0 for success, 2 for user errors, messages naming node and field.
// Also the devices the backend registry lists, and --device / training.device checked against
// them by train, eval, bench and export.
#include "tests/support/cli_run.h"
#include "tests/support/tiny_project.h"

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace {

const QString kSample = NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj";

using Run = nw::testing::CliRun;
using nw::testing::runCli;

QString describe(const Run& r) {
    return r.describe();
}

QJsonObject readJson(const QString& path) {
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return QJsonDocument::fromJson(f.readAll()).object();
}

bool writeJson(const QString& path, const QJsonObject& doc) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(QJsonDocument(doc).toJson()) > 0;
}

// The sample with conv1's kernel_size set to [0, 3], which is out of range.
QJsonObject sampleWithBadKernel() {
    QJsonObject doc = readJson(kSample);
    QJsonObject graph = doc["graph"].toObject();
    QJsonArray nodes = graph["nodes"].toArray();
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        QJsonObject n = nodes[i].toObject();
        if (n["id"] == "conv1") {
            QJsonObject attrs = n["attributes"].toObject();
            attrs["kernel_size"] = QJsonArray{0, 3};
            n["attributes"] = attrs;
            nodes[i] = n;
        }
    }
    graph["nodes"] = nodes;
    doc["graph"] = graph;
    return doc;
}

// The sample without the edge into fc2, whose input is then unconnected.
QJsonObject sampleWithUnconnectedInput() {
    QJsonObject doc = readJson(kSample);
    QJsonObject graph = doc["graph"].toObject();
    QJsonArray edges;
    for (const auto& e : graph["edges"].toArray()) {
        if (e.toObject()["to"] != "fc2") {
            edges.append(e);
        }
    }
    graph["edges"] = edges;
    doc["graph"] = graph;
    return doc;
}

// The MNIST-style folder tiny_project.h's project reads ("data" beside it): 320 training and 64
// test images of 1 x 4 x 4 bytes, labels i % 10. Plain IDX: this test links no zlib, so not
// writeMnistFolder().
bool writeTinyData(const QString& dir) {
    using nw::datasets::testing::idxBytes;
    using nw::datasets::testing::ramp;
    auto labels = [](std::uint32_t n) {
        std::vector<std::uint8_t> l(n);
        for (std::uint32_t i = 0; i < n; ++i) {
            l[i] = std::uint8_t(i % 10);
        }
        return l;
    };
    const std::pair<QString, QByteArray> files[] = {
        {"train-images-idx3-ubyte", idxBytes({320, 4, 4}, ramp(320 * 16))},
        {"train-labels-idx1-ubyte", idxBytes({320}, labels(320))},
        {"t10k-images-idx3-ubyte", idxBytes({64, 4, 4}, ramp(64 * 16, 7))},
        {"t10k-labels-idx1-ubyte", idxBytes({64}, labels(64))},
    };
    if (!QDir().mkpath(dir)) {
        return false;
    }
    for (const auto& [name, bytes] : files) {
        QFile f(dir + "/" + name);
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) {
            return false;
        }
    }
    return true;
}

// The tiny project (one epoch) with training.device set to `device`.
QJsonObject tinyProjectOn(const QString& device) {
    QJsonObject doc = QJsonDocument::fromJson(nw::testing::tinyProject(1)).object();
    QJsonObject training = doc["training"].toObject();
    training["device"] = device;
    doc["training"] = training;
    return doc;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void summaryTable();
    void summaryJson();
    void validateSample();
    void validateBrokenGraph_data();
    void validateBrokenGraph();
    void validateJsonOnBrokenGraph();
    void unreadableFiles();
    void badArguments_data();
    void badArguments();
    void help();
    void devicesJson();
    void devicesText();
    void summaryShowsEachNodesDevice();
    void projectDeviceThisMachineLacks();
    void deviceOptionOverridesTheProject();
    void deviceOptionIsChecked_data();
    void deviceOptionIsChecked();
    void precisionTheDeviceLacksIsAUserError();
    void importBringsAnExportBack();

private:
    // The tiny project's workspace: "data", tiny.nwproj (device cpu), vulkan.nwproj (device
    // vulkan:7, which no machine here has), and the experiment database every train here records
    // into.
    QString workspace(const QString& name = {}) const {
        return m_tmp.filePath("tiny") + (name.isEmpty() ? "" : "/" + name);
    }
    QTemporaryDir m_tmp;
};

void TestCli::initTestCase() {
    QVERIFY2(QFileInfo(NW_CLI_PATH).isExecutable(), NW_CLI_PATH);
    QVERIFY(m_tmp.isValid());
    QVERIFY(!readJson(kSample).isEmpty());
    QVERIFY(writeJson(m_tmp.filePath("bad-kernel.nwproj"), sampleWithBadKernel()));
    QVERIFY(writeJson(m_tmp.filePath("unconnected.nwproj"), sampleWithUnconnectedInput()));
    // A train that fails before training still opens the experiment database: never the user's.
    qputenv("NETWRIGHT_DB", workspace("experiments.db").toUtf8());
    QVERIFY(writeTinyData(workspace("data")));
    QVERIFY(writeJson(workspace("tiny.nwproj"), tinyProjectOn("cpu")));
    QVERIFY(writeJson(workspace("vulkan.nwproj"), tinyProjectOn("vulkan:7")));
}

void TestCli::summaryTable() {
    Run r = runCli({"summary", kSample});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY2(r.out.contains("421,834"), qPrintable(r.out));
    QVERIFY(r.out.contains("Fashion-MNIST CNN"));
    QVERIFY(r.out.contains("conv1"));
    QVERIFY(r.out.contains("[N, 32, 28, 28]"));
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err)); // the sample has no warnings
}

void TestCli::summaryJson() {
    Run r = runCli({"summary", "--json", kSample});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QJsonParseError error;
    QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QJsonObject o = doc.object();
    QCOMPARE(o["trainable_params"].toInteger(), 421834);
    QCOMPARE(o["non_trainable_params"].toInteger(), 192); // 2*32 + 2*64 running statistics
    QCOMPARE(o["valid"].toBool(), true);
    QJsonArray layers = o["layers"].toArray();
    QCOMPARE(layers.size(), 15);
    QJsonObject conv1 = layers[1].toObject();
    QCOMPARE(conv1["node"].toString(), QString("conv1"));
    QCOMPARE(conv1["params"].toInteger(), 320); // 1*32*3*3 + 32
    // The batch dimension is null: [null, 32, 28, 28].
    QJsonArray shape = conv1["output_shapes"].toArray()[0].toArray();
    QCOMPARE(shape.size(), 4);
    QVERIFY(shape[0].isNull());
    QCOMPARE(shape[1].toInteger(), 32);
    QCOMPARE(o["problems"].toArray().size(), 0);
}

void TestCli::validateSample() {
    Run r = runCli({"validate", kSample});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY2(r.out.contains("valid (0 errors, 0 warnings)"), qPrintable(r.out));
}

void TestCli::validateBrokenGraph_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("where"); // node and field as stderr names them
    QTest::newRow("kernel_size out of range") << "bad-kernel.nwproj"
                                              << "node 'conv1', field 'kernel_size'";
    QTest::newRow("unconnected input") << "unconnected.nwproj"
                                       << "node 'fc2', field 'input'";
}

void TestCli::validateBrokenGraph() {
    QFETCH(QString, file);
    QFETCH(QString, where);
    QString path = m_tmp.filePath(file);
    Run r = runCli({"validate", path});
    QVERIFY2(r.exitCode == 2, qPrintable(describe(r)));
    QVERIFY2(r.err.contains("error: " + path + ": " + where), qPrintable(r.err));
    QVERIFY2(r.out.contains("invalid"), qPrintable(r.out));

    // summary still prints what it can, and fails the same way.
    Run s = runCli({"summary", path});
    QVERIFY2(s.exitCode == 2, qPrintable(describe(s)));
    QVERIFY2(s.err.contains(where), qPrintable(s.err));
}

void TestCli::validateJsonOnBrokenGraph() {
    Run r = runCli({"validate", "--json", m_tmp.filePath("bad-kernel.nwproj")});
    QVERIFY2(r.exitCode == 2, qPrintable(describe(r)));
    QJsonParseError error;
    QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(r.out));
    QCOMPARE(o["valid"].toBool(true), false);
    QCOMPARE(o["errors"].toInteger(), 1);
    QJsonArray problems = o["problems"].toArray();
    QCOMPARE(problems.size(), 1);
    QJsonObject p = problems[0].toObject();
    QCOMPARE(p["severity"].toString(), QString("error"));
    QCOMPARE(p["node"].toString(), QString("conv1"));
    QCOMPARE(p["field"].toString(), QString("kernel_size"));
    QVERIFY2(p["message"].toString().contains("got 0"), qPrintable(p["message"].toString()));

    Run ok = runCli({"validate", "--json", kSample});
    QCOMPARE(ok.exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(ok.out.toUtf8()).object()["valid"].toBool(), true);
}

void TestCli::unreadableFiles() {
    QString notJson = m_tmp.filePath("not-json.nwproj");
    {
        QFile f(notJson);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a project\n");
    }
    for (const char* command : {"validate", "summary"}) {
        Run r = runCli({command, notJson});
        QVERIFY2(r.exitCode == 2, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("error: " + notJson + ": not valid JSON"), qPrintable(r.err));

        QString missing = m_tmp.filePath("missing.nwproj");
        r = runCli({command, missing});
        QVERIFY2(r.exitCode == 2, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(missing + ": no such file"), qPrintable(r.err));
    }
}

void TestCli::badArguments_data() {
    QTest::addColumn<QStringList>("args");
    QTest::newRow("no arguments") << QStringList{};
    QTest::newRow("unknown subcommand") << QStringList{"frobnicate", kSample};
    QTest::newRow("validate without file") << QStringList{"validate"};
    QTest::newRow("summary without file") << QStringList{"summary", "--json"};
    QTest::newRow("unknown option") << QStringList{"validate", "--fast", kSample};
    QTest::newRow("two files") << QStringList{"validate", kSample, kSample};
}

void TestCli::badArguments() {
    QFETCH(QStringList, args);
    Run r = runCli(args);
    QVERIFY2(r.exitCode == 2, qPrintable(describe(r)));
    QVERIFY2(!r.err.isEmpty(), "no explanation on stderr");
}

void TestCli::help() {
    Run r = runCli({"--help"});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY(r.out.contains("validate"));
    QVERIFY(r.out.contains("summary"));

    r = runCli({"validate", "--help"});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY(r.out.contains("--json"));

    r = runCli({"--version"});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY(r.out.contains("netwright-cli"));
}

void TestCli::devicesJson() {
    Run r = runCli({"devices", "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QJsonParseError error;
    QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error); // all of stdout
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(r.out));
    QVERIFY(doc.isObject());
    const QJsonObject o = doc.object();

    QJsonArray devices = o["devices"].toArray();
    QVERIFY2(!devices.isEmpty(), qPrintable(r.out));
    QCOMPARE(devices[0].toObject()["id"].toString(), QString("cpu")); // the CPU comes first
    int cpus = 0, vulkans = 0;
    for (const auto& v : devices) {
        const QJsonObject d = v.toObject();
        const QString id = d["id"].toString();
        // cuda is not built, so it cannot be listed as a device.
        QVERIFY2(!id.startsWith("cuda"), qPrintable(r.out));
        if (id.startsWith("vulkan:")) { // lavapipe here, any Vulkan GPU elsewhere
            ++vulkans;
            QVERIFY2(!d["name"].toString().trimmed().isEmpty(), qPrintable(r.out));
            QVERIFY2(d["driver"].toString().contains("Vulkan"), qPrintable(r.out));
            QVERIFY2(d["memory_bytes"].toInteger() > 0, qPrintable(r.out));
        }
        if (id == "cpu") {
            ++cpus;
            QVERIFY2(!d["name"].toString().trimmed().isEmpty(), qPrintable(r.out));
            QVERIFY2(!d["driver"].toString().trimmed().isEmpty(), qPrintable(r.out));
            QVERIFY2(d["memory_bytes"].toInteger() > 0, qPrintable(r.out));
            QVERIFY2(d["threads"].toInteger() >= 1, qPrintable(r.out));
        }
    }
    QCOMPARE(cpus, 1);

    QStringList absent;
    for (const auto& v : o["absent"].toArray()) {
        const QJsonObject a = v.toObject();
        absent << a["backend"].toString();
        QVERIFY2(!a["reason"].toString().trimmed().isEmpty(), qPrintable(r.out));
    }
    QVERIFY2(absent.contains("cuda"), qPrintable(r.out));
    // Vulkan is either listed with its devices or absent with the reason, never both.
    QVERIFY2(absent.contains("vulkan") != (vulkans > 0), qPrintable(r.out));
    QVERIFY2(!absent.contains("cpu"), qPrintable(r.out));
}

void TestCli::devicesText() {
    Run r = runCli({"devices"});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    const QString name = QJsonDocument::fromJson(runCli({"devices", "--json"}).out.toUtf8())
                             .object()["devices"]
                             .toArray()[0]
                             .toObject()["name"]
                             .toString();
    const QStringList lines = r.out.split('\n', Qt::SkipEmptyParts);
    QVERIFY2(!lines.isEmpty() && lines[0].startsWith("cpu "), qPrintable(r.out));
    QVERIFY2(lines[0].contains(name), qPrintable(r.out));
    auto listed = [&lines](const char* prefix, bool absent) {
        return std::any_of(lines.begin(), lines.end(), [&](const QString& l) {
            return l.startsWith(prefix) && l.contains("absent: ") == absent;
        });
    };
    QVERIFY2(listed("cuda ", true), qPrintable(r.out));
    QVERIFY2(listed("vulkan:0 ", false) || listed("vulkan ", true), qPrintable(r.out));
}

void TestCli::summaryShowsEachNodesDevice() {
    Run r = runCli({"summary", kSample, "--device", "cpu", "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    const auto layers = QJsonDocument::fromJson(r.out.toUtf8()).object()["layers"].toArray();
    QVERIFY(!layers.isEmpty());
    for (const auto& layer : layers) {
        QCOMPARE(layer.toObject()["device"].toString(), QStringLiteral("cpu"));
    }
    Run table = runCli({"summary", kSample, "--device", "cpu"});
    QVERIFY2(table.out.contains("Device") && table.exitCode == 0, qPrintable(describe(table)));
    Run plain = runCli({"summary", kSample});
    QVERIFY2(!plain.out.contains("Device"), qPrintable(plain.out)); // no device, no column
    Run bad = runCli({"summary", kSample, "--device", "cuda:0"});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains("device 'cuda:0'") && bad.err.contains("this machine has: cpu ("),
             qPrintable(bad.err));
}

void TestCli::projectDeviceThisMachineLacks() {
    const QString project = workspace("vulkan.nwproj");
    Run r = runCli({"train", project, "--max-steps", "2", "--db", workspace("experiments.db")});
    QVERIFY2(r.exitCode == 2, qPrintable(describe(r)));
    QVERIFY2(r.err.contains("error: " + project + ": training.device: device 'vulkan:7'"),
             qPrintable(r.err));
    QVERIFY2(r.err.contains("this machine has: cpu ("), qPrintable(r.err));
    QVERIFY2(!r.err.contains("epoch 1/"), qPrintable(r.err)); // it did not train
}

void TestCli::deviceOptionOverridesTheProject() {
    // vulkan.nwproj asks for vulkan:7; --device cpu wins, so it trains.
    Run r = runCli({"train", workspace("vulkan.nwproj"), "--device", "cpu", "--max-steps", "2",
                    "--threads", "1", "--db", workspace("experiments.db"), "--save-weights",
                    workspace("tiny.nwweights"), "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QCOMPARE(r.lastJson()["steps"].toInt(), 2);
    QVERIFY(QFileInfo(workspace("tiny.nwweights")).size() > 0);
}

void TestCli::deviceOptionIsChecked_data() {
    // Each command with real weights (deviceOptionOverridesTheProject's) and a project on the
    // CPU, so the only thing wrong is --device: with --device cpu instead, the command succeeds.
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("device");
    QTest::addColumn<QString>("message");
    const QString project = workspace("tiny.nwproj");
    const QString weights = workspace("tiny.nwweights");
    QTest::newRow("eval") << QStringList{"eval", project, "--weights", weights} << "nope"
                          << "--device: device 'nope': expected cpu, cuda:N or vulkan:N";
    QTest::newRow("bench") << QStringList{"bench", project, "--steps", "1", "--infer-batch", "8"}
                           << "nope"
                           << "--device: device 'nope': expected cpu, cuda:N or vulkan:N";
    const QString onnx = workspace("tiny.onnx");
    QTest::newRow("export") << QStringList{"export", project, "--weights", weights, "-o", onnx}
                            << "cuda:3"
                            << "device 'cuda:3': "; // absent here; not one of a GPU box's
}

void TestCli::deviceOptionIsChecked() {
    QFETCH(QStringList, args);
    QFETCH(QString, device);
    QFETCH(QString, message);
    QVERIFY2(QFile::exists(workspace("tiny.nwweights")), "deviceOptionOverridesTheProject failed");
    const QString output = workspace("tiny.onnx");
    QFile::remove(output);

    Run bad = runCli(args + QStringList{"--device", device});
    QVERIFY2(bad.exitCode == 2, qPrintable(describe(bad)));
    QVERIFY2(bad.err.contains(message), qPrintable(bad.err));
    QVERIFY2(bad.err.contains("this machine has: cpu ("), qPrintable(bad.err));
    QVERIFY(!QFile::exists(output)); // export stopped before writing anything

    Run good = runCli(args + QStringList{"--device", "cpu"});
    QVERIFY2(good.exitCode == 0, qPrintable(describe(good)));
}

// --precision (and training.precision) is checked against the device before anything trains:
// tf32 on the CPU names the option and the reason; fp32 trains.
void TestCli::precisionTheDeviceLacksIsAUserError() {
    const QStringList args{"train", workspace("tiny.nwproj"),   "--max-steps", "1",
                           "--db",  workspace("experiments.db")};
    Run bad = runCli(args + QStringList{"--precision", "tf32"});
    QVERIFY2(bad.exitCode == 2, qPrintable(describe(bad)));
    QVERIFY2(bad.err.contains("--precision: tf32 is the tensor-core format of NVIDIA GPUs"),
             qPrintable(bad.err));
    QVERIFY2(!bad.err.contains("epoch 1/"), qPrintable(bad.err));
    Run unknown = runCli(args + QStringList{"--precision", "fp8"});
    QCOMPARE(unknown.exitCode, 2); // CLI11's check: not one of fp32, tf32, bf16
    Run good = runCli(args + QStringList{"--precision", "fp32"});
    QVERIFY2(good.exitCode == 0, qPrintable(describe(good)));
}

// export then import: the import writes a project and weights that evaluate exactly as the
// original, and says its output matched the ONNX model's (PASS). A file that is not ONNX is
// a user error naming it, and nothing is written.
void TestCli::importBringsAnExportBack() {
    const QString project = workspace("tiny.nwproj"), weights = workspace("tiny.nwweights");
    QVERIFY2(QFile::exists(weights), "deviceOptionOverridesTheProject failed");
    const QString onnx = workspace("round.onnx");
    Run exported = runCli({"export", project, "--weights", weights, "-o", onnx});
    QVERIFY2(exported.exitCode == 0, qPrintable(describe(exported)));
    const QString imported = workspace("imported.nwproj");
    Run r = runCli({"import", onnx, "-o", imported});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY2(r.out.contains("PASS") && !r.out.contains("FAILED"), qPrintable(r.out));
    QVERIFY(QFile::exists(workspace("imported.nwweights")));
    // An ONNX model names no dataset: point the import at the original's.
    QJsonObject doc = readJson(imported);
    doc["dataset"] = readJson(project)["dataset"];
    QVERIFY(writeJson(imported, doc));
    Run a = runCli({"eval", project, "--weights", weights, "--json"});
    Run b = runCli({"eval", imported, "--weights", workspace("imported.nwweights"), "--json"});
    QVERIFY2(a.exitCode == 0 && b.exitCode == 0, qPrintable(describe(a) + describe(b)));
    QCOMPARE(b.lastJson()["test_accuracy"].toDouble(), a.lastJson()["test_accuracy"].toDouble());
    const double la = a.lastJson()["test_loss"].toDouble(),
                 lb = b.lastJson()["test_loss"].toDouble();
    QVERIFY2(std::abs(la - lb) <= 1e-6 * la, qPrintable(QString("%1 vs %2").arg(la).arg(lb)));

    const QString junk = workspace("junk.onnx");
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly) && f.write("not a model") > 0);
    f.close();
    Run bad = runCli({"import", junk, "-o", workspace("junk.nwproj")});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains(junk), qPrintable(bad.err));
    QVERIFY(!QFile::exists(workspace("junk.nwproj")));
    QVERIFY(!QFile::exists(workspace("junk.nwweights")));
}

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
