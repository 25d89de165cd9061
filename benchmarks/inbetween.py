#!/usr/bin/env python
"""In-betweening on held-back footage: from a clip's first and last frame, its 14 middle frames.

    LATENTCUT_WEIGHTS_DIR=../shared/weights python benchmarks/inbetween.py [--steps 300] [--device cpu]

Clips are 16-frame windows of single-shot stretches (the learned detector's shot finder) of
../shared/data/unlabelled at 64x64; whole videos are held back for testing (a fifth, seeded), so
no test clip shares a shot with training. Trained here, each for --steps steps of batch --batch:
the 3D-convolution in-betweener (gated fusion, the paper's), its ablation without the gated fusion
(the key frames' encodings added to every unit), and the naive model (no latent generator). Beside
them: a linear cross-fade of the pixels, and the shipped Repro-VAE's latent interpolation.

Per method: SSIM and PSNR of the generated middle frames against the real ones (mean over
frames), a Fréchet distance between lite0 features of generated and real middle frames (FID's
formula on 256-d features of the frames enlarged to 128x128; needs the EfficientNet-Lite0 weights), generation frames/s (middle
frames made a second) and, for trained models, training frames/s (clip frames seen a second).
Trained models are kept under runs/inbetween-bench/ and reused unless --retrain.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from latentcut.detection.learned_training import unlabelled_videos  # noqa: E402
from latentcut.inbetween.config import InbetweenConfig, InbetweenTrainOptions  # noqa: E402
from latentcut.inbetween.data import clips_of, split_by_video  # noqa: E402
from latentcut.inbetween.methods import Conv3dInbetween, LatentInterpolation, LinearBlend  # noqa: E402
from latentcut.inbetween.metrics import frechet, psnr, ssim  # noqa: E402
from latentcut.inbetween.training import train_inbetween  # noqa: E402


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def trained_steps(folder: str) -> int:
    """Steps a model folder's last checkpoint holds (0 when there is none)."""
    try:
        with open(os.path.join(folder, "training.json")) as f:
            return int(json.load(f)["step"])
    except (OSError, ValueError, KeyError):
        return 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--videos", default=os.path.join(ROOT, "..", "shared", "data", "unlabelled"))
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--test-clips", type=int, default=64)
    p.add_argument("--device", default=None)
    p.add_argument("--channels", type=int, default=32)
    p.add_argument("--base", type=int, default=16)
    p.add_argument("--units", type=int, default=1)
    p.add_argument("--retrain", action="store_true")
    p.add_argument("--runs", default=os.path.join(ROOT, "runs", "inbetween-bench"))
    args = p.parse_args()

    videos = unlabelled_videos(args.videos)
    train_v, test_v = split_by_video(videos, 0.2, seed=0)
    say(f"{len(train_v)} training videos, {len(test_v)} held back")
    train = clips_of(train_v, 16, 64)
    test = clips_of(test_v, 16, 64, stride=16)
    rng = np.random.default_rng(0)
    if len(test) > args.test_clips:
        test = test[np.sort(rng.choice(len(test), args.test_clips, replace=False))]
    print(f"{len(train)} training clips from {len(train_v)} videos, {len(test)} test clips from {len(test_v)} "
          f"held-back videos (16 frames, 64x64; {os.cpu_count()} cores, device {args.device or 'auto'})")
    methods, train_rate = [], {}
    for fusion, label in (("gated", "3D conv, gated fusion (paper)"), ("additive", "3D conv, no gated fusion"),
                          ("naive", "naive (no latent generator)")):
        cfg = InbetweenConfig(channels=args.channels, base=args.base, units=args.units, fusion=fusion)
        folder = os.path.join(args.runs, f"{fusion}-c{args.channels}-b{args.base}-u{args.units}-s{args.steps}")
        if args.retrain or trained_steps(folder) < args.steps:  # a run stopped at a checkpoint resumes from it
            say(f"training {label}: {args.steps} steps")
            out = train_inbetween(train, cfg, InbetweenTrainOptions(steps=args.steps, batch=args.batch, device=args.device,
                                                                    save_every=max(50, args.steps // 4)),
                                  folder, resume=not args.retrain)
            with open(folder + ".rate.json", "w") as f:  # beside the model folder, which holds only its own files
                json.dump({"frames_per_s": out["steps_run"] * args.batch * 16 / max(out["seconds"], 1e-9),
                           "device": out["device"]}, f)
        if os.path.exists(folder + ".rate.json"):
            with open(folder + ".rate.json") as f:
                train_rate[label] = json.load(f)["frames_per_s"]
        m = Conv3dInbetween(folder, device=args.device or "cpu")
        m.name = label
        methods.append(m)
    from latentcut.encoders import create_encoder

    methods += [LinearBlend(), LatentInterpolation(create_encoder("repro-vae"))]
    lite0 = create_encoder("lite0")

    def feats(frames: np.ndarray) -> np.ndarray:
        """lite0 features of 64x64 frames, enlarged to its 128x128 input (bilinear)."""
        from PIL import Image

        h, w = lite0.frame_size
        big = np.stack([np.asarray(Image.fromarray(f).resize((w, h), Image.Resampling.BILINEAR)) for f in frames])
        return np.concatenate([lite0.transform(big[i : i + 64]).mean for i in range(0, len(big), 64)])

    real_mid = test[:, 1:-1].reshape(-1, 64, 64, 3)
    real_feat = feats(real_mid)
    print(f"{'method':<32} {'SSIM':>6} {'PSNR dB':>8} {'Frechet':>8} {'gen frames/s':>13} {'train frames/s':>15}")
    for m in methods:
        t0 = time.perf_counter()
        made = np.stack([m.inbetween(c[0], c[-1], 14) for c in test])
        gen_rate = made.shape[0] * 14 / (time.perf_counter() - t0)
        s = np.mean([ssim(a, b) for a, b in zip(made.reshape(-1, 64, 64, 3), real_mid)])
        q = np.mean([min(psnr(a, b), 100.0) for a, b in zip(made.reshape(-1, 64, 64, 3), real_mid)])
        fd = frechet(feats(made.reshape(-1, 64, 64, 3)), real_feat)
        tr = f"{train_rate[m.name]:.0f}" if m.name in train_rate else "-"
        print(f"{m.name:<32} {s:6.3f} {q:8.2f} {fd:8.3f} {gen_rate:13.0f} {tr:>15}", flush=True)


if __name__ == "__main__":
    main()
