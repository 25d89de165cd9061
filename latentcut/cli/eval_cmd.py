"""`latentcut eval`."""
from __future__ import annotations

import json
import os

from latentcut.cli.common import int_at_least
from latentcut.errors import LatentcutError
from latentcut.evaluation.scene_csv import clip_name_of, predictions_from_scene_csv


def add_parser(sub) -> None:
    e = sub.add_parser("eval", help="score predictions against labels (P/R/F1, accuracy@N)")
    e.add_argument("predictions", metavar="PRED.json|SCENES.csv",
                   help="latentcut detect JSON, or a scene list CSV (PySceneDetect's list-scenes, or detect --csv)")
    e.add_argument("labels", metavar="LABELS.json")
    e.add_argument("--clip", help="which clip of a multi-clip labels file (default: matched by the video's file name)")
    e.add_argument("--tolerance", type=int_at_least(0), nargs="+", default=[0, 2], help="frame tolerances (default: 0 2)")
    e.add_argument("--curve", metavar="CURVE.csv", help="score curve from `detect --curve`, for accuracy@N")
    e.add_argument("--json", action="store_true", help="print JSON")
    e.set_defaults(func=run)


def run(args) -> int:
    from latentcut.evaluation import accuracy_at_n, evaluate, find_clip, load_labels, predictions_from_json
    from latentcut.evaluation.labels import load_json

    if args.predictions.lower().endswith(".csv"):
        pred, doc = predictions_from_scene_csv(args.predictions), None
    else:
        doc = load_json(args.predictions)
        if not isinstance(doc, (dict, list)) or (isinstance(doc, dict) and "cuts" not in doc):
            raise LatentcutError(f"{args.predictions}: expected latentcut JSON with a 'cuts' list")
        try:
            pred = predictions_from_json(doc)
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
            raise LatentcutError(f"{args.predictions}: malformed 'cuts' entry ({exc})") from None
    clips = load_labels(args.labels)
    if not clips:
        raise LatentcutError(f"{args.labels}: the labels file has no clips")
    if doc is None and not args.clip and len(clips) > 1:
        # a CSV does not name its video; its file name does (VIDEO-Scenes.csv, VIDEO.scenes.csv)
        stem = clip_name_of(args.predictions)
        named = [c for c in clips if os.path.splitext(os.path.basename(c.path))[0] == stem]
        if not named:
            raise LatentcutError(f"{args.predictions}: which clip is it? The labels file has several; give --clip NAME")
        clip = named[0]
    else:
        video = args.clip or (doc.get("video", "") if isinstance(doc, dict) else "")
        clip = find_clip(clips, video) if (video or len(clips) > 1) else clips[0]
    rows = []
    for tol in args.tolerance:
        s = evaluate(pred, clip, tol)
        rows.append({"tolerance": tol, **s.as_dict()})
    acc = None
    if args.curve:
        acc = accuracy_at_n(_read_curve_scores(args.curve), clip)
    if args.json:
        print(json.dumps({"clip": clip.path, "results": rows, "accuracy_at_n": acc}, indent=1))
        return 0
    print(f"{clip.path or args.labels}: {len(clip.boundaries)} true boundaries, {len(pred)} predicted")
    print(f"  {'tol':>3}  {'TP':>4} {'FP':>4} {'FN':>4}  {'precision':>9} {'recall':>7} {'F1':>6}")
    for r in rows:
        print(f"  {r['tolerance']:>3}  {r['tp']:>4} {r['fp']:>4} {r['fn']:>4}  {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>6.3f}")
    if acc is not None:
        print(f"  accuracy@N (N={len(clip.boundaries)}): {acc:.3f}")
    return 0


def _read_curve_scores(path: str):
    """The ``score`` column of a ``detect --curve`` CSV; one clear error for anything else."""
    import csv

    import numpy as np

    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise LatentcutError(f"--curve {path}: no such file") from None
    except IsADirectoryError:
        raise LatentcutError(f"--curve {path}: is a directory, not a curve CSV") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LatentcutError(f"--curve {path}: cannot read it as a curve CSV ({exc})") from None
    if not rows or "score" not in rows[0]:
        raise LatentcutError(f"--curve {path}: not a score curve CSV from `latentcut detect --curve` (no 'score' column)")
    col = rows[0].index("score")
    try:
        scores = np.array([float(r[col]) for r in rows[1:] if r], np.float64)
    except (ValueError, IndexError):
        raise LatentcutError(f"--curve {path}: malformed row in the score column") from None
    if not np.isfinite(scores).all():
        raise LatentcutError(f"--curve {path}: the score column holds NaN or infinite values")
    return scores
