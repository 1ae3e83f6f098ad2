#!/usr/bin/env bash
# Before/after throughput and loss curve of the sample CNN: another build's netwright-cli
# (say, of the commit before a change: git worktree add /tmp/nw-before REV, then a
# headless build there) against build/bin/netwright-cli, alternating so both see the same
# machine load. Figures go to docs/benchmarks.md.
# Usage: scripts/bench-compare.sh BEFORE_CLI [ROUNDS] [EPOCHS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
before="${1:?usage: scripts/bench-compare.sh BEFORE_CLI [ROUNDS] [EPOCHS]}"
rounds="${2:-3}"
epochs="${3:-5}"
after=build/bin/netwright-cli
project=resources/samples/fashion-mnist-cnn.nwproj
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for round in $(seq "$rounds"); do
    echo "== round $round: bench, batch 128, 2 threads"
    echo -n "before "; "$before" bench "$project" --batch 128 --steps 200 --threads 2 --json
    echo -n "after  "; "$after" bench "$project" --batch 128 --steps 200 --threads 2 --json
done
for side in before after; do
    cli="$before"; [ "$side" = after ] && cli="$after"
    echo "== train $epochs epochs: $side"
    "$cli" train "$project" --epochs "$epochs" --threads 2 --db "$work/$side.db" --json \
        2>"$work/$side.err" | tail -1
    grep '^epoch' "$work/$side.err"
done
