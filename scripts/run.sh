#!/usr/bin/env bash
# Sets everything up (packages, release build) and opens the IDE on the sample project.
# Extra arguments go to netwright, e.g. scripts/run.sh --screenshot /tmp/ide.png
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"

sample="$root/resources/samples/fashion-mnist-cnn.nwproj"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    echo "run: no display found; running the IDE under xvfb-run (nothing will be visible)." >&2
    exec xvfb-run -a "$root/build/bin/netwright" "$@" "$sample"
fi
exec "$root/build/bin/netwright" "$@" "$sample"
