#!/usr/bin/env python
"""Accuracy on every labelled clip: each cheap encoder x distance x thresholder, the best fixed
threshold in hindsight (oracle), and PySceneDetect's detect-adaptive and detect-content.

    python benchmarks/accuracy.py [--labels ../shared/data/labels.json] [--per-clip]

Prints precision / recall / F1, micro-averaged over clips (sums of hits, false alarms and misses),
at a tolerance of 0 and 2 frames, and the paper's accuracy@N of each score curve.
"""
from __future__ import annotations

import argparse
import os

import numpy as np
from _common import DEFAULT_LABELS, clip_paths, pyscenedetect_cut_times, times_to_frames

from latentcut import SceneDetector, VideoReader, create_distance, create_encoder
from latentcut.evaluation import BoundaryScores, Interval, accuracy_at_n, evaluate
from latentcut.io.durations import DEFAULT_FPS
from latentcut.io.sampling import evenly_spaced
from latentcut.scoring.curves import score_curve
from latentcut.scoring.yardstick import reference_scale, sample_every, yardstick_sample

ENCODERS = ["pixel", "pixel,size=64", "pixel,color=false", "pixel,center=false"]
DISTANCES = ["l1", "l2", "cosine", "gaussian-kl", "symmetric-kl"]
THRESHOLDERS = ["adaptive", "kmeans"]
TOLS = (0, 2)


def intervals(result) -> list[Interval]:
    return [c.interval() for c in result.cuts]


def fmt(s: dict[int, BoundaryScores]) -> str:
    return "  ".join(f"{s[t].precision:5.3f} {s[t].recall:5.3f} {s[t].f1:5.3f}" for t in TOLS)


def cached_transform(enc, path, batch):
    """Embeddings through latentcut's on-disk cache: a second benchmark run reuses them."""
    from latentcut.cache import EmbeddingCache

    cache = EmbeddingCache()
    key = cache.key(path, enc.config(), {"size": list(enc.frame_size), "color": enc.color, "benchmark": "all-frames"})
    hit = cache.get(key, enc.config())
    if hit is not None:
        return hit.embeddings
    emb = enc.transform(batch.frames)
    cache.put(key, emb, batch.indices, batch.times, enc.config())
    return emb


def self_trained_rows(clips, frames_cache):
    """Each VAE self-trains on each clip (as `latentcut detect --encoder repro-vae` does), then the
    clip is scored with its own model."""

    out = []
    for name in ("repro-vae", "beta-vae"):
        per_thr = {thr: ({t: BoundaryScores(0, 0, 0) for t in TOLS}, {}) for thr in THRESHOLDERS}
        accs = []
        for path, lab in clips:
            enc = create_encoder(name)
            key = (enc.frame_size, enc.color)
            if (path, key) not in frames_cache:
                reader = VideoReader(path, size=enc.frame_size, color=enc.color)
                frames_cache[(path, key)] = (reader.read_all(), reader.info)
            batch, info = frames_cache[(path, key)]
            sel = evenly_spaced(len(batch.frames), enc.max_frames)
            enc.fit(batch.frames[sel], progress=False)
            det = SceneDetector(enc, progress=False)
            emb = enc.transform(batch.frames)
            curve = score_curve(emb, det.distance, det.span_frames(info.fps or DEFAULT_FPS), batch.indices, batch.times)
            if lab.boundaries:
                accs.append(accuracy_at_n(curve.scores, lab))
            for thr in THRESHOLDERS:
                res = SceneDetector(enc, thresholder=thr, progress=False).detect_curve(curve, info, sample=yardstick_sample(emb, sample_every(info)))
                tot, per = per_thr[thr]
                for t in TOLS:
                    tot[t] = tot[t] + evaluate(intervals(res), lab, t)
                per[lab.path] = evaluate(intervals(res), lab, 2).f1
        for thr in THRESHOLDERS:
            tot, per = per_thr[thr]
            out.append((f"{name} (self-trained per clip) | gaussian-kl | {thr}", tot, float(np.mean(accs)), per))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--per-clip", action="store_true", help="also print F1 (tol 2) per clip for each method")
    ap.add_argument("--encoders", nargs="+", default=ENCODERS)
    ap.add_argument("--distances", nargs="+", default=DISTANCES)
    ap.add_argument("--no-peers", action="store_true", help="skip PySceneDetect")
    ap.add_argument("--pretrained", action="store_true",
                    help="also the xception and timm:tf_efficientnet_lite0 encoders with ../shared/weights "
                         "(Xception at 299x299 is slow on a CPU: ~10 min the first time, then cached)")
    ap.add_argument("--vae", action="store_true",
                    help="also self-train repro-vae and beta-vae on each clip (default recipe; ~10 min)")
    args = ap.parse_args()

    clips = clip_paths(args.labels)
    if args.pretrained:
        w = os.path.join(os.path.dirname(os.path.abspath(args.labels)), "..", "weights")
        for spec in (f"timm:tf_efficientnet_lite0,weights={w}/tf-efficientnet-lite0-imagenet.safetensors",
                     f"xception,weights={w}/xception-imagenet-backbone.safetensors"):
            args.encoders.append(spec)
    print(f"{len(clips)} labelled clips, {sum(len(c.boundaries) for _, c in clips)} boundaries "
          f"({sum(b.kind == 'gradual' for _, c in clips for b in c.boundaries)} gradual)\n")
    rows: list[tuple[str, dict[int, BoundaryScores], float, dict[str, float]]] = []
    frames_cache: dict = {}
    for enc_spec in args.encoders:
        enc = create_encoder(enc_spec)
        label = enc_spec.split(",weights=")[0]
        key = (enc.frame_size, enc.color)
        embed_cache = {}
        for dist_spec in (args.distances if not getattr(enc, "cacheable", False) else ["l1", "l2", "cosine"]):
            dist = create_distance(dist_spec)
            curves = []
            for path, lab in clips:
                if (path, key) not in frames_cache:
                    reader = VideoReader(path, size=enc.frame_size, color=enc.color)
                    frames_cache[(path, key)] = (reader.read_all(), reader.info)
                batch, info = frames_cache[(path, key)]
                det = SceneDetector(enc, dist, gradual=True, progress=False)
                k = det.span_frames(info.fps or DEFAULT_FPS)
                if path not in embed_cache:
                    embed_cache[path] = cached_transform(enc, path, batch) if getattr(enc, "cacheable", False) else enc.transform(batch.frames)
                curves.append((score_curve(embed_cache[path], dist, k, batch.indices, batch.times), info, lab,
                               yardstick_sample(embed_cache[path], sample_every(info))))
            acc = float(np.nanmean([accuracy_at_n(c.scores, lab) for c, _, lab, _ in curves]))
            for thr in THRESHOLDERS:
                det = SceneDetector(enc, dist, thr, progress=False)
                tot = {t: BoundaryScores(0, 0, 0) for t in TOLS}
                per = {}
                for c, info, lab, sample in curves:
                    res = det.detect_curve(c, info, sample=sample)
                    for t in TOLS:
                        s = evaluate(intervals(res), lab, t)
                        tot[t] = tot[t] + s
                    per[lab.path] = evaluate(intervals(res), lab, 2).f1
                rows.append((f"{label} | {dist_spec} | {thr}", tot, acc, per))
            # Oracle: the one fixed threshold on this curve that maximises F1 (tol 2) over all clips.
            scale = reference_scale(enc, dist)
            best = None
            for frac in np.geomspace(0.02, 2.0, 60):
                det = SceneDetector(enc, dist, f"fixed,value={frac * scale}", progress=False)
                tot = {t: BoundaryScores(0, 0, 0) for t in TOLS}
                per = {}
                for c, info, lab, sample in curves:
                    res = det.detect_curve(c, info, sample=sample)
                    for t in TOLS:
                        tot[t] = tot[t] + evaluate(intervals(res), lab, t)
                    per[lab.path] = evaluate(intervals(res), lab, 2).f1
                if best is None or tot[2].f1 > best[1][2].f1:
                    best = (frac * scale, tot, per)
            rows.append((f"{label} | {dist_spec} | ORACLE fixed={best[0]:.4g}", best[1], acc, best[2]))

    if args.vae:
        rows.extend(self_trained_rows(clips, frames_cache))

    if not args.no_peers:
        for name in ("adaptive", "content"):
            tot = {t: BoundaryScores(0, 0, 0) for t in TOLS}
            per = {}
            for path, lab in clips:
                times = pyscenedetect_cut_times(path, name)
                if times is None:
                    print("PySceneDetect is not installed (pip install -e '.[bench]'): peers skipped")
                    break
                key = ((32, 32), "rgb")
                if (path, key) not in frames_cache:
                    reader = VideoReader(path, size=(32, 32))
                    frames_cache[(path, key)] = (reader.read_all(), reader.info)
                ft = frames_cache[(path, key)][0].times
                pred = [Interval(f, f) for f in times_to_frames(times, ft)]
                for t in TOLS:
                    tot[t] = tot[t] + evaluate(pred, lab, t)
                per[lab.path] = evaluate(pred, lab, 2).f1
            else:
                rows.append((f"PySceneDetect detect-{name} (defaults)", tot, float("nan"), per))

    w = max(len(r[0]) for r in rows)
    print(f"{'method':<{w}}  {'tol 0: P     R     F1':<21}  {'tol 2: P     R     F1':<21}  acc@N")
    for name, tot, acc, _ in rows:
        a = "" if np.isnan(acc) else f"{acc:5.3f}"
        print(f"{name:<{w}}  {fmt(tot)}  {a}")
    best_auto = max((r for r in rows if "ORACLE" not in r[0] and "PySceneDetect" not in r[0]), key=lambda r: r[1][2].f1)
    print(f"\nbest automatic combination (F1 at tol 2): {best_auto[0]}  F1={best_auto[1][2].f1:.3f}")
    default = next(r for r in rows if r[0] == "pixel | l1 | adaptive") if any(r[0] == "pixel | l1 | adaptive" for r in rows) else None
    if default:
        print(f"default (pixel | l1 | adaptive): F1={default[1][2].f1:.3f}")
    for r in rows:
        if r[0].startswith("PySceneDetect"):
            print(f"{r[0]}: F1={r[1][2].f1:.3f}")
    if args.per_clip:
        names = [lab.path for _, lab in clips]
        print("\nF1 at tolerance 2 per clip:")
        print(f"{'method':<{w}}  " + " ".join(f"{os.path.basename(n)[:10]:>10}" for n in names))
        for name, _, _, per in rows:
            print(f"{name:<{w}}  " + " ".join(f"{per.get(n, float('nan')):>10.2f}" for n in names))


if __name__ == "__main__":
    import os

    main()
