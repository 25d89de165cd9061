#!/usr/bin/env python
"""Everything that should run on a GPU, on each device present, in one short run (under 5 minutes
on a GPU; with --steps 20, about 10 on 2 CPU cores): frames/s per device, side by side.

    python benchmarks/gpu.py [--steps 200] [--devices cpu cuda] [--clips 3]

1. The Repro-VAE (the paper's 64x64 network, tau 200): training frames/s (batch 256, bf16 autocast
   on CUDA) and inference frames/s.
2. The 3D-convolution in-betweener (gated fusion): ``--steps`` training steps on 16-frame clips of
   the unlabelled footage, then SSIM and PSNR of its 14 middle frames on clips of held-back
   videos, with training and generation frames/s.
3. shotnet (trained without labels to tell shots apart): ``--steps`` training steps (64 shot
   pairs a step, augmentations on the device) and inference frames/s through torch on each device,
   beside its NumPy inference (the CPU path latentcut uses by default).
4. ``detect`` with ``--encoder repro-vae`` (the shipped model) on the first ``--clips`` labelled
   clips: end-to-end frames/s, decoding included, and its F1 at tolerance 2 (the same on every
   device, or something is wrong).

CUDA is used where ``torch.cuda.is_available()``; otherwise that column says so and the run shows
the script works on the CPU. Nothing is written outside a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np
from _common import DEFAULT_LABELS, ROOT, clip_paths
from train_speed import measure

from latentcut import ShotDetector, create_encoder
from latentcut.detection.learned_training import unlabelled_videos
from latentcut.evaluation import BoundaryScores, evaluate
from latentcut.inbetween.config import InbetweenConfig, InbetweenTrainOptions
from latentcut.inbetween.data import clips_of, split_by_video
from latentcut.inbetween.methods import Conv3dInbetween
from latentcut.inbetween.metrics import psnr, ssim
from latentcut.inbetween.training import train_inbetween
from latentcut.retrieval.shotnet_training import ShotNetTraining, load_footage, train_shotnet
from latentcut.synthetic.pictures import synthetic_pictures


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def inbetween_run(device: str, train, test, steps: int, batch: int, folder: str) -> dict:
    cfg = InbetweenConfig(fusion="gated")
    out = train_inbetween(train, cfg, InbetweenTrainOptions(steps=steps, batch=batch, device=device,
                                                            save_every=max(steps, 1)), folder, resume=False)
    m = Conv3dInbetween(folder, device=device)
    t0 = time.perf_counter()
    made = np.stack([m.inbetween(c[0], c[-1], 14) for c in test])
    gen = made.shape[0] * 14 / (time.perf_counter() - t0)
    real = test[:, 1:-1].reshape(-1, 64, 64, 3)
    made = made.reshape(-1, 64, 64, 3)
    return {"train_fps": out["steps_run"] * batch * 16 / max(out["seconds"], 1e-9), "gen_fps": gen,
            "ssim": float(np.mean([ssim(a, b) for a, b in zip(made, real)])),
            "psnr": float(np.mean([min(psnr(a, b), 100.0) for a, b in zip(made, real)]))}


def shotnet_run(device: str, footage, steps: int) -> tuple[float, float]:
    """(training frames/s, inference frames/s) of shotnet on ``device`` (``numpy``: inference only)."""
    import torch

    from latentcut.encoders.shotnet import SHIPPED, ShotNetEncoder

    train_fps = float("nan")
    if device != "numpy":
        opts = ShotNetTraining(steps=steps, device=device)
        t0 = time.perf_counter()
        train_shotnet([], options=opts, progress=False, footage=footage)
        train_fps = steps * 2 * opts.batch / (time.perf_counter() - t0)
    enc = ShotNetEncoder(model=SHIPPED, device=None if device == "numpy" else device).prepare()
    frames = synthetic_pictures(enc.frame_size, n=512)
    enc.transform(frames[:8])
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    enc.transform(frames)
    return train_fps, len(frames) / (time.perf_counter() - t0)


def detect_run(device: str, clips) -> tuple[float, float]:
    det = ShotDetector(create_encoder("repro-vae", device=device), progress=False, cache=False)
    tot, frames, seconds = BoundaryScores(0, 0, 0), 0, 0.0
    for path, lab in clips:
        t0 = time.perf_counter()
        r = det.detect(path)
        seconds += time.perf_counter() - t0
        frames += r.frames
        tot = tot + evaluate([c.interval() for c in r.cuts], lab, 2)
    return frames / seconds, tot.f1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=200, help="training steps of each model (VAE, in-betweener, shotnet)")
    ap.add_argument("--batch", type=int, default=8, help="in-betweening clips per step")
    ap.add_argument("--devices", nargs="+", default=None, help="default: cpu, and cuda when present")
    ap.add_argument("--clips", type=int, default=3, help="labelled clips for the detect timing")
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--videos", default=os.path.join(ROOT, "..", "shared", "data", "unlabelled"))
    args = ap.parse_args()
    if args.steps < 1 or args.batch < 1 or args.clips < 1:
        ap.error("--steps, --batch and --clips must be at least 1")
    import torch

    cuda = torch.cuda.is_available()
    devices = args.devices or (["cpu", "cuda"] if cuda else ["cpu"])
    if "cuda" in devices and not cuda:
        ap.error("--devices cuda: torch sees no CUDA device here")
    print(f"devices: {', '.join(devices)}" + ("" if cuda else " (no CUDA device: torch.cuda.is_available() is False; "
                                                            "this run shows the script works on the CPU)"))
    if cuda:
        print(f"GPU: {torch.cuda.get_device_name(0)}")
    print(f"CPU: {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads\n")

    videos = unlabelled_videos(args.videos)
    train_v, test_v = split_by_video(videos, 0.2, seed=0)
    say(f"in-betweening clips from {len(train_v)} training and {len(test_v)} held-back videos")
    train = clips_of(train_v, 16, 64)
    test = clips_of(test_v, 16, 64, stride=16)[:32]
    clips = clip_paths(args.labels)[: args.clips]
    say("shotnet footage: the first 6 unlabelled videos")
    footage = load_footage(videos[:6])
    _, numpy_fps = shotnet_run("numpy", footage, 0)

    rows = {}
    for dev in devices:
        say(f"{dev}: Repro-VAE training and inference")
        vae_train, vae_infer = measure(dev, 256, args.steps, 200.0)
        say(f"{dev}: in-betweener, {args.steps} steps")
        with tempfile.TemporaryDirectory() as tmp:
            ib = inbetween_run(dev, train, test, args.steps, args.batch, os.path.join(tmp, "inbetween"))
        say(f"{dev}: shotnet, {args.steps} steps")
        sn_train, sn_infer = shotnet_run(dev, footage, args.steps)
        say(f"{dev}: detect --encoder repro-vae on {len(clips)} clips")
        det_fps, det_f1 = detect_run(dev, clips)
        rows[dev] = [vae_train, vae_infer, ib["train_fps"], ib["gen_fps"], ib["ssim"], ib["psnr"], sn_train, sn_infer, det_fps, det_f1]

    names = ["Repro-VAE training (frames/s)", "Repro-VAE inference (frames/s)", "in-betweener training (frames/s)",
             "in-betweener generation (frames/s)", f"in-betweener SSIM after {args.steps} steps",
             f"in-betweener PSNR dB after {args.steps} steps", "shotnet training (frames/s)",
             "shotnet inference, torch (frames/s)", "detect --encoder repro-vae (frames/s)",
             f"  its F1 at tolerance 2 ({len(clips)} clips)"]
    print(f"{'':<40}" + "".join(f"{d:>12}" for d in devices) + ("  cuda / cpu" if len(devices) > 1 else ""))
    for i, name in enumerate(names):
        vals = [rows[d][i] for d in devices]
        fmt = "{:>12.3f}" if i in (4, 9) else ("{:>12.2f}" if i == 5 else "{:>12.0f}")
        ratio = f"  {vals[-1] / vals[0]:.1f}x" if len(devices) > 1 and i not in (4, 5, 9) and vals[0] else ""
        print(f"{name:<40}" + "".join(fmt.format(v) for v in vals) + ratio)
    print(f"{'shotnet inference, NumPy (frames/s)':<40}{numpy_fps:>12.0f}  (the CPU path latentcut takes by default)")


if __name__ == "__main__":
    main()
