#!/bin/sh
# run_conformance.sh PYTHON GENERATOR DATA TEST OUT: writes the ONNX backend tests to DATA with
# PYTHON (once per onnx version) and runs TEST on them, its table going to OUT; exits 77
# (CTest's skip) with the reason when that Python does not exist.
if [ ! -x "$1" ]; then
    echo "skipped: no Python at $1 (scripts/test.sh creates build/venv; or set NW_PYTHON)"
    exit 77
fi
"$1" "$2" "$3" || exit 1
NW_CONFORMANCE_DATA="$3" NW_CONFORMANCE_OUT="$5" exec "$4"
