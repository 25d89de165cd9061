"""`latentcut detect`."""
from __future__ import annotations

import sys

from latentcut.cli.common import _add_detect_options, _check_outputs, _detector, _float_in, _inputs, _print_cuts
from latentcut.errors import LatentcutError
from latentcut.io.timecode import format_seconds


def add_parser(sub) -> None:
    d = sub.add_parser("detect", help="find shot boundaries in a video")
    d.add_argument("video")
    d.add_argument("-o", "--output", metavar="OUT.json", help="write cuts and scenes as JSON")
    d.add_argument("--csv", metavar="SCENES.csv", help="write the scene list as CSV (PySceneDetect's columns)")
    d.add_argument("--curve", metavar="CURVE.csv", help="write the per-frame score curve as CSV")
    d.add_argument("-q", "--quiet", action="store_true", help="print nothing, no progress bar")
    d.add_argument("--scenes", action="store_true", help="also group shots into scenes (changes of place), in the JSON and output")
    d.add_argument("--strictness", type=_float_in(0.0, 1.0), default=0.5, help="scene grouping: 0 (few scenes) .. 1 (many); default 0.5")
    d.add_argument("--plot", metavar="CURVE.png", help="draw the score curve with the threshold and the cuts")
    d.add_argument("--labels", metavar="LABELS.json", help="with --plot: also draw the true boundaries from a labels file")
    _add_detect_options(d)
    d.set_defaults(func=run)


def run(args) -> int:
    from latentcut.io.writers import write_curve_csv, write_json, write_scenes_csv

    outputs = {"-o": args.output, "--csv": args.csv, "--curve": args.curve, "--plot": args.plot}
    _check_outputs(_inputs(args, video=args.video, labels=args.labels), outputs)
    if args.labels and not args.plot:
        raise LatentcutError("--labels draws the true boundaries on --plot; give --plot too")
    if sum(v == "-" for v in outputs.values()) > 1:
        raise LatentcutError("only one output can go to standard output ('-')")
    human = sys.stderr if "-" in outputs.values() else sys.stdout  # stdout carries the data then
    lab = None
    if args.plot and args.labels:
        from latentcut.evaluation import find_clip, load_labels

        lab = find_clip(load_labels(args.labels), args.video)
    det = _detector(args)
    result = det.detect(args.video, keep_embeddings=args.scenes)
    groups = None
    if args.scenes:
        from latentcut.scenes.grouping import group_shots, shot_vectors

        groups = group_shots(shot_vectors(result), args.strictness)
        result.scene_groups = [g.to_dict(result) for g in groups]
    if args.output:
        write_json(result, args.output)
    if args.csv:
        write_scenes_csv(result, args.csv)
    if args.curve:
        write_curve_csv(result, args.curve)
    if args.plot:
        from latentcut.scoring.plot import plot_curve

        plot_curve(result, args.plot, lab)
    if not args.quiet:
        _print_cuts(result, human)
        if groups is not None:
            print(f"  {len(groups)} scene{'s' if len(groups) != 1 else ''} (strictness {args.strictness}):", file=human)
            for g in result.scene_groups:
                print(f"    scene {g['scene']}: shots {g['shots'][0]}-{g['shots'][-1]}, "
                      f"{format_seconds(g['start_time'])} - {format_seconds(g['end_time'])}", file=human)
        for what, path in (("json", args.output), ("scenes csv", args.csv), ("score curve", args.curve), ("plot", args.plot)):
            if path and path != "-":
                print(f"  wrote {what}: {path}", file=human)
    return 0
