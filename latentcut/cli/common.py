"""What every command shares: the one-line parser, option types, the detector built from options,
and the checks that no output is an input."""
from __future__ import annotations

import argparse
import os
import sys

from latentcut.errors import LatentcutError

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """Usage mistakes as one line, like every other error: ``latentcut: error: ...``, exit 2. No
    abbreviations: PySceneDetect's ``--threshold 27`` must not quietly become ``--thresholder 27``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        from latentcut.cli.habits import did_you_mean

        where = self.prog.replace("latentcut", "", 1).strip()
        hint = did_you_mean(self, message)
        sys.stderr.write(f"latentcut: error: {where + ': ' if where else ''}{message}"
                         f"{'; ' + hint if hint else ''} (see {self.prog} --help)\n")
        sys.exit(EXIT_USAGE)


def int_at_least(lo: int):
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


def int_within(lo: int, hi: int):
    at_least = int_at_least(lo)

    def parse(text: str) -> int:
        v = at_least(text)
        if v > hi:
            raise argparse.ArgumentTypeError(f"must be {lo}-{hi}, not {v}")
        return v

    parse.__name__ = f"integer {lo}-{hi}"
    return parse


def float_in(lo: float, hi: float | None = None, lo_open: bool = False):
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
    from latentcut.io.durations import parse_duration

    try:
        parse_duration(text, "length")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("length must be", "expected")) from None
    return text


def wxh(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels such as 1200x1000, not {text!r}") from None
    if not (16 <= w <= 16384 and 16 <= h <= 16384):
        raise argparse.ArgumentTypeError(f"each side must be 16..16384 pixels, not {text!r}")
    return w, h


class _Help(argparse.RawDescriptionHelpFormatter):
    """Examples kept as written, and every option's default shown unless its help already says it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text.lower() or action.default in (None, False, argparse.SUPPRESS) or not action.option_strings:
            return text
        return text + " (default: %(default)s)"

    def _expand_help(self, action):
        if hasattr(action, "default_of"):
            action = argparse.Namespace(**{**vars(action), "default_of": action.default_of(action.dest)})
        return super()._expand_help(action)


def shows_default(action: argparse.Action, lookup) -> argparse.Action:
    """``%(default_of)s`` in the option's help reads ``lookup(dest)`` when help is shown, so a default is stated
    in one place (the component's signature or config) and the parser passes only what the user gave."""
    action.default_of = lookup
    return action


def detector_default(name: str):
    """The detector's own default for a parameter, read from its signature (the one place it is stated)."""
    import inspect

    from latentcut.detection.pipeline import ShotDetector

    return inspect.signature(ShotDetector.__init__).parameters[name].default


def help_formatter():
    return _Help


def add_range_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("part of the video (seconds 12.5 or 12.5s, a timecode 00:01:02.5, or frames 300)")
    g.add_argument("--start", metavar="TIME", type=_position, help="start here (frame numbers and times stay the video's)")
    e = g.add_mutually_exclusive_group()
    e.add_argument("--end", metavar="TIME", type=_position, help="stop before this time")
    e.add_argument("--duration", metavar="LENGTH", type=_position, help="stop after this long from --start")


def _position(text: str) -> str:
    """A time checked here and kept as written (frames need the video's frame rate)."""
    from latentcut.io.durations import parse_duration

    t = text.strip()
    if t.replace(".", "", 1).isdigit() and "." in t:
        t += "s"  # 12.5 is seconds, as PySceneDetect reads it
    try:
        parse_duration(t, "time")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("time must be", "expected")) from None
    return t


def range_from_args(args) -> tuple:
    return getattr(args, "start", None), getattr(args, "end", None), getattr(args, "duration", None)


def add_detect_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("pipeline (names or specs like 'fixed,value=0.2'; see `latentcut plugins`)")
    shows_default(g.add_argument("--encoder", help="encoder (default: %(default_of)s)"), detector_default)
    g.add_argument("--distance", help="distance (default: gaussian-kl for the VAEs, l1 otherwise)")
    shows_default(g.add_argument("--thresholder", metavar="THRESHOLDER", help="thresholder (default: %(default_of)s)"), detector_default)
    g.add_argument("--n", type=int_at_least(0), metavar="N", help="exactly N cuts (shortcut for --thresholder top-n,n=N)")
    g.add_argument("--min-shot-len", "--min-scene-len", "-m", metavar="LEN", type=_duration,
                   help="minimum shot length: frames (15), seconds (0.5s) or a timecode (00:00:00.500), held by "
                        "every shot, the first and last included, as PySceneDetect's; default: the thresholder's, "
                        "between cuts only, where a sure jump may still cut 2 frames apart (fan edits)")
    shows_default(g.add_argument("--span", type=_duration,
                   help="span for gradual transitions: frames, seconds or a timecode (default: %(default_of)s)"), detector_default)
    g.add_argument("--no-gradual", action="store_true", help="report hard cuts only")
    g.add_argument("--drop-short", action="store_true",
                   help="leave out shots shorter than --min-shot-len (the shot list then has gaps)")
    g.add_argument("--merge-last", action="store_true",
                   help="a last shot shorter than --min-shot-len joins the shot before it")
    g.add_argument("--verify", metavar="VERIFIER",
                   help="second opinion on the candidates: lite0,weights=FILE (Lite0's safetensors; a learned "
                        "verifier, about 5.5x slower) or transnetv2 (pip install 'latentcut[transnetv2]'); default: none")
    shows_default(g.add_argument("--fades", metavar="SPEC",
                   help="fades to and from a flat frame, found on the frames' contrast: 'fades' with options "
                        "(e.g. fades,min_len=5) or none (default: %(default_of)s)"), detector_default)
    shows_default(g.add_argument("--stride", type=int_at_least(1), help="analyse every k-th frame (default: %(default_of)s)"), detector_default)
    g.add_argument("--model", metavar="shipped|self|DIR",
                   help="the VAE encoders' weights: the model latentcut ships (repro-vae's default), self-trained on "
                        "each video (beta-vae's), or a folder from `latentcut train`")
    g.add_argument("--weights", metavar="FILE", help="pretrained weights (.safetensors) for the xception / timm:NAME encoders")
    c = p.add_argument_group("embedding cache (on by default for the VAE and timm encoders)")
    c.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: $LATENTCUT_CACHE_DIR or ~/.cache/latentcut)")
    c.add_argument("--no-cache", action="store_true", help="neither read nor write cached embeddings")


def _thresholder_spec(args):
    """--thresholder, --n and --min-shot-len as one thresholder (a spec, or with --min-shot-len one that holds
    every shot to it); None when none was given (the detector's default)."""
    spec = args.thresholder
    if args.n is not None:
        spec = f"top-n,n={args.n}"
    if args.min_shot_len is not None:  # held to, as PySceneDetect's min_scene_len is
        from latentcut.detection.pipeline import holding_to

        return holding_to(spec or detector_default("thresholder"), args.min_shot_len)
    return spec


def _encoder_files(args) -> dict:
    """--model / --weights as encoder keyword arguments (paths may hold any character)."""
    kw = {}
    if getattr(args, "model", None):
        if args.model not in ("shipped", "self") and not os.path.isdir(args.model):
            raise LatentcutError(f"{args.model}: no such model folder")
        kw["model"] = args.model
    if getattr(args, "weights", None):
        if not os.path.isfile(args.weights):
            raise LatentcutError(f"{args.weights}: no such weights file")
        kw["weights"] = os.path.abspath(args.weights)
    return kw


def encoder_spec(args) -> str:
    """The encoder as one spec string, for libraries that store it; paths with commas cannot go in."""
    kw = _encoder_files(args)
    if any("," in v for v in kw.values()):
        raise LatentcutError("a --model or --weights path with a comma cannot be stored in a library's encoder spec")
    from latentcut.retrieval.library import LIBRARY_ENCODER

    return ",".join([args.encoder or LIBRARY_ENCODER] + [f"{k}={v}" for k, v in kw.items()])


def detector_from_args(args):
    from latentcut.detection.pipeline import ShotDetector
    from latentcut.encoders import create_encoder
    from latentcut.io.durations import parse_duration

    # only what the user gave: every default is the detector's own
    given = {"distance": args.distance, "thresholder": _thresholder_spec(args), "stride": args.stride,
             "verifier": getattr(args, "verify", None), "fades": getattr(args, "fades", None)}
    kw = {k: v for k, v in given.items() if v is not None}
    files = _encoder_files(args)
    if args.encoder is not None or files:
        kw["encoder"] = create_encoder(args.encoder or detector_default("encoder"), **files)
    if args.span is not None:
        unit, value = parse_duration(args.span, "--span")
        if value <= 0:
            raise LatentcutError(f"--span must be longer than 0, not {args.span!r}")
        kw["span"] = _frames_or_seconds(args.span)
    flags = {"gradual": not args.no_gradual, "drop_short": getattr(args, "drop_short", False),
             "merge_last": getattr(args, "merge_last", False),
             # a length the user gives holds at both ends too
             "short_ends": getattr(args, "min_shot_len", None) is None}
    kw.update({k: v for k, v in flags.items() if v != detector_default(k)})
    if getattr(args, "quiet", False):
        kw["progress"] = False
    if args.no_cache or args.cache_dir:
        kw["cache"] = False if args.no_cache else os.path.abspath(args.cache_dir)
    return ShotDetector(**kw)


def _frames_or_seconds(text: str):
    return int(text) if text.isdigit() else text


def print_cuts(result, out=None) -> None:
    out = out or sys.stdout
    n = len(result.cuts)
    print(
        f"{result.video.path}: {result.frames} frames, {result.video_end:.2f} s, "
        f"{n} boundar{'y' if n == 1 else 'ies'}, {len(result.shots)} shot{'s' if len(result.shots) != 1 else ''}",
        file=out,
    )
    if n:
        print(f"  {'frame':>7}  {'timecode':<12}  {'kind':<8}  score", file=out)
    for c in result.cuts:
        span = f"  (frames {c.start.frame}-{c.end.frame - 1})" if c.is_gradual else ""
        print(f"  {c.frame.frame:>7}  {c.frame.timecode:<12}  {c.kind:<8}  {c.score:.4f}{span}", file=out)


def input_files(args, **named) -> dict:
    """The files a command reads, by the name the user knows them by (never to be written)."""
    ins = {k: v for k, v in named.items() if v}
    if getattr(args, "model", None):
        ins["--model"] = args.model
    if getattr(args, "weights", None):
        ins["--weights"] = args.weights
    return ins


def check_outputs(inputs: dict, outputs: dict) -> None:
    """Before any work: no output is an input, and every output can be written."""
    from latentcut.io.atomic import check_outputs, check_writable

    check_outputs(inputs, outputs)
    for opt, path in outputs.items():
        if path:
            check_writable(path, opt)


def for_each_video(videos: list[str], work) -> int:
    """Run ``work(video)`` on each video; with several, a bad one is reported in one line and the
    rest go on, then a summary, and the exit status says that something failed."""
    if len(videos) == 1:
        work(videos[0])
        return 0
    failed: list[str] = []
    for video in videos:
        try:
            work(video)
        except (LatentcutError, OSError) as exc:
            msg = f"{exc.filename}: {exc.strerror}" if isinstance(exc, OSError) and exc.filename else str(exc)
            if video not in msg:
                msg = f"{video}: {msg}"
            print(f"latentcut: error: {' '.join(msg.split())}", file=sys.stderr)
            failed.append(video)
    if failed:
        print(f"latentcut: {len(failed)} of {len(videos)} videos failed ({', '.join(failed[:3])}"
              f"{', ...' if len(failed) > 3 else ''}); the others are done", file=sys.stderr)
        return EXIT_USAGE
    return 0
