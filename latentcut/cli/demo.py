"""`latentcut demo`."""
from __future__ import annotations

import json
import os

from latentcut.cli.common import add_detect_options, detector_from_args, print_cuts
from latentcut.errors import LatentcutError


def add_parser(sub) -> None:
    m = sub.add_parser("demo", help="make a demo clip with known cuts and detect on it")
    m.add_argument("--dir", default="latentcut-demo", help="output folder (default: latentcut-demo)")
    add_detect_options(m)
    m.set_defaults(func=run)


def _is_our_demo(labels_path: str) -> bool:
    try:
        with open(labels_path, encoding="utf-8") as f:
            return str(json.load(f).get("notes", "")).startswith("latentcut demo")
    except (OSError, ValueError, AttributeError):
        return False


def run(args) -> int:
    from latentcut.evaluation import evaluate
    from latentcut.evaluation.labels import clip_from_dict
    from latentcut.exports.edl import write_edl
    from latentcut.exports.report import write_report
    from latentcut.io.atomic import atomic_write
    from latentcut.exports.tables import write_json, write_shots_csv
    from latentcut.synthetic.demo import make_demo_clip

    if os.path.exists(args.dir) and not os.path.isdir(args.dir):
        raise LatentcutError(f"--dir {args.dir}: is a file, not a folder")
    video = os.path.join(args.dir, "demo.mp4")
    made = os.path.join(args.dir, "demo-labels.json")
    if os.path.exists(video) and not _is_our_demo(made):
        raise LatentcutError(f"{video}: exists and latentcut did not make it; give the demo another --dir")
    labels = make_demo_clip(video)
    with atomic_write(made, encoding="utf-8") as f:
        json.dump(labels, f, indent=1)
    print(f"made {video}: {labels['frames']} frames with cuts at {labels['cuts']} and a dissolve over frames "
          f"{labels['gradual'][0]['start']}-{labels['gradual'][0]['end']} (plus a one-frame flash, not a cut)")
    det = detector_from_args(args)
    result = det.detect(video, keep_embeddings=True)
    write_json(result, os.path.join(args.dir, "demo.json"))
    write_shots_csv(result, os.path.join(args.dir, "demo-scenes.csv"))
    write_edl(result, os.path.join(args.dir, "demo.edl"))
    write_report(result, os.path.join(args.dir, "demo.html"))
    print_cuts(result)
    s = evaluate([c.interval() for c in result.cuts], clip_from_dict(labels, "demo"), 2)
    print(f"against the demo's ground truth (tolerance 2 frames): precision {s.precision:.2f}, recall {s.recall:.2f}, F1 {s.f1:.2f}")
    print(f"outputs in {args.dir}/ (demo.json, demo-scenes.csv, demo.edl, and demo.html: open it in a browser)")
    return 0
