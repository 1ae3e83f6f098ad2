#!/usr/bin/env bash
# training.precision on the CPU, side by side with PyTorch: the sample CNN and the ResNet
# template, fp32 and bf16, batch 128, 2 threads, three alternating rounds (per round and
# model: ours then PyTorch, fp32 then bf16). Training and inference samples/s per line.
# PyTorch comes from build/peer-venv (made by scripts/bench.sh on first use); bf16 needs a
# CPU with AVX512-BF16. Figures go to docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PY:-build/peer-venv/bin/python}
[ -x "$py" ] || { echo "no PyTorch at $py: run scripts/bench.sh once, or set PY" >&2; exit 1; }
for round in 1 2 3; do
    for m in resources/samples/fashion-mnist-cnn.nwproj resources/templates/resnet-small.nwproj; do
        for p in fp32 bf16; do
            ours=$(build/bin/netwright-cli bench "$m" --precision $p --steps 20 --threads 2 --json |
                tail -1 | python3 -c 'import json,sys; d=json.load(sys.stdin)
print(round(d["train_samples_per_sec"]), round(d["infer_samples_per_sec"]))')
            theirs=$("$py" tests/bench/peer_gpu_cnn.py "$m" --device cpu --threads 2 --precision $p \
                --batch 128 --steps 20 --warmup 3 | tail -1 | python3 -c 'import json,sys
d=json.load(sys.stdin); print(round(d["train_samples_per_s"]), round(d["infer_samples_per_s"]))')
            echo "$round $(basename "$m" .nwproj) $p ours $ours torch $theirs"
        done
    done
done
