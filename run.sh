#!/usr/bin/env bash
# Set up (first run only) and find the scene changes in VIDEO; with no VIDEO, make a demo clip
# with known cuts and run on that. Extra arguments go to `latentcut detect`.
#   ./run.sh                      # demo clip
#   ./run.sh my.mp4 [--encoder pixel --thresholder kmeans ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/scripts/setup-env.sh" "${LATENTCUT_EXTRAS:-}"  # the core; e.g. LATENTCUT_EXTRAS=all for the VAEs
venv="${LATENTCUT_VENV:-$here/.venv}"
if [ $# -eq 0 ]; then
  exec "$venv/bin/latentcut" demo --dir latentcut-demo
fi
video="$1"; shift
base="$(basename "${video%.*}")"
exec "$venv/bin/latentcut" detect "$video" -o "$base.cuts.json" --csv "$base.scenes.csv" --curve "$base.curve.csv" "$@"
