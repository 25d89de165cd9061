"""PySceneDetect's spellings, answered: its command chains run as one ``latentcut detect``, and an
option it knows but latentcut does not gets a "did you mean".

``scenedetect -i film.mp4 -o out detect-adaptive list-scenes split-video save-images`` becomes
``latentcut detect film.mp4 --csv out/$VIDEO_NAME-Scenes.csv --split-video out --save-images out``,
said on stderr before it runs, so the user learns the native spelling (docs/command-line.md).
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import sys

from latentcut.errors import LatentcutError

DETECTORS = {"detect-adaptive", "detect-content", "detect-threshold", "detect-hist", "detect-hash"}
#: PySceneDetect command -> what it becomes; the file-name templates are PySceneDetect's defaults
COMMANDS = {"list-scenes", "split-video", "save-images", "save-edl", "save-otio", "save-fcp", "save-xml",
            "save-html", "time", "load-scenes", "save-qp"} | DETECTORS

#: options latentcut does not have -> the answer
ANSWERS = {
    "--threshold": "latentcut fits its threshold to each video; for a fixed one give --thresholder "
                   "fixed,value=V (its scale is latentcut's distance, not ContentDetector's 0-255)",
    "-t": "latentcut fits its threshold to each video; for a fixed one give --thresholder fixed,value=V",
    "--framerate": "times come from each frame's timestamp; latentcut needs no frame rate",
    "-f": "the file name template is --template (split-video, save-images) or a name after --csv/--edl/...",
    "--filename": "the file name template is --template, or a name after --csv/--edl/...",
    "--input": "give the video as an argument: latentcut detect VIDEO",
    "-i": "give the video as an argument: latentcut detect VIDEO",
    "--stats": "the per-frame scores are --curve CURVE.csv",
    "--high-quality": "re-encoding is the default; --crf 17 --preset slow is PySceneDetect's -hq",
    "-hq": "re-encoding is the default; --crf 17 --preset slow is PySceneDetect's -hq",
    "--downscale": "latentcut decodes at the size its encoder needs; there is nothing to downscale",
    "-d": "latentcut decodes at the size its encoder needs; --duration is the length to analyse",
    "--backend": "latentcut decodes with PyAV (FFmpeg); there is no other backend",
    "--png": "--format png", "--jpeg": "--format jpeg", "--webp": "--format webp",
}


def did_you_mean(parser: argparse.ArgumentParser, message: str) -> str:
    """A hint for argparse's "unrecognized arguments: --x" or "invalid choice: 'x'"."""
    m = re.search(r"unrecognized arguments: (\S+)", message)
    if m:
        word = m.group(1).split("=")[0]
        if word in ANSWERS:
            return f"PySceneDetect's {word}: {ANSWERS[word]}"
        options = [o for a in _command_parser(parser)._actions for o in a.option_strings]
        close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
        return f"did you mean {close[0]}?" if close else ""
    m = re.search(r"invalid choice: '([^']+)'", message)
    if m:
        word = m.group(1)
        if word in COMMANDS:
            return ("that is PySceneDetect's command chain; write it as `scenedetect` would, starting with -i VIDEO, "
                    "and latentcut runs it as one `latentcut detect` (docs/command-line.md)")
        choices = [c for a in parser._actions if a.choices for c in a.choices]
        close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
        return f"did you mean {close[0]}?" if close else ""
    return ""


def _command_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The command's own parser: argparse reports a command's unknown options from the top one."""
    words = getattr(parser, "argv_words", None) or []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for w in words:
                if w in action.choices:
                    return action.choices[w]
    return parser


def looks_like_scenedetect(argv: list[str]) -> bool:
    """A PySceneDetect command line: it starts with -i/--input (latentcut's commands never do), or
    chains its commands."""
    return bool(argv) and (argv[0] in ("-i", "--input") or argv[0].startswith("--input=")
                           or (argv[0] in DETECTORS | {"list-scenes"}))


def translate(argv: list[str]) -> list[str]:
    """PySceneDetect's global options and command chain -> one ``latentcut detect`` argv."""
    videos: list[str] = []
    out_dir = None
    detect: list[str] = []
    wants: dict[str, dict] = {}
    command = None
    i = 0

    def value(opt: str) -> str:
        nonlocal i
        if "=" in argv[i]:
            return argv[i].split("=", 1)[1]
        if i + 1 >= len(argv):
            raise LatentcutError(f"{opt} needs a value")
        i += 1
        return argv[i]

    while i < len(argv):
        a = argv[i]
        name = a.split("=", 1)[0]
        if a in COMMANDS:
            command = a
            if a in ("load-scenes", "save-qp"):
                raise LatentcutError(f"PySceneDetect's {a} has no latentcut equivalent in a chain; see "
                                     "docs/command-line.md")
            if a not in DETECTORS and a != "time":
                wants[a] = {}
        elif command is None:  # global options
            if name in ("-i", "--input"):
                videos.append(value(name))
            elif name in ("-o", "--output"):
                out_dir = value(name)
            elif name in ("-m", "--min-scene-len"):
                detect += ["--min-shot-len", value(name)]
            elif name in ("-s", "--stats"):
                detect += ["--curve", value(name)]
            elif name in ("-q", "--quiet"):
                detect.append("-q")
            elif name == "--drop-short-scenes":
                detect.append("--drop-short")
            elif name == "--merge-last-scene":
                detect.append("--merge-last")
            elif name in ("-fs", "--frame-skip"):
                detect += ["--stride", str(int(value(name)) + 1)]
            elif name in ("-v", "--verbosity", "-d", "--downscale", "-b", "--backend", "-f", "--framerate", "-l",
                          "--logfile"):
                value(name)  # nothing to do in latentcut: decoding is PyAV's, times are timestamps
            elif name in ("-c", "--config"):
                detect += ["--config", value(name)]
            else:
                raise LatentcutError(f"PySceneDetect's global option {a} has no latentcut equivalent")
        elif command == "time":
            opt = {"-s": "--start", "--start": "--start", "-e": "--end", "--end": "--end", "-d": "--duration",
                   "--duration": "--duration"}.get(name)
            if opt is None:
                raise LatentcutError(f"time {a}: expected -s/--start, -e/--end or -d/--duration")
            detect += [opt, value(name)]
        elif command in DETECTORS:
            if name in ("-m", "--min-scene-len"):
                detect += ["--min-shot-len", value(name)]
            elif name.startswith("-") and i + 1 < len(argv) and not argv[i + 1].startswith("-") and "=" not in a \
                    and argv[i + 1] not in COMMANDS:
                i += 1  # its own threshold and weights: latentcut's detector fits its own
        else:
            opts = wants[command]
            if name in ("-o", "--output"):
                opts["dir"] = value(name)
            elif name in ("-f", "--filename"):
                opts["name"] = value(name)
            elif command == "split-video" and name in ("-c", "--copy", "-m", "--mkvmerge"):
                opts["copy"] = True  # mkvmerge splits by stream copy too
            elif command in ("split-video", "list-scenes") and name in ("-q", "--quiet"):
                pass  # the external tool's output, or the printed list: latentcut prints its own
            elif command == "split-video" and name in ("-hq", "--high-quality"):
                opts.update(crf="17", preset="slow")
            elif command == "split-video" and name in ("-crf", "--rate-factor"):
                opts["crf"] = value(name)
            elif command == "split-video" and name in ("-p", "--preset"):
                opts["preset"] = value(name)
            elif command == "save-images" and name in ("-n", "--num-images"):
                opts["n"] = value(name)
            elif command == "save-images" and name in ("-q", "--quality"):
                opts["quality"] = value(name)
            elif command == "save-images" and name in ("--png", "--jpeg", "--webp", "-p", "-j", "-w"):
                opts["format"] = {"-p": "png", "-j": "jpeg", "-w": "webp"}.get(name, name[2:])
            elif command == "save-images" and name in ("-c", "--compression"):
                value(name)  # PNG compression level: latentcut's PNGs are lossless either way
            elif command == "save-images" and name in ("-m", "--frame-margin"):
                opts["margin"] = value(name)
            elif command == "save-images" and name in ("-W", "--width", "-H", "--height", "-s", "--scale"):
                opts[{"-W": "width", "-H": "height", "-s": "scale"}.get(name, name[2:])] = value(name)
            elif command == "list-scenes" and name in ("-s", "--skip-cuts", "-n", "--no-output-file"):
                opts[name.lstrip("-")[0]] = True
            elif command == "save-otio" and name == "--audio":
                pass  # latentcut's OTIO has an audio track whenever the video has sound
            elif command == "save-fcp" and name == "--format":
                opts["format"] = value(name)
            else:
                raise LatentcutError(f"PySceneDetect's {command} {a} has no latentcut equivalent; see "
                                     "docs/command-line.md")
        i += 1
    if not videos:
        raise LatentcutError("a PySceneDetect command line needs -i VIDEO")
    base = out_dir or "."
    at = lambda opts, default: os.path.join(opts.get("dir", base), opts.get("name", default))  # noqa: E731
    out = ["detect", *videos, *detect]
    for command, opts in wants.items():
        if command == "list-scenes" and not opts.get("n"):
            out += ["--csv", at(opts, "$VIDEO_NAME-Scenes.csv")]
        elif command == "split-video":
            out += ["--split-video", opts.get("dir", base), "--split-template", opts.get("name", "$VIDEO_NAME-Scene-$SCENE_NUMBER")]
            out += ["--copy"] if opts.get("copy") else []
            out += [a for k in ("crf", "preset") if k in opts for a in (f"--{k}", opts[k])]
        elif command == "save-images":
            out += ["--save-images", opts.get("dir", base),
                    "--image-template", opts.get("name", "$VIDEO_NAME-Scene-$SCENE_NUMBER-$IMAGE_NUMBER")]
            out += [a for k, o in (("n", "--num-images"), ("quality", "--quality"), ("format", "--format"),
                                   ("margin", "--frame-margin"), ("width", "--width"), ("height", "--height"),
                                   ("scale", "--scale")) if k in opts for a in (o, opts[k])]
        elif command == "save-edl":
            out += ["--edl", at(opts, "$VIDEO_NAME.edl")]
        elif command == "save-otio":
            out += ["--otio", at(opts, "$VIDEO_NAME.otio")]
        elif command in ("save-fcp", "save-xml"):
            if command == "save-xml" or opts.get("format", "fcpxml") in ("fcp", "fcp7", "xml"):
                out += ["--fcp7", at(opts, "$VIDEO_NAME.xml")]
            else:
                out += ["--fcpxml", at(opts, "$VIDEO_NAME.fcpxml")]
        elif command == "save-html":
            out += ["--html", at(opts, "$VIDEO_NAME-Scenes.html")]
    return out


def native_habits(argv: list[str]) -> list[str]:
    """``save-images -q 80`` is PySceneDetect's quality, not latentcut's quiet: a -q followed by a
    number there is --quality (said on stderr), never a video named 80 read in quiet mode."""
    if not argv or argv[0] != "save-images":
        return argv
    out = list(argv)
    for i in range(1, len(out) - 1):
        if out[i] == "-q" and out[i + 1].isdigit():
            out[i] = "--quality"
            print(f"latentcut: note: save-images -q {out[i + 1]} read as --quality {out[i + 1]} (PySceneDetect's "
                  "spelling; latentcut's -q is --quiet)", file=sys.stderr)
    return out


def announce(argv: list[str]) -> None:
    import shlex

    print(f"latentcut: note: PySceneDetect's command line, run as: latentcut {shlex.join(argv)}", file=sys.stderr)
