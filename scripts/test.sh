#!/usr/bin/env bash
# Sets everything up (packages, release build) and runs the whole test suite through CTest.
# GUI tests run offscreen. Extra arguments go to ctest, e.g. scripts/test.sh -R graph
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"

cd "$root/build"
export QT_QPA_PLATFORM=offscreen
ctest --output-on-failure -j2 "$@"
