"""`latentcut eval`."""
from __future__ import annotations

import json
import os

from latentcut.cli.common import int_at_least
from latentcut.errors import LatentcutError
from latentcut.evaluation.scene_csv import clip_name_of, predictions_from_scene_csv

#: the curve columns accuracy@N can read: the paper's raw distance, or the detector's robust score
CURVE_COLUMNS = ("raw", "score")


def add_parser(sub) -> None:
    e = sub.add_parser("eval", help="score predictions against labels (P/R/F1, accuracy@N), one clip or many",
                       description="Score one or many clips' predictions against a labels file. With several "
                                   "predictions (or a folder of them) each is matched to its clip by its video's "
                                   "name, and the total is summed over clips (micro-averaged).")
    e.add_argument("predictions", metavar="PRED.json|SCENES.csv|FOLDER", nargs="+",
                   help="latentcut detect JSON, a scene list CSV (PySceneDetect's list-scenes, or detect --csv), "
                        "or a folder of them (its *.json and *.csv files; *.curve.csv are curves)")
    e.add_argument("labels", metavar="LABELS.json")
    e.add_argument("--clip", help="which clip of a multi-clip labels file, for one prediction "
                                  "(default: matched by the video's file name)")
    e.add_argument("--tolerance", type=int_at_least(0), nargs="+", default=[0, 2], help="frame tolerances (default: 0 2)")
    e.add_argument("--curve", metavar="CURVE.csv", nargs="+",
                   help="score curves from `detect --curve`, for accuracy@N; with several clips each is matched by "
                        "its name (VIDEO.curve.csv). A folder of predictions brings its own *.curve.csv")
    e.add_argument("--curve-column", choices=CURVE_COLUMNS, default="raw",
                   help="the curve column accuracy@N ranks: raw (the distance between consecutive frames, the "
                        "paper's measure) or score (the detector's robust score) (default: raw)")
    e.add_argument("--n", default="from-labels", metavar="from-labels|N",
                   help="accuracy@N's N: each clip's number of true boundaries, or a fixed count (default: from-labels)")
    e.add_argument("--json", action="store_true", help="print JSON")
    e.set_defaults(func=run)


def run(args) -> int:
    from latentcut.evaluation import accuracy_at_n, load_labels

    n = _parse_n(args.n)
    preds, curves = _expand(args.predictions, args.curve or [])
    if args.clip and len(preds) > 1:
        raise LatentcutError("--clip names the clip of one prediction; with several, each is matched by its name")
    loaded = [_load_predictions(p) for p in preds]
    clips = load_labels(args.labels)
    if not clips:
        raise LatentcutError(f"{args.labels}: the labels file has no clips")
    evaluated = [_evaluate_one(p, pred, doc, clips, args) for p, pred, doc in loaded]
    seen = [c.path for _, c, _ in evaluated]
    dupes = sorted({os.path.basename(x) for x in seen if seen.count(x) > 1})
    if dupes:
        raise LatentcutError(f"two predictions for the same clip: {', '.join(dupes)}")
    curve_of = _match_curves(curves, evaluated, single=len(preds) == 1)
    out = []
    for pred_path, clip, rows in evaluated:
        acc = hits = None
        size = len(clip.boundaries) if n is None else n  # this clip's N
        if clip.path in curve_of:
            acc = accuracy_at_n(_read_curve(curve_of[clip.path], args.curve_column), clip, n=n)
            hits = None if size == 0 else round(acc * size)
        out.append({"clip": clip.path, "predictions": pred_path, "results": rows, "accuracy_at_n": acc,
                    "n": size, "hits": hits})
    if len(out) == 1:
        return _print_one(out[0], args, curve_column=args.curve_column)
    return _print_many(out, args)


def _parse_n(text: str):
    if text == "from-labels":
        return None
    try:
        n = int(text)
    except ValueError:
        raise LatentcutError(f"--n: expected from-labels or a whole number, not {text!r}") from None
    if n < 1:
        raise LatentcutError(f"--n: must be at least 1, not {n}")
    return n


def _expand(paths: list[str], curves: list[str]) -> tuple[list[str], list[str]]:
    """(prediction files, curve files): folders opened one level deep, sorted; their *.curve.csv are curves."""
    preds, found = [], list(curves)
    for p in paths:
        if os.path.isdir(p):
            names = sorted(os.listdir(p))
            here = [os.path.join(p, x) for x in names if not x.startswith(".") and os.path.isfile(os.path.join(p, x))]
            found += [x for x in here if x.lower().endswith(".curve.csv")]
            got = [x for x in here if x.lower().endswith((".json", ".csv")) and not x.lower().endswith(".curve.csv")]
            if not got:
                raise LatentcutError(f"{p}: no predictions here (latentcut JSON or scene list CSV files)")
            preds += got
        else:
            preds.append(p)
    return preds, found


def _load_predictions(path: str):
    """(path, predicted Intervals, the JSON document or None for a CSV)."""
    from latentcut.evaluation import predictions_from_json
    from latentcut.evaluation.labels import load_json

    if path.lower().endswith(".csv"):
        pred, doc = predictions_from_scene_csv(path), None
    else:
        doc = load_json(path)
        if not isinstance(doc, (dict, list)) or (isinstance(doc, dict) and "cuts" not in doc):
            raise LatentcutError(f"{path}: expected latentcut JSON with a 'cuts' list")
        try:
            pred = predictions_from_json(doc)
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
            raise LatentcutError(f"{path}: malformed 'cuts' entry ({exc})") from None
    return path, pred, doc


def _evaluate_one(path: str, pred, doc, clips, args):
    """(path, its clip's labels, one row per tolerance)."""
    from latentcut.evaluation import evaluate, find_clip

    if doc is None and not args.clip and len(clips) > 1:
        # a CSV does not name its video; its file name does (VIDEO-Scenes.csv, VIDEO.scenes.csv)
        stem = clip_name_of(path)
        named = [c for c in clips if os.path.splitext(os.path.basename(c.path))[0] == stem]
        if not named:
            raise LatentcutError(f"{path}: which clip is it? The labels file has several; give --clip NAME")
        clip = named[0]
    else:
        video = args.clip or (doc.get("video", "") if isinstance(doc, dict) else "")
        clip = find_clip(clips, video) if (video or len(clips) > 1) else clips[0]
    rows = [{"tolerance": tol, **evaluate(pred, clip, tol).as_dict(), "predicted": len(pred)} for tol in args.tolerance]
    return path, clip, rows


def _match_curves(curves: list[str], evaluated, single: bool) -> dict:
    """{clip path: curve CSV}: with one clip and one curve, that curve; otherwise by name (VIDEO.curve.csv)."""
    if not curves:
        return {}
    if single and len(curves) == 1:
        return {evaluated[0][1].path: curves[0]}
    by_stem = {os.path.splitext(os.path.basename(c.path))[0]: c.path for _, c, _ in evaluated}
    out = {}
    for cv in curves:
        name = os.path.basename(cv)
        stem = name[: -len(".curve.csv")] if name.lower().endswith(".curve.csv") else os.path.splitext(name)[0]
        if stem not in by_stem:
            raise LatentcutError(f"--curve {cv}: matches none of the clips evaluated (name it VIDEO.curve.csv)")
        if by_stem[stem] in out:
            raise LatentcutError(f"--curve {cv}: a second curve for {stem}")
        out[by_stem[stem]] = cv
    return out


def _print_one(r: dict, args, curve_column: str) -> int:
    if args.json:
        print(json.dumps({"clip": r["clip"], "results": r["results"], "accuracy_at_n": r["accuracy_at_n"],
                          "n": r["n"], "curve_column": curve_column}, indent=1))
        return 0
    rows = r["results"]
    print(f"{r['clip'] or args.labels}: {r['results'][0]['tp'] + r['results'][0]['fn']} true boundaries, "
          f"{rows[0]['predicted']} predicted")
    print(f"  {'tol':>3}  {'TP':>4} {'FP':>4} {'FN':>4}  {'precision':>9} {'recall':>7} {'F1':>6}")
    for x in rows:
        print(f"  {x['tolerance']:>3}  {x['tp']:>4} {x['fp']:>4} {x['fn']:>4}  {x['precision']:>9.3f} {x['recall']:>7.3f} {x['f1']:>6.3f}")
    if r["accuracy_at_n"] is not None:
        print(f"  accuracy@N (N={r['n']}, the {curve_column} column): {r['accuracy_at_n']:.3f}")
    return 0


def _print_many(out: list[dict], args) -> int:
    from latentcut.evaluation import BoundaryScores

    total = []
    for j, tol in enumerate(args.tolerance):
        s = BoundaryScores(0, 0, 0)
        for r in out:
            x = r["results"][j]
            s = s + BoundaryScores(x["tp"], x["fp"], x["fn"])
        total.append({"tolerance": tol, **s.as_dict()})
    scored = [r for r in out if r["hits"] is not None]
    pooled = (sum(r["hits"] for r in scored) / sum(r["n"] for r in scored)) if scored else None
    if args.json:
        print(json.dumps({"clips": out, "total": {"results": total, "accuracy_at_n": pooled,
                                                  "clips_with_curves": len(scored), "curve_column": args.curve_column},
                          "clip_count": len(out)}, indent=1))
        return 0
    tols = args.tolerance
    head = "  ".join(f"F1@{t:<3}" for t in tols)
    w = max(len(os.path.basename(r["clip"])) for r in out)
    print(f"{'clip':<{w}}  {'true':>4} {'pred':>4}  {head}  accuracy@N")
    for r in out:
        f1s = "  ".join(f"{x['f1']:6.3f}" for x in r["results"])
        acc = f"{r['accuracy_at_n']:.3f} (N={r['n']})" if r["accuracy_at_n"] is not None else "-"
        x0 = r["results"][0]
        print(f"{os.path.basename(r['clip']):<{w}}  {x0['tp'] + x0['fn']:>4} {x0['predicted']:>4}  {f1s}  {acc}")
    print(f"\nall {len(out)} clips, summed (micro-averaged):")
    print(f"  {'tol':>3}  {'TP':>5} {'FP':>5} {'FN':>5}  {'precision':>9} {'recall':>7} {'F1':>6}")
    for x in total:
        print(f"  {x['tolerance']:>3}  {x['tp']:>5} {x['fp']:>5} {x['fn']:>5}  {x['precision']:>9.3f} {x['recall']:>7.3f} {x['f1']:>6.3f}")
    if pooled is not None:
        print(f"  accuracy@N over the {len(scored)} clips with a curve ({args.curve_column} column; "
              f"hits / sum of N): {pooled:.3f}")
    return 0


def _read_curve(path: str, column: str = "raw"):
    """Per frame, the ``column`` of a ``detect --curve`` CSV placed at its ``frame`` (-inf where a
    frame was not analysed, as with --stride); one clear error for anything else."""
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
    if not rows or column not in rows[0]:
        raise LatentcutError(f"--curve {path}: not a score curve CSV from `latentcut detect --curve` (no '{column}' column)")
    col = rows[0].index(column)
    at = rows[0].index("frame") if "frame" in rows[0] else None
    try:
        values = np.array([float(r[col]) for r in rows[1:] if r], np.float64)
        frames = np.array([int(r[at]) for r in rows[1:] if r], np.int64) if at is not None else np.arange(len(values))
    except (ValueError, IndexError):
        raise LatentcutError(f"--curve {path}: malformed row in the {column} or frame column") from None
    if not np.isfinite(values).all():
        raise LatentcutError(f"--curve {path}: the {column} column holds NaN or infinite values")
    if len(frames) and (frames.min() < 0 or np.any(np.diff(frames) <= 0)):
        raise LatentcutError(f"--curve {path}: its frame numbers are not increasing from 0")
    dense = np.full(int(frames.max()) + 1 if len(frames) else 0, -np.inf)
    dense[frames] = values
    return dense
