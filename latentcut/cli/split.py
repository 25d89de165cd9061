"""`latentcut split-video` and `latentcut save-images`: files per shot, as PySceneDetect makes them."""
from __future__ import annotations

import os

from latentcut.cli.common import (
    add_detect_options,
    add_range_options,
    check_outputs,
    detector_from_args,
    float_in,
    input_files,
    int_at_least,
    int_within,
    range_from_args,
    for_each_video,
    help_formatter,
)
from latentcut.cli.inputs import expand_inputs
from latentcut.errors import LatentcutError

SPLIT_EXAMPLES = """examples:
  latentcut split-video film.mp4 -o shots/              # one file per shot, re-encoded to start on its frame
  latentcut split-video film.mp4 -o shots/ --copy       # stream copy: fast, lossless, cuts only at keyframes
  latentcut split-video film.mp4 --cuts film.json -o shots/ --template '$VIDEO_NAME-$START_FRAME'
  latentcut split-video film.mp4 --cuts film-Scenes.csv -o shots/   # PySceneDetect's list-scenes CSV
"""
IMAGES_EXAMPLES = """examples:
  latentcut save-images film.mp4 -o stills/             # 3 JPEGs a shot: near its first, middle, last frame
  latentcut save-images film.mp4 -n 1 --format png --width 480 -o stills/
"""
TEMPLATE_HELP = ("file name without extension; fields $VIDEO_NAME, $SHOT_NUMBER (or $SCENE_NUMBER), $START_FRAME, "
                 "$END_FRAME, $START_TIME, $END_TIME")
CUTS_HELP = ("the shots from an earlier `detect -o` JSON or a scene list CSV (PySceneDetect's list-scenes, "
             "or detect --csv) instead of detecting; refused if made for another video")


def add_split_options(g, prefix: str = "") -> None:
    """How split files are made; ``prefix`` names them inside `detect` (``--split-template``)."""
    from latentcut.exports.split import DEFAULT_TEMPLATE

    if prefix:
        g.add_argument("--split-template", default=DEFAULT_TEMPLATE, help="with --split-video: " + TEMPLATE_HELP)
    else:
        g.add_argument("--template", default=DEFAULT_TEMPLATE, help=TEMPLATE_HELP)
    g.add_argument("-c", "--copy", action="store_true",
                   help="copy the streams instead of re-encoding: fast and lossless, but a file can only start at "
                        "a keyframe, so shots with no keyframe between them share a file (the listing says which)")
    g.add_argument("--crf", type=int_at_least(0), default=18, help="H.264 quality when re-encoding, lower is better "
                   "(default 18)")
    g.add_argument("--preset", default="veryfast", choices=["ultrafast", "superfast", "veryfast", "faster", "fast",
                                                             "medium", "slow", "slower", "veryslow"],
                   help="x264 preset when re-encoding (default veryfast)")


def add_image_options(g, prefix: str = "") -> None:
    """How stills are saved; ``prefix`` names them inside `detect` (``--image-template``)."""
    from latentcut.exports.images import DEFAULT_TEMPLATE as IMAGE_TEMPLATE

    if prefix:
        g.add_argument("--image-template", default=IMAGE_TEMPLATE, help="with --save-images: " + TEMPLATE_HELP
                       + ", $IMAGE_NUMBER")
    else:
        g.add_argument("--template", default=IMAGE_TEMPLATE, help=TEMPLATE_HELP + ", $IMAGE_NUMBER")
    g.add_argument("-n", "--num-images", type=int_at_least(1), default=3, help="images per shot (default 3)")
    g.add_argument("--format", "--image-format", dest="format", choices=["jpeg", "png", "webp"], default="jpeg",
                   help="image format (default jpeg)")
    g.add_argument("--quality", type=int_within(0, 100), help="JPEG/WebP quality 0-100 (default 95 for JPEG, 100 for WebP)")
    g.add_argument("--scale", type=float_in(0.0, 16.0, lo_open=True), help="scale factor of the video's size")
    g.add_argument("--width", type=int_at_least(1), help="width in pixels (height keeps the aspect unless given)")
    g.add_argument("--height", type=int_at_least(1), help="height in pixels")
    g.add_argument("--frame-margin", type=int_at_least(0), default=1, help="frames in from each end of a shot")


def add_parser(sub) -> None:
    s = sub.add_parser("split-video", help="one video file per shot (re-encoded to start on its frame, or --copy)",
                       epilog=SPLIT_EXAMPLES, formatter_class=help_formatter())
    s.add_argument("videos", nargs="+", metavar="VIDEO")
    s.add_argument("-o", "--output", metavar="DIR", default=".", help="folder for the files (default: here)")
    add_split_options(s)
    _shared(s)
    s.set_defaults(func=run_split, handles_quiet=True)

    m = sub.add_parser("save-images", help="N stills per shot", epilog=IMAGES_EXAMPLES, formatter_class=help_formatter())
    m.add_argument("videos", nargs="+", metavar="VIDEO")
    m.add_argument("-o", "--output", metavar="DIR", default=".", help="folder for the images (default: here)")
    add_image_options(m)
    _shared(m)
    m.set_defaults(func=run_images, handles_quiet=True)


def _shared(p) -> None:
    p.add_argument("--cuts", metavar="CUTS.json|SCENES.csv", help=CUTS_HELP)
    p.add_argument("--overwrite", action="store_true", help="replace files that are already there")
    add_range_options(p)
    add_detect_options(p)


def _shots(args, det, video: str):
    if args.cuts:
        return args.cut_shots
    start, end, duration = range_from_args(args)
    return det.detect(video, start=start, end=end, duration=duration).shots


def _prepare(args) -> tuple[list[str], object]:
    videos = expand_inputs(args.videos)
    if args.cuts and len(videos) > 1:
        raise LatentcutError("--cuts holds one video's shots; give one video with it")
    for v in videos:
        check_outputs(input_files(args, video=v, cuts=args.cuts), {})
    if args.cuts:  # read and checked against the video before anything is made
        from latentcut.detection.cut_lists import load_shots
        from latentcut.io.video import probe

        args.cut_shots = load_shots(args.cuts, probe(videos[0]))
    check_folder_outputs(videos, args.template, "--template", args.output, "-o")
    return videos, (None if args.cuts else detector_from_args(args))


def check_folder_outputs(videos: list[str], template: str, template_option: str, folder: str, option: str) -> None:
    """Before any detection: the name template is sound, several videos get names of their own,
    and the folder can be written."""
    from latentcut.exports.names import check_template
    from latentcut.io.atomic import check_writable

    try:
        check_template(template, template_option)
    except ValueError as exc:
        raise LatentcutError(str(exc)) from None
    if len(videos) > 1 and "$VIDEO_NAME" not in template and "${VIDEO_NAME}" not in template:
        raise LatentcutError(f"{template_option}: several videos need $VIDEO_NAME in the file names")
    for v in videos:
        if os.path.isdir(v):
            raise LatentcutError(f"{v}: is a directory")
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise LatentcutError(f"{option} {folder}: is a file, not a folder")
    check_writable(os.path.join(folder, ".latentcut-probe"), option)


def _bar(args, total: int, what: str):
    from latentcut.io.progress import bar

    return bar(total, f"{what}s", what, False if args.quiet else None)


def run_split(args) -> int:
    videos, det = _prepare(args)
    return for_each_video(videos, lambda video: split_one(args, video, _shots(args, det, video), args.output,
                                                          args.template))


def split_one(args, video: str, shots, folder: str, template: str, out=None) -> None:
    from latentcut.exports.split import split_video

    bar = _bar(args, len(shots), "file")
    try:
        files = split_video(video, shots, folder, template, copy=args.copy, overwrite=args.overwrite, progress=bar,
                            crf=args.crf, preset=args.preset)
    finally:
        if bar is not None:
            bar.close()
    if not args.quiet:
        merged = len(shots) - len(files)
        how = (f" (stream copy at keyframes: {merged} shot{'s' if merged != 1 else ''} with no keyframe of "
               f"{'their' if merged != 1 else 'its'} own joined to the file before)" if merged
               else " (stream copy at keyframes)") if args.copy else " (re-encoded, each from its shot's first frame)"
        print(f"{video}: {len(shots)} shots -> {len(files)} files in {folder}{how}", file=out)
        for f in files:
            note = f"  [{'; '.join(f.notes)}]" if f.notes else ""
            print(f"  {os.path.basename(f.path)}  {f.start:9.3f} - {f.end:9.3f} s  {f.frames:6d} frames{note}", file=out)


def run_images(args) -> int:
    videos, det = _prepare(args)
    return for_each_video(videos, lambda video: images_one(args, video, _shots(args, det, video), args.output,
                                                           args.template))


def images_one(args, video: str, shots, folder: str, template: str, out=None) -> None:
    from latentcut.exports.images import save_images

    bar = _bar(args, len(shots) * args.num_images, "image")
    try:
        saved = save_images(video, shots, folder, args.num_images, template, args.format, args.quality,
                            args.scale, args.width, args.height, args.frame_margin, args.overwrite, bar)
    finally:
        if bar is not None:
            bar.close()
    if not args.quiet:
        print(f"{video}: {len(saved)} images of {len(shots)} shots in {folder}", file=out)
