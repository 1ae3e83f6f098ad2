#!/usr/bin/env python3
"""Runs exported ONNX models in ONNX Runtime and in the onnx package's reference evaluator
and compares their outputs with the training engine's (written next to each model by
tests/export/test_onnx_export.cpp or `netwright-cli export --reference PREFIX`).

Usage: check_onnx.py PATH...   (a manifest PREFIX.json, or a folder of them)

A manifest: {"model", "input": {"name", "shape", "file"}, "outputs": [{"name", "shape",
"file"}], "softmax_of"}; files hold raw little-endian float32. "probabilities" is compared
with the softmax of the engine's "softmax_of" output.

Prints one row per model, output and runtime: the largest absolute error and the largest
relative error |a - b| / max(|b|, 1e-3). Exit status: 0 when every largest absolute error
is <= 1e-4, 1 otherwise, 77 (CTest's skip) when onnx, onnxruntime or numpy is missing or
there is nothing to check.
"""
import json
import pathlib
import sys

TOLERANCE = 1e-4
SKIP = 77


def load_f32(path, shape):
    import numpy as np

    data = np.fromfile(path, dtype="<f4")
    return data.reshape(shape)


def softmax(x):
    import numpy as np

    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def reference_fixes():
    """Our implementations of ops whose onnx.reference version is wrong in the onnx releases
    we install, for the reference evaluator's new_ops: its LRN loops over the batch axis
    instead of the channels (onnx/onnx#7805, fixed upstream by #8331), which fails or
    normalises the wrong channels whenever N != C."""
    import numpy as np
    from onnx.reference.op_run import OpRun

    class LRN(OpRun):
        op_domain = ""

        def _run(self, x, alpha=None, beta=None, bias=None, size=None):
            alpha = 1e-4 if alpha is None else alpha
            beta = 0.75 if beta is None else beta
            bias = 1.0 if bias is None else bias
            channels = x.shape[1]
            squares = x.astype(np.float64) ** 2
            window = np.zeros_like(squares)
            before, after = (size - 1) // 2, size // 2  # floor and ceil of (size - 1) / 2
            for c in range(channels):
                window[:, c] = squares[:, max(0, c - before) : min(channels, c + after + 1)].sum(
                    axis=1
                )
            return ((x / (bias + alpha / size * window) ** beta).astype(x.dtype),)

    return [LRN]


def check(manifest_path, rows):
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx.reference import ReferenceEvaluator

    folder = manifest_path.parent
    manifest = json.loads(manifest_path.read_text())
    model_path = folder / manifest["model"]
    inp = manifest["input"]
    x = load_f32(folder / inp["file"], inp["shape"])
    expected = {}
    for out in manifest["outputs"]:
        expected[out["name"]] = load_f32(folder / out["file"], out["shape"])
    if manifest.get("softmax_of"):
        expected["probabilities"] = softmax(expected[manifest["softmax_of"]].astype(np.float64))

    model = onnx.load(str(model_path))
    onnx.checker.check_model(model, full_check=True)
    names = [o.name for o in model.graph.output]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    runtimes = {
        "onnxruntime": session.run(names, {inp["name"]: x}),
        "reference": ReferenceEvaluator(model, new_ops=reference_fixes()).run(
            names, {inp["name"]: x}
        ),
    }
    ok = True
    for runtime, results in runtimes.items():
        for name, got in zip(names, results):
            if name not in expected:
                continue
            want = expected[name]
            diff = np.abs(got.astype(np.float64) - want)
            abs_err = float(diff.max())
            rel_err = float((diff / np.maximum(np.abs(want), 1e-3)).max())
            passed = abs_err <= TOLERANCE and got.shape == want.shape
            ok &= passed
            rows.append((manifest_path.stem, name, runtime, abs_err, rel_err, passed))
    return ok


def main(argv):
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as e:
        print(f"skipped: {e} (scripts/test.sh installs onnx, onnxruntime and numpy into "
              "build/venv)")
        return SKIP
    manifests = []
    for arg in argv:
        p = pathlib.Path(arg)
        manifests += sorted(p.glob("*.json")) if p.is_dir() else [p]
    if not manifests:
        print("skipped: no exported models with reference outputs in " + " ".join(argv))
        return SKIP
    rows = []
    ok = True
    for m in manifests:
        ok &= check(m, rows)
    print(f"{'model':<20} {'output':<14} {'runtime':<12} {'max abs err':>12} "
          f"{'max rel err':>12}")
    for model, name, runtime, abs_err, rel_err, passed in rows:
        flag = "" if passed else f"  FAIL (> {TOLERANCE})"
        print(f"{model:<20} {name:<14} {runtime:<12} {abs_err:>12.3e} {rel_err:>12.3e}{flag}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
