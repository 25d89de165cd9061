"""Stills of each shot (PySceneDetect's ``save-images``): N frames a shot, spread from its first
to its last frame (``margin`` frames in from each end), written while the video decodes once."""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from latentcut.exports.names import fill
from latentcut.exports.split import check_free_space, make_out_dir
from latentcut.io.atomic import atomic_path
from latentcut.io.ledger import Ledger
from latentcut.io.video import VideoReader, probe
from latentcut.errors import LatentcutError

DEFAULT_TEMPLATE = "$VIDEO_NAME-Shot-$SHOT_NUMBER-$IMAGE_NUMBER"
FORMATS = {"jpeg": ".jpg", "jpg": ".jpg", "png": ".png", "webp": ".webp"}


@dataclass(frozen=True)
class SavedImage:
    path: str
    shot: int
    frame: int


def image_frames(shot, n: int, margin: int = 1) -> list[int]:
    """``n`` frames of ``shot`` (end exclusive), evenly from first to last, ``margin`` in from each
    end when the shot is long enough; a shot shorter than ``n`` repeats frames rather than leave gaps."""
    first, last = shot.start.frame, shot.end.frame - 1
    if last - first >= 2 * margin + n - 1:
        first, last = first + margin, last - margin
    if n == 1:
        return [(first + last) // 2]
    return [int(round(first + (last - first) * k / (n - 1))) for k in range(n)]


def output_size(display: tuple[int, int], scale: float | None = None, width: int | None = None,
                height: int | None = None) -> tuple[int, int]:
    """(height, width) of the stills: the video's display size, scaled, or fitted to a width or height
    with the aspect kept (both given: exactly that)."""
    w, h = display
    if width and height:
        return int(height), int(width)
    if width:
        return max(1, round(h * width / w)), int(width)
    if height:
        return int(height), max(1, round(w * height / h))
    s = scale or 1.0
    return max(1, round(h * s)), max(1, round(w * s))


def save_images(video: str, shots, out_dir: str, n: int = 3, template: str = DEFAULT_TEMPLATE, fmt: str = "jpeg",
                quality: int | None = None, scale: float | None = None, width: int | None = None,
                height: int | None = None, margin: int = 1, overwrite: bool = False, progress=None) -> list[SavedImage]:
    from PIL import Image

    ext = FORMATS[fmt]
    plan: dict[int, list[tuple[str, int]]] = {}
    saved = []
    for s in shots:
        for k, f in enumerate(image_frames(s, n, margin)):
            path = os.path.join(out_dir, fill(template, video, s, len(shots), k, n) + ext)
            plan.setdefault(f, []).append((path, s.number))
            saved.append(SavedImage(path, s.number, f))
    paths = [x.path for x in saved]
    if len(set(paths)) != len(paths):
        raise LatentcutError("the name template gives two images the same file name; add $SHOT_NUMBER and $IMAGE_NUMBER")
    ledger = Ledger(out_dir)
    check_free_space(paths, overwrite, (video,), ledger)
    make_out_dir(out_dir)
    size = output_size(probe(video).display_size, scale, width, height)
    last = max(plan) if plan else -1
    q = quality if quality is not None else (100 if fmt == "webp" else 95)
    options = {"jpeg": {"quality": q}, "jpg": {"quality": q}, "webp": {"quality": q}, "png": {"compress_level": 3}}[fmt]
    for batch in VideoReader(video, size=size, batch_size=8).batches():
        written = []
        try:
            for pic, i in zip(batch.frames, batch.indices):
                for path, _ in plan.get(int(i), ()):
                    with atomic_path(path) as tmp:
                        Image.fromarray(np.ascontiguousarray(pic)).save(
                            tmp, format="JPEG" if ext == ".jpg" else ext[1:].upper(), **options)
                    written.append(path)
                    if progress is not None:
                        progress.update(1)
        finally:  # noted as latentcut's once a batch is in place (or as far as it got)
            if written:
                ledger.record(written)
        if len(batch.indices) and int(batch.indices[-1]) >= last:
            break
    return [x for x in saved if os.path.exists(x.path)]
