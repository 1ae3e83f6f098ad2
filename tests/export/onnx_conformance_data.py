"""Writes the ONNX backend test data our conformance test runs (test_onnx_conformance.cpp).

usage: onnx_conformance_data.py OUT

From the onnx package (the venv scripts/test.sh makes): the node tests its backend-test tools
generate (onnx.backend.test.case.node), and the `pytorch-converted`, `pytorch-operator` and
`simple` sets it ships as files. Each test becomes OUT/<set>/<test>/ with

  model.onnx    the test's model, its inputs after the first made initializers holding the
                test's values (a Netwright model has one input, the batch; the rest of an ONNX
                test's inputs are weights, shapes and axes, which real exports store as
                initializers too)
  input_0.pb    the first input (absent when the model has no tensor input)
  output_0.pb   the expected first output
  meta.json     {"rtol": ..., "atol": ..., "baked": [names], "note": why it cannot run, or ""}

OUT/stamp.json records the onnx version; when it matches, nothing is written again.
"""

import json
import os
import shutil
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper

GENERATOR_VERSION = 1
SHIPPED_SETS = ("pytorch-converted", "pytorch-operator", "simple")


def tensor_input(value_info):
    return value_info.type.HasField("tensor_type")


def bake(model, inputs):
    """The model with graph inputs 1.. turned into initializers of the given values; None and
    a reason when an input is not a plain tensor."""
    graph = model.graph
    inits = {t.name for t in graph.initializer}
    feeds = [v for v in graph.input if v.name not in inits]
    if len(inputs) != len(feeds):
        return None, [], f"{len(feeds)} graph inputs but {len(inputs)} input values"
    for v in feeds:
        if not tensor_input(v):
            return None, [], f"input '{v.name}' is not a tensor (sequence, map or optional)"
    baked = []
    keep = feeds[:1]
    for v, value in zip(feeds[1:], inputs[1:]):
        t = value if isinstance(value, onnx.TensorProto) else numpy_helper.from_array(np.asarray(value))
        t.name = v.name
        graph.initializer.append(t)
        baked.append(v.name)
    rest = [v for v in graph.input if v.name in inits]
    del graph.input[:]
    graph.input.extend(keep + rest)
    return model, baked, ""


def as_tensor(value, name):
    if isinstance(value, onnx.TensorProto):
        return value
    if not isinstance(value, np.ndarray):
        return None
    t = numpy_helper.from_array(value)
    t.name = name
    return t


def write_case(out_dir, model, inputs, outputs, rtol, atol):
    os.makedirs(out_dir, exist_ok=True)
    note = ""
    baked = []
    if not outputs:
        note = "the test has no expected output"
    elif not model.graph.output or not model.graph.output[0].type.HasField("tensor_type"):
        note = "the first output is not a tensor (sequence, map or optional)"
    else:
        baked_model, baked, note = bake(model, inputs)
        if baked_model is not None:
            model = baked_model
    if not note and inputs:
        first = as_tensor(inputs[0], model.graph.input[0].name)
        if first is None:
            note = "the first input is not a tensor"
        else:
            with open(os.path.join(out_dir, "input_0.pb"), "wb") as f:
                f.write(first.SerializeToString())
    elif not note:
        note = "the model has no input"
    if not note:
        expected = as_tensor(outputs[0], model.graph.output[0].name)
        if expected is None:
            note = "the expected output is not a tensor"
        else:
            with open(os.path.join(out_dir, "output_0.pb"), "wb") as f:
                f.write(expected.SerializeToString())
    with open(os.path.join(out_dir, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump({"rtol": rtol, "atol": atol, "baked": baked, "note": note}, f, sort_keys=True)


def read_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t


def shipped_cases(data_dir, set_name):
    root = os.path.join(data_dir, set_name)
    for name in sorted(os.listdir(root)):
        case_dir = os.path.join(root, name)
        model_path = os.path.join(case_dir, "model.onnx")
        data = os.path.join(case_dir, "test_data_set_0")
        if not os.path.exists(model_path) or not os.path.isdir(data):
            continue
        model = onnx.load(model_path)
        inputs, outputs = [], []
        k = 0
        while os.path.exists(os.path.join(data, f"input_{k}.pb")):
            inputs.append(read_tensor(os.path.join(data, f"input_{k}.pb")))
            k += 1
        k = 0
        while os.path.exists(os.path.join(data, f"output_{k}.pb")):
            outputs.append(read_tensor(os.path.join(data, f"output_{k}.pb")))
            k += 1
        yield name, model, inputs, outputs


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    stamp = {"onnx": onnx.__version__, "generator": GENERATOR_VERSION}
    stamp_path = os.path.join(out, "stamp.json")
    if os.path.exists(stamp_path):
        with open(stamp_path) as f:
            if json.load(f) == stamp:
                return
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)

    data_dir = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
    count = 0
    for set_name in SHIPPED_SETS:
        for name, model, inputs, outputs in shipped_cases(data_dir, set_name):
            write_case(os.path.join(out, set_name, name), model, inputs, outputs, 1e-3, 1e-7)
            count += 1

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the node cases' own numpy warnings (1/0 and such)
        import onnx.backend.test.case.node as node_cases

        with np.errstate(all="ignore"):
            cases = node_cases.collect_testcases()
    for case in cases:
        if not case.data_sets:
            continue
        inputs, outputs = case.data_sets[0]
        write_case(os.path.join(out, "node", case.name), case.model, list(inputs), list(outputs),
                   case.rtol, case.atol)
        count += 1

    with open(stamp_path, "w") as f:
        json.dump(stamp, f, sort_keys=True)
    print(f"onnx_conformance_data: wrote {count} tests of onnx {onnx.__version__} to {out}")


if __name__ == "__main__":
    main()
