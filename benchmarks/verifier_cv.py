#!/usr/bin/env python
"""Does a learned verifier over the default's candidates pay? Leave-one-collection-out on the labelled clips.

    python benchmarks/verifier_cv.py [--labels ../shared/data/labels.json] [--low 0.5]

The default detector (pixel, l1, adaptive, fades and flat cards) proposes: its cuts, and the weak
peaks of its decision curve (``--low`` to 1) that no cut is near. Each candidate gets features that
see what a pixel distance misses: whether the picture returns a few frames later (a flash, a
strobe, an impact frame), the palette before and after, contrast, the motion around it, the
curve's shape. A logistic regression, fitted on the candidates of every other collection (held-out
collection never seen, its threshold chosen on the training side too), keeps or drops each cut and
takes or leaves each weak peak. Prints the default and the verified detector side by side,
overall and on anime + cartoon, at tolerance 2, with the features' weights of the model fitted on all.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
from _common import DEFAULT_LABELS, add_scores, clip_frames, clip_paths, score_cuts, stage_progress

from latentcut import ShotDetector
from latentcut.detection.fades import frame_colour, frame_contrast
from latentcut.detection.results import Cut
from latentcut.detection.thresholders import local_maxima
from latentcut.evaluation import BoundaryScores
from latentcut.io.timecode import Timecode

ANIMATION = ("anime", "cartoon")
FEATURES = ("decision", "score", "raw", "returns_after", "returns_before", "colour_jump", "palette", "contrast_ratio",
            "motion", "straightness", "gradual", "weak", "hist_change", "hist_step", "hist_return", "hist_within")


def colour_histograms(frames: np.ndarray, levels: int = 4) -> np.ndarray:
    """Per frame, its joint RGB histogram over ``levels``^3 bins, summing to 1: the palette, blind to where."""
    q = (frames.astype(np.int32) * levels) // 256
    code = (q[..., 0] * levels + q[..., 1]) * levels + q[..., 2]
    n = len(frames)
    h = np.zeros((n, levels ** 3))
    for i in range(n):
        h[i] = np.bincount(code[i].ravel(), minlength=levels ** 3)
    return h / h.sum(axis=1, keepdims=True)


def candidates(det: ShotDetector, path: str, low: float):
    """(result, [(curve position, Cut, is_weak)], embeddings, frames) of one clip."""
    batch, info = clip_frames(path, det.encoder.frame_size, det.encoder.color)
    emb = det.encoder.transform(batch.frames)
    scored = det.score_embeddings(emb, batch.times, batch.indices, frame_contrast(batch.frames), info,
                                  frame_colour(batch.frames))
    r = det.detect_scored(scored)
    scored.hist = colour_histograms(batch.frames)
    scored.scale = det.yardstick(scored.reference, scored.sample)  # once a clip, not once a candidate
    c = r.curve
    pos = {int(f): i for i, f in enumerate(c.indices)}
    out = [(pos[x.frame.frame], x, False) for x in r.cuts]
    near = [p for p, _, _ in out]
    for p in local_maxima(np.asarray(r.decision)):
        if low <= r.decision[p] < 1.0 and all(abs(p - q) > 2 for q in near):
            out.append((int(p), Cut(Timecode(int(c.indices[p]), float(c.times[p]), info.fps or None),
                                    float(c.scores[p])), True))
    return r, out, emb, scored


def features(r, scored, emb, p: int, cut: Cut, weak: bool, dist) -> list[float]:
    c = r.curve
    n = len(c)
    scale = scored.scale
    eps = 1e-6
    step = float(c.raw[p]) + eps

    def d(a: int, b: int) -> float:
        a, b = min(max(a, 0), n - 1), min(max(b, 0), n - 1)
        return float(dist.linear(dist.pairwise(emb[a], emb[b]))[0])

    after = min(d(p - 1, p - 1 + k) for k in range(2, 7)) / step  # small: the picture comes back (a flash)
    before = min(d(p - k, p) for k in range(2, 7)) / step  # small: it was there a few frames before
    col = c.colour if c.colour is not None else np.zeros((n, 3))
    w = 6
    a, b = col[max(0, p - w):p], col[p:p + w]
    jump = float(np.abs(col[p] - col[max(p - 1, 0)]).mean())
    palette = float(np.abs(a.mean(0) - b.mean(0)).mean() / (a.std(0).mean() + b.std(0).mean() + 0.01)) if len(a) and len(b) else 0.0
    con = c.contrast if c.contrast is not None else np.ones(n)
    ratio = float(np.log((con[p:p + w].mean() + 0.01) / (con[max(0, p - w):p].mean() + 0.01))) if p > 0 else 0.0
    around = np.r_[c.raw[max(0, p - 12):max(0, p - 1)], c.raw[p + 2:p + 13]]
    motion = float(np.median(around) / scale) if len(around) else 0.0
    hist = scored.hist
    l1 = lambda x, y: float(np.abs(x - y).sum() / 2)  # noqa: E731
    hb, ha = hist[max(0, p - w):p], hist[p:p + w]
    h_change = l1(hb.mean(0), ha.mean(0)) if len(hb) and len(ha) else 0.0
    h_step = l1(hist[max(p - 1, 0)], hist[p])
    h_return = min(l1(hist[max(p - 1, 0)], hist[min(p - 1 + k, n - 1)]) for k in range(2, 7)) / (h_step + 0.01)
    within = [l1(x[j], x[j + 1]) for x in (hb, ha) for j in range(len(x) - 1)]
    h_within = float(np.mean(within)) if within else 0.0
    extra = [h_change, h_step, float(np.log(h_return + eps)), h_within]
    return [float(np.log(r.decision[p] + eps)), float(np.log(c.scores[p] / scale + eps)), float(np.log(c.raw[p] / scale + eps)),
            float(np.log(after + eps)), float(np.log(before + eps)), jump, float(np.log(palette + eps)), ratio, motion,
            float(c.straightness[p]), float(cut.is_gradual), float(weak)] + extra


def truth_of(cut: Cut, lab, tol: int = 2) -> bool:
    iv = cut.interval()
    return any(iv.distance_to(b) <= tol for b in lab.boundaries)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--low", type=float, default=0.5)
    ap.add_argument("--model", choices=["logistic", "boosting"], default="logistic")
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    clips = clip_paths(args.labels)
    det = ShotDetector(progress=False)
    progress = stage_progress()
    rows = []  # per clip: (result, [(cut, weak, x, y)])
    for i, (path, lab) in enumerate(clips):
        progress(f"candidates: clip {i + 1}/{len(clips)}")
        r, cands, emb, scored = candidates(det, path, args.low)
        rows.append((r, [(cut, weak, features(r, scored, emb, p, cut, weak, det.distance), truth_of(cut, lab))
                         for p, cut, weak in cands]))
    if sys.stderr.isatty():
        print(file=sys.stderr)
    folds = [lab.collection or lab.path for _, lab in clips]

    def fit(train):
        x = np.array([f for i in train for _, _, f, _ in rows[i][1]])
        y = np.array([t for i in train for _, _, _, t in rows[i][1]])
        sc = StandardScaler().fit(x)
        if args.model == "boosting":
            from sklearn.ensemble import HistGradientBoostingClassifier

            m = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_leaf_nodes=8, min_samples_leaf=10,
                                               l2_regularization=1.0, random_state=0).fit(sc.transform(x), y)
        else:
            m = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(sc.transform(x), y)
        return sc, m

    def probabilities(model, idx):
        """{clip: the model's probability for each of its candidates}, one vectorised call."""
        sc, m = model
        x = np.array([f for i in idx for _, _, f, _ in rows[i][1]])
        prob = m.predict_proba(sc.transform(x))[:, 1] if len(x) else np.zeros(0)
        out, at = {}, 0
        for i in idx:
            out[i] = prob[at:at + len(rows[i][1])]
            at += len(rows[i][1])
        return out

    def decide(prob, i, t_keep, t_add):
        return [cut for (cut, weak, _, _), q in zip(rows[i][1], prob[i])
                if (not weak and q >= t_keep) or (weak and q >= t_add)]

    def tot(per, keep=None):
        out = {}
        for i, s in enumerate(per):
            if keep is None or keep(i):
                out = add_scores(out, s)
        return out or {2: BoundaryScores(0, 0, 0)}

    grid = [(k, a) for k in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6) for a in (0.5, 0.7, 0.8, 0.9, 1.01)]
    base = [score_cuts(r.cuts, lab) for (r, _), (_, lab) in zip(rows, clips)]
    verified = [None] * len(clips)
    for fold in dict.fromkeys(folds):
        train = [i for i, f in enumerate(folds) if f != fold]
        model = fit(train)
        held = [i for i, f in enumerate(folds) if f == fold]
        p_train, p_held = probabilities(model, train), probabilities(model, held)
        best = max(grid, key=lambda g: (tot([score_cuts(decide(p_train, i, *g), clips[i][1]) for i in train])[2].f1, -g[0]))
        for i in held:
            verified[i] = score_cuts(decide(p_held, i, *best), clips[i][1])
    anim = lambda i: clips[i][1].group in ANIMATION  # noqa: E731
    empty = [i for i, (_, lab) in enumerate(clips) if not lab.boundaries]
    n_cands = sum(len(c) for _, c in rows)
    print(f"{len(clips)} clips, {len(set(folds))} collections, {n_cands} candidates "
          f"({sum(t for _, c in rows for *_, t in c)} on a true boundary)")
    print(f"{'tolerance 2':<52} {'all: P     R     F1':<20} {'anime+cartoon: P R F1':<22} no-boundary false cuts")
    for name, per in (("default (in-sample; its setting was chosen by LOCO on these clips)", base),
                      ("default + learned verifier (LEAVE-ONE-COLLECTION-OUT)", verified)):
        a, b = tot(per)[2], tot(per, anim)[2]
        print(f"{name:<52} {a.precision:5.3f} {a.recall:5.3f} {a.f1:5.3f}   {b.precision:5.3f} {b.recall:5.3f} {b.f1:5.3f}"
              f"   {sum(per[i][2].fp for i in empty):>3}")
    sc, m = fit(range(len(clips)))
    if hasattr(m, "coef_"):
        print("weights (standardised features, the model fitted on every clip): "
              + ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURES, m.coef_[0])))


if __name__ == "__main__":
    main()
