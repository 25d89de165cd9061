"""Output file names from templates, as PySceneDetect names them.

``$VIDEO_NAME``, ``$SHOT_NUMBER`` (also ``$SCENE_NUMBER``, PySceneDetect's name), ``$IMAGE_NUMBER``,
``$START_FRAME``, ``$END_FRAME``, ``$START_TIME``, ``$END_TIME`` (seconds, 3 decimals). Numbers are
zero-padded to the width of the largest (at least 3 digits), so files sort in order.
"""
from __future__ import annotations

import os
import string

FIELDS = ("VIDEO_NAME", "SHOT_NUMBER", "SCENE_NUMBER", "IMAGE_NUMBER", "START_FRAME", "END_FRAME", "START_TIME",
          "END_TIME")


def check_template(template: str, option: str, needs_shot: bool = True) -> None:
    """A bad template is found before any work: unknown fields, a path separator, no shot number."""
    try:
        names = {m.group("named") or m.group("braced") for m in string.Template.pattern.finditer(template)
                 if m.group("invalid") is None} - {None}
        if any(m.group("invalid") is not None for m in string.Template.pattern.finditer(template)):
            raise ValueError("a '$' that starts no field (write $$ for a dollar sign)")
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None
    unknown = sorted(names - set(FIELDS))
    if unknown:
        raise ValueError(f"{option}: unknown field ${unknown[0]}; known: " + ", ".join("$" + f for f in FIELDS))
    if "/" in template or "\\" in template:  # either separator, so a name means the same everywhere
        raise ValueError(f"{option}: a name template holds no folder (give the folder with -o)")
    if needs_shot and not names & {"SHOT_NUMBER", "SCENE_NUMBER", "START_FRAME", "START_TIME"}:
        raise ValueError(f"{option}: the template must tell shots apart ($SHOT_NUMBER or $START_FRAME)")


def fill(template: str, video: str, shot, count: int, image: int, images: int) -> str:
    """The file name for ``shot`` (one of ``count``), image ``image`` (from 0) of ``images`` a shot."""
    width = max(3, len(str(count)))
    fields = {
        "VIDEO_NAME": os.path.splitext(os.path.basename(video))[0],
        "SHOT_NUMBER": f"{shot.number:0{width}d}",
        "SCENE_NUMBER": f"{shot.number:0{width}d}",
        "IMAGE_NUMBER": f"{image + 1:0{max(2, len(str(images)))}d}",
        "START_FRAME": str(shot.start.frame),
        "END_FRAME": str(shot.end.frame),
        "START_TIME": f"{shot.start.seconds:.3f}",
        "END_TIME": f"{shot.end.seconds:.3f}",
    }
    return string.Template(template).substitute(fields)
