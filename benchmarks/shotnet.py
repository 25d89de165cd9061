#!/usr/bin/env python
"""Train shotnet on unlabelled footage, one model a seed (the shipped model is seed 0).

    python benchmarks/shotnet.py [--data ../shared/data/unlabelled] [--seeds 0 1 2] [--steps 800] [--batch 64]
                                 [--reprojection 0] [--out DIR] [--device cuda]

Writes DIR/seed-S (a model folder each; default DIR: shotnet-models/ beside this script, which
git ignores) and prints each run's loss and time. The models are then measured where the other
encoders are: ``retrieval_quality.py --encoders shotnet,model=DIR/seed-0 ... --queries-from labelled``
for search, and ``verifier_cv.py``/``accuracy.py`` for detection (docs/benchmarks.md).
No label is read: the data are the videos under --data (the shared unlabelled footage).
"""
from __future__ import annotations

import argparse
import os
import time

from latentcut.detection.learned_training import unlabelled_videos
from latentcut.encoders.shotnet import ShotNetConfig, write_shotnet
from latentcut.retrieval.shotnet_training import ShotNetTraining, load_footage, train_shotnet

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "unlabelled"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--steps", type=int, default=ShotNetTraining.steps)
    ap.add_argument("--batch", type=int, default=ShotNetTraining.batch, help="shots a step")
    ap.add_argument("--budget", type=float, help="seconds a model, at most")
    ap.add_argument("--reprojection", type=float, default=0.0, help="weight of the KL between the two views")
    ap.add_argument("--device")
    ap.add_argument("--out", default=os.path.join(HERE, "shotnet-models"))
    args = ap.parse_args()
    paths = unlabelled_videos(args.data) if os.path.isdir(args.data) else []
    if not paths:
        raise SystemExit(f"latentcut: error: no videos under {args.data}")
    t0 = time.monotonic()
    footage = load_footage(paths, ShotNetTraining.max_frames,
                           progress=lambda m: print(f"\rloading footage: {m}", end="", flush=True))
    print(f"\n{len(footage.names)} videos, {sum(len(s) for s in footage.shots)} shots, "
          f"{sum(len(f) for f in footage.frames)} frames, loaded in {time.monotonic() - t0:.0f} s")
    for seed in args.seeds:
        opts = ShotNetTraining(steps=args.steps, batch=args.batch, budget=args.budget, reprojection=args.reprojection, seed=seed,
                               device=args.device)
        state, cfg = train_shotnet(paths, ShotNetConfig(), opts, footage=footage)
        name = f"seed-{seed}" + (f"-repro-{args.reprojection:g}" if args.reprojection else "")
        out = os.path.join(args.out, name)
        write_shotnet(out, cfg, state)
        hist = cfg["training"]["history"]
        print(f"{name}: {cfg['training']['steps_done']} steps in {cfg['training']['seconds']:.0f} s on "
              f"{cfg['training']['device']}; loss {hist[0]['loss']:.3f} -> {hist[-1]['loss']:.3f}; saved {out}")


if __name__ == "__main__":
    main()
