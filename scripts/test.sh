#!/usr/bin/env bash
# Sets everything up (packages, release build) and runs the whole test suite through CTest.
# GUI tests run offscreen. Extra arguments go to ctest, e.g. scripts/test.sh -R graph
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"

# The ONNX export test runs our models in ONNX Runtime and onnx's reference evaluator (PyPI),
# from a virtual environment made once; CTest reports that test as skipped without it.
venv="$root/build/venv"
if ! "$venv/bin/python" -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
    echo "test: installing onnx, onnxruntime and numpy into $venv"
    { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } &&
        "$venv/bin/pip" install -q onnx onnxruntime numpy ||
        echo "test: could not set up $venv; the ONNX Runtime test will be skipped" >&2
fi

cd "$root/build"
export QT_QPA_PLATFORM=offscreen
ctest --output-on-failure -j2 "$@"
