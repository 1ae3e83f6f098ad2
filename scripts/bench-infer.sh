#!/usr/bin/env bash
# Inference side by side: ONNX Runtime (f32, running our ONNX export) against the f32 and the
# INT8 inference bundle, batch 1 and 256, 2 threads, alternating so that all see the same
# machine load. Trains the sample CNN first (EPOCHS, default 5) and exports it three ways.
# Installs onnxruntime from PyPI into build/peer-venv on first use. Figures go to
# docs/benchmarks.md.
# Usage: scripts/bench-infer.sh [ROUNDS] [EPOCHS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${1:-3}"
epochs="${2:-5}"
peers="${NW_PEERS_DIR:-$root/../shared/peers}"

"$root/scripts/setup.sh"
if [ ! -x build/peer-venv/bin/python ]; then
    python3 -m venv build/peer-venv
fi
if ! build/peer-venv/bin/python -c 'import onnxruntime' 2>/dev/null; then
    build/peer-venv/bin/pip install -q onnxruntime numpy
fi
py=build/peer-venv/bin/python
cli=build/bin/netwright-cli
project=resources/samples/fashion-mnist-cnn.nwproj
work=build/bench-infer
mkdir -p "$work"

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "onnxruntime: $($py -c 'import onnxruntime; print(onnxruntime.__version__)')"
$cli train "$project" --epochs "$epochs" --save-weights "$work/cnn.nwweights" \
    --db "$work/runs.db" | tail -2
$cli export "$project" --weights "$work/cnn.nwweights" --format onnx -o "$work/cnn.onnx" | tail -2
$cli export "$project" --weights "$work/cnn.nwweights" --format bundle -o "$work/cnn.nwbundle" \
    | tail -2
$cli export "$project" --weights "$work/cnn.nwweights" --format bundle --int8 \
    -o "$work/cnn-int8.nwbundle" | tail -1

ort() { # batch runs
    $py "$peers/ort_bench.py" "$work/cnn.onnx" --batch "$1" --n "$2" --threads 2 |
        $py -c "import json,sys; d=json.load(sys.stdin); print('onnxruntime  batch %4s  median %8.4f ms  %8.0f samples/s' % ($1, d['median_ms'], d['samples_per_s']))"
}
bundle() { # file label batch
    $cli bench-infer "$1" --batch "$3" --threads 2 --json |
        $py -c "import json,sys; d=json.load(sys.stdin); print('%-12s batch %4s  median %8.4f ms  %8.0f samples/s' % ('$2', $3, d['median_ms'], d['samples_per_sec']))"
}
for round in $(seq "$rounds"); do
    echo "== round $round"
    ort 1 1000
    bundle "$work/cnn.nwbundle" "bundle f32" 1
    bundle "$work/cnn-int8.nwbundle" "bundle int8" 1
    ort 256 100
    bundle "$work/cnn.nwbundle" "bundle f32" 256
    bundle "$work/cnn-int8.nwbundle" "bundle int8" 256
done
