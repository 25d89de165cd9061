#!/usr/bin/env bash
# Remake the model latentcut ships: the learned boundary detector, trained on synthetic edits of
# the shared unlabelled footage (no labels used). About 5 minutes on 2 CPU cores.
#   scripts/train-shipped-models.sh [UNLABELLED_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/setup-env.sh" ""
venv="${LATENTCUT_VENV:-$here/.venv}"
data="${1:-$here/../shared/data/unlabelled}"
out="$here/latentcut/detection/models/pixel-v1"
mkdir -p "$(dirname "$out")"
tmp="$(mktemp -d "$here/latentcut/detection/models/.pixel-v1.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
"$venv/bin/latentcut" train-detector "$data" -o "$tmp/model" --encoder pixel --sequences 1200 --steps 3000 --seed 0
rm -rf "$out.old"; [ -d "$out" ] && mv "$out" "$out.old"
chmod 644 "$tmp/model"/*
mv "$tmp/model" "$out" && rm -rf "$out.old"
echo "shipped model: $out"
