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
  latentcut index serve my-lib --port 8765 &              # keep the model loaded: queries then take ms
  latentcut index query my-lib --image shot.png           # ... asks the running server by itself
  curl --data-binary @shot.png 'http://127.0.0.1:8765/query?k=5'
"""


def add_parser(sub) -> None:
    ix = sub.add_parser("index", help="a scene library: add videos, remove them, search by image, frame, clip or shot",
                        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    ix.add_argument("action", choices=["add", "remove", "query", "info", "serve"])
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
    ix.add_argument("--no-insets", action="store_true",
                    help="query: do not search a corner inset (picture-in-picture) as a picture of its own")
    ix.add_argument("-k", type=int_at_least(1), default=10, help="results per query (default 10)")
    ix.add_argument("--port", type=int_at_least(0), default=8765, help="serve: the port (default 8765; 0: any free one)")
    ix.add_argument("--host", default="127.0.0.1", help="serve: the address to listen on (default 127.0.0.1, this "
                    "machine only)")
    ix.add_argument("--min-score", metavar="S|auto", help="query: leave out hits scoring below S (auto: the threshold "
                    "benchmarks/no_match.py chose for the library's encoder); no hit left means not in the library")
    ix.add_argument("--no-server", action="store_true", help="query: load the library here even if a server runs")
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
    if args.action == "query" and not (args.no_server or args.encoder or args.weights):
        answered = _ask_server(args)
        if answered is not None:
            return answered
    lib = SceneLibrary(args.library, create=False)
    if args.action == "serve":
        return _serve(args, lib)
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
        results = list(zip(refs, lib.query_refs(refs, args.k, mirror=not args.no_mirror,
                                                        insets=not args.no_insets)))
    elif args.clip:
        results = [(args.clip, lib.query_clip(args.clip, args.k))]
    else:
        results = [(f"shot {args.shot}", lib.query_shot(args.shot, args.k))]
    return _print_results(args, results, lib.encoder_spec)


def _print_results(args, results, spec: str | None = None) -> int:
    from latentcut.retrieval.library import no_match_below

    floor = no_match_below(spec) if spec else None
    if args.min_score is not None:
        if args.min_score == "auto":
            if floor is None:
                raise LatentcutError(f"--min-score auto: no threshold was measured for the encoder {spec!r}; give a number")
            least = floor
        else:
            try:
                least = float(args.min_score)
            except ValueError:
                raise LatentcutError(f"--min-score: expected a number or auto, not {args.min_score!r}") from None
        results = [(ref, [h for h in hits if h.score >= least]) for ref, hits in results]
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
        if not hits:
            print("  no hit: not in the library" + (f" (none scores {args.min_score} or more)" if args.min_score else ""))
            continue
        if floor is not None and hits[0].score < floor:
            print(f"  the best score, {hits[0].score:.3f}, is below {floor:.3f}: probably not in the library "
                  "(benchmarks/no_match.py)")
        print(f"{'rank':>4}  {'score':>7}  {'shot_id':>7}  {'shot':>4}  {'start':>12}  {'end':>12}  {'at':>12}  video")
        for i, h in enumerate(hits, 1):
            at = format_seconds(h.time) if h.time is not None else ""
            print(f"{i:>4}  {h.score:>7.4f}  {h.shot_id:>7}  {h.shot:>4}  {format_seconds(h.start):>12}  "
                  f"{format_seconds(h.end):>12}  {at:>12}  {h.video}{'  (mirrored)' if h.mirrored else ''}"
                  f"{'  (inset)' if h.inset else ''}")
    return 0


def _serve(args, lib) -> int:
    from latentcut.retrieval.server import QueryServer

    try:
        server = QueryServer(lib, args.host, args.port)
    except OSError as exc:
        raise LatentcutError(f"--port {args.port}: cannot listen on {args.host} ({exc.strerror or exc})") from None
    try:
        server.announce()
    except OSError as exc:  # a read-only library still serves; one-shot queries just cannot find it
        print(f"latentcut: warning: {args.library}: cannot write {exc.filename or 'server.json'} "
              f"({exc.strerror or exc}); `index query` will not find this server by itself", file=sys.stderr)
    if not args.quiet:
        print(f"{args.library}: {len(lib)} shots ({lib.encoder_spec}), answering on {server.url}/query "
              f"(POST an image; Ctrl-C stops)", flush=True)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a service manager's stop: the record goes too
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        lib.close()
    return 0


def _ask_server(args) -> int | None:
    """A running server's answer to image files, or None (none runs, or the query is not images only)."""
    from latentcut.retrieval.search import Hit
    from latentcut.retrieval.server import ask, running_server

    if args.clip is not None or args.shot is not None or args.frame or not os.path.isdir(args.library):
        return None
    refs = picture_refs(args.image, [], args.list)
    if not refs or not all(os.path.isfile(r) and r.lower().endswith(IMAGE_EXTENSIONS) for r in refs):
        return None
    found = running_server(args.library)
    if found is None:
        return None
    url, info = found
    results = []
    for ref in refs:
        with open(ref, "rb") as f:
            hits = ask(url, f.read(), args.k, mirror=not args.no_mirror, insets=not args.no_insets)
        results.append((ref, [Hit(**h) for h in hits]))
    return _print_results(args, results, info.get("encoder"))
