#!/usr/bin/env bash
# Remake the models latentcut ships, from the shared unlabelled footage (no labels used):
#   the learned boundary detector (about 5 minutes on 2 CPU cores) and the Repro-VAE that
#   `--encoder repro-vae` uses by default (about 20 minutes on 2 CPU cores; CUDA when present).
#   the PCA the scene library's `lite0` encoder projects with (under a minute):
#   the lite0 verifier (`--verify lite0`), fitted on the LABELLED clips beside UNLABELLED_DIR,
#   with its leave-one-collection-out figure printed (about 2 minutes):
#   shotnet, the encoder trained without labels to tell shots apart (about 12 minutes):
#   scripts/train-shipped-models.sh [UNLABELLED_DIR] [detector|repro-vae|retrieval-pca|lite0-verifier|shotnet|all]
# and, not shipped, the beta-VAE of the same recipe (tau 0) for the ablation in docs/benchmarks.md:
#   scripts/train-shipped-models.sh [UNLABELLED_DIR] beta-vae OUT_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/setup-env.sh" ""
venv="${LATENTCUT_VENV:-$here/.venv}"
data="${1:-$here/../shared/data/unlabelled}"
which="${2:-all}"

# swap a finished folder in for the shipped one: the old one stays until the new one is whole
install_folder() {
  local new="$1" out="$2"
  rm -rf "$out.old"; [ -d "$out" ] && mv "$out" "$out.old"
  chmod 644 "$new"/*
  mv "$new" "$out" && rm -rf "$out.old"
  echo "shipped model: $out"
}

if [ "$which" = detector ] || [ "$which" = all ]; then
  out="$here/latentcut/detection/models/pixel-v1"
  mkdir -p "$(dirname "$out")"
  tmp="$(mktemp -d "$here/latentcut/detection/models/.pixel-v1.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  "$venv/bin/latentcut" train-detector "$data" -o "$tmp/model" --encoder pixel --sequences 1200 --steps 3000 --seed 0
  install_folder "$tmp/model" "$out"
fi

if [ "$which" = repro-vae ] || [ "$which" = beta-vae ] || [ "$which" = all ]; then
  kind=repro-vae; out="$here/latentcut/encoders/vae/models/repro-vae-v1"
  if [ "$which" = beta-vae ]; then kind=beta-vae; out="${3:?give the beta-VAE an output folder}"; fi
  mkdir -p "$(dirname "$out")"
  tmpv="$(mktemp -d "$(dirname "$out")/.$(basename "$out").XXXXXX")"
  trap 'rm -rf "$tmpv" ${tmp:+"$tmp"}' EXIT
  shopt -s nullglob
  videos=("$data"/*.mp4 "$data"/*.webm "$data"/*.mkv)  # this order makes the shipped weights
  # the paper's architecture and loss (latent 10, beta 4, tau 200) at lr 1e-4 with each step's
  # gradient norm clipped at 50: at 5e-4 and 1e-3 the reprojection term grew without bound
  "$venv/bin/latentcut" train "${videos[@]}" -o "$tmpv/run" --encoder "$kind" --epochs 10 --lr 1e-4 --batch-size 64 \
    --max-frames 600 --clip-grad 50 --seed 0
  # ship the weights and config only (the optimizer state is for --resume, and twice the size)
  # ...with the whole recipe in its config: the videos, the options (lr, epochs, seed, clipping,
  # frames per video) and the loss of every epoch, read back from the run's training state
  "$venv/bin/python" - "$tmpv/run" "$tmpv/model" "${videos[@]}" <<'PY'
import json, os, sys
from latentcut.encoders.vae import VAEEncoder
from latentcut.io.checkpoint import STATE
run, out, videos = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(os.path.join(run, STATE), encoding="utf-8") as f:
    state = json.load(f)
with open(os.path.join(run, "config.json"), encoding="utf-8") as f:
    per_video = json.load(f).get("frames_per_video")
VAEEncoder.load(run).save(out, {
    "trained_on": "the shared unlabelled footage", "recipe": "scripts/train-shipped-models.sh",
    "training": {"videos": [os.path.basename(v) for v in videos], "frames_per_video": per_video,
                 "options": state.get("options", {}),
                 "epochs_run": state.get("epoch"), "history": state.get("history", []), "frames": state.get("frames")}})
PY
  rm -rf "$tmpv/run"
  install_folder "$tmpv/model" "$out"
fi

if [ "$which" = retrieval-pca ] || [ "$which" = all ]; then
  shopt -s nullglob
  videos=("$data"/*.mp4 "$data"/*.webm "$data"/*.mkv)
  out="$here/latentcut/encoders/models/lite0-pca256-v1.safetensors"
  mkdir -p "$(dirname "$out")"
  "$venv/bin/python" "$here/scripts/fit-retrieval-pca.py" -o "$out" \
    --weights "${LITE0_WEIGHTS:-$here/../shared/weights/tf-efficientnet-lite0-imagenet.safetensors}" "${videos[@]}"
  chmod 644 "$out"
fi

if [ "$which" = lite0-verifier ] || [ "$which" = all ]; then
  out="$here/latentcut/detection/models/lite0-verifier"
  tmpl="$(mktemp -d "$here/latentcut/detection/models/.lite0-verifier.XXXXXX")"
  trap 'rm -rf "$tmpl" ${tmp:+"$tmp"} ${tmpv:+"$tmpv"}' EXIT
  "$venv/bin/python" "$here/benchmarks/verifier_cv.py" --labels "$data/../labels.json" \
    --lite0 "${LITE0_WEIGHTS:-$here/../shared/weights/tf-efficientnet-lite0-imagenet.safetensors}" --save "$tmpl/model"
  rm -f "$tmpl/model/.latentcut-folder"
  install_folder "$tmpl/model" "$out"
fi

if [ "$which" = shotnet ] || [ "$which" = all ]; then
  out="$here/latentcut/encoders/shotnet/models/shotnet-v1"
  mkdir -p "$(dirname "$out")"
  tmps="$(mktemp -d "$(dirname "$out")/.shotnet-v1.XXXXXX")"
  trap 'rm -rf "$tmps" ${tmp:+"$tmp"} ${tmpv:+"$tmpv"} ${tmpl:+"$tmpl"}' EXIT
  # seed 0 of the recipe benchmarks/shotnet.py trains (800 steps of 64 shot pairs; about 12 minutes
  # on 2 CPU cores, decoding included; CUDA when present); its config records the recipe, the videos and the loss
  "$venv/bin/python" "$here/benchmarks/shotnet.py" --data "$data" --seeds 0 --out "$tmps"
  rm -f "$tmps/seed-0/.latentcut-folder"
  install_folder "$tmps/seed-0" "$out"
fi
