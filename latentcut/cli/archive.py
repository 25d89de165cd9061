"""`latentcut archive`: archive scale on Ray."""
from __future__ import annotations

import json
import os
import sys

from latentcut.cli.common import encoder_spec, int_at_least, help_formatter
from latentcut.cli.inputs import expand_inputs
from latentcut.errors import LatentcutError

EXAMPLES = """examples:
  latentcut archive add my-archive videos/ --workers 2              # Ray on this machine, 2 workers
  latentcut archive add my-archive 'films/*.mkv' --address auto      # join a running Ray cluster
  latentcut archive index my-archive --m 32                         # IVF-PQ over every shard
  latentcut archive query my-archive --image shot.png -k 5
  latentcut archive import my-archive --library my-lib              # a scene library's videos in
  latentcut archive export my-archive --library my-lib              # the archive's videos into a library
"""


def add_parser(sub) -> None:
    a = sub.add_parser("archive", help="archive scale: embed videos on Ray into Parquet shards, an IVF-PQ index",
                       epilog=EXAMPLES, formatter_class=help_formatter())
    a.add_argument("action", choices=["add", "index", "query", "info", "import", "export"])
    a.add_argument("archive", metavar="ARCHIVE", help="archive folder (created by the first add)")
    a.add_argument("videos", nargs="*", metavar="VIDEO", help="add: video files, folders or patterns")
    a.add_argument("--encoder", help="a new archive's encoder (default lite0, as a scene library's)")
    a.add_argument("--weights", metavar="FILE", help="weights for a timm encoder")
    a.add_argument("--model", help=argparse_suppress())
    a.add_argument("--address", default="local",
                   help="Ray: 'local' starts Ray here for the run, 'auto' or ray://HOST:PORT joins a cluster")
    a.add_argument("--workers", type=int_at_least(1), default=2, help="embedding workers (Ray actors)")
    a.add_argument("--cpus-per-worker", type=int_at_least(1), default=1, help="cores each worker holds (its torch threads)")
    a.add_argument("--gpus-per-worker", type=float, default=0.0, help="GPUs each worker holds (0: CPU)")
    a.add_argument("--m", type=int_at_least(1), default=32, help="index: PQ bytes per vector")
    a.add_argument("--nlist", type=int_at_least(0), default=0, help="index: inverted lists (0: about 4 sqrt(n))")
    a.add_argument("--nprobe", type=int_at_least(0), default=0, help="index: lists searched (0: max(16, nlist/64))")
    a.add_argument("--nbits", type=int_at_least(1), default=8, help="index: bits per PQ code")
    a.add_argument("--opq", action="store_true", help="index: rotate with OPQ before PQ")
    a.add_argument("--pq", action="store_true", help="index: IVF-PQ even for a small archive (else exact below 20,000 vectors)")
    a.add_argument("--rebuild", action="store_true", help="index: build anew instead of adding new shards to the current one")
    a.add_argument("--image", action="append", default=[], metavar="X.png", help="query: a picture (several allowed)")
    a.add_argument("--frame", action="append", default=[], metavar="VIDEO@T", help="query: a frame of a video")
    a.add_argument("--clip", metavar="VIDEO", help="query: a whole clip")
    a.add_argument("--shot", type=int, metavar="ID", help="query: a shot in the archive (a hit's shot_id)")
    a.add_argument("--library", metavar="LIB", help="import / export: the scene library")
    a.add_argument("-k", type=int_at_least(1), default=10, help="query: results")
    a.add_argument("--json", action="store_true", help="query: JSON")
    a.set_defaults(func=run, handles_quiet=True)


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


def run(args) -> int:
    from latentcut.extras import require

    require("archive", "the archive")
    from latentcut.archive.archive import Archive
    from latentcut.archive.index import IndexParams

    say = (lambda *a: None) if args.quiet else print
    if args.action == "add":
        if not args.videos:
            raise LatentcutError("archive add needs videos (files, folders or patterns)")
        videos = expand_inputs(args.videos)
        spec = encoder_spec(args) if (args.encoder or args.weights) else None
        arc = Archive(args.archive, encoder=spec)

        def show(row):
            if row["error"]:  # one line each, as every batch reports a bad file; the others go on
                print(f"latentcut: error: {' '.join(str(row['path']).split())}: {row['error']}", file=sys.stderr)
            else:
                say(f"  {os.path.basename(row['path'])}: {row['shots']} shots, {row['rows']} keyframes "
                    f"({row['seconds']:.1f} s)")

        results = arc.add(videos, args.workers, args.address, args.gpus_per_worker, on_result=show,
                          cpus_per_worker=args.cpus_per_worker)
        done = sum(1 for r in results if not r["error"])
        failed = sum(1 for r in results if r["error"])
        say(f"{args.archive}: {len(arc.shards())} videos in shards; this run: {done} done "
            f"({sum(1 for r in results if r.get('rows') == -1)} already there), {failed} failed"
            + (f" (see {os.path.join(args.archive, 'failed.json')})" if failed else ""))
        if failed:
            print(f"latentcut: {failed} of {len(results)} videos failed; the others are in the archive "
                  "(a later `archive add` retries them)", file=sys.stderr)
        return 2 if failed else 0
    arc = Archive(args.archive, create=False)
    if args.action == "index":
        params = IndexParams(nlist=args.nlist, m=args.m, nbits=args.nbits, nprobe=args.nprobe, opq=args.opq) if (
            args.pq or args.opq or args.nlist or args.nprobe or args.m != 32 or args.nbits != 8) else None
        m = arc.build_index(params, workers=args.workers, rebuild=args.rebuild)
        if (args.pq or args.opq) and m["kind"] == "flat":
            from latentcut.archive.archive import FLAT_BELOW

            say(f"  an exact index, not IVF-PQ: {m['ntotal']} keyframes are fewer than {FLAT_BELOW:,}, too few to "
                "train IVF-PQ on, and an exact search is fast at this size (give --nlist to force IVF-PQ)")
        say(f"{args.archive}: index generation {m['generation']} ({m['kind']}"
            f"{', ' + m['params']['factory'] if 'factory' in m['params'] else ''}): {m['ntotal']} keyframes "
            f"of {len(m['shards'])} videos")
        return 0
    if args.action == "info":
        from latentcut.archive.shards import ShardError, verify_shard

        shards = arc.shards()
        say(f"{args.archive}: {len(shards)} videos, encoder {arc.encoder_spec}")
        for name in shards:
            try:
                verify_shard(os.path.join(arc.shards_dir, name), arc.fingerprint)
            except ShardError as exc:
                say(f"  {exc}: `latentcut archive add` with its video remakes it")
        try:
            _, m = arc.index()
            say(f"  index generation {m['generation']}: {m['kind']}, {m['ntotal']} keyframes, "
                f"{len(arc.unindexed())} videos not indexed yet")
        except LatentcutError as exc:
            say(f"  {exc}")
        for path, why in arc.failures().items():
            say(f"  failed: {path}: {why}")
        return 0
    if args.action in ("import", "export"):
        if not args.library:
            raise LatentcutError(f"archive {args.action} needs --library LIB")
        from latentcut.archive.bridge import archive_takes_library, library_takes_archive
        from latentcut.retrieval.library import SceneLibrary

        if args.action == "import":
            lib = SceneLibrary(args.library, create=False)
            v, n = archive_takes_library(arc, lib)
            say(f"{args.archive}: {v} videos ({n} keyframes) from {args.library}; run `latentcut archive index` next")
        else:
            lib = SceneLibrary(args.library, encoder=arc.encoder_spec)
            v, n = library_takes_archive(lib, arc)
            say(f"{args.library}: {v} videos ({n} shots) from {args.archive}")
        return 0
    refs = list(args.image) + list(args.frame)
    if sum((bool(refs), args.clip is not None, args.shot is not None)) != 1:
        raise LatentcutError("archive query takes pictures (--image, --frame), one --clip or one --shot")
    unindexed = arc.unindexed()
    if unindexed and not args.quiet:
        print(f"latentcut: warning: {len(unindexed)} videos added since the index was built are not searched; "
              "run `latentcut archive index`", file=sys.stderr)
    if refs:
        results = list(zip(refs, arc.query_refs(refs, args.k)))
    elif args.clip:
        results = [(args.clip, arc.query_clip(args.clip, args.k))]
    else:
        results = [(f"shot {args.shot}", arc.query_shot(args.shot, args.k))]
    for ref, hits in results:
        if args.json:
            print(json.dumps({"query": ref, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
            continue
        print(ref)
        for i, h in enumerate(hits, 1):
            print(f"  {i:>3}  {h.score:.4f}  shot {h.shot:>4} (shot_id {h.shot_id})  {h.start:9.3f}-{h.end:9.3f} s  "
                  f"at {h.time:9.3f} s  {h.video}{'  (mirrored)' if h.mirrored else ''}{'  (inset)' if h.inset else ''}")
    return 0
