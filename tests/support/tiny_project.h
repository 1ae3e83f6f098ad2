#pragma once
// The tests' smallest trainable project: a 16-pixel MLP over the MNIST-style folder "data"
// next to it (tests/datasets/dataset_fixtures.h: writeMnistFolder, labels i % 10), batch 16.

#include "tests/datasets/dataset_fixtures.h"

#include <QByteArray>
#include <QFile>
#include <QString>

namespace nw::testing {

inline QByteArray tinyProject(int epochs) {
    return QByteArray(R"({
  "format_version": 1,
  "name": "tiny",
  "dataset": {"kind": "idx", "path": "data"},
  "training": {"batch_size": 16, "epochs": )") +
           QByteArray::number(epochs) + R"(, "seed": 3,
               "optimizer": {"type": "adam", "learning_rate": 0.01}},
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 4, 4]}},
      {"id": "flatten", "op": "Flatten"},
      {"id": "fc", "op": "Dense", "attributes": {"units": 10}},
      {"id": "loss", "op": "Loss"}
    ],
    "edges": [
      {"from": "input", "to": "flatten"},
      {"from": "flatten", "to": "fc"},
      {"from": "fc", "to": "loss"}
    ]
  }
})";
}

// A scratch workspace for GUI tests that train: the MNIST-style "data" folder (320 training
// samples, `testSamples` test samples), tiny.nwproj beside it, and NETWRIGHT_DB pointing at
// experiments.db there. Returns the project's path, empty when something could not be written.
inline QString writeTinyWorkspace(const QString& dir, int epochs, std::uint32_t testSamples = 64) {
    qputenv("NETWRIGHT_DB", (dir + "/experiments.db").toUtf8());
    if (!datasets::testing::writeMnistFolder(dir + "/data", 320, testSamples, false)) {
        return {};
    }
    QFile f(dir + "/tiny.nwproj");
    if (!f.open(QIODevice::WriteOnly) || f.write(tinyProject(epochs)) < 0) {
        return {};
    }
    return f.fileName();
}

} // namespace nw::testing
