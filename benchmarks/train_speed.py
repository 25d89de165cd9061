#!/usr/bin/env python
"""Repro-VAE speed: training and inference frames per second at 64x64 on the CPU, and on CUDA
when a GPU is present; then, with --selftrain, the end-to-end time of
`latentcut detect VIDEO --encoder repro-vae` (self-training with the defaults, empty model cache)
on a 5-minute 24 fps video assembled from the shared clips (written to a temporary folder).

    python benchmarks/train_speed.py [--steps 20] [--selftrain]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from _common import DEFAULT_LABELS, ROOT, clip_paths


def measure(device: str, batch: int, steps: int, tau: float) -> tuple[float, float]:
    import torch

    from latentcut.encoders.vae import VAEConfig, build_model, frames_to_tensor, vae_loss

    cfg = VAEConfig(tau=tau)
    torch.manual_seed(0)
    net = build_model(cfg).to(device).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    frames = np.random.default_rng(0).integers(0, 256, (batch, 64, 64, 3), dtype=np.uint8)
    cuda = device.startswith("cuda")
    data = torch.from_numpy(frames).to(device)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def step():
        x = frames_to_tensor(data)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
            loss = vae_loss(net, x, cfg)["loss"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    train_fps = batch * steps / (time.perf_counter() - t0)

    net.eval()
    inf_batch = 4096 if cuda else 1024
    big = torch.from_numpy(np.resize(frames, (inf_batch, 64, 64, 3))).to(device)
    with torch.inference_mode(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
        for _ in range(3):
            net.encode(frames_to_tensor(big))
        sync()
        t0 = time.perf_counter()
        reps = max(3, steps // 2)
        for _ in range(reps):
            x = frames_to_tensor(big)
            net.encode(x)
        sync()
    infer_fps = inf_batch * reps / (time.perf_counter() - t0)
    return train_fps, infer_fps


def five_minute_video(folder: str, seconds: int = 300, fps: int = 24, size=(640, 360)) -> str:
    """Concatenate the shared clips (looping) into a 5-minute 24 fps H.264 video."""
    import av

    from latentcut import VideoReader

    path = os.path.join(folder, "five-minutes.mp4")
    need = seconds * fps
    clips = [p for p, _ in clip_paths(DEFAULT_LABELS)]
    with av.open(path, "w") as out:
        s = out.add_stream("libx264" if "libx264" in av.codecs_available else "mpeg4", rate=fps)
        s.width, s.height, s.pix_fmt = size[0], size[1], "yuv420p"
        written = 0
        while written < need:
            for c in clips:
                for b in VideoReader(c, size=(size[1], size[0])):
                    for f in b.frames:
                        if written >= need:
                            break
                        for pkt in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                            out.mux(pkt)
                        written += 1
                if written >= need:
                    break
        for pkt in s.encode():
            out.mux(pkt)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--selftrain", action="store_true", help="also time self-training + detect on a 5-minute video")
    args = ap.parse_args()
    import torch

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, {os.cpu_count()} CPU cores" +
          (f", GPU: {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ", no GPU"))
    print(f"\n{'device':<8} {'model':<10} {'train frames/s':>15} {'inference frames/s':>19}   (64x64, batch {args.batch})")
    for dev in devices:
        for name, tau in (("repro-vae", 200.0), ("beta-vae", 0.0)):
            tr, inf = measure(dev, args.batch, args.steps, tau)
            print(f"{dev:<8} {name:<10} {tr:>15.0f} {inf:>19.0f}")
    if args.selftrain:
        folder = tempfile.mkdtemp(prefix="latentcut-bench-")
        try:
            t0 = time.perf_counter()
            video = five_minute_video(folder)
            print(f"\nmade a 5-minute 24 fps 640x360 test video in {time.perf_counter() - t0:.0f} s")
            env = dict(os.environ, LATENTCUT_CACHE_DIR=os.path.join(folder, "cache"), PYTHONPATH=ROOT)
            cmd = [sys.executable, "-m", "latentcut.cli", "detect", video, "--encoder", "repro-vae", "-q",
                   "-o", os.path.join(folder, "out.json")]
            for run in ("first run (self-trains)", "second run (cached model)"):
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, env=env)
                print(f"latentcut detect --encoder repro-vae, {run}: {time.perf_counter() - t0:.1f} s (target < 180 s)")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
