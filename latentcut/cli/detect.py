"""`latentcut detect`."""
from __future__ import annotations

import os
import sys

from latentcut.cli.common import (
    add_detect_options,
    add_range_options,
    check_outputs,
    detector_from_args,
    float_in,
    input_files,
    print_cuts,
    range_from_args,
    for_each_video,
    help_formatter,
)
from latentcut.cli.inputs import expand_inputs, output_path
from latentcut.errors import LatentcutError
from latentcut.io.timecode import format_seconds

EXAMPLES = """examples:
  latentcut detect film.mp4 -o film.json --csv film.csv       # cuts as JSON, shots as PySceneDetect's CSV
  latentcut detect film.mp4 --edl film.edl --fcpxml film.fcpxml --fcp7 film.xml   # edit lists, every frame rate
  latentcut detect film.mp4 --html report.html                # a page with every shot's thumbnails
  latentcut detect film.mp4 --csv film.csv --split-video shots/ --save-images stills/   # all in one run
  latentcut detect film.mp4 --start 00:01:00 --duration 90s   # only part of the video
  latentcut detect clips/ '*.mkv' -o 'out/$VIDEO_NAME.json'   # several videos, an output each
  latentcut detect film.mp4 -o - | jq .cuts                   # JSON to standard output
"""

#: option -> (what the line after a run calls it, writer)
OUTPUTS = ("-o", "--csv", "--curve", "--edl", "--otio", "--fcpxml", "--fcp7", "--html", "--plot")


def add_parser(sub) -> None:
    d = sub.add_parser("detect", help="find shot boundaries in videos", epilog=EXAMPLES, formatter_class=help_formatter(),
                       description="Find the shot boundaries (cuts and gradual transitions) of each video.")
    d.add_argument("videos", nargs="+", metavar="VIDEO", help="video files, folders of videos, or patterns like '*.mp4'")
    o = d.add_argument_group("outputs ('-' is standard output; with several videos put $VIDEO_NAME in each name)")
    o.add_argument("-o", "--output", metavar="OUT.json", help="cuts and shots as JSON (format 2: `latentcut schema`)")
    o.add_argument("--csv", metavar="SCENES.csv", help="the shot list as CSV (PySceneDetect's list-scenes columns)")
    o.add_argument("--curve", metavar="CURVE.csv", help="the per-frame score curve as CSV")
    o.add_argument("--edl", metavar="CUTS.edl", help="a CMX 3600 edit decision list (dissolves as D events)")
    o.add_argument("--otio", metavar="CUTS.otio", help="an OpenTimelineIO timeline (needs latentcut[otio])")
    o.add_argument("--fcpxml", metavar="CUTS.fcpxml", help="Final Cut Pro X XML (FCPXML 1.9; Final Cut Pro, Resolve)")
    o.add_argument("--fcp7", metavar="CUTS.xml", help="Final Cut Pro 7 XML (xmeml; Premiere Pro, Resolve; needs latentcut[otio])")
    o.add_argument("--html", metavar="REPORT.html", help="an HTML report: a row per shot with thumbnails and links, "
                   "the score curve and the map of the frames")
    o.add_argument("--html-assets", metavar="DIR", help="with --html: the pictures go to DIR instead of inside the page")
    o.add_argument("--plot", metavar="CURVE.png", help="draw the score curve with the threshold and the cuts")
    o.add_argument("--labels", metavar="LABELS.json", help="with --plot: hits, misses and false alarms against these labels")
    f = d.add_argument_group("files per shot, in the same run (as PySceneDetect's split-video and save-images)")
    f.add_argument("--split-video", metavar="DIR", help="one video file per shot into DIR (re-encoded; --copy copies)")
    f.add_argument("--save-images", metavar="DIR", help="--num-images stills per shot into DIR")
    f.add_argument("--overwrite", action="store_true", help="replace split files and stills that are already there")
    from latentcut.cli.split import add_image_options, add_split_options

    add_split_options(f, prefix="split")
    add_image_options(f, prefix="image")
    d.add_argument("--scenes", action="store_true", help="also group shots into scenes (changes of place)")
    d.add_argument("--strictness", type=float_in(0.0, 1.0), default=0.5, help="scene grouping: 0 (few scenes) .. 1 (many)")
    add_range_options(d)
    add_detect_options(d)
    d.set_defaults(func=run, handles_quiet=True)


def run(args) -> int:
    videos = expand_inputs(args.videos)
    several = len(videos) > 1
    if args.labels and not args.plot:
        raise LatentcutError("--labels draws the true boundaries on --plot; give --plot too")
    if args.html_assets and not args.html:
        raise LatentcutError("--html-assets says where --html's pictures go; give --html too")
    from latentcut.cli.split import check_folder_outputs

    if args.split_video:
        check_folder_outputs(videos, args.split_template, "--split-template", args.split_video, "--split-video")
    if args.save_images:
        check_folder_outputs(videos, args.image_template, "--image-template", args.save_images, "--save-images")
    options = {"-o": args.output, "--csv": args.csv, "--curve": args.curve, "--edl": args.edl, "--otio": args.otio,
               "--fcpxml": args.fcpxml, "--fcp7": args.fcp7, "--html": args.html, "--plot": args.plot}
    if sum(v == "-" for v in options.values()) > 1:
        raise LatentcutError("only one output can go to standard output ('-')")
    if args.otio or args.fcp7:
        from latentcut.extras import require

        require("otio", "--otio and --fcp7")
    plans = []
    for video in videos:
        outs = {opt: output_path(path, video, several, opt) for opt, path in options.items()}
        assets = output_path(args.html_assets, video, several, "--html-assets") if args.html_assets else None
        plans.append((video, outs, assets))
    every = [p for _, outs, _ in plans for p in outs.values() if p and p != "-"]
    if several and len(set(every)) != len(every):
        raise LatentcutError("two videos would write the same output file (same file name in different folders?); "
                             "put more of the name in the template")
    every_assets = [a for _, _, a in plans if a]
    if several and len(set(every_assets)) != len(every_assets):
        raise LatentcutError("--html-assets: two videos would share one pictures folder; put $VIDEO_NAME in it")
    for video, outs, assets in plans:  # before any work: no output is an input, every output can be written
        ins = input_files(args, video=video, labels=args.labels)
        check_outputs(ins, outs)
        if assets:
            _check_assets(assets, videos + list(ins.values()) + [p for p in outs.values() if p])
    human = sys.stderr if "-" in options.values() else sys.stdout  # stdout carries the data then
    det = detector_from_args(args)
    start, end, duration = range_from_args(args)
    by_video = {video: (outs, assets) for video, outs, assets in plans}
    return for_each_video(videos, lambda video: detect_one(args, det, video, *by_video[video], human, start, end,
                                                          duration))


def _check_assets(folder: str, paths: list[str]) -> None:
    """The pictures folder is swapped in whole: never one holding an input or another output, never
    a folder of the user's."""
    from latentcut.io.folders import check_folder

    real = os.path.realpath(folder)
    for p in paths:
        if p == "-":
            continue
        rp = os.path.realpath(p)
        if rp == real or rp.startswith(real + os.sep):
            raise LatentcutError(f"--html-assets {folder}: would hold {p}; give the pictures a folder of their own")
    check_folder(folder, "--html-assets")


def detect_one(args, det, video: str, outs: dict, assets: str | None, human, start, end, duration) -> None:
    lab = None
    if outs["--plot"] and args.labels:
        from latentcut.evaluation import find_clip, load_labels

        lab = find_clip(load_labels(args.labels), video)
    keep = args.scenes or bool(outs["--html"])
    result = det.detect(video, keep_embeddings=keep, start=start, end=end, duration=duration)
    groups = None
    if args.scenes:
        from latentcut.scenes.grouping import group_shots, shot_vectors

        groups = group_shots(shot_vectors(result), args.strictness)
        result.scenes = [g.to_dict(result) for g in groups]
    from latentcut.io.folders import output_set

    with output_set():  # one run's outputs replace the last run's together, or not at all
        _write_outputs(args, result, outs, assets, lab)
    if args.quiet:
        _files_per_shot(args, video, result, human)
        return
    print_cuts(result, human)
    if args.verbose:
        print(f"  settings: {result.settings}", file=human)
    if groups is not None:
        print(f"  {len(groups)} scene{'s' if len(groups) != 1 else ''} (strictness {args.strictness}):", file=human)
        for g in result.scenes:
            print(f"    scene {g['scene']}: shots {g['shots'][0]}-{g['shots'][-1]}, "
                  f"{format_seconds(g['start_time'])} - {format_seconds(g['end_time'])}", file=human)
    _files_per_shot(args, video, result, human)
    names = {"-o": "json", "--csv": "scenes csv", "--curve": "score curve", "--edl": "edl", "--otio": "otio",
             "--fcpxml": "fcpxml", "--fcp7": "fcp7 xml", "--html": "html report", "--plot": "plot"}
    for opt, what in names.items():
        if outs[opt] and outs[opt] != "-":
            print(f"  wrote {what}: {outs[opt]}", file=human)


def _files_per_shot(args, video: str, result, human) -> None:
    from latentcut.cli.split import images_one, split_one

    if args.split_video:
        split_one(args, video, result.shots, args.split_video, args.split_template, out=human)
    if args.save_images:
        images_one(args, video, result.shots, args.save_images, args.image_template, out=human)


def _write_outputs(args, result, outs: dict, assets: str | None, lab) -> None:
    from latentcut.exports.tables import write_curve_csv, write_json, write_shots_csv

    writers = {"-o": write_json, "--csv": write_shots_csv, "--curve": write_curve_csv}
    for opt, write in writers.items():
        if outs[opt]:
            write(result, outs[opt])
    if outs["--edl"]:
        from latentcut.exports.edl import write_edl

        write_edl(result, outs["--edl"])
    if outs["--otio"]:
        from latentcut.exports.otio import write_otio

        write_otio(result, outs["--otio"])
    if outs["--fcpxml"]:
        from latentcut.exports.fcpxml import write_fcpxml

        write_fcpxml(result, outs["--fcpxml"])
    if outs["--fcp7"]:
        from latentcut.exports.otio import write_fcp7

        write_fcp7(result, outs["--fcp7"])
    if outs["--html"]:
        from latentcut.exports.report import write_report

        write_report(result, outs["--html"], assets)
    if outs["--plot"]:
        from latentcut.scoring.plot import plot_curve

        plot_curve(result, outs["--plot"], lab)
