#!/usr/bin/env bash
# netwright-cli train --distributed under mpirun -np 2, on the sample project:
#  1. the run is recorded once, by rank 0, with run.world_size 2; only rank 0 prints its JSON;
#     with --sync-batch-norm its first loss is the single process's, and its curve stays as
#     close to it as the single process's own with another thread count (Adam turns rounding
#     into divergence over the steps: tests/distributed/test_distributed_rank.cpp checks the
#     weights step for step on small models);
#  2. a rank killed mid-run (SIGKILL) ends the job promptly with a non-zero exit and a message
#     naming the rank; the store stays intact, the run is recorded crashed with a checkpoint;
#  3. resuming it with one process is refused (its batches are two ranks'); with two it ends.
# Usage: test_cli_distributed.sh NETWRIGHT_CLI MPIEXEC SOURCE_DIR
set -uo pipefail
cli="$1" mpiexec="$2" src="$3"
project="$src/resources/samples/fashion-mnist-cnn.nwproj"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export NETWRIGHT_DB="$work/experiments.db"
if [ "$(id -u)" = 0 ]; then # CI containers: Open MPI refuses root unless told it is meant
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
mpi() { "$mpiexec" -np 2 --oversubscribe "$@"; }
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

# 1. One process, then two ranks, 50 steps each at batch 64.
"$cli" train "$project" --max-steps 50 --batch 64 --threads 1 --json >"$work/one.json" 2>"$work/one.err" ||
    fail "single-process run: $(cat "$work/one.err")"
mpi "$cli" train "$project" --distributed --sync-batch-norm --max-steps 50 --batch 64 --threads 1 --json \
    >"$work/two.json" 2>"$work/two.err" || fail "two-rank run: $(cat "$work/two.err")"
[ "$(wc -l <"$work/two.json")" = 1 ] || fail "rank 0 alone prints the JSON: $(cat "$work/two.json")"
two_id=$(json 'd["run_id"]' <"$work/two.json")
[ "$(json 'd["world_size"], d["steps"], d["outcome"]' <"$work/two.json")" = "2 50 step_limit" ] ||
    fail "two ranks, 50 steps: $(cat "$work/two.json")"
[ "$("$cli" runs list --json | json 'len(d)')" = 2 ] || fail "the distributed run is recorded once"
[ "$("$cli" runs show "$two_id" --json | json 'd["params"]["run.world_size"]')" = 2 ] ||
    fail "run.world_size is recorded"
[ "$("$cli" runs show "$two_id" --json | json 'd["params"]["run.sync_batch_norm"]')" = 1 ] ||
    fail "run.sync_batch_norm is recorded"
"$cli" runs export 1 --csv >"$work/one.csv" && "$cli" runs export "$two_id" --csv >"$work/two.csv" ||
    fail "export the curves"
python3 - "$work/one.csv" "$work/two.csv" <<'EOF' || fail "the two-rank loss curve follows the single process's"
import csv, sys
def curve(path):
    return [float(r["value"]) for r in csv.DictReader(open(path)) if r["name"] == "train/loss"]
one, two = curve(sys.argv[1]), curve(sys.argv[2])
assert len(one) == len(two) == 50, (len(one), len(two))
# The same first batch, weights, statistics and dropout masks.
assert abs(one[0] - two[0]) <= 1e-5 * one[0], (one[0], two[0])
mean = lambda xs: sum(xs) / len(xs)
# The last ten steps' mean loss within 10% (one process with 1 and 2 threads: 2% apart).
assert abs(mean(one[-10:]) - mean(two[-10:])) <= 0.1 * mean(one[-10:]), (mean(one[-10:]), mean(two[-10:]))
print(f"loss at step 1: {one[0]:.5f} / {two[0]:.5f}; mean of steps 41-50: "
      f"{mean(one[-10:]):.4f} / {mean(two[-10:]):.4f}")
EOF

# 2. Kill rank 1 once the run (the third) has its first checkpoint (every 10 steps).
mpi "$cli" train "$project" --distributed --max-steps 100 --batch 64 --threads 1 \
    --checkpoint-every 10 --json >"$work/killed.json" 2>"$work/killed.err" &
job=$!
rank1=""
for _ in $(seq 1 600); do
    if [ -z "$rank1" ]; then
        for p in $(pgrep -f "netwright-cli train $project --distributed --max-steps 100"); do
            if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then
                rank1=$p
            fi
        done
    fi
    [ -f "$work/experiments.runs/3/checkpoint.nwckpt" ] && [ -n "$rank1" ] && break
    sleep 0.1
done
if [ -z "$rank1" ]; then
    fail "rank 1 of the job to kill was not found"
    kill "$job"
fi
kill -9 "$rank1" 2>/dev/null
killed_at=$(date +%s.%N)
wait "$job"
status=$?
ended=$(python3 -c "import time; print(round(time.time() - $killed_at, 1))")
echo "the job ended ${ended}s after rank 1 was killed, with status $status"
[ "$status" != 0 ] || fail "a killed rank ends the job with a non-zero status"
python3 -c "import sys; sys.exit(0 if $ended < 30 else 1)" || fail "the job ended promptly (${ended}s)"
grep -q "rank 1" "$work/killed.err" || fail "the message names rank 1: $(cat "$work/killed.err")"
killed_id=3
[ "$("$cli" runs show "$killed_id" --json | json 'd["status"]')" = crashed ] ||
    fail "the run is recorded crashed: $("$cli" runs show "$killed_id" --json | head -c 300)"
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); \
sys.exit(0 if c.execute('PRAGMA integrity_check').fetchone()[0] == 'ok' else 1)" "$NETWRIGHT_DB" ||
    fail "the store is intact"

# 3. The resume: refused with one process, finished with two.
if "$cli" train --resume "$killed_id" --threads 1 >/dev/null 2>"$work/wrong.err"; then
    fail "resuming a two-rank run in one process is refused"
fi
grep -q "was trained by 2 ranks" "$work/wrong.err" || fail "the refusal says why: $(cat "$work/wrong.err")"
mpi "$cli" train --resume "$killed_id" --distributed --threads 1 --json >"$work/resumed.json" \
    2>"$work/resumed.err" || fail "the resume: $(cat "$work/resumed.err")"
[ "$(json 'd["run_id"], d["steps"], d["outcome"]' <"$work/resumed.json" 2>/dev/null)" = \
    "$killed_id 100 step_limit" ] || fail "the resumed run ends at step 100: $(cat "$work/resumed.json")"
[ "$("$cli" runs show "$killed_id" --json | json 'd["status"]')" = completed ] ||
    fail "the resumed run is completed"

echo "$failures failure(s)"
[ "$failures" = 0 ]
