"""Several videos in one command: files, folders and globs in, one set of outputs per video out."""
from __future__ import annotations

import atexit
import glob
import os
import shutil
import stat
import string
import tempfile

from latentcut.errors import LatentcutError

VIDEO_EXTENSIONS = (".mp4", ".mkv", ".mov", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".ts", ".m2ts", ".wmv", ".flv",
                    ".gif", ".3gp", ".ogv")


def expand_inputs(items: list[str]) -> list[str]:
    """Files as given; a folder gives the videos in it (by extension, sorted); a pattern with
    ``*``, ``?`` or ``[`` that is not itself a file gives its matches. Each video once, in order."""
    out: list[str] = []
    for item in items:
        if os.path.isdir(item):
            found = sorted(os.path.join(item, f) for f in os.listdir(item)
                           if f.lower().endswith(VIDEO_EXTENSIONS) and os.path.isfile(os.path.join(item, f)))
            if not found:
                raise LatentcutError(f"{item}: a folder with no video in it ({', '.join(VIDEO_EXTENSIONS[:5])}, ...)")
            out += found
        elif not os.path.exists(item) and any(ch in item for ch in "*?["):
            found = sorted(p for p in glob.glob(item, recursive=True) if os.path.isfile(p))
            if not found:
                raise LatentcutError(f"{item}: no file matches this pattern")
            out += found
        else:
            out.append(item)
    out = [_spooled(p) for p in out]
    seen, unique = set(), []
    for p in out:
        key = os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _spooled(path: str) -> str:
    """A pipe (``/dev/stdin``, a FIFO) copied to a temporary file, removed at exit: a video is
    read more than once (its header, then its frames), and a pipe only once."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return path
    if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)):
        return path
    folder = tempfile.mkdtemp(prefix="latentcut-stdin-")
    atexit.register(shutil.rmtree, folder, True)
    copy = os.path.join(folder, os.path.basename(path) or "stdin")
    try:
        with open(path, "rb") as src, open(copy, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except OSError as exc:
        raise LatentcutError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if os.path.getsize(copy) == 0:
        raise LatentcutError(f"{path}: nothing came through the pipe")
    return copy


def output_path(template: str | None, video: str, several: bool, option: str) -> str | None:
    """``template`` for one video: ``$VIDEO_NAME`` is the video's file name without extension.
    With several videos an output must name each its own (``$VIDEO_NAME``, or a folder ending in /)."""
    if not template or template == "-":
        if template == "-" and several:
            raise LatentcutError(f"{option} -: several videos cannot share standard output")
        return template
    name = os.path.splitext(os.path.basename(video))[0]
    if template.endswith(("/", os.sep)):
        return os.path.join(template, name + _default_ext(option))
    if "$VIDEO_NAME" not in template and "${VIDEO_NAME}" not in template:
        if several:
            raise LatentcutError(f"{option} {template}: several videos need a name each; put $VIDEO_NAME in it "
                                 f"(e.g. '$VIDEO_NAME{_default_ext(option)}') or give a folder ending in /")
        return template
    try:
        return string.Template(template).substitute(VIDEO_NAME=name)
    except (KeyError, ValueError) as exc:
        raise LatentcutError(f"{option} {template}: only $VIDEO_NAME can be filled in here ({exc})") from None


def _default_ext(option: str) -> str:
    return {"-o": ".json", "--csv": ".scenes.csv", "--curve": ".curve.csv", "--edl": ".edl", "--otio": ".otio",
            "--fcpxml": ".fcpxml", "--html": ".html", "--plot": ".curve.png"}.get(option, "")
