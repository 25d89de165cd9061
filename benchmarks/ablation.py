#!/usr/bin/env python
"""The Repro-VAE paper's table on our labelled clips: accuracy@N and F1 for Repro-VAE vs β-VAE vs
pixels, sweeping β (0, 1, 4, 8), latent size (5, 10, 50) and τ (0, 50, 200, 1000) one at a time
around the paper's best setting (latent 10, β 4, τ 200), each over several seeds (mean ± std).

    python benchmarks/ablation.py [--seeds 3] [--budget 12000] [--labels ...] [--reprojection-only]
                                  [--train-on unlabelled|labelled]

For each configuration and seed one model is trained (64x64, a budget of ``--budget`` frame-steps,
Adam lr 1e-3, batch 64: the self-training recipe) on the unlabelled footage beside the labels
(``--train-on unlabelled``, the default and the honest split: the test clips are never seen in
training) or on the pooled frames of the labelled clips themselves (``labelled``, the paper's
transductive setting), then every labelled clip is scored with it:
- acc@N raw: the paper's measure, on the consecutive-frame KL curve (N = true boundaries);
- acc@N: the same on latentcut's flash-robust score curve;
- F1: latentcut's full pipeline (adaptive thresholder, gradual transitions, fade finding and flat
  cards), tolerance 2, micro-averaged over clips.
A difference between two models is called a gain or a loss only when both have at least 3 seeds
and it exceeds twice its standard error over seeds; otherwise the table says it is within the spread.
About 30 minutes on 2 CPU cores with the defaults; use --seeds 3 --budget 4000 for a quicker look.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from _common import DEFAULT_LABELS, Timer, clip_frames, clip_paths

from latentcut import ShotDetector, create_encoder
from latentcut.detection.fades import frame_colour, frame_contrast
from latentcut.detection.learned_training import unlabelled_videos
from latentcut.encoders.vae import VAEEncoder
from latentcut.encoders.vae.training import read_training_set, stack_training_set
from latentcut.evaluation import BoundaryScores, accuracy_at_n, evaluate

BASE = dict(latent_dim=10, beta=4.0, tau=200.0)
SWEEP = (
    [("beta", b) for b in (0.0, 1.0, 4.0, 8.0)]
    + [("latent_dim", d) for d in (5, 50)]
    + [("tau", t) for t in (0.0, 50.0, 1000.0)]
)


def configs():
    # The paper's setting and the same without the reprojection term first: the comparison that
    # matters most is done even if the run is cut short.
    seen = [dict(BASE), dict(BASE, tau=0.0)]
    for key, val in SWEEP:
        cfg = dict(BASE, **{key: val})
        if cfg not in seen:
            seen.append(cfg)
    return seen


def label(cfg) -> str:
    kind = "Repro-VAE" if cfg["tau"] else "beta-VAE"
    return f"{kind} L={cfg['latent_dim']:<2} beta={cfg['beta']:<3g} tau={cfg['tau']:<4g}"


def evaluate_encoder(enc, distance, clips) -> tuple[float, float, float]:
    det = ShotDetector(enc, distance, progress=False)
    tot = BoundaryScores(0, 0, 0)
    acc_raw, acc = [], []
    for (path, lab), (batch, info) in clips:
        emb = enc.transform(batch.frames)
        res = det.detect_embeddings(emb, batch.times, batch.indices, frame_contrast(batch.frames), info,
                                    frame_colour(batch.frames))
        curve = res.curve
        pred = [c.interval() for c in res.cuts]
        tot = tot + evaluate(pred, lab, 2)
        if lab.boundaries:
            acc_raw.append(accuracy_at_n(curve.raw, lab))
            acc.append(accuracy_at_n(curve.scores, lab))
    return float(np.mean(acc_raw)), float(np.mean(acc)), tot.f1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget", type=int, default=12000, help="training frame-steps per model")
    ap.add_argument("--reprojection-only", action="store_true",
                    help="only the paper's setting and the same with tau 0: does the reprojection term help?")
    ap.add_argument("--train-on", choices=["unlabelled", "labelled"], default="unlabelled",
                    help="unlabelled: the footage in data/unlabelled beside the labels (the honest split; default); "
                         "labelled: the test clips themselves (the paper's setting)")
    ap.add_argument("--max-frames", type=int, default=600, help="with --train-on unlabelled: frames taken per video")
    args = ap.parse_args()
    if args.seeds < 1:
        ap.error("--seeds must be at least 1")

    clips = [((path, lab), clip_frames(path, (64, 64))) for path, lab in clip_paths(args.labels)]
    if args.train_on == "unlabelled":
        folder = os.path.join(os.path.dirname(os.path.abspath(args.labels)), "unlabelled")
        videos = unlabelled_videos(folder) if os.path.isdir(folder) else []
        if not videos:
            ap.error(f"no unlabelled footage in {folder} (or use --train-on labelled)")
        frames, bounds = read_training_set(videos, (64, 64), max_frames=args.max_frames)
        where = f"{len(videos)} unlabelled videos"
    else:
        frames, bounds = stack_training_set([b.frames for _, (b, _) in clips])
        where = "the labelled clips themselves (transductive)"
    epochs = max(1, int(np.ceil(args.budget / len(frames))))
    print(f"trained on {where}: {len(frames)} frames of 64x64; {epochs} epochs per model ({args.budget} frame-steps), "
          f"{args.seeds} seeds; tested on {len(clips)} labelled clips\n")

    rows = []
    pix = evaluate_encoder(create_encoder("pixel,size=64"), "l1", clips)  # the same 64x64 input as the VAEs
    rows.append(("pixel 64x64 (l1), no training", [pix]))
    print(f"{rows[-1][0]:<38} acc@N raw {pix[0]:.3f}  acc@N {pix[1]:.3f}  F1 {pix[2]:.3f}", flush=True)
    for cfg in configs()[:2] if args.reprojection_only else configs():
        runs = []
        for seed in range(args.seeds):
            with Timer() as timer:
                enc = VAEEncoder(model="self", seed=seed, epochs=epochs, batch_size=64, lr=1e-3, max_minutes=None, device="cpu", **cfg)
                enc.fit(frames, video_bounds=bounds, progress=sys.stderr.isatty())
                runs.append(evaluate_encoder(enc, "gaussian-kl", clips))
            print(f"{label(cfg):<38} seed {seed}: acc@N raw {runs[-1][0]:.3f}  acc@N {runs[-1][1]:.3f}  "
                  f"F1 {runs[-1][2]:.3f}  ({timer.seconds:.0f} s, val loss {enc.history_[-1].get('val_loss', float('nan')):.0f})",
                  flush=True)
        rows.append((label(cfg), runs))

    def ms(vals):
        return f"{np.mean(vals):.3f} ± {np.std(vals):.3f}" if len(vals) > 1 else f"{vals[0]:.3f}"

    print(f"\n{'model':<38} {'acc@N raw (paper)':>18} {'acc@N robust':>15} {'F1 (tol 2)':>15}   (mean ± std over seeds)")
    for name, runs in rows:
        a = np.array(runs)
        print(f"{name:<38} {ms(a[:, 0]):>18} {ms(a[:, 1]):>15} {ms(a[:, 2]):>15}")
    by = {name: np.array(runs) for name, runs in rows}
    repro, beta = by.get(label(BASE)), by.get(label(dict(BASE, tau=0.0)))
    if repro is not None and beta is not None:
        for i, what in ((0, "acc@N raw"), (2, "F1")):
            d, verdict = compare(repro[:, i], beta[:, i])
            print(f"reprojection term (tau 200 vs 0 at L=10, beta=4), {what}: {d:+.3f} -> {verdict}")


def compare(a, b, least: int = 3) -> tuple[float, str]:
    """(mean difference a - b, what it shows): a gain or a loss only when each side has ``least``
    seeds and the difference exceeds twice its standard error over seeds."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = float(a.mean() - b.mean())
    if min(len(a), len(b)) < least:
        return d, f"no verdict: {min(len(a), len(b))} seed(s), at least {least} needed"
    se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
    if abs(d) > 2 * se:
        return d, f"{'it helps' if d > 0 else 'it hurts'} on these clips (beyond 2 standard errors, {2 * se:.3f})"
    return d, f"within the seed spread (2 standard errors: {2 * se:.3f}): no verdict"


if __name__ == "__main__":
    main()
