#!/usr/bin/env bash
# Builds and packs what scripts/gpu-check.sh runs on the GPU machine into .device/pack.tar.xz:
# netwright-cli, test_op_harness, test_cuda_runtime and the example plugin the harness loads,
# with their libraries (../shared/tools/device-pack.sh), and under share/ the sample and
# resnet-small projects, the Fashion-MNIST IDX files (uncompressed: xz packs them smaller than
# their gzip), the PyTorch peer and a manifest. Run it here, on the build machine.
#
# Usage: scripts/gpu-pack.sh [--no-build]
#   NW_BUILD_DIR: the build folder (default build); GPU_PACK_TRAIN_SAMPLES=N: only the first N
#   training images (the IDX header says N), when the pack would not fit otherwise: bench and
#   the harness are unaffected, the 5 epochs then train on N images.
#
# Then one call of the device tool runs the whole check:
#   run  carry [".device"]  command "bash scripts/gpu-check.sh"  timeout_s 540
# and its files come back under files_at (gpu-check.json, gpu-check.log, the raw outputs).
#
# Everything that travels must stay under 64 MiB (the working tree, about 5 MiB, included),
# and the shared tool's archive of these programs alone is ~60 MB. So the pack is slimmed:
# - libopencv_imgcodecs (image files: JPEG, PNG, GDAL, ...) is replaced by a stub defining
#   the few functions the programs call, each of which aborts with a message. Its dependency
#   tree (GDAL and its formats, codecs, ~110 MB) then drops out. The check reads IDX files
#   only, which need no image codec. When a program needs anything but functions from it,
#   the real library and its tree stay.
# - libraries no longer reachable from the programs' DT_NEEDED entries are left out, and our
#   programs' symbol tables are stripped.
# Build for the machine's architecture to keep the kernels small: configure with
# -DCMAKE_CUDA_ARCHITECTURES=90 (H100, H200).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${NW_BUILD_DIR:-build}"
shared="${NW_SHARED_DIR:-$root/../shared}"
out=.device/pack.tar.xz
datasets="${NETWRIGHT_DATASETS_DIR:-/usr/share/datasets}/fashion-mnist"
projects=(resources/samples/fashion-mnist-cnn.nwproj resources/templates/resnet-small.nwproj)

if [ "${1:-}" != "--no-build" ]; then
    cmake --build "$build" --target netwright-cli test_op_harness test_cuda_runtime \
        netwright_examples
fi
programs=("$build/bin/netwright-cli" "$build/bin/test_op_harness" "$build/bin/test_cuda_runtime"
          "$build/lib/libnetwright_examples.so")
for p in "${programs[@]}"; do
    [ -f "$p" ] || { echo "gpu-pack: $p is missing (build it, or drop --no-build)" >&2; exit 1; }
done
if ! readelf -d "$build/bin/netwright-cli" | grep 'libcudnn' >/dev/null; then
    echo "gpu-pack: $build/bin/netwright-cli has no CUDA backend (configure with CUDA on)" >&2
    exit 1
fi
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte \
         t10k-labels-idx1-ubyte; do
    [ -f "$datasets/$f" ] || [ -f "$datasets/$f.gz" ] ||
        { echo "gpu-pack: $datasets/$f(.gz) is missing (apt install dataset-fashion-mnist)" >&2; exit 1; }
done

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
# The shared tool's archive, compressed fast (XZ_OPT): it is unpacked and slimmed below.
XZ_OPT="-0 -T2" "$shared/tools/device-pack.sh" "$stage/tool.tar.xz" "${programs[@]}"
mkdir "$stage/nw"
tar -xJf "$stage/tool.tar.xz" -C "$stage/nw"
rm "$stage/tool.tar.xz"

# The stub of libopencv_imgcodecs: the functions the other files take from it, each aborting.
stub_imgcodecs() {
    local lib soname used
    lib="$(ls "$stage"/nw/lib/libopencv_imgcodecs.so.* 2>/dev/null | head -1)"
    [ -n "$lib" ] || return 0
    soname="$(basename "$lib")"
    # "name type" of each symbol another file takes from it (type T, W or i: a function).
    used="$(for f in "$stage"/nw/bin/* "$stage"/nw/lib/*; do
                [ "$f" = "$lib" ] || nm -D --undefined-only "$f" 2>/dev/null
            done | awk '{print $NF}' | LC_ALL=C sort -u |
            LC_ALL=C join - <(nm -D --defined-only "$lib" | awk '{print $3, $2}' | LC_ALL=C sort -u))"
    if [ -z "$used" ] || echo "$used" | awk '$2 !~ /^[TWi]$/ || $1 ~ /@/ {bad = 1} END {exit !bad}'; then
        echo "gpu-pack: keeping the real $soname (the programs use more than plain functions of it)"
        return 0
    fi
    cat >"$stage/imgcodecs_stub.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
static void refuse(const char* f) {
    fprintf(stderr, "netwright: %s: image codecs are not in this GPU pack "
                    "(scripts/gpu-pack.sh stubs libopencv_imgcodecs)\n", f);
    abort();
}
C
    echo "$used" | awk '{printf "void %s(void) { refuse(\"%s\"); }\n", $1, $1}' \
        >>"$stage/imgcodecs_stub.c"
    gcc -shared -fPIC -O2 -Wl,-soname,"$soname" -o "$lib" "$stage/imgcodecs_stub.c"
    echo "gpu-pack: $soname stubbed ($(echo "$used" | awk '{print $1}' | c++filt |
        sed 's/(.*//' | sort -u | paste -sd, -))"
}
stub_imgcodecs
strip --strip-unneeded "$stage"/nw/bin/*

# Leave out the libraries nothing needs any more.
python3 - "$stage/nw" <<'PY'
import os, subprocess, sys
top = sys.argv[1]
lib = os.path.join(top, "lib")
def needed(path):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
    return [l.split("[", 1)[1].rstrip("]") for l in out.splitlines() if "(NEEDED)" in l]
keep, todo = set(), [os.path.join(top, "bin", f) for f in os.listdir(os.path.join(top, "bin"))]
while todo:
    for name in needed(todo.pop()):
        if name not in keep and os.path.exists(os.path.join(lib, name)):
            keep.add(name)
            todo.append(os.path.join(lib, name))
dropped = sorted(set(os.listdir(lib)) - keep)
for name in dropped:
    os.remove(os.path.join(lib, name))
print(f"gpu-pack: {len(keep)} libraries kept, {len(dropped)} no longer needed left out")
PY

share="$stage/nw/share"
mkdir -p "$share/projects" "$share/datasets/fashion-mnist"
cp "${projects[@]}" "$share/projects/"
cp tests/bench/peer_gpu_cnn.py "$share/"
python3 - "$datasets" "$share/datasets/fashion-mnist" "${GPU_PACK_TRAIN_SAMPLES:-0}" <<'PY'
import gzip, math, os, struct, sys
src, dst, keep = sys.argv[1], sys.argv[2], int(sys.argv[3])
for base in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte"):
    path = os.path.join(src, base)
    with (open(path, "rb") if os.path.exists(path) else gzip.open(path + ".gz")) as f:
        data = f.read()
    if keep > 0 and base.startswith("train"):  # the first `keep` samples, a valid IDX file
        if data[2] != 0x08:
            sys.exit(f"gpu-pack: {path}: not an unsigned-byte IDX file")
        ndim = data[3]
        dims = list(struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim]))
        dims[0] = min(keep, dims[0])
        body = 4 + 4 * ndim
        data = data[:4] + struct.pack(">" + "I" * ndim, *dims) + \
            data[body:body + dims[0] * math.prod(dims[1:])]
    with open(os.path.join(dst, base), "wb") as f:
        f.write(data)
PY
# The harness loads the example plugin from the path compiled into it (NW_EXAMPLE_PLUGIN, the
# build's own file, as its compile command says): gpu-check.sh puts the packed copy there.
plugin="$(grep -o 'NW_EXAMPLE_PLUGIN=[^ ]*libnetwright_examples\.so' "$build/compile_commands.json" \
              2>/dev/null | head -1 | sed 's/^NW_EXAMPLE_PLUGIN=[\\"]*//')"
arch="$(sed -n 's/^CMAKE_CUDA_ARCHITECTURES:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)"
{
    echo "NW_PACK_COMMIT='$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- 2>/dev/null || echo +changes)'"
    echo "NW_PACK_DATE='$(date -u +%Y-%m-%dT%H:%M:%SZ)'"
    echo "NW_PACK_CUDA_ARCHITECTURES='${arch:-the default, 80-real;90}'"
    echo "NW_PACK_TRAIN_SAMPLES='${GPU_PACK_TRAIN_SAMPLES:-all}'"
    echo "NW_EXAMPLE_PLUGIN='${plugin:-$(realpath "$build/lib/libnetwright_examples.so")}'"
} >"$share/manifest.env"

mkdir -p "$(dirname "$out")"
tar -cf - -C "$stage/nw" . | xz -9 -T2 >"$out.partial"
mv "$out.partial" "$out"
exclude="$(git rev-parse --git-path info/exclude)"
mkdir -p "$(dirname "$exclude")"
grep -qxF '/.device/' "$exclude" 2>/dev/null || echo '/.device/' >>"$exclude"

pack=$(stat -c %s "$out")
tree=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
echo "gpu-pack: $out is $((pack >> 20)) MiB; with the working tree $(((pack + tree) >> 20)) MiB travel (limit 64)"
if ((pack + tree > 62 << 20)); then
    echo "gpu-pack: warning: that is near or over the device tool's 64 MiB" >&2
fi
