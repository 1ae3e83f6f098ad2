#!/bin/sh
# run_check_onnx.sh PYTHON SCRIPT DIR: runs check_onnx.py on DIR with PYTHON, or exits 77
# (CTest's skip) with the reason when that Python does not exist.
if [ ! -x "$1" ]; then
    echo "skipped: no Python at $1 (scripts/test.sh creates build/venv; or set NW_PYTHON)"
    exit 77
fi
exec "$1" "$2" "$3"
