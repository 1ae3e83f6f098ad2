#!/usr/bin/env bash
# Shared set-up for scripts/run.sh and scripts/test.sh: installs the Debian packages that
# are missing (only those, so a second call is fast), then configures and builds a release
# build in build/. Usage: scripts/setup.sh [--no-build]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Everything the build, the tests and the IDE need on a fresh Debian 12 machine.
packages=(
    # toolchain
    build-essential cmake ninja-build ccache pkg-config git
    # Qt 6 (IDE, charts, SVG icons, SQLite driver) and what its CMake files look for
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-svg-dev
    libqt6sql6-sqlite
    libgl-dev libglx-dev fonts-dejavu-core
    # engine, datasets, tracking, export
    libdnnl-dev libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
    libsqlite3-dev libssl-dev libonnx-dev libprotobuf-dev protobuf-compiler zlib1g-dev
    nlohmann-json3-dev libcli11-dev dataset-fashion-mnist fortunes
    # data-parallel training over MPI (mpirun runs the two-rank tests on this machine)
    openmpi-bin libopenmpi-dev
    # Vulkan backend (mesa's lavapipe gives a CPU Vulkan device for tests)
    libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers
    # headless GUI checks and test tooling
    xvfb xauth python3 python3-venv
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]})); then
    echo "setup: installing missing Debian packages: ${missing[*]}"
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || {
            echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
            exit 1
        }
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = "--no-build" ]; then
    exit 0
fi

# The preset puts the release build in build/ (binaries in build/bin/). Configuring again is
# quick and resets the preset's options in an existing build/.
mkdir -p build
cmake --preset release >build/configure.log 2>&1 || { cat build/configure.log >&2; exit 1; }
sed -n '/configuration summary/,/tests:/p' build/configure.log
cmake --build --preset release
