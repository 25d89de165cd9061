"""`latentcut split-video` and `latentcut save-images`: files per shot, as PySceneDetect makes them."""
from __future__ import annotations

import json
import os

from latentcut.cli.common import (
    add_detect_options,
    add_range_options,
    check_outputs,
    detector_from_args,
    float_in,
    input_files,
    int_at_least,
    range_from_args,
    for_each_video,
    help_formatter,
)
from latentcut.cli.inputs import expand_inputs
from latentcut.errors import LatentcutError

SPLIT_EXAMPLES = """examples:
  latentcut split-video film.mp4 -o shots/              # stream copy: fast, lossless, cuts at keyframes
  latentcut split-video film.mp4 -o shots/ --precise    # re-encoded: every file starts on its shot's frame
  latentcut split-video film.mp4 --cuts film.json -o shots/ --template '$VIDEO_NAME-$START_FRAME'
"""
IMAGES_EXAMPLES = """examples:
  latentcut save-images film.mp4 -o stills/             # 3 JPEGs a shot: near its first, middle, last frame
  latentcut save-images film.mp4 -n 1 --format png --width 480 -o stills/
"""
TEMPLATE_HELP = ("file name without extension; fields $VIDEO_NAME, $SHOT_NUMBER (or $SCENE_NUMBER), $START_FRAME, "
                 "$END_FRAME, $START_TIME, $END_TIME")


def add_parser(sub) -> None:
    from latentcut.exports.images import DEFAULT_TEMPLATE as IMAGE_TEMPLATE
    from latentcut.exports.split import DEFAULT_TEMPLATE

    s = sub.add_parser("split-video", help="one video file per shot (stream copy, or --precise re-encode)",
                       epilog=SPLIT_EXAMPLES, formatter_class=help_formatter())
    s.add_argument("videos", nargs="+", metavar="VIDEO")
    s.add_argument("-o", "--output", metavar="DIR", default=".", help="folder for the files (default: here)")
    s.add_argument("--template", default=DEFAULT_TEMPLATE, help=TEMPLATE_HELP)
    s.add_argument("--precise", action="store_true",
                   help="re-encode (H.264 and AAC) so that every file starts exactly on its shot's first frame")
    s.add_argument("--crf", type=int_at_least(0), default=18, help="with --precise: H.264 quality, lower is better")
    _shared(s)
    s.set_defaults(func=run_split, handles_quiet=True)

    m = sub.add_parser("save-images", help="N stills per shot", epilog=IMAGES_EXAMPLES, formatter_class=help_formatter())
    m.add_argument("videos", nargs="+", metavar="VIDEO")
    m.add_argument("-o", "--output", metavar="DIR", default=".", help="folder for the images (default: here)")
    m.add_argument("--template", default=IMAGE_TEMPLATE, help=TEMPLATE_HELP + ", $IMAGE_NUMBER")
    m.add_argument("-n", "--num-images", type=int_at_least(1), default=3, help="images per shot")
    m.add_argument("--format", choices=["jpeg", "png", "webp"], default="jpeg", help="image format")
    m.add_argument("--quality", type=int_at_least(0), help="JPEG/WebP quality 0-100 (default 95 for JPEG, 100 for WebP)")
    m.add_argument("--scale", type=float_in(0.0, 16.0, lo_open=True), help="scale factor of the video's size")
    m.add_argument("--width", type=int_at_least(1), help="width in pixels (height keeps the aspect unless given)")
    m.add_argument("--height", type=int_at_least(1), help="height in pixels")
    m.add_argument("--frame-margin", type=int_at_least(0), default=1, help="frames in from each end of a shot")
    _shared(m)
    m.set_defaults(func=run_images, handles_quiet=True)


def _shared(p) -> None:
    p.add_argument("--cuts", metavar="OUT.json", help="the shots from an earlier `detect -o` (one video) instead of detecting")
    p.add_argument("--overwrite", action="store_true", help="replace files that are already there")
    add_range_options(p)
    add_detect_options(p)


def _shots(args, det, video: str):
    if args.cuts:
        return shots_from_json(args.cuts, video)
    start, end, duration = range_from_args(args)
    return det.detect(video, start=start, end=end, duration=duration).shots


def shots_from_json(path: str, video: str):
    from latentcut.detection.results import Shot
    from latentcut.io.timecode import Timecode

    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        fps = float(doc.get("fps") or 0) or None
        # format 3 calls the shots "shots"; 1 and 2 called them "scenes"
        shots, number = (doc["shots"], "shot") if doc.get("format", 1) >= 3 else (doc["scenes"], "scene")
        return [Shot(int(s[number]), Timecode(int(s["start_frame"]), float(s["start_time"]), fps),
                     Timecode(int(s["end_frame"]), float(s["end_time"]), fps)) for s in shots]
    except FileNotFoundError:
        raise LatentcutError(f"--cuts {path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise LatentcutError(f"--cuts {path}: not a `latentcut detect -o` file ({type(exc).__name__}: {exc})") from None


def _prepare(args, template_fields_ok) -> tuple[list[str], object]:
    from latentcut.exports.names import check_template

    videos = expand_inputs(args.videos)
    if args.cuts and len(videos) > 1:
        raise LatentcutError("--cuts holds one video's shots; give one video with it")
    try:
        check_template(args.template, "--template")
    except ValueError as exc:
        raise LatentcutError(str(exc)) from None
    if len(videos) > 1 and "$VIDEO_NAME" not in args.template and "${VIDEO_NAME}" not in args.template:
        raise LatentcutError("--template: several videos need $VIDEO_NAME in the file names")
    for v in videos:
        check_outputs(input_files(args, video=v, cuts=args.cuts), {})
        if os.path.isdir(v):
            raise LatentcutError(f"{v}: is a directory")
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        raise LatentcutError(f"-o {args.output}: is a file, not a folder")
    from latentcut.io.atomic import check_writable

    check_writable(os.path.join(args.output, ".latentcut-probe"), "-o")  # before any detection
    return videos, (None if args.cuts else detector_from_args(args))


def _bar(args, total: int, what: str):
    from latentcut.io.progress import bar

    return bar(total, f"{what}s", what, False if args.quiet else None)


def run_split(args) -> int:
    from latentcut.exports.split import split_video

    videos, det = _prepare(args, None)

    def one(video: str) -> None:
        shots = _shots(args, det, video)
        bar = _bar(args, len(shots), "file")
        try:
            files = split_video(video, shots, args.output, args.template, precise=args.precise,
                                overwrite=args.overwrite, progress=bar, crf=args.crf)
        finally:
            if bar is not None:
                bar.close()
        if not args.quiet:
            print(f"{video}: {len(shots)} shots -> {len(files)} files in {args.output}"
                  f"{' (re-encoded, frame-exact)' if args.precise else ' (stream copy, cut at keyframes)'}")
            for f in files:
                note = f"  [{'; '.join(f.notes)}]" if f.notes else ""
                print(f"  {os.path.basename(f.path)}  {f.start:9.3f} - {f.end:9.3f} s  {f.frames:6d} frames{note}")

    return for_each_video(videos, one)


def run_images(args) -> int:
    from latentcut.exports.images import save_images

    videos, det = _prepare(args, None)
    if args.quality is not None and args.quality > 100:
        raise LatentcutError(f"--quality must be 0-100, not {args.quality}")

    def one(video: str) -> None:
        shots = _shots(args, det, video)
        bar = _bar(args, len(shots) * args.num_images, "image")
        try:
            saved = save_images(video, shots, args.output, args.num_images, args.template, args.format, args.quality,
                                args.scale, args.width, args.height, args.frame_margin, args.overwrite, bar)
        finally:
            if bar is not None:
                bar.close()
        if not args.quiet:
            print(f"{video}: {len(saved)} images of {len(shots)} shots in {args.output}")

    return for_each_video(videos, one)
