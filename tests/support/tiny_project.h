#pragma once
// The tests' smallest trainable project: a 16-pixel MLP over the MNIST-style folder "data"
// next to it (tests/datasets/dataset_fixtures.h: writeMnistFolder, labels i % 10), batch 16.

#include <QByteArray>

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

} // namespace nw::testing
