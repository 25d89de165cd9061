#!/usr/bin/env python
"""Does a learned verifier over the default's candidates pay? Leave-one-collection-out on the labelled clips.

    python benchmarks/verifier_cv.py --lite0 ../shared/weights/tf-efficientnet-lite0-imagenet.safetensors [--save DIR]
    python benchmarks/verifier_cv.py [--model logistic|boosting] [--cnn W] [--align] [--synthetic N] [--low 0.5]

With ``--lite0`` it is the library's ``lite0`` verifier: its own candidates (every accepted hard
cut, every weak peak of the decision curve in [0.5, 1)) and its own features
(:meth:`latentcut.detection.lite0_verifier.Lite0Verifier.features`), the pair difference's
principal directions (``--components``) and the logistic regression fitted on the candidates of
every other collection, the two probability bars chosen on them too. ``--save DIR`` then fits on
every clip and writes the model folder latentcut ships (``scripts/train-shipped-models.sh ...
lite0-verifier`` calls it so).

Without it, the experiments that led there: candidates are the default's cuts and the weak peaks
(``--low`` to 1) that no cut is near, described by the curve's shape, whether the picture returns a
few frames later, the palette before and after, contrast and motion; ``--cnn`` adds Lite0 window
features, ``--align`` residuals after the best zoom and shift, ``--synthetic`` training sequences
spliced from the unlabelled footage. Prints the default, a perfect judge of the candidates (the
ceiling) and the verified detector side by side, overall and on anime + cartoon, at tolerance 2,
with the features' weights of the model fitted on all.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
from _common import DEFAULT_LABELS, add_scores, clip_frames, clip_paths, score_cuts, stage_progress

from latentcut import ShotDetector
from latentcut.detection.fades import frame_colour, frame_contrast
from latentcut.detection.lite0_verifier import colour_histograms
from latentcut.detection.results import Cut
from latentcut.detection.thresholders import local_maxima
from latentcut.evaluation import BoundaryScores
from latentcut.io.timecode import Timecode

ANIMATION = ("anime", "cartoon")
FEATURES = ("decision", "score", "raw", "returns_after", "returns_before", "colour_jump", "palette", "contrast_ratio",
            "motion", "straightness", "gradual", "weak", "hist_change", "hist_step", "hist_return", "hist_within")


def candidates(det: ShotDetector, path: str, low: float, given=None):
    """(result, [(curve position, Cut, is_weak)], embeddings, frames) of one clip (or of ``given``
    (FrameBatch, VideoInfo), a synthetic sequence)."""
    batch, info = given or clip_frames(path, det.encoder.frame_size, det.encoder.color)
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


CNN_FEATURES = ("cnn_step", "cnn_across", "cnn_within", "cnn_ratio", "cnn_return", "cnn_far", "cnn_far_ratio")
CNN_SPAN = range(-4, 6)
_CNN = {}


def cnn_windows(weights: str, size: int, path: str, positions: list[int], n: int) -> dict:
    """{frame position: unit-length features} of the frames around every candidate, each frame once:
    EfficientNet-Lite0's when ``weights`` is its safetensors file, else those of the encoder it
    names (a spec, e.g. ``shotnet`` or ``shotnet,model=DIR``) at that encoder's own input size."""
    from latentcut.encoders import create_encoder
    from latentcut.encoders.lite0 import Lite0Encoder

    if "enc" not in _CNN:
        if str(weights).endswith(".safetensors"):
            enc = Lite0Encoder(weights=weights, size=size, pca=None)
            _CNN["enc"], _CNN["size"], _CNN["embed"] = enc, (size, size), enc.features
        else:
            enc = create_encoder(weights).prepare()
            _CNN["enc"], _CNN["size"], _CNN["embed"] = enc, enc.frame_size, lambda f: enc.transform(f).mean
    batch, _ = clip_frames(path, _CNN["size"])
    assert len(batch.frames) == n, (len(batch.frames), n)
    want = sorted({min(max(p + k, 0), n - 1) for p in positions for k in CNN_SPAN})
    f = _CNN["embed"](batch.frames[want]) if want else np.zeros((0, 1))
    f = f / (np.linalg.norm(f, axis=1, keepdims=True) + 1e-9)
    return dict(zip(want, f))


def cnn_features(cnn: dict, p: int, n: int) -> list[float]:
    at = lambda k: cnn[min(max(p + k, 0), n - 1)]  # noqa: E731
    d = lambda a, b: float(1.0 - at(a) @ at(b))  # noqa: E731
    eps = 1e-3
    step = d(-1, 0)
    across = min(d(a, b) for a in (-3, -2, -1) for b in (0, 1, 2))
    within = float(np.mean([d(-3, -2), d(-2, -1), d(0, 1), d(1, 2)]))
    back = min(d(-1, k) for k in range(1, 6))  # small: the picture before comes back (a flash, a strobe)
    far = d(-4, 5)
    return [step, across, within, float(np.log((across + eps) / (within + eps))), float(np.log((back + eps) / (step + eps))),
            far, float(np.log((far + eps) / (within + eps)))]


ALIGN_FEATURES = ("al_step", "al_gain", "al_cross", "al_within", "al_ratio")
ALIGN_SIZE = 64
_SCALES = (0.7, 0.77, 0.83, 0.91, 1.0, 1.1, 1.2, 1.3, 1.43)
_SHIFTS = range(-8, 9, 2)


def _zoomed(g: np.ndarray, s: float) -> np.ndarray:
    """``g`` magnified ``s`` times about its centre (bilinear, edges clamped)."""
    n = g.shape[0]
    c = (n - 1) / 2
    x = np.clip(c + (np.arange(n) - c) / s, 0, n - 1)
    i0 = np.minimum(np.floor(x).astype(int), n - 2)
    w = x - i0
    rows = g[i0] * (1 - w)[:, None] + g[i0 + 1] * w[:, None]
    return rows[:, i0] * (1 - w)[None, :] + rows[:, i0 + 1] * w[None, :]


def aligned_residual(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(residual as is, least residual over zooms and shifts) between two grey frames, each
    brightness-normalised, on the centre: a zoom, a pan or a flash explains its change, a cut does not."""
    norm = lambda g: (g - g.mean()) / (g.std() + 8.0)  # noqa: E731
    a, b = norm(a), norm(b)
    n, m = a.shape[0], 8
    tb = b[m + 8:n - m - 8, m + 8:n - m - 8]
    best, plain = np.inf, float(np.abs(a - b)[m:n - m, m:n - m].mean())
    for s in _SCALES:
        z = _zoomed(a, s)
        for dy in _SHIFTS:
            for dx in _SHIFTS:
                ta = z[m + 8 + dy:n - m - 8 + dy, m + 8 + dx:n - m - 8 + dx]
                best = min(best, float(np.abs(ta - tb).mean()))
    return plain, best


def align_features(grey: np.ndarray, p: int) -> list[float]:
    n = len(grey)
    g = lambda k: grey[min(max(p + k, 0), n - 1)]  # noqa: E731
    eps = 1e-3
    plain, best = aligned_residual(g(-1), g(0))
    cross = min(best, aligned_residual(g(-2), g(1))[1], aligned_residual(g(-3), g(2))[1])
    within = 0.5 * (aligned_residual(g(-3), g(-2))[1] + aligned_residual(g(1), g(2))[1])
    return [best, float(np.log((best + eps) / (plain + eps))), cross, within, float(np.log((cross + eps) / (within + eps)))]


def synthetic_rows(det: ShotDetector, n: int, low: float, seed: int):
    """[(cut, weak, features, truth)] of the candidates on ``n`` sequences spliced from the unlabelled
    footage (single-shot stretches, random transitions and in-shot look-alikes: flashes, strobes,
    shakes, zooms, pans)."""
    import os

    from latentcut.detection.learned_training import find_stretches, make_sequences, unlabelled_videos
    from latentcut.io.video import FrameBatch, VideoInfo

    folder = os.path.join(os.path.dirname(DEFAULT_LABELS), "unlabelled")
    stretches = find_stretches(unlabelled_videos(folder))
    rng = np.random.default_rng(seed)
    out = []
    for seq in make_sequences(stretches, n, rng):
        t = len(seq.frames)
        idx = np.arange(t)
        batch = FrameBatch(seq.frames, idx, idx / 24.0)
        info = VideoInfo("synthetic", 32, 32, 0, 24.0, t / 24.0, t, "raw")
        r, cands, emb, scored = candidates(det, "", low, (batch, info))
        lab = type("L", (), {"boundaries": seq.boundaries})
        out += [(cut, weak, features(r, scored, emb, p, cut, weak, det.distance), tt)
                for (p, cut, weak), tt in zip(cands, truths(cands, lab))]
    return out


def lite0_candidates(det: ShotDetector, path: str, weights: str):
    """(result, [(Cut, is_weak)], fixed gradual cuts, features, the candidates' curve positions) of one
    clip, as the lite0 verifier sees it."""
    from latentcut.detection.lite0_verifier import Lite0Verifier

    if "lite0" not in _CNN:
        _CNN["lite0"] = Lite0Verifier(weights=weights)
        if not str(weights).endswith(".safetensors"):  # an encoder spec: the same verifier on its features
            # (a measurement only: the library's verifier and its model are Lite0's, SIZE and DIM its)
            import latentcut.detection.lite0_verifier as lv
            from latentcut.encoders import create_encoder

            enc = create_encoder(weights).prepare()
            lv.SIZE, lv.DIM = enc.frame_size[0], enc.transform(np.zeros((1, *enc.frame_size, 3), np.uint8)).dim
            enc.features = lambda f: enc.transform(f).mean
            _CNN["lite0"].encoder_ = enc
    v = _CNN["lite0"]
    r = det.detect(path)
    weak, doubtful = v.candidates(r)
    c = r.curve
    by_frame = {x.frame.frame: x for x in r.cuts if not x.is_gradual}
    cands = [(by_frame[int(c.indices[p])], False) for p in doubtful]
    cands += [(Cut(Timecode(int(c.indices[p]), float(c.times[p]), r.video.fps or None), float(c.scores[p])), True)
              for p in weak]
    positions = np.r_[doubtful, weak].astype(np.int64)
    x = v.features(path, r, positions, np.r_[np.zeros(len(doubtful), bool), np.ones(len(weak), bool)])
    return r, cands, [x for x in r.cuts if x.is_gradual], x, positions


def truths(cands, lab, tol: int = 2) -> list[bool]:
    """Per candidate, whether keeping it would find a boundary: of the candidates within ``tol`` of
    a labelled boundary, only the nearest (a cut before a weak peak) counts; the others would be
    duplicates, false cuts to the scorer."""
    out = [False] * len(cands)
    for b in lab.boundaries:
        near = [(cut.interval().distance_to(b), weak, j) for j, (_, cut, weak) in enumerate(cands)]
        near = [x for x in near if x[0] <= tol]
        if near:
            out[min(near)[2]] = True
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--low", type=float, default=0.5)
    ap.add_argument("--model", choices=["logistic", "boosting"], default="logistic")
    ap.add_argument("--cnn", metavar="WEIGHTS|ENCODER", help="also EfficientNet-Lite0 features of the frames around each "
                    "candidate (the safetensors file, e.g. ../shared/weights/tf-efficientnet-lite0-imagenet.safetensors), "
                    "or another encoder's (a spec: shotnet, shotnet,model=DIR)")
    ap.add_argument("--cnn-size", type=int, default=128)
    ap.add_argument("--lite0", metavar="WEIGHTS", help="the library's lite0 verifier (its candidates and features; "
                    "an encoder spec such as 'shotnet' in place of the weights file puts that encoder's features "
                    "where Lite0's are, to measure it as the verifier's features: not savable) "
                    "with these Lite0 weights; logistic regression")
    ap.add_argument("--components", type=int, default=8, metavar="K",
                    help="with --lite0: principal directions of the pair difference the model sees (default 8)")
    ap.add_argument("--fold-learned", action="store_true",
                    help="with --lite0: also the learned detector's probability near each candidate (not saved)")
    ap.add_argument("--save", metavar="DIR", help="with --lite0: fit on every clip and write the model folder "
                    "(latentcut/detection/models/lite0-verifier is the shipped one)")
    ap.add_argument("--align", action="store_true", help="also residuals after the best zoom and shift")
    ap.add_argument("--synthetic", type=int, default=0, metavar="N",
                    help="also train on N synthetic sequences spliced from the unlabelled footage")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    LITE0_FEATURES = ()
    if args.lite0:
        from latentcut.detection.lite0_verifier import FEATURES as LITE0_FEATURES

        if args.fold_learned:
            LITE0_FEATURES = LITE0_FEATURES + ("learned",)
    clips = clip_paths(args.labels)
    det = ShotDetector(progress=False)
    progress = stage_progress()
    rows = []  # per clip: (result, [(cut, weak, x, y)])
    fixed = [[] for _ in clips]  # per clip: cuts the verifier does not judge (gradual ones, with --lite0)
    for i, (path, lab) in enumerate(clips):
        progress(f"candidates: clip {i + 1}/{len(clips)}")
        if args.lite0:
            r, cands, fixed[i], x, positions = lite0_candidates(det, path, args.lite0)
            if args.fold_learned:  # the 0.1 learned detector's probability near each candidate, as one more feature
                from latentcut.detection.learned import LearnedThreshold

                prob = LearnedThreshold().decision_function(r.curve, r.video.fps or None)
                got = [np.log(prob[max(q - 1, 0):q + 2].max() + 1e-4) for q in positions]
                k = len(LITE0_FEATURES) - 1
                x = np.c_[x[:, :k], np.asarray(got, float).reshape(-1, 1), x[:, k:]]
            rows.append((r, [(cut, weak, f, t) for (cut, weak), f, t in
                             zip(cands, x, truths([(0, c, w) for c, w in cands] + [(0, c, False) for c in fixed[i]], lab))]))
            continue
        r, cands, emb, scored = candidates(det, path, args.low)
        grey = clip_frames(path, (ALIGN_SIZE, ALIGN_SIZE))[0].frames.astype(np.float32).mean(axis=3) if args.align else None
        cnn = cnn_windows(args.cnn, args.cnn_size, path, [p for p, _, _ in cands], len(r.curve)) if args.cnn else None
        rows.append((r, [(cut, weak, features(r, scored, emb, p, cut, weak, det.distance)
                          + (cnn_features(cnn, p, len(r.curve)) if cnn is not None else [])
                          + (align_features(grey, p) if grey is not None else []), t)
                         for (p, cut, weak), t in zip(cands, truths(cands, lab))]))
    if sys.stderr.isatty():
        print(file=sys.stderr)
    folds = [lab.collection or lab.path for _, lab in clips]
    if args.save and (not args.lite0 or args.model != "logistic" or args.fold_learned
                      or not args.lite0.endswith(".safetensors")):
        ap.error("--save writes the lite0 verifier's logistic regression: it needs --lite0 WEIGHTS (and --model logistic, "
                 "no --fold-learned)")
    if args.lite0 and (args.cnn or args.align or args.synthetic):
        ap.error("--lite0 uses the library's own features (no --cnn, --align or --synthetic)")
    if args.synthetic and (args.cnn or args.align):
        ap.error("--synthetic trains on the curve features only (no --cnn or --align)")
    synth = synthetic_rows(det, args.synthetic, args.low, args.seed) if args.synthetic else []
    if synth:
        print(f"synthetic: {len(synth)} candidates ({sum(t for *_, t in synth)} true)")

    def fit(train):
        x = np.array([f for i in train for _, _, f, _ in rows[i][1]] + [f for _, _, f, _ in synth])
        y = np.array([t for i in train for _, _, _, t in rows[i][1]] + [t for *_, t in synth])
        proj = None
        if args.lite0:  # the pair difference's principal directions, fitted on the training side only
            from sklearn.decomposition import PCA

            k = len(LITE0_FEATURES)
            proj = PCA(args.components, svd_solver="full").fit(x[:, k:])
            x = np.c_[x[:, :k], proj.transform(x[:, k:])]
        sc = StandardScaler().fit(x)
        if args.model == "boosting":
            from sklearn.ensemble import HistGradientBoostingClassifier

            m = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_leaf_nodes=8, min_samples_leaf=10,
                                               l2_regularization=1.0, random_state=0).fit(sc.transform(x), y)
        else:
            m = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced").fit(sc.transform(x), y)
        return sc, m, proj

    def probabilities(model, idx):
        """{clip: the model's probability for each of its candidates}, one vectorised call."""
        sc, m, proj = model
        x = np.array([f for i in idx for _, _, f, _ in rows[i][1]])
        if proj is not None and len(x):
            k = len(LITE0_FEATURES)
            x = np.c_[x[:, :k], proj.transform(x[:, k:])]
        prob = m.predict_proba(sc.transform(x))[:, 1] if len(x) else np.zeros(0)
        out, at = {}, 0
        for i in idx:
            out[i] = prob[at:at + len(rows[i][1])]
            at += len(rows[i][1])
        return out

    def decide(prob, i, t_keep, t_add):
        return fixed[i] + [cut for (cut, weak, _, _), q in zip(rows[i][1], prob[i])
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
    oracle = [score_cuts(fixed[i] + [cut for cut, _, _, t in rows[i][1] if t], clips[i][1]) for i in range(len(clips))]
    for name, per in (("default (in-sample; its setting was chosen by LOCO on these clips)", base),
                      ("a perfect verifier (the candidates' ceiling)", oracle),
                      ("default + learned verifier (LEAVE-ONE-COLLECTION-OUT)", verified)):
        a, b = tot(per)[2], tot(per, anim)[2]
        print(f"{name:<52} {a.precision:5.3f} {a.recall:5.3f} {a.f1:5.3f}   {b.precision:5.3f} {b.recall:5.3f} {b.f1:5.3f}"
              f"   {sum(per[i][2].fp for i in empty):>3}")
    sc, m, proj = fit(range(len(clips)))
    if args.save:
        from latentcut.detection.lite0_verifier import VerifierModel

        everything = list(range(len(clips)))
        p_all = probabilities((sc, m, proj), everything)
        keep, add = max(grid, key=lambda g: (tot([score_cuts(decide(p_all, i, *g), clips[i][1]) for i in everything])[2].f1, -g[0]))
        a = tot(verified)[2]
        VerifierModel(proj.components_, proj.mean_, sc.mean_, sc.scale_, m.coef_[0], m.intercept_[0], keep, add,
                      {"trained_on": f"{len(clips)} labelled clips of {len(set(folds))} collections",
                       "leave_one_collection_out": {"precision": round(a.precision, 3), "recall": round(a.recall, 3),
                                                    "f1": round(a.f1, 3)},
                       "remake": "python benchmarks/verifier_cv.py --lite0 WEIGHTS --save DIR"}).save(args.save)
        print(f"wrote {args.save} (keep a cut at p >= {keep}, add a weak peak at p >= {add})")
    if hasattr(m, "coef_"):
        names = FEATURES + (CNN_FEATURES if args.cnn else ()) + (ALIGN_FEATURES if args.align else ())
        if args.lite0:
            names = LITE0_FEATURES + tuple(f"pair_pc{j + 1}" for j in range(args.components))
        print("weights (standardised features, the model fitted on every clip): "
              + ", ".join(f"{n} {w:+.2f}" for n, w in zip(names, m.coef_[0])))


if __name__ == "__main__":
    main()
