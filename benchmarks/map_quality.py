#!/usr/bin/env python
"""Which encoder's map of a video keeps its shots apart? Silhouette of the labelled shots.

    python benchmarks/map_quality.py [--encoders pixel shotnet ...] [--methods pca umap] [--labels FILE]

For each labelled clip with at least two shots, every frame (frames inside a gradual transition,
which belong to two shots, are left out) is embedded by each encoder and mapped to 2D as
``latentcut map`` maps it; the silhouette of the true shots is measured in the map and in the
embedding itself (cosine). Higher is better: 1 is shots as tight, far-apart islands, 0 is shots
run together. Prints the mean over clips and the share of clips where each encoder beats the first.
"""
from __future__ import annotations

import argparse
import warnings

import numpy as np
from _common import DEFAULT_LABELS, clip_frames, clip_paths, stage_progress

from latentcut.encoders import create_encoder
from latentcut.maps.projection import frame_map, subsample

DEFAULT = ["pixel", "shotnet"]  # the detector's (and so the map's) encoder today, and the learned one


def shot_ids(n: int, boundaries) -> tuple[np.ndarray, np.ndarray]:
    """(shot number per frame, frames that belong to one shot only)."""
    shot = np.zeros(n, int)
    clean = np.ones(n, bool)
    for b in sorted(boundaries, key=lambda b: b.lo):
        if b.hi > b.lo:  # a gradual transition: its frames are mixed
            clean[b.lo : min(n, b.hi + 1)] = False
            shot[min(n, b.hi + 1) :] += 1
        else:
            shot[b.lo :] += 1
    return shot, clean


def main() -> None:
    from sklearn.metrics import silhouette_score

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--encoders", nargs="+", default=DEFAULT)
    ap.add_argument("--methods", nargs="+", default=["pca", "umap"], choices=["pca", "umap"])
    ap.add_argument("--max-points", type=int, default=2000, help="frames a clip (as latentcut map, spread evenly)")
    args = ap.parse_args()
    progress = stage_progress()
    encs = [create_encoder(s) for s in args.encoders]
    scores = {(e, m): [] for e in args.encoders for m in ["embedding", *args.methods]}
    clips = clip_paths(args.labels)
    used = 0
    for i, (path, lab) in enumerate(clips):
        progress(f"clip {i + 1}/{len(clips)}")
        for spec, enc in zip(args.encoders, encs):
            batch, _ = clip_frames(path, enc.frame_size)
            n = len(batch.frames)
            shot, clean = shot_ids(n, lab.boundaries)
            sel = subsample(n, args.max_points)
            sel = sel[clean[sel]]
            if len(np.unique(shot[sel])) < 2 or len(sel) < 4:
                break
            x = enc.transform(batch.frames[sel]).mean
            x = x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)
            scores[(spec, "embedding")].append(silhouette_score(x, shot[sel], metric="cosine"))
            for m in args.methods:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    coords = frame_map(x, m, seed=0)
                scores[(spec, m)].append(silhouette_score(coords, shot[sel]))
        else:
            used += 1
    print(f"\n{used} labelled clips with two shots or more; silhouette of the true shots (mean over clips; "
          f"share of clips above {args.encoders[0]})")
    print(f"  {'encoder':<48}" + "".join(f"{m:>22}" for m in ["embedding", *args.methods]))
    for spec in args.encoders:
        row = ""
        for m in ["embedding", *args.methods]:
            s, base = np.asarray(scores[(spec, m)][:used]), np.asarray(scores[(args.encoders[0], m)][:used])
            row += f"{s.mean():>12.3f} ({np.mean(s > base):.2f})" + " " * 3
        print(f"  {spec:<48}{row}")


if __name__ == "__main__":
    main()
