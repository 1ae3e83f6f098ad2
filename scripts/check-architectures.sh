#!/usr/bin/env bash
# Imports torchvision's classic architectures (random weights, exported by torch.onnx) and
# compares our engine's output with ONNX Runtime's on the same batch (docs/export.md, "Real
# architectures"). Installs torch, torchvision, onnx and onnxruntime from PyPI into
# build/peer-venv on first use (a large download; the same venv as scripts/bench.sh).
# Usage: scripts/check-architectures.sh [--models alexnet,resnet50,...] [--batch N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"
py=build/peer-venv/bin/python
[ -x "$py" ] || python3 -m venv build/peer-venv
if ! "$py" -c "import torch, torchvision, onnx, onnxruntime" 2>/dev/null; then
    build/peer-venv/bin/pip install -q torch torchvision numpy onnx onnxruntime
fi
exec "$py" tests/bench/import_architectures.py build/bin/netwright-cli build/architectures "$@"
