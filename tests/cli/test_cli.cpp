// netwright-cli end to end: the real binary (NW_CLI_PATH) run with QProcess on the sample and
// on broken files; exit status 0 for success, 2 for user errors, messages naming node and field.
#include "tests/support/cli_run.h"

#include <QtTest>

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

private:
    QTemporaryDir m_tmp;
};

void TestCli::initTestCase() {
    QVERIFY2(QFileInfo(NW_CLI_PATH).isExecutable(), NW_CLI_PATH);
    QVERIFY(m_tmp.isValid());
    QVERIFY(!readJson(kSample).isEmpty());
    QVERIFY(writeJson(m_tmp.filePath("bad-kernel.nwproj"), sampleWithBadKernel()));
    QVERIFY(writeJson(m_tmp.filePath("unconnected.nwproj"), sampleWithUnconnectedInput()));
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

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
