"""Imports torchvision's classic architectures through `netwright-cli import` and compares
our engine's output with ONNX Runtime's on the same batch (issue 16, "Real architectures").

usage: import_architectures.py CLI OUT [--models a,b,...] [--batch N]

Run with the peer virtual environment (torch, torchvision, onnxruntime; scripts/
check-architectures.sh makes it). For each model: torchvision builds it with random weights
(seed 0; no download: the machines have no internet but PyPI), eval mode; torch.onnx.export
writes opset 17 with a symbolic batch; ONNX Runtime runs a random batch; `netwright-cli import
--input batch.pb --write-output ours.pb` imports it, verifies it against our own reference
interpreter and writes our engine's output on that batch; the largest error against
the output's scale, max |ours - ort| / max |ort|, is printed, PASS at 1e-4, beside the largest
elementwise relative error |ours - ort| / max(|ort|, 1e-3). Exit 1 when one fails.
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torchvision
from onnx import numpy_helper

TOLERANCE = 1e-4

# name: (constructor, input side)
MODELS = {
    "alexnet": (lambda: torchvision.models.alexnet(weights=None), 224),
    "vgg16": (lambda: torchvision.models.vgg16(weights=None), 224),
    "resnet50": (lambda: torchvision.models.resnet50(weights=None), 224),
    "inception_v3": (
        lambda: torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=True),
        299,
    ),
    "googlenet": (
        lambda: torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True),
        224,
    ),
    "densenet121": (lambda: torchvision.models.densenet121(weights=None), 224),
    "squeezenet1_1": (lambda: torchvision.models.squeezenet1_1(weights=None), 224),
    "shufflenet_v2_x1_0": (lambda: torchvision.models.shufflenet_v2_x1_0(weights=None), 224),
    "mobilenet_v3_small": (lambda: torchvision.models.mobilenet_v3_small(weights=None), 224),
}


def export(name, out_dir, batch):
    make, side = MODELS[name]
    torch.manual_seed(0)
    model = make().eval()
    x = torch.randn(batch, 3, side, side, generator=torch.Generator().manual_seed(1))
    path = os.path.join(out_dir, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(
            model, (x,), path, opset_version=17, input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)
    batch_path = os.path.join(out_dir, name + ".input.pb")
    with open(batch_path, "wb") as f:
        f.write(numpy_helper.from_array(x.numpy(), "input").SerializeToString())
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    (expected,) = session.run(None, {"input": x.numpy()})
    return path, batch_path, expected


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cli")
    parser.add_argument("out")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--batch", type=int, default=2)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"onnxruntime {ort.__version__}, onnx {onnx.__version__}; batch {args.batch}")
    print(f"{'model':<20} {'nodes':>6} {'err/scale vs ORT':>17} {'elementwise rel':>16}  result   import s")
    failed = 0
    for name in args.models.split(","):
        try:
            path, batch_path, expected = export(name, args.out, args.batch)
        except Exception as e:  # an exporter failure is the peer's, reported and counted
            print(f"{name:<20} export failed: {e}")
            failed += 1
            continue
        ours_path = os.path.join(args.out, name + ".ours.pb")
        project = os.path.join(args.out, name + ".nwproj")
        start = time.time()
        run = subprocess.run(
            [args.cli, "import", path, "-o", project, "--input", batch_path,
             "--write-output", ours_path], capture_output=True, text=True)
        seconds = time.time() - start
        if run.returncode != 0 or not os.path.exists(ours_path):
            reason = (run.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"{name:<20} {'':>6} {'':>17} {'':>16}  FAILED   {seconds:7.1f}  {reason[:300]}")
            failed += 1
            continue
        t = onnx.TensorProto()
        with open(ours_path, "rb") as f:
            t.ParseFromString(f.read())
        ours = numpy_helper.to_array(t).reshape(expected.shape)
        diff = np.abs(ours - expected)
        scaled = float(diff.max() / np.abs(expected).max())
        rel = float(np.max(diff / np.maximum(np.abs(expected), 1e-3)))
        nodes = sum(1 for line in open(project) if '"op":' in line)
        ok = scaled <= TOLERANCE
        failed += not ok
        print(f"{name:<20} {nodes:>6} {scaled:>17.2e} {rel:>16.2e}  {'PASS' if ok else 'FAILED':<6}  "
              f"{seconds:8.1f}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
