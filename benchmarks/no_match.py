#!/usr/bin/env python
""""Not in the library": how well the best hit's score tells a screenshot of a video the library
holds from one of a video it does not, with the threshold chosen on other collections.

    LATENTCUT_WEIGHTS_DIR=../../shared/weights python benchmarks/no_match.py [--encoder lite0]
        [--per-clip 8] [--seed 0]

The labelled clips' collections are dealt into two folds. For each fold, a library holds that
fold's clips; screenshots (the changes of ``retrieval_quality.py``) come from the same clips (in
the library) and from the other fold's (not in it). The threshold that best separates them (the
most queries answered right: an in-library screenshot whose right hit scores at or above it, an
outside one whose best hit scores below) is chosen on one fold and scored on the other, so every
figure comes from collections the threshold never saw. Prints the thresholds, the held-out rates,
and the in-sample ones beside them.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np
from _common import DEFAULT_LABELS, clip_paths
from retrieval_quality import CHANGES, FLAT, QUERY_WIDTH

from latentcut import VideoReader
from latentcut.retrieval.library import SceneLibrary


def screenshots(clips, per_clip, rng):
    """(clip, frame index, picture at QUERY_WIDTH) for per_clip frames spread over each clip."""
    out = []
    for c in clips:
        info = VideoReader(c).info
        w = min(QUERY_WIDTH, info.width)
        h = max(8, int(round(info.height * w / info.width / 2)) * 2)
        n = max(info.frame_count, 1)
        want = set(np.linspace(n * 0.05, n * 0.95, per_clip).astype(int).tolist())
        for batch in VideoReader(c, size=(h, w)).batches():
            for f, idx in zip(batch.frames, batch.indices):
                if int(idx) in want and f.std() >= FLAT:
                    out.append((c, int(idx), f.copy()))
    return out


def scores(lib, shots, rng):
    """(best score, right) for each screenshot under each change."""
    out = []
    for c, idx, frame in shots:
        pictures = [np.ascontiguousarray(change(frame, rng)) for change in CHANGES.values()]
        for hits in lib.query_pictures(pictures, k=1):
            best = hits[0] if hits else None
            right = best is not None and best.video == c and best.start_frame <= idx < best.end_frame
            out.append((best.score if best else -1.0, right))
    return np.asarray(out, dtype=[("score", float), ("right", bool)])


def rates(inside, outside, t):
    """(in-library answered right, outside refused, all queries handled right) at threshold t."""
    a = float(np.mean(inside["right"] & (inside["score"] >= t)))
    r = float(np.mean(outside["score"] < t))
    return a, r, (a * len(inside) + r * len(outside)) / (len(inside) + len(outside))


def best_threshold(inside, outside):
    cand = np.unique(np.concatenate([inside["score"], outside["score"]]))
    return float(max(cand, key=lambda t: rates(inside, outside, t)[2]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder", default="lite0")
    ap.add_argument("--per-clip", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    clips = clip_paths(args.labels)
    by_coll: dict[str, list[str]] = {}
    for path, lab in clips:
        by_coll.setdefault(lab.collection or path, []).append(path)
    folds: list[list[str]] = [[], []]
    for coll in sorted(by_coll, key=lambda k: (-len(by_coll[k]), k)):  # the larger collections first, dealt evenly
        min(folds, key=len).extend(by_coll[coll])
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        shots = [screenshots(f, args.per_clip, rng) for f in folds]
        for k in (0, 1):
            lib = SceneLibrary(os.path.join(tmp, f"lib{k}"), encoder=args.encoder)
            for c in folds[k]:
                lib.add(c, progress=False)
            inside, outside = scores(lib, shots[k], rng), scores(lib, shots[1 - k], rng)
            lib.close()
            results.append((inside, outside))
            print(f"fold {k}: {len(folds[k])} clips in the library, {len(inside)} screenshots of them, {len(outside)} "
                  f"of the other fold's clips", file=sys.stderr, flush=True)
    print(f"\nencoder {args.encoder}; folds of {len(folds[0])} and {len(folds[1])} clips (whole collections); "
          f"{len(CHANGES)} changes a screenshot")
    print("| threshold chosen on | its value | scored on | in-library screenshots answered right | outside refused | "
          "all handled right | (in-sample: all handled right) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    held = []
    for k in (0, 1):
        t = best_threshold(*results[k])
        a, r, both = rates(*results[1 - k], t)
        _, _, own = rates(*results[k], t)
        held.append((t, a, r, both))
        print(f"| fold {k} | {t:.3f} | fold {1 - k} | {a:.3f} | {r:.3f} | {both:.3f} | {own:.3f} |")
    no_threshold = np.mean([float(np.mean(res[0]["right"])) for res in results])
    print(f"\nheld out, mean of the two folds: threshold {np.mean([h[0] for h in held]):.3f}, in-library answered right "
          f"{np.mean([h[1] for h in held]):.3f} (without a threshold: {no_threshold:.3f}), outside refused "
          f"{np.mean([h[2] for h in held]):.3f}")
    for name, res in (("in the library, right hit", results[0][0][results[0][0]["right"]]),
                      ("not in the library", results[0][1])):
        print(f"fold 0 best-hit scores, {name}: median {np.median(res['score']):.3f}, 5th-95th percentile "
              f"{np.percentile(res['score'], 5):.3f}-{np.percentile(res['score'], 95):.3f}")


if __name__ == "__main__":
    main()
