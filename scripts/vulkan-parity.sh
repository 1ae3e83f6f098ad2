#!/usr/bin/env bash
# Trains a project for N steps on the CPU (2 threads and 1 thread) and on a Vulkan device with
# the same seed, and prints how far each step's training loss is from the 2-thread CPU run's:
# the Vulkan figure next to the CPU's own spread between thread counts.
# Usage: scripts/vulkan-parity.sh [PROJECT] [STEPS] [DEVICE]   (build first: scripts/setup.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="${1:-$root/resources/samples/fashion-mnist-cnn.nwproj}"
steps="${2:-200}"
device="${3:-vulkan:0}"
cli="$root/build/bin/netwright-cli"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run() { # NAME DEVICE [THREADS]
    "$cli" train "$project" --device "$2" ${3:+--threads "$3"} --max-steps "$steps" --json \
        --db "$work/$1.db" >"$work/$1.json"
    "$cli" runs export 1 --db "$work/$1.db" --csv >"$work/$1.csv"
}
run cpu cpu 2
run cpu1 cpu 1
run gpu "$device"
python3 - "$work" "$device" <<'PY'
import csv, json, sys
work, device = sys.argv[1], sys.argv[2]
def losses(name):
    return {int(r["step"]): float(r["value"])
            for r in csv.DictReader(open(f"{work}/{name}.csv")) if r["name"] == "train/loss"}
ref = losses("cpu")
for name, label in (("cpu1", "cpu, 1 thread"), ("gpu", device)):
    other = losses(name)
    rel = {s: abs(other[s] - ref[s]) / abs(ref[s]) for s in ref if s in other}
    worst = max(rel, key=rel.get)
    within = max((s for s in sorted(rel) if all(rel[t] <= 1e-3 for t in rel if t <= s)), default=0)
    rate = json.load(open(f"{work}/{name}.json"))["train_samples_per_sec"]
    print(f"{label:>16}: worst relative loss difference {rel[worst]:.2e} at step {worst}; "
          f"within 1e-3 through step {within} of {len(rel)}; {rate:.0f} samples/s")
PY
