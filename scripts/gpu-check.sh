#!/usr/bin/env bash
# The whole GPU check in one call of the device tool, on the GPU machine, from the packed
# build (scripts/gpu-pack.sh makes .device/pack.tar.xz here; the call carries .device):
#   the machine (nvidia-smi, where cuDNN and cuBLAS come from, the Vulkan drivers),
#   `netwright-cli devices`, test_cuda_runtime, the cross-backend op harness (every op on every
#   device found, cuda:0 included), the sample project trained 5 epochs on cuda:0 (and on the
#   CPU when the time allows; else the CPU figure of docs/benchmarks.md stands in), and
#   `netwright-cli bench` against PyTorch (tests/bench/peer_gpu_cnn.py) on the sample CNN and
#   resnet-small at batch 128 and 256, same GPU and precision, in alternating rounds.
#
# Writes under $OUT (7 files, flat): gpu-check.json (the summary), gpu-check.log (everything
# printed), env.txt, cuda_runtime.txt, harness.txt, train.txt, bench.txt (the raw outputs).
# A failing step is logged with its exit status and the rest go on; each runs under `timeout`
# and the whole stays inside GPU_CHECK_BUDGET seconds (default 480; call with timeout_s 540).
# GPU_CHECK_PRECISIONS="fp32 tf32" benchmarks more precisions (default fp32);
# GPU_CHECK_CPU_TRAIN=0 leaves out the CPU's training. A dry run of the plumbing here, on the
# CPU: GPU_CHECK_DEVICE=cpu GPU_CHECK_EPOCHS=1 GPU_CHECK_BENCH_STEPS=3 GPU_CHECK_CPU_TRAIN=0.
#
# Usage (device tool): run  carry [".device"]  command "bash scripts/gpu-check.sh"  timeout_s 540
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-/tmp/gpu-check-out}"
nw=/tmp/nw
work="$nw/work"
budget="${GPU_CHECK_BUDGET:-480}"
precisions="${GPU_CHECK_PRECISIONS:-fp32}"
bench_steps="${GPU_CHECK_BENCH_STEPS:-200}"
device="${GPU_CHECK_DEVICE:-cuda:0}"
epochs="${GPU_CHECK_EPOCHS:-5}"
models=(fashion-mnist-cnn resnet-small)
batches=(128 256)
mkdir -p "$out"

# step NAME LIMIT OUT ERR CMD...: CMD under `timeout` (at most LIMIT seconds, less when the
# budget is nearly spent), stdout to the file OUT and stderr to ERR ('-': the log). Records
# the exit status (124: timed out) and seconds in $work/steps.tsv.
step() {
    local name=$1 limit=$2 o=$3 e=$4 left rc t0
    shift 4
    left=$((budget - SECONDS - 20))
    if ((left < 5)); then
        echo "== $name: skipped, the time budget is spent"
        printf '%s\tskipped\t0\n' "$name" >>"$work/steps.tsv"
        return 125
    fi
    ((limit > left)) && limit=$left
    echo "== $name (at most ${limit}s): $*"
    t0=$SECONDS
    timeout -k 10 "$limit" "$@" >"${o/#-//dev/stdout}" 2>"${e/#-//dev/stderr}"
    rc=$?
    printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" >>"$work/steps.tsv"
    echo "== $name: exit $rc after $((SECONDS - t0))s$( ((rc == 124)) && echo ' (timed out)')"
    return $rc
}

# The folders holding the NVIDIA libraries of python3's pip packages (nvidia-cudnn-cu13,
# nvidia-cublas, ...), ':'-separated: cuDNN and cuBLAS live there rather than in a system folder.
nvidia_pip_libs() {
    python3 - <<'PY' 2>/dev/null
import os, site
roots = []
try:
    import nvidia  # a namespace package: one folder per installed nvidia-* wheel set
    roots += [os.path.realpath(p) for p in nvidia.__path__]
except Exception:
    pass
for sp in site.getsitepackages():
    p = os.path.realpath(os.path.join(sp, "nvidia"))
    if os.path.isdir(p) and p not in roots:
        roots.append(p)
found = []
for r in roots:
    for dirpath, dirnames, files in os.walk(r):
        if dirpath[len(r):].count(os.sep) >= 3:
            dirnames[:] = []
        if os.path.basename(dirpath) in ("lib", "lib64") and any(".so" in f for f in files):
            found.append(dirpath)
print(":".join(sorted(set(found))))
PY
}

main() {
    local host
    host="$(hostname 2>/dev/null || cat /etc/hostname)"
    echo "gpu-check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $host, budget ${budget}s"
    rm -rf "$nw"
    mkdir -p "$nw" "$work"
    : >"$work/steps.tsv"
    step unpack 90 - - tar -xJf "$root/.device/pack.tar.xz" -C "$nw"
    local share="$nw/share"
    [ -f "$share/manifest.env" ] && . "$share/manifest.env" && cat "$share/manifest.env"

    # Our programs get the pack's libraries and the NVIDIA ones; python3 (PyTorch) keeps the
    # machine's own environment.
    local pip_libs ld
    pip_libs="$(nvidia_pip_libs)"
    ld="$nw/lib${pip_libs:+:$pip_libs}"
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64; do
        [ -d "$d" ] && ld="$ld:$d"
    done
    ld="$ld${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    # The Vulkan loader is in the pack, the driver is the machine's: name NVIDIA's manifest
    # when the loader's standard folders do not hold it.
    local icd=""
    if ! compgen -G "/usr/share/vulkan/icd.d/nvidia*.json" >/dev/null &&
        ! compgen -G "/etc/vulkan/icd.d/nvidia*.json" >/dev/null; then
        icd="$(compgen -G "/usr/local/nvidia/share/vulkan/icd.d/*.json" | head -1)"
    fi
    # $nw/run PROGRAM ARGS: one of ours in that environment.
    {
        echo '#!/usr/bin/env bash'
        printf 'export LD_LIBRARY_PATH=%q NETWRIGHT_DATASETS_DIR=%q HOME=%q XDG_CACHE_HOME=%q\n' \
            "$ld" "$share/datasets" "$work" "$work/cache"
        echo 'export QT_QPA_PLATFORM=offscreen'
        [ -n "$icd" ] && printf 'export VK_DRIVER_FILES=%q VK_ICD_FILENAMES=%q\n' "$icd" "$icd"
        echo 'exec "$@"'
    } >"$nw/run"
    chmod +x "$nw/run"
    local run=("$nw/run") cli="$nw/bin/netwright-cli"
    # The harness loads the example plugin from the build machine's path compiled into it.
    if [ -n "${NW_EXAMPLE_PLUGIN:-}" ] && [ ! -e "$NW_EXAMPLE_PLUGIN" ]; then
        mkdir -p "$(dirname "$NW_EXAMPLE_PLUGIN")" &&
            cp "$nw/bin/libnetwright_examples.so" "$NW_EXAMPLE_PLUGIN"
    fi

    {
        echo "## nvidia-smi"
        nvidia-smi 2>&1
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
        echo "## ldconfig -p | grep -E 'cudnn|cublas|libcuda'"
        ldconfig -p 2>&1 | grep -E "cudnn|cublas|libcuda\."
        echo "## NVIDIA libraries of python3's packages: ${pip_libs:-none found}"
        echo "## LD_LIBRARY_PATH of our programs: $ld"
        echo "## what netwright-cli resolves"
        "${run[@]}" ldd "$cli" 2>&1 | grep -E "cudnn|cublas|cudart|libcuda|vulkan|not found"
        echo "## Vulkan drivers (ICD manifests)"
        ls -l /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1
        echo "passed to the loader: ${icd:-nothing (the standard folders have one)}"
        ldconfig -p 2>&1 | grep -iE "libvulkan|libGLX_nvidia|libnvidia-gpucomp" | head
        echo "## python3"
        python3 -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__,
            "cuDNN", torch.backends.cudnn.version(), "CUDA", torch.version.cuda)' 2>&1
        echo "## machine: $(nproc) cores, $(free -g 2>/dev/null | awk '/Mem:/{print $2}') GiB"
    } >"$out/env.txt" 2>&1
    cat "$out/env.txt"

    step devices 60 "$work/devices.txt" - "${run[@]}" "$cli" devices
    cat "$work/devices.txt"
    step devices_json 60 "$work/devices.json" - "${run[@]}" "$cli" devices --json
    grep -q "^$device " "$work/devices.txt" || echo "gpu-check: FAILED: netwright-cli devices lists no $device"
    for m in "${models[@]}"; do # where each layer runs (the CPU for an op without a kernel)
        step "summary_$m" 60 "$work/summary-$m.json" - \
            "${run[@]}" "$cli" summary "$share/projects/$m.nwproj" --device "$device" --json
    done

    step cuda_runtime 120 "$out/cuda_runtime.txt" "$out/cuda_runtime.txt" \
        "${run[@]}" "$nw/bin/test_cuda_runtime"
    grep -E "^FAIL!|^Totals" -A1 "$out/cuda_runtime.txt" | head -60
    step harness 200 "$out/harness.txt" "$out/harness.txt" "${run[@]}" "$nw/bin/test_op_harness"
    grep -E "^FAIL!|^Totals" -A1 "$out/harness.txt" | head -80

    local sample="$share/projects/fashion-mnist-cnn.nwproj"
    : >"$out/train.txt"
    train() { # DEVICE LIMIT: 5 epochs of the sample project; its JSON to $work/train-DEVICE.json
        local dev=$1 tag=${1/:/}
        step "train_$tag" "$2" "$work/train-$tag.json" "$work/train-$tag.err" "${run[@]}" "$cli" \
            train "$sample" --device "$dev" --epochs "$epochs" --json --db "$work/train-$tag.db"
        local rc=$?
        { echo "## train --device $dev --epochs $epochs: exit $rc"; cat "$work/train-$tag.err" \
            "$work/train-$tag.json"; } | tee -a "$out/train.txt"
    }
    train "$device" 200

    # Ours and PyTorch's, the same models, batches, GPU and precision; round 1 ours first,
    # round 2 PyTorch's first, so that both sides see the machine in both orders.
    : >"$out/bench.txt"
    local projects=() p b round side
    for m in "${models[@]}"; do projects+=("$share/projects/$m.nwproj"); done
    ours() { # ROUND PRECISION
        for m in "${models[@]}"; do
            for b in "${batches[@]}"; do
                : >"$work/bench.json"
                step "bench_$1_$2_${m}_$b" 90 "$work/bench.json" - "${run[@]}" "$cli" bench \
                    "$share/projects/$m.nwproj" --device "$device" --batch "$b" --precision "$2" \
                    --steps "$bench_steps" --json
                echo "netwright $1 $2 $m $b $(tail -1 "$work/bench.json")" | tee -a "$out/bench.txt"
            done
        done
    }
    theirs() { # ROUND PRECISION
        : >"$work/peer.json"
        step "peer_$1_$2" 200 "$work/peer.json" - env PYTHONUNBUFFERED=1 python3 \
            "$share/peer_gpu_cnn.py" "${projects[@]}" "${batches[@]/#/--batch=}" \
            --precision "$2" --steps "$bench_steps" --device "$device"
        sed "s/^/pytorch $1 $2 /" "$work/peer.json" | tee -a "$out/bench.txt"
    }
    for p in $precisions; do
        for round in 1 2; do
            if ((round == 1)); then ours $round "$p"; theirs $round "$p"
            else theirs $round "$p"; ours $round "$p"; fi
        done
    done

    # The CPU's 5 epochs, if they fit what is left (about 80 s of training on 2 cores).
    if [ "$device" = cpu ]; then
        :
    elif [ "${GPU_CHECK_CPU_TRAIN:-1}" != 1 ]; then
        echo "gpu-check: GPU_CHECK_CPU_TRAIN=0: no CPU training; docs/benchmarks.md's figure stands in" |
            tee -a "$out/train.txt"
    elif ((budget - SECONDS > 150)); then
        train cpu $((budget - SECONDS - 30))
    else
        echo "gpu-check: no time left for the CPU's 5 epochs; docs/benchmarks.md's figure stands in" |
            tee -a "$out/train.txt"
    fi

    # The summary always runs: step() keeps 20 s of the budget for it.
    timeout 60 python3 - "$out" "$work" "$device" "$share/manifest.env" >"$out/gpu-check.json" <<'PY'
import json, os, re, shlex, statistics, sys
out, work, device, manifest = sys.argv[1:5]

def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default

def last_json(path):
    for line in reversed(read(path).splitlines()):
        try:
            return json.loads(line[line.index("{"):])
        except ValueError:
            continue
    return None

def qt_totals(text):
    m = re.search(r"Totals: (\d+) passed, (\d+) failed, (\d+) skipped", text)
    return dict(zip(("passed", "failed", "skipped"), map(int, m.groups()))) if m else None

summary = {"device_checked": device, "pack": {}, "steps": {}}
for line in read(manifest).splitlines():
    if "=" in line:
        key, value = line.split("=", 1)
        summary["pack"][key] = " ".join(shlex.split(value))
for line in read(os.path.join(work, "steps.tsv")).splitlines():
    name, rc, secs = line.split("\t")
    summary["steps"][name] = {"exit": int(rc) if rc.lstrip("-").isdigit() else rc,
                              "seconds": int(secs)}

devices = last_json(os.path.join(work, "devices.json")) or {}
found = next((d for d in devices.get("devices", []) if d["id"] == device), None)
summary["device_listed"] = found is not None
summary["device"] = found or {"absent": devices.get("absent")}
smi = re.search(r"^name, driver_version.*\n(.+)$", read(os.path.join(out, "env.txt")), re.M)
if smi:
    summary["device"]["nvidia_smi"] = smi.group(1).strip()
summary["other_devices"] = [d["id"] for d in devices.get("devices", []) if d["id"] != device]

placement = {}
for f in sorted(os.listdir(work)):
    if f.startswith("summary-") and f.endswith(".json"):
        s = last_json(os.path.join(work, f)) or {}
        placement[f[8:-5]] = {"trainable_params": s.get("trainable_params"),
                              "layers_elsewhere": {l["node"]: l["device"] for l in s.get("layers", [])
                                                   if l.get("device", device) != device}}
summary["placement"] = placement

summary["cuda_runtime"] = qt_totals(read(os.path.join(out, "cuda_runtime.txt")))
harness = read(os.path.join(out, "harness.txt"))
per_backend = {}
for kind, row in re.findall(r"^(PASS|FAIL!|SKIP)\s*: \w+::\w+\(([^)]+)\)", harness, re.M):
    backend = row.split(" ")[0]
    counts = per_backend.setdefault(backend, {"passed": 0, "failed": 0, "skipped": 0})
    counts[{"PASS": "passed", "FAIL!": "failed", "SKIP": "skipped"}[kind]] += 1
summary["harness"] = {"totals": qt_totals(harness), "per_backend": per_backend,
                      "failures": re.findall(r"^FAIL!\s*: (.*)$", harness, re.M)[:30]}

def training(tag):
    r = last_json(os.path.join(work, f"train-{tag}.json"))
    epochs = re.findall(r"^epoch .*$", read(os.path.join(work, f"train-{tag}.err")), re.M)
    if not r:
        return {"completed": False, "epochs_seen": epochs}
    return {k: r.get(k) for k in ("test_accuracy", "test_loss", "final_loss", "epochs",
                                  "train_samples_per_sec", "wall_seconds", "device")} | {"epoch_lines": epochs}
summary["training"] = {device: training(device.replace(":", ""))}
if device == "cpu":
    pass
elif os.path.exists(os.path.join(work, "train-cpu.json")):
    summary["training"]["cpu"] = training("cpu")
else:
    summary["training"]["cpu"] = {"measured": False, "reference": {
        "test_accuracy": 0.9136, "source": "docs/benchmarks.md: 5 epochs, seed 42, 2 threads, "
        "2-core VM (three seeds, 1 thread: mean 0.9114)"}}

rows = {}
for line in read(os.path.join(out, "bench.txt")).splitlines():
    parts = line.split(" ", 5)
    try:
        if parts[0] == "netwright":
            side, rnd, prec, model, batch = parts[0], parts[1], parts[2], parts[3], int(parts[4])
            r = json.loads(parts[5])
            train, infer = r["train_samples_per_sec"], r["infer_samples_per_sec"]
        else:
            side, rnd, prec = parts[0], parts[1], parts[2]
            r = json.loads(line.split(" ", 3)[3])
            model, batch = r["model"], r["batch"]
            train, infer = r["train_samples_per_s"], r["infer_samples_per_s"]
    except (IndexError, ValueError, KeyError):
        continue
    row = rows.setdefault((model, batch, prec), {"model": model, "batch": batch, "precision": prec,
                                                "netwright": {"train": [], "infer": []},
                                                "pytorch": {"train": [], "infer": []}})
    row[side]["train"].append(train)
    row[side]["infer"].append(infer)
    if side == "pytorch":  # the same network: the same count of trainable parameters
        row["parameters"] = {"pytorch": r.get("parameters"),
                             "netwright": placement.get(model, {}).get("trainable_params")}
bench = []
for row in rows.values():
    for what in ("train", "infer"):
        ours, theirs = row["netwright"][what], row["pytorch"][what]
        if ours and theirs:
            row[f"{what}_ratio"] = round(statistics.mean(ours) / statistics.mean(theirs), 3)
    bench.append(row)
summary["bench"] = {"unit": "samples/s, one value per round; ratio: netwright / pytorch (means)",
                    "rows": bench}
print(json.dumps(summary, indent=1))
PY
    echo "== summary: exit $?"
    echo "gpu-check: done in ${SECONDS}s; $out/gpu-check.json:"
    cat "$out/gpu-check.json"
}

main 2>&1 | tee "$out/gpu-check.log"
