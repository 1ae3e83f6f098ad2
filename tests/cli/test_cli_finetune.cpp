// Fine-tuning end to end with the real netwright-cli: a small CNN trained and exported to
// ONNX, imported (the project's training.initial_weights names the weights written beside
// it), its head extended by a new layer and everything else frozen in the project JSON, then
// trained a few steps: the frozen layers' weights are byte for byte the imported ones, the
// head's changed, and stderr says which tensors started fresh. --init-weights replaces the
// project's file; a missing one is a user error naming it before any step.
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/cli_run.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>
#include <map>

namespace {

using Run = nw::testing::CliRun;
using nw::testing::runCli;

// 1 x 4 x 4 images (the fixture's MNIST-style folder "data"), 10 classes.
const QByteArray kCnn = R"({
  "format_version": 1,
  "name": "cnn",
  "dataset": {"kind": "idx", "path": "data"},
  "training": {"batch_size": 16, "epochs": 1, "seed": 4,
               "optimizer": {"type": "adam", "learning_rate": 0.01}},
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 4, 4]}},
      {"id": "conv", "op": "Conv2D", "attributes": {"filters": 4, "kernel_size": [3, 3],
                                                     "padding": [1, 1]}},
      {"id": "relu", "op": "ReLU"},
      {"id": "flatten", "op": "Flatten"},
      {"id": "fc1", "op": "Dense", "attributes": {"units": 12}},
      {"id": "act", "op": "ReLU"},
      {"id": "fc2", "op": "Dense", "attributes": {"units": 10}},
      {"id": "loss", "op": "Loss"}
    ],
    "edges": [
      {"from": "input", "to": "conv"}, {"from": "conv", "to": "relu"},
      {"from": "relu", "to": "flatten"}, {"from": "flatten", "to": "fc1"},
      {"from": "fc1", "to": "act"}, {"from": "act", "to": "fc2"}, {"from": "fc2", "to": "loss"}
    ]
  }
})";

QJsonObject readJson(const QString& path) {
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return QJsonDocument::fromJson(f.readAll()).object();
}

bool writeJson(const QString& path, const QJsonObject& doc) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(QJsonDocument(doc).toJson()) > 0;
}

// A .nwweights file's tensors by "node.name", as raw little-endian bytes (the documented
// layout: magic, u32 version, u32 count; per entry node, name, rank, i64 dims, f32 data).
std::map<QString, QByteArray> readWeights(const QString& path) {
    QFile f(path);
    std::map<QString, QByteArray> out;
    if (!f.open(QIODevice::ReadOnly)) {
        return out;
    }
    const QByteArray b = f.readAll();
    qsizetype at = 8 + 4;
    auto u32 = [&]() {
        quint32 v = qFromLittleEndian<quint32>(b.constData() + at);
        at += 4;
        return v;
    };
    auto text = [&]() {
        quint32 n = u32();
        QString s = QString::fromUtf8(b.mid(at, n));
        at += n;
        return s;
    };
    for (quint32 count = u32(), i = 0; i < count && at < b.size(); ++i) {
        const QString node = text(), name = text();
        qint64 numel = 1;
        for (quint32 rank = u32(), d = 0; d < rank; ++d) {
            numel *= qFromLittleEndian<qint64>(b.constData() + at);
            at += 8;
        }
        out[node + "." + name] = b.mid(at, numel * 4);
        at += numel * 4;
    }
    return out;
}

// The node whose output the Loss node reads.
QString headOf(const QJsonObject& graph) {
    QString loss;
    for (const auto& n : graph["nodes"].toArray()) {
        if (n.toObject()["op"] == "Loss") {
            loss = n.toObject()["id"].toString();
        }
    }
    for (const auto& e : graph["edges"].toArray()) {
        if (e.toObject()["to"] == loss) {
            return e.toObject()["from"].toString();
        }
    }
    return {};
}

} // namespace

class TestCliFinetune : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        qputenv("NETWRIGHT_DB", file("experiments.db").toUtf8());
        QVERIFY(nw::datasets::testing::writeMnistFolder(file("data"), 320, 64, false));
        QFile f(file("cnn.nwproj"));
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write(kCnn) == kCnn.size());
    }

    void importThenFineTune() {
        Run trained = runCli({"train", file("cnn.nwproj"), "--max-steps", "10", "--no-track",
                              "--save-weights", file("cnn.nwweights")});
        QVERIFY2(trained.exitCode == 0, qPrintable(trained.describe()));
        Run exported = runCli({"export", file("cnn.nwproj"), "--weights", file("cnn.nwweights"),
                               "-o", file("cnn.onnx")});
        QVERIFY2(exported.exitCode == 0, qPrintable(exported.describe()));
        QVERIFY(QDir().mkpath(file("tuned")));
        const QString project = file("tuned/imported.nwproj");
        Run imported = runCli({"import", file("cnn.onnx"), "-o", project});
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.describe()));
        QJsonObject doc = readJson(project);
        // The import starts training from its own weights, named relative to the project.
        QCOMPARE(doc["training"].toObject()["initial_weights"].toString(),
                 QString("imported.nwweights"));

        // The new head: a Dense after the imported one; every other node frozen.
        QJsonObject graph = doc["graph"].toObject();
        const QString head = headOf(graph);
        QVERIFY(!head.isEmpty());
        QJsonArray nodes;
        for (const auto& v : graph["nodes"].toArray()) {
            QJsonObject n = v.toObject();
            if (n["id"] != head && n["op"] != "Loss") {
                n["trainable"] = false;
            }
            nodes.append(n);
        }
        nodes.append(QJsonObject{
            {"id", "adapter"}, {"op", "Dense"}, {"attributes", QJsonObject{{"units", 10}}}});
        QJsonArray edges;
        for (const auto& v : graph["edges"].toArray()) {
            QJsonObject e = v.toObject();
            if (e["from"] == head) { // head -> adapter -> loss
                edges.append(QJsonObject{{"from", head}, {"to", "adapter"}});
                e["from"] = "adapter";
            }
            edges.append(e);
        }
        graph["nodes"] = nodes;
        graph["edges"] = edges;
        doc["graph"] = graph;
        QJsonObject dataset = readJson(file("cnn.nwproj"))["dataset"].toObject();
        dataset["path"] = file("data"); // an ONNX model names no dataset
        doc["dataset"] = dataset;
        QVERIFY(writeJson(project, doc));

        Run tuned = runCli({"train", project, "--max-steps", "6", "--json", "--save-weights",
                            file("tuned/tuned.nwweights")});
        QVERIFY2(tuned.exitCode == 0, qPrintable(tuned.describe()));
        const QString weightsFile = file("tuned/imported.nwweights");
        QVERIFY2(tuned.err.contains("note: initial weights from " + weightsFile),
                 qPrintable(tuned.err));
        QVERIFY2(tuned.err.contains("note: node 'adapter': weight is not in " + weightsFile),
                 qPrintable(tuned.err));
        QVERIFY2(tuned.err.contains("initialised fresh"), qPrintable(tuned.err));
        const QJsonObject result = tuned.lastJson();
        QVERIFY(result["frozen_parameters"].toInt() > 0);

        const auto before = readWeights(weightsFile);
        const auto after = readWeights(file("tuned/tuned.nwweights"));
        QVERIFY(before.size() >= 6);
        int frozen = 0;
        qint64 trainable = 0;
        for (const auto& [key, bytes] : before) {
            QVERIFY2(after.count(key), qPrintable(key));
            if (key.startsWith(head + ".")) {
                QVERIFY2(after.at(key) != bytes, qPrintable(key + " did not train"));
                trainable += bytes.size() / 4;
            } else {
                QVERIFY2(after.at(key) == bytes, qPrintable(key + " changed while frozen"));
                ++frozen;
            }
        }
        QVERIFY(frozen >= 4); // conv's and fc1's weight and bias at least
        QVERIFY(after.count("adapter.weight") && after.count("adapter.bias"));
        trainable += (after.at("adapter.weight").size() + after.at("adapter.bias").size()) / 4;
        QCOMPARE(qint64(result["parameters"].toInt()), trainable);

        // --init-weights replaces the project's file: a missing one fails before any step.
        const QString missing = file("tuned/none.nwweights");
        Run bad = runCli({"train", project, "--max-steps", "1", "--init-weights", missing});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("--init-weights: " + missing + ": no such weights file"),
                 qPrintable(bad.err));
        QVERIFY2(!bad.err.contains("epoch 1/"), qPrintable(bad.err));
        // The project's file gone: an error naming the field and the file.
        QVERIFY(QFile::rename(weightsFile, file("tuned/moved.nwweights")));
        Run gone = runCli({"train", project, "--max-steps", "1"});
        QCOMPARE(gone.exitCode, 2);
        QVERIFY2(gone.err.contains(project + ": training.initial_weights: " + weightsFile +
                                   ": no such weights file"),
                 qPrintable(gone.err));
        Run moved = runCli({"train", project, "--max-steps", "1", "--no-track", "--init-weights",
                            file("tuned/moved.nwweights")});
        QVERIFY2(moved.exitCode == 0, qPrintable(moved.describe()));
    }

private:
    QString file(const QString& name) const { return m_dir.filePath(name); }
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestCliFinetune)
#include "test_cli_finetune.moc"
