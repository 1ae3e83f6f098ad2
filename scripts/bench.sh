#!/usr/bin/env bash
# Side-by-side throughput of Netwright and PyTorch (CPU) on the sample CNN and the MLP,
# alternating the two so that both see the same machine load. Installs PyTorch from PyPI
# into build/peer-venv on first use (a large download). Figures go to docs/benchmarks.md.
# Usage: scripts/bench.sh [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${1:-2}"
peers="${NW_PEERS_DIR:-$root/../shared/peers}"

"$root/scripts/setup.sh"
if [ ! -x build/peer-venv/bin/python ]; then
    python3 -m venv build/peer-venv
    build/peer-venv/bin/pip install -q torch numpy
fi
py=build/peer-venv/bin/python
cli=build/bin/netwright-cli

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "torch: $($py -c 'import torch; print(torch.__version__)')"
for round in $(seq "$rounds"); do
    echo "== round $round"
    echo "-- cnn (resources/samples/fashion-mnist-cnn.nwproj), batch 128, 2 threads"
    $py "$peers/torch_fashion.py" --model cnn --batch 128 --steps 200 --threads 2 | tail -1
    $cli bench resources/samples/fashion-mnist-cnn.nwproj --batch 128 --steps 200 --threads 2 --json
    echo "-- mlp (resources/templates/mlp.nwproj), batch 128, 2 threads"
    $py "$peers/torch_fashion.py" --model mlp --batch 128 --steps 500 --threads 2 | tail -1
    $cli bench resources/templates/mlp.nwproj --batch 128 --steps 500 --threads 2 --json
done
