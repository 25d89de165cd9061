"""Small pictures of chosen frames, for libraries, posters and reports."""
from __future__ import annotations

import io
import os

import numpy as np

from latentcut.io.progress import bar as progress_bar
from latentcut.io.video import VideoReader

THUMBNAIL = (72, 128)  #: (height, width) of the thumbnails in libraries and posters


def thumbnails(path: str | os.PathLike, frames, size: tuple[int, int] = THUMBNAIL, progress: bool | None = None) -> np.ndarray:
    """Pictures (N, h, w, 3) of the given decoded frame indices, in their order, in one pass;
    a frame the video does not have stays black. Shows progress through the video (see
    :mod:`latentcut.io.progress`)."""
    frames = [int(f) for f in frames]
    where: dict[int, list[int]] = {}
    for k, f in enumerate(frames):
        where.setdefault(f, []).append(k)
    out = np.zeros((len(frames), size[0], size[1], 3), np.uint8)
    last = max(frames) if frames else -1
    shown = progress_bar(last + 1, "thumbnails", "frame", progress) if frames else None
    try:
        for batch in VideoReader(path, size=size).batches(prefetch=False):
            for f, i in zip(batch.frames, batch.indices):
                for k in where.get(int(i), ()):
                    out[k] = f
            if shown is not None:
                shown.update(len(batch))
            if len(batch.indices) and int(batch.indices[-1]) >= last:
                break
    finally:
        if shown is not None:
            shown.close()
    return out


def jpeg_thumbnail(picture: np.ndarray, size: tuple[int, int] = THUMBNAIL, quality: int = 80) -> bytes:
    """A picture (H, W, 3) of any size as a JPEG thumbnail of ``size`` (box filter)."""
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(picture))
    if img.size != (size[1], size[0]):
        img = img.resize((size[1], size[0]), Image.Resampling.BOX)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()
