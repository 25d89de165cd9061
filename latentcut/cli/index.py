"""`latentcut index`."""
from __future__ import annotations

import argparse
import json
import os
import sys

from latentcut.cli.common import encoder_spec, int_at_least
from latentcut.errors import LatentcutError
from latentcut.io.images import IMAGE_EXTENSIONS
from latentcut.io.timecode import format_seconds

EXAMPLES = """examples:
  latentcut index add my-lib a.mp4 b.mp4                  # shots, keyframes, vectors (encoder lite0)
  latentcut index query my-lib --image shot.png           # which shot of which video is this?
  latentcut index query my-lib --image a.png --image b.jpg --json    # JSON lines, one per image
  latentcut index query my-lib --image screenshots/ --list more.txt --json
  latentcut index query my-lib --frame a.mp4@12.5s | --clip c.mp4 | --shot 17
"""


def add_parser(sub) -> None:
    ix = sub.add_parser("index", help="a scene library: add videos, remove them, search by image, frame, clip or shot",
                        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    ix.add_argument("action", choices=["add", "remove", "query", "info"])
    ix.add_argument("library", metavar="LIB", help="library folder (created by the first add)")
    ix.add_argument("videos", nargs="*", metavar="VIDEO")
    ix.add_argument("--encoder", help="encoder for a new library (default lite0: EfficientNet-Lite0 features, "
                    "weights from --weights, $LATENTCUT_WEIGHTS_DIR or timm's download; pixel needs none)")
    ix.add_argument("--weights", metavar="FILE", help="weights for a timm encoder")
    ix.add_argument("--model", help=argparse.SUPPRESS)
    ix.add_argument("--keyframes", metavar="SPEC", help="keyframe choice for a new library: change=0.04,max_gap=0.5,"
                    "min_gap=2 (difference that calls for a new keyframe, seconds between them at most, frames at least)")
    ix.add_argument("--no-strip", action="store_true", help="new library: keep bars and flat borders (default: strip them)")
    ix.add_argument("--image", metavar="X.png|DIR", action="append", default=[],
                    help="query: an image file, or a folder of them; give it several times for several queries")
    ix.add_argument("--list", metavar="FILE", help="query: image files or VIDEO@T frames, one a line ('-': standard input)")
    ix.add_argument("--frame", metavar="VIDEO@T", action="append", default=[],
                    help="query: a frame, video.mp4@12.5s or video.mp4@120 (several allowed)")
    ix.add_argument("--clip", metavar="VIDEO", help="query: a whole clip")
    ix.add_argument("--shot", type=int, metavar="ID", help="query: a shot already in the library (its shot_id)")
    ix.add_argument("--no-mirror", action="store_true", help="query: do not also try each picture mirrored")
    ix.add_argument("-k", type=int_at_least(1), default=10, help="results per query (default 10)")
    ix.add_argument("--json", action="store_true",
                    help="JSON: a list of hits for one query; JSON lines ({query, hits}) for several")
    ix.set_defaults(func=run, handles_quiet=True)


def _keyframes(spec: str | None) -> dict | None:
    if not spec:
        return None
    out = {}
    for part in spec.split(","):
        key, eq, value = part.partition("=")
        if not eq or key.strip() not in ("change", "max_gap", "min_gap"):
            raise LatentcutError(f"--keyframes: expected change=X,max_gap=S,min_gap=N, not {part!r}")
        try:
            out[key.strip()] = int(value) if key.strip() == "min_gap" else float(value)
        except ValueError:
            raise LatentcutError(f"--keyframes: {key.strip()} must be a number, not {value!r}") from None
    return out


def picture_refs(images: list[str], frames: list[str], listing: str | None) -> list[str]:
    """Every picture a query names, in the order given: image files, folders (their images,
    sorted), frames, and the lines of a list file."""
    refs: list[str] = []
    for item in images:
        if os.path.isdir(item):
            found = sorted(os.path.join(item, f) for f in os.listdir(item) if f.lower().endswith(IMAGE_EXTENSIONS))
            if not found:
                raise LatentcutError(f"{item}: no images in this folder ({', '.join(IMAGE_EXTENSIONS)})")
            refs += found
        else:
            refs.append(item)
    refs += frames
    if listing is not None:
        try:
            if listing == "-":
                text = sys.stdin.read()
            else:
                with open(listing, encoding="utf-8") as f:
                    text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise LatentcutError(f"{listing}: cannot read the list ({getattr(exc, 'strerror', None) or exc})") from None
        lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if not lines:
            raise LatentcutError(f"{listing}: the list names no picture")
        refs += lines
    return refs


def run(args) -> int:
    from latentcut.extras import require

    require("index", "the scene library")
    from latentcut.retrieval.library import SceneLibrary

    if os.path.exists(args.library) and not os.path.isdir(args.library):
        raise LatentcutError(f"{args.library}: is a file, not a library folder")
    if args.action in ("add", "remove") and not args.videos:
        raise LatentcutError(f"index {args.action} needs at least one VIDEO")
    if args.action in ("query", "info") and args.videos:
        raise LatentcutError(f"index {args.action} takes no VIDEO arguments (query with --clip VIDEO)")
    if args.action == "add":
        for v in args.videos:
            if not os.path.isfile(v):
                raise LatentcutError(f"{v}: {'is a directory, not a video file' if os.path.isdir(v) else 'no such file'}")
        if args.encoder is None and args.weights:
            args.encoder = "lite0"
        spec = encoder_spec(args) if (args.encoder or args.weights) else None
        lib = SceneLibrary(args.library, encoder=spec, keyframes=_keyframes(args.keyframes), strip=not args.no_strip)
        for v in args.videos:
            n = lib.add(v, progress=None if not args.quiet else False)
            if not args.quiet:
                print(f"{v}: {'already in the library' if n == 0 else f'{n} shots added'}")
        if not args.quiet:
            print(f"{args.library}: {len(lib.videos())} videos, {len(lib)} shots, {lib.keyframe_count()} keyframes "
                  f"({lib.encoder_spec})")
        return 0
    lib = SceneLibrary(args.library, create=False)
    if args.encoder is not None or args.weights:
        asked = encoder_spec(args)
        if asked != lib.encoder_spec:
            raise LatentcutError(f"{args.library}: the library was built with encoder {lib.encoder_spec!r}; "
                                 f"it cannot be searched with {asked!r} (leave --encoder out to use its own)")
    if args.action == "remove":
        for v in args.videos:
            removed = lib.remove(v)
            if not args.quiet:
                print(f"{v}: {removed} shots removed")
        return 0
    if args.action == "info":
        if args.quiet:
            return 0
        print(f"{args.library}: {len(lib.videos())} videos, {len(lib)} shots, {lib.keyframe_count()} keyframes, "
              f"encoder {lib.encoder_spec}, {lib.dim} dimensions")
        for vid, path, n in lib.videos():
            print(f"  {path}: {n} shots")
        return 0
    refs = picture_refs(args.image, args.frame, args.list)
    kinds = (bool(refs), args.clip is not None, args.shot is not None)
    if sum(kinds) != 1:
        raise LatentcutError("index query takes pictures (--image, --frame, --list) or one --clip or one --shot")
    if refs:
        results = list(zip(refs, lib.query_refs(refs, args.k, mirror=not args.no_mirror)))
    elif args.clip:
        results = [(args.clip, lib.query_clip(args.clip, args.k))]
    else:
        results = [(f"shot {args.shot}", lib.query_shot(args.shot, args.k))]
    if args.json:
        if len(results) == 1:
            print(json.dumps([h.to_dict() for h in results[0][1]], indent=1))
        else:
            for ref, hits in results:
                print(json.dumps({"query": ref, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
        return 0
    for n, (ref, hits) in enumerate(results):
        if len(results) > 1:
            print(f"{'' if n == 0 else chr(10)}{ref}")
        print(f"{'rank':>4}  {'score':>7}  {'shot_id':>7}  {'shot':>4}  {'start':>12}  {'end':>12}  {'at':>12}  video")
        for i, h in enumerate(hits, 1):
            at = format_seconds(h.time) if h.time is not None else ""
            print(f"{i:>4}  {h.score:>7.4f}  {h.shot_id:>7}  {h.shot:>4}  {format_seconds(h.start):>12}  "
                  f"{format_seconds(h.end):>12}  {at:>12}  {h.video}{'  (mirrored)' if h.mirrored else ''}")
    return 0
