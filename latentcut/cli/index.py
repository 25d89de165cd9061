"""`latentcut index`."""
from __future__ import annotations

import argparse
import json
import os

from latentcut.cli.common import _encoder_spec, _int_at_least
from latentcut.errors import LatentcutError
from latentcut.io.timecode import format_seconds


def add_parser(sub) -> None:
    ix = sub.add_parser("index", help="a scene library: add videos, remove them, search by image, frame, clip or shot")
    ix.add_argument("action", choices=["add", "remove", "query", "info"])
    ix.add_argument("library", metavar="LIB", help="library folder (created by the first add)")
    ix.add_argument("videos", nargs="*", metavar="VIDEO")
    ix.add_argument("--encoder", help="encoder for a new library (default pixel,size=16,center=false)")
    ix.add_argument("--weights", metavar="FILE", help="weights for a timm encoder")
    ix.add_argument("--model", help=argparse.SUPPRESS)
    ix.add_argument("--image", metavar="X.png", help="query: an image file")
    ix.add_argument("--frame", metavar="VIDEO@T", help="query: a frame, video.mp4@12.5s or video.mp4@120")
    ix.add_argument("--clip", metavar="VIDEO", help="query: a whole clip")
    ix.add_argument("--shot", type=int, metavar="ID", help="query: a shot already in the library (its shot_id)")
    ix.add_argument("-k", type=_int_at_least(1), default=10, help="results (default 10)")
    ix.add_argument("--json", action="store_true", help="print results as JSON")
    ix.add_argument("-q", "--quiet", action="store_true")
    ix.set_defaults(func=run)


def run(args) -> int:
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
            raise LatentcutError("--weights needs --encoder (e.g. xception)")
        spec = _encoder_spec(args) if (args.encoder or args.weights) else None
        lib = SceneLibrary(args.library, encoder=spec)
        for v in args.videos:
            n = lib.add(v, progress=None if not args.quiet else False)
            if not args.quiet:
                print(f"{v}: {'already in the library' if n == 0 else f'{n} shots added'}")
        if not args.quiet:
            print(f"{args.library}: {len(lib.videos())} videos, {len(lib)} shots ({lib.encoder_spec})")
        return 0
    lib = SceneLibrary(args.library, create=False)
    if args.encoder is not None or args.weights:
        asked = _encoder_spec(args)
        if asked != lib.encoder_spec:
            raise LatentcutError(f"{args.library}: the library was built with encoder {lib.encoder_spec!r}; "
                                 f"it cannot be searched with {asked!r} (leave --encoder out to use its own)")
    if args.action == "remove":
        for v in args.videos:
            print(f"{v}: {lib.remove(v)} shots removed")
        return 0
    if args.action == "info":
        print(f"{args.library}: {len(lib.videos())} videos, {len(lib)} shots, encoder {lib.encoder_spec}, "
              f"{lib.dim} dimensions")
        for vid, path, n in lib.videos():
            print(f"  {path}: {n} shots")
        return 0
    given = [x for x in (args.image, args.frame, args.clip, args.shot) if x is not None]
    if len(given) != 1:
        raise LatentcutError("index query takes exactly one of --image, --frame, --clip, --shot")
    if args.image or args.frame:
        hits = lib.query_ref(args.image or args.frame, args.k)
    elif args.clip:
        hits = lib.query_clip(args.clip, args.k)
    else:
        hits = lib.query_shot(args.shot, args.k)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], indent=1))
        return 0
    print(f"{'rank':>4}  {'score':>7}  {'shot_id':>7}  {'shot':>4}  {'start':>12}  {'end':>12}  video")
    for i, h in enumerate(hits, 1):
        print(f"{i:>4}  {h.score:>7.4f}  {h.shot_id:>7}  {h.shot:>4}  {format_seconds(h.start):>12}  "
              f"{format_seconds(h.end):>12}  {h.video}")
    return 0
