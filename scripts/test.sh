#!/usr/bin/env bash
# Sets everything up (packages, release build) and runs the whole test suite through CTest.
# GUI tests run offscreen. Extra arguments go to ctest, e.g. scripts/test.sh -R graph
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"

# The ONNX export test runs our models in ONNX Runtime and onnx's reference evaluator (PyPI),
# and the conformance test runs onnx's backend tests, from a virtual environment made once;
# CTest reports those tests as skipped without it. The versions are pinned: the conformance
# table in docs/onnx-conformance.md is of these tests.
venv="$root/build/venv"
pins=(onnx==1.23.2 onnxruntime==1.32.0 numpy==2.4.6)
if ! "$venv/bin/python" -c "import onnx, onnxruntime, numpy, sys
sys.exit(onnx.__version__ != '1.23.2' or onnxruntime.__version__ != '1.32.0')" 2>/dev/null; then
    echo "test: installing ${pins[*]} into $venv"
    { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } &&
        "$venv/bin/pip" install -q "${pins[@]}" ||
        echo "test: could not set up $venv; the ONNX Runtime test will be skipped" >&2
fi

cd "$root/build"
export QT_QPA_PLATFORM=offscreen
ctest --output-on-failure -j2 "$@"
