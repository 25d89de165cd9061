"""The ``latentcut`` command line."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings

from . import __version__
from .errors import LatentcutError
from .timecode import format_seconds

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """Usage mistakes as one line, like every other error: ``latentcut: error: ...``, exit 2."""

    def error(self, message: str):
        where = self.prog.replace("latentcut", "", 1).strip()
        sys.stderr.write(f"latentcut: error: {where + ': ' if where else ''}{message} (see {self.prog} --help)\n")
        sys.exit(EXIT_USAGE)


def _int_at_least(lo: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {lo}, not {text!r}") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be >= {lo}, not {v}")
        return v

    parse.__name__ = f"integer >= {lo}"
    return parse


def _float_in(lo: float, hi: float | None = None, lo_open: bool = False):
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
        if v != v or v in (float("inf"), float("-inf")) or (v <= lo if lo_open else v < lo) or (hi is not None and v > hi):
            rng = f"{'>' if lo_open else '>='} {lo}" + (f" and <= {hi}" if hi is not None else "")
            raise argparse.ArgumentTypeError(f"must be a number {rng}, not {text!r}")
        return v

    parse.__name__ = "number"
    return parse


def _duration(text: str) -> str:
    """Frames (12), seconds (0.5s) or a timecode (00:00:00.500), checked here, kept as written."""
    from .registry import parse_duration

    try:
        parse_duration(text, "length")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("length must be", "expected")) from None
    return text


def _wxh(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels such as 1200x1000, not {text!r}") from None
    if not (16 <= w <= 16384 and 16 <= h <= 16384):
        raise argparse.ArgumentTypeError(f"each side must be 16..16384 pixels, not {text!r}")
    return w, h


def _add_detect_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("pipeline (names or specs like 'fixed,value=0.2'; see `latentcut plugins`)")
    g.add_argument("--encoder", default="pixel", help="encoder (default: pixel)")
    g.add_argument("--distance", help="distance (default: gaussian-kl for the VAEs, l1 otherwise)")
    g.add_argument("--threshold", default="adaptive", metavar="THRESHOLDER", help="thresholder (default: adaptive)")
    g.add_argument("--n", type=_int_at_least(0), metavar="N", help="exactly N cuts (shortcut for --threshold top-n,n=N)")
    g.add_argument("--min-shot-len", metavar="LEN", type=_duration,
                   help="minimum shot length: frames (15), seconds (0.5s) or a timecode (00:00:00.500); default 0.3s")
    g.add_argument("--gap", default="0.5s", type=_duration,
                   help="span for gradual transitions: frames, seconds or a timecode (default 0.5s)")
    g.add_argument("--no-gradual", action="store_true", help="report hard cuts only")
    g.add_argument("--stride", type=_int_at_least(1), default=1, help="analyse every k-th frame (default 1)")
    g.add_argument("--model", metavar="MODEL_DIR", help="a trained model folder for the VAE encoders (else they self-train)")
    g.add_argument("--weights", metavar="FILE", help="pretrained weights (.safetensors) for the xception / timm:NAME encoders")
    c = p.add_argument_group("embedding cache (on by default for the VAE and timm encoders)")
    c.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: $LATENTCUT_CACHE_DIR or ~/.cache/latentcut)")
    c.add_argument("--no-cache", action="store_true", help="neither read nor write cached embeddings")


def _thresholder_spec(args) -> str:
    spec = args.threshold
    if args.n is not None:
        spec = f"top-n,n={args.n}"
    if args.min_shot_len is not None:
        spec += f",min_shot_len={args.min_shot_len}"
    return spec


def _encoder_files(args) -> dict:
    """--model / --weights as encoder keyword arguments (paths may hold any character)."""
    kw = {}
    if getattr(args, "model", None):
        if not os.path.isdir(args.model):
            raise LatentcutError(f"{args.model}: no such model folder")
        kw["model"] = args.model
    if getattr(args, "weights", None):
        if not os.path.isfile(args.weights):
            raise LatentcutError(f"{args.weights}: no such weights file")
        kw["weights"] = os.path.abspath(args.weights)
    return kw


def _encoder_spec(args) -> str:
    """The encoder as one spec string, for libraries that store it; paths with commas cannot go in."""
    kw = _encoder_files(args)
    if any("," in v for v in kw.values()):
        raise LatentcutError("a --model or --weights path with a comma cannot be stored in a library's encoder spec")
    return ",".join([args.encoder or "pixel,size=16,center=false"] + [f"{k}={v}" for k, v in kw.items()])


def _detector(args):
    from .detector import SceneDetector
    from .encoders import create_encoder
    from .registry import parse_duration

    unit, value = parse_duration(args.gap, "--gap")
    if value <= 0:
        raise LatentcutError(f"--gap must be longer than 0, not {args.gap!r}")
    return SceneDetector(
        encoder=create_encoder(args.encoder, **_encoder_files(args)),
        distance=args.distance,
        thresholder=_thresholder_spec(args),
        gap=_frames_or_seconds(args.gap),
        gradual=not args.no_gradual,
        stride=args.stride,
        progress=None if not getattr(args, "quiet", False) else False,
        cache=False if args.no_cache else (os.path.abspath(args.cache_dir) if args.cache_dir else None),
    )


def _frames_or_seconds(text: str):
    return int(text) if text.isdigit() else text


def _print_cuts(result, out=None) -> None:
    out = out or sys.stdout
    n = len(result.cuts)
    print(
        f"{result.video.path}: {result.frames} frames, {result.end_time:.2f} s, "
        f"{n} boundar{'y' if n == 1 else 'ies'}, {len(result.scenes)} scene{'s' if len(result.scenes) != 1 else ''}",
        file=out,
    )
    if n:
        print(f"  {'frame':>7}  {'timecode':<12}  {'kind':<8}  score", file=out)
    for c in result.cuts:
        span = f"  (frames {c.start.frame}-{c.end.frame})" if c.is_gradual else ""
        print(f"  {c.frame.frame:>7}  {c.frame.timecode:<12}  {c.kind:<8}  {c.score:.4f}{span}", file=out)


def _inputs(args, **named) -> dict:
    """The files a command reads, by the name the user knows them by (never to be written)."""
    ins = {k: v for k, v in named.items() if v}
    if getattr(args, "model", None):
        ins["--model"] = args.model
    if getattr(args, "weights", None):
        ins["--weights"] = args.weights
    return ins


def _check_outputs(inputs: dict, outputs: dict) -> None:
    """Before any work: no output is an input, and every output can be written."""
    from .atomic import check_outputs, check_writable

    check_outputs(inputs, outputs)
    for opt, path in outputs.items():
        if path:
            check_writable(path, opt)


def cmd_detect(args) -> int:
    from .output import write_curve_csv, write_json, write_scenes_csv

    outputs = {"-o": args.output, "--csv": args.csv, "--curve": args.curve, "--plot": args.plot}
    _check_outputs(_inputs(args, video=args.video, labels=args.labels), outputs)
    if args.labels and not args.plot:
        raise LatentcutError("--labels draws the true boundaries on --plot; give --plot too")
    if sum(v == "-" for v in outputs.values()) > 1:
        raise LatentcutError("only one output can go to standard output ('-')")
    human = sys.stderr if "-" in outputs.values() else sys.stdout  # stdout carries the data then
    lab = None
    if args.plot and args.labels:
        from .metrics import find_clip, load_labels

        lab = find_clip(load_labels(args.labels), args.video)
    det = _detector(args)
    result = det.detect(args.video, keep_embeddings=args.scenes)
    groups = None
    if args.scenes:
        from .grouping import group_shots, shot_vectors

        groups = group_shots(shot_vectors(result), args.strictness)
        result.scene_groups = [g.to_dict(result) for g in groups]
    if args.output:
        write_json(result, args.output)
    if args.csv:
        write_scenes_csv(result, args.csv)
    if args.curve:
        write_curve_csv(result, args.curve)
    if args.plot:
        from .plots import plot_curve

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


def cmd_eval(args) -> int:
    from .metrics import accuracy_at_n, evaluate, find_clip, load_labels, predictions_from_json
    from .metrics.labels import load_json

    doc = load_json(args.predictions)
    if not isinstance(doc, (dict, list)) or (isinstance(doc, dict) and "cuts" not in doc):
        raise LatentcutError(f"{args.predictions}: expected latentcut JSON with a 'cuts' list")
    try:
        pred = predictions_from_json(doc)
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
        raise LatentcutError(f"{args.predictions}: malformed 'cuts' entry ({exc})") from None
    clips = load_labels(args.labels)
    if not clips:
        raise LatentcutError(f"{args.labels}: the labels file has no clips")
    video = args.clip or (doc.get("video", "") if isinstance(doc, dict) else "")
    clip = find_clip(clips, video) if (video or len(clips) > 1) else clips[0]
    rows = []
    for tol in args.tolerance:
        s = evaluate(pred, clip, tol)
        rows.append({"tolerance": tol, **s.as_dict()})
    acc = None
    if args.curve:
        acc = accuracy_at_n(_read_curve_scores(args.curve), clip)
    if args.json:
        print(json.dumps({"clip": clip.path, "results": rows, "accuracy_at_n": acc}, indent=1))
        return 0
    print(f"{clip.path or args.labels}: {len(clip.boundaries)} true boundaries, {len(pred)} predicted")
    print(f"  {'tol':>3}  {'TP':>4} {'FP':>4} {'FN':>4}  {'precision':>9} {'recall':>7} {'F1':>6}")
    for r in rows:
        print(f"  {r['tolerance']:>3}  {r['tp']:>4} {r['fp']:>4} {r['fn']:>4}  {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>6.3f}")
    if acc is not None:
        print(f"  accuracy@N (N={len(clip.boundaries)}): {acc:.3f}")
    return 0


def _read_curve_scores(path: str):
    """The ``score`` column of a ``detect --curve`` CSV; one clear error for anything else."""
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
    if not rows or "score" not in rows[0]:
        raise LatentcutError(f"--curve {path}: not a score curve CSV from `latentcut detect --curve` (no 'score' column)")
    col = rows[0].index("score")
    try:
        scores = np.array([float(r[col]) for r in rows[1:] if r], np.float64)
    except (ValueError, IndexError):
        raise LatentcutError(f"--curve {path}: malformed row in the score column") from None
    if not np.isfinite(scores).all():
        raise LatentcutError(f"--curve {path}: the score column holds NaN or infinite values")
    return scores


def _is_our_demo(labels_path: str) -> bool:
    try:
        with open(labels_path, encoding="utf-8") as f:
            return str(json.load(f).get("notes", "")).startswith("latentcut demo")
    except (OSError, ValueError, AttributeError):
        return False


def cmd_demo(args) -> int:
    from .demo import make_demo_clip
    from .metrics import evaluate
    from .metrics.labels import clip_from_dict
    from .output import write_json, write_scenes_csv

    from .atomic import atomic_write

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
    det = _detector(args)
    result = det.detect(video)
    write_json(result, os.path.join(args.dir, "demo.json"))
    write_scenes_csv(result, os.path.join(args.dir, "demo-scenes.csv"))
    _print_cuts(result)
    s = evaluate([_interval(c) for c in result.cuts], clip_from_dict(labels, "demo"), 2)
    print(f"against the demo's ground truth (tolerance 2 frames): precision {s.precision:.2f}, recall {s.recall:.2f}, F1 {s.f1:.2f}")
    print(f"outputs in {args.dir}/ (demo.json, demo-scenes.csv)")
    return 0


def _interval(cut):
    from .metrics import Interval

    if cut.is_gradual:
        return Interval(cut.start.frame, cut.end.frame + 1, "gradual")
    return Interval(cut.frame.frame, cut.frame.frame)


def cmd_train(args) -> int:
    import numpy as np

    from .encoders import create_encoder
    from .encoders.vae import VAEEncoder
    from .video import VideoReader, sample_frames

    from .atomic import check_outputs

    check_outputs({f"video {v}": v for v in args.videos}, {"-o": args.output})
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        raise LatentcutError(f"-o {args.output}: is a file, not a model folder")
    for v in args.videos:
        if not os.path.exists(v):
            raise LatentcutError(f"{v}: no such file")
    enc = create_encoder(args.encoder, latent_dim=args.latent_dim, beta=args.beta, alpha=args.alpha, size=args.size,
                         **({"tau": args.tau} if args.tau is not None else {}), seed=args.seed, device=args.device,
                         epochs=args.epochs, max_minutes=args.max_minutes, batch_size=args.batch_size, lr=args.lr)
    if not isinstance(enc, VAEEncoder):
        raise LatentcutError(f"encoder {args.encoder!r} is not trainable; use repro-vae or beta-vae")
    parts, bounds = [], []
    for path in args.videos:
        reader = VideoReader(path, size=enc.frame_size, color="rgb")
        frames = sample_frames(reader, args.max_frames) if args.max_frames else reader.read_all().frames
        bounds.append(sum(len(p) for p in parts))
        parts.append(frames)
        print(f"{path}: {len(frames)} frames for training")
    frames = np.concatenate(parts)
    if len(frames) < 2:
        raise LatentcutError(f"need at least 2 frames to train, got {len(frames)} from {', '.join(args.videos)}")
    enc.fit(frames, video_bounds=bounds, out_dir=args.output, resume=args.resume,
            extra={"trained_on": [os.path.basename(v) for v in args.videos]})
    history = enc.history_
    last = history[-1] if history else {}
    print(f"trained {last.get('epoch', 0)} epochs on {len(frames)} frames ({last.get('seconds', 0):.0f} s); "
          f"loss {last.get('loss', float('nan')):.1f}, validation {last.get('val_loss', float('nan')):.1f}")
    print(f"model: {args.output} (config.json + model.safetensors); use it with "
          f"`latentcut detect VIDEO --encoder {enc.name} --model {args.output}`")
    return 0


def _ref_file(ref: str) -> str:
    """The file part of an image path or VIDEO@FRAME reference."""
    return ref if os.path.exists(ref) or "@" not in ref else ref.rpartition("@")[0]


def cmd_inbetween(args) -> int:
    import numpy as np
    from PIL import Image

    from .encoders.vae import VAEEncoder
    from .video import read_frame

    from .atomic import check_outputs

    ins = {"A": _ref_file(args.a), "B": _ref_file(args.b), "--model": args.model}
    for i in range(args.steps):
        check_outputs(ins, {"-o": os.path.join(args.output, f"inbetween_{i:03d}.png")})
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        raise LatentcutError(f"-o {args.output}: is a file, not a folder")
    enc = VAEEncoder.load(args.model)
    a, la = read_frame(args.a, enc.frame_size)
    b, lb = read_frame(args.b, enc.frame_size)
    emb = enc.transform(np.stack([a, b]))
    ts = np.linspace(0, 1, args.steps + 2)[1:-1] if not args.endpoints else np.linspace(0, 1, args.steps)
    z = (1 - ts[:, None]) * emb.mean[0] + ts[:, None] * emb.mean[1]
    imgs = enc.decode(z)
    from .atomic import atomic_path

    for i, img in enumerate(imgs):
        with atomic_path(os.path.join(args.output, f"inbetween_{i:03d}.png")) as tmp:
            Image.fromarray(img).resize((img.shape[1] * args.scale, img.shape[0] * args.scale),
                                        Image.Resampling.NEAREST).save(tmp, format="PNG")
    print(f"{len(imgs)} in-between frames from {la} to {lb} in {args.output}/")
    return 0


def cmd_cache(args) -> int:
    from .cache import cache_root, clear_models, is_model_entry
    from .embcache import EmbeddingCache

    root = cache_root(args.cache_dir)
    cache = EmbeddingCache(root)
    models = os.path.join(root, "models")
    if args.action == "clear":
        removed, size, left = cache.clear()
        gone_models, left_models = clear_models(root)
        for p in removed + gone_models:
            print(f"removed {p}")
        print(f"removed {len(removed)} embedding entries ({size / 1e6:.1f} MB) and {len(gone_models)} self-trained "
              f"models from {root}")
        if left or left_models:
            print(f"left {len(left) + len(left_models)} file(s) latentcut did not make, untouched: "
                  + ", ".join(left + left_models)[:2000])
    else:
        entries = cache.entries()
        size = sum(os.path.getsize(p) for p in entries)
        m = sum(is_model_entry(os.path.join(models, f)) for f in os.listdir(models)) if os.path.isdir(models) else 0
        print(f"{root}: {len(entries)} embedding entries ({size / 1e6:.1f} MB), {m} self-trained models")
    return 0


def cmd_index(args) -> int:
    from .library import SceneLibrary

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


def cmd_map(args) -> int:
    import numpy as np

    from .maps import frame_map, poster, subsample
    from .plots import draw_map
    from .video import VideoReader

    _check_outputs(_inputs(args, video=args.video), {"-o": args.output, "--csv": args.csv, "--poster": args.poster})
    if not (args.output or args.csv or args.poster):
        raise LatentcutError("map writes nothing without -o MAP.png, --csv COORDS.csv or --poster POSTER.png")
    det = _detector(args)
    result = det.detect(args.video, keep_embeddings=True)
    emb, idx, times = result.embeddings.mean, result.curve.indices, result.curve.times
    sel = subsample(len(idx), args.max_points)
    coords = frame_map(emb[sel], args.method)
    shot_of = np.searchsorted([s.start.frame for s in result.scenes], idx[sel], side="right")
    colour = times[sel] if args.color == "time" else shot_of
    title = f"{os.path.basename(args.video)}: {len(sel)} frames, {len(result.scenes)} shots, {args.method} of {result.settings['encoder']}"
    if args.output:
        draw_map(coords, args.output, colour, "time (s)" if args.color == "time" else "shot", title, args.size)
    if args.csv:
        from .atomic import atomic_write

        with atomic_write(args.csv, encoding="utf-8") as f:
            f.write("frame,time,shot,x,y\n")
            for i, s_, c in zip(sel, shot_of, coords):
                f.write(f"{int(idx[i])},{times[i]:.6f},{int(s_)},{c[0]:.6f},{c[1]:.6f}\n")
    if args.poster:
        want = {int(idx[i]): k for k, i in enumerate(sel)}
        thumbs = np.zeros((len(sel), 72, 128, 3), np.uint8)
        for b in VideoReader(args.video, size=(72, 128)):
            for f, i in zip(b.frames, b.indices):
                if int(i) in want:
                    thumbs[want[int(i)]] = f
        poster(coords, thumbs, args.poster, args.poster_size)
    for what, path in (("map", args.output), ("coordinates", args.csv), ("poster", args.poster)):
        if path:
            print(f"wrote {what}: {path}")
    return 0


def cmd_plugins(args) -> int:
    from .distances import list_distances
    from .encoders import list_encoders
    from .thresholders import list_thresholders

    for kind, names in (("encoders", list_encoders()), ("distances", list_distances()), ("thresholders", list_thresholders())):
        print(f"{kind}: {', '.join(names)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="latentcut", description="Scene-change detection in a learned latent space.")
    p.add_argument("--version", action="version", version=f"latentcut {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

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
    d.set_defaults(func=cmd_detect)

    e = sub.add_parser("eval", help="score predictions against labels (P/R/F1, accuracy@N)")
    e.add_argument("predictions", metavar="PRED.json")
    e.add_argument("labels", metavar="LABELS.json")
    e.add_argument("--clip", help="which clip of a multi-clip labels file (default: matched by the video's file name)")
    e.add_argument("--tolerance", type=_int_at_least(0), nargs="+", default=[0, 2], help="frame tolerances (default: 0 2)")
    e.add_argument("--curve", metavar="CURVE.csv", help="score curve from `detect --curve`, for accuracy@N")
    e.add_argument("--json", action="store_true", help="print JSON")
    e.set_defaults(func=cmd_eval)

    m = sub.add_parser("demo", help="make a demo clip with known cuts and detect on it")
    m.add_argument("--dir", default="latentcut-demo", help="output folder (default: latentcut-demo)")
    m.add_argument("-q", "--quiet", action="store_true", help=argparse.SUPPRESS)
    _add_detect_options(m)
    m.set_defaults(func=cmd_demo)

    t = sub.add_parser("train", help="train a Repro-VAE or beta-VAE on the frames of videos")
    t.add_argument("videos", nargs="+", metavar="VIDEO")
    t.add_argument("-o", "--output", required=True, metavar="MODEL_DIR", help="model folder (checkpoint every epoch)")
    t.add_argument("--encoder", default="repro-vae", help="repro-vae (default) or beta-vae")
    t.add_argument("--epochs", type=_int_at_least(1), default=30)
    t.add_argument("--max-minutes", type=_float_in(0.0, lo_open=True), help="stop after this many minutes (the last epoch is saved)")
    t.add_argument("--batch-size", type=_int_at_least(1), default=256)
    t.add_argument("--lr", type=_float_in(0.0, 1.0, lo_open=True), default=1e-4)
    t.add_argument("--latent-dim", type=_int_at_least(1), default=10)
    t.add_argument("--beta", type=_float_in(0.0), default=4.0)
    t.add_argument("--tau", type=_float_in(0.0), help="reprojection weight (default 200 for repro-vae, 0 for beta-vae)")
    t.add_argument("--alpha", type=_float_in(0.0), default=0.0, help="in-betweening term weight (default 0: off)")
    t.add_argument("--size", type=_int_at_least(8), default=64, help="frame side in pixels, a multiple of 16 (default 64)")
    t.add_argument("--max-frames", type=_int_at_least(2), help="sample at most this many frames per video")
    t.add_argument("--seed", type=_int_at_least(0), default=0)
    t.add_argument("--device", help="cpu, cuda or cuda:N (default: cuda when available)")
    t.add_argument("--resume", action="store_true", help="continue the training saved in MODEL_DIR")
    t.set_defaults(func=cmd_train)

    ib = sub.add_parser("inbetween", help="decode latents interpolated between two frames to PNGs")
    ib.add_argument("a", metavar="A", help="image file, VIDEO@FRAME or VIDEO@SECONDSs")
    ib.add_argument("b", metavar="B")
    ib.add_argument("--model", required=True, metavar="MODEL_DIR")
    ib.add_argument("--steps", type=_int_at_least(1), default=8)
    ib.add_argument("--endpoints", action="store_true", help="include the reconstructions of A and B")
    ib.add_argument("--scale", type=_int_at_least(1), default=4, help="enlarge the PNGs by this factor (default 4)")
    ib.add_argument("-o", "--output", required=True, metavar="DIR")
    ib.set_defaults(func=cmd_inbetween)

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
    ix.set_defaults(func=cmd_index)

    mp = sub.add_parser("map", help="a 2D map of a video's frames (UMAP, PCA or the autoencoder), and a poster")
    mp.add_argument("video")
    mp.add_argument("-o", "--output", metavar="MAP.png")
    mp.add_argument("--method", choices=["umap", "pca", "autoencoder"], default="umap")
    mp.add_argument("--color", choices=["shot", "time"], default="shot")
    mp.add_argument("--csv", metavar="COORDS.csv", help="write frame, time, shot, x, y")
    mp.add_argument("--poster", metavar="POSTER.png", help="thumbnails tiled on a grid by their map position")
    mp.add_argument("--poster-size", type=_wxh, default="1920x1080", help="poster size WxH (default 1920x1080)")
    mp.add_argument("--size", type=_wxh, default="1200x1000", help="map image size WxH (default 1200x1000)")
    mp.add_argument("--max-points", type=_int_at_least(3), default=5000, help="frames on the map, spread evenly (default 5000)")
    mp.add_argument("-q", "--quiet", action="store_true", help=argparse.SUPPRESS)
    _add_detect_options(mp)
    mp.set_defaults(func=cmd_map)

    ca = sub.add_parser("cache", help="show or clear the embedding and model cache")
    ca.add_argument("action", choices=["info", "clear"])
    ca.add_argument("--cache-dir", metavar="DIR")
    ca.set_defaults(func=cmd_cache)

    pl = sub.add_parser("plugins", help="list registered encoders, distances and thresholders")
    pl.set_defaults(func=cmd_plugins)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed as one line
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            code = args.func(args) or 0
            sys.stdout.flush()  # inside the try: a closed pipe shows here, not at interpreter exit
            return code
        except LatentcutError as exc:
            _error(str(exc))
            return EXIT_USAGE
        except BrokenPipeError:
            # The reader went away (``latentcut detect ... | head``): stop quietly, as Unix tools do.
            with contextlib.suppress(OSError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            return 0
        except OSError as exc:  # a disk full, a folder that vanished, permissions: not a bug, the machine's state
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _error(f"{where}{exc.strerror or exc}")
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("latentcut: interrupted", file=sys.stderr)
            return 130


def _error(message: str) -> None:
    line = " ".join(message.split())  # one line, whatever the message held
    with contextlib.suppress(OSError):
        print(f"latentcut: error: {line}", file=sys.stderr)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"latentcut: warning: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
