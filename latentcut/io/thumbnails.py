"""Small pictures of chosen frames, for libraries, posters and reports."""
from __future__ import annotations

import io
import os

import numpy as np

from latentcut.io.video import VideoReader

THUMBNAIL = (72, 128)  #: (height, width) of the thumbnails in libraries and posters


def thumbnails(path: str | os.PathLike, frames, size: tuple[int, int] = THUMBNAIL) -> np.ndarray:
    """Pictures (N, h, w, 3) of the given decoded frame indices, in their order, in one pass;
    a frame the video does not have stays black."""
    frames = [int(f) for f in frames]
    where: dict[int, list[int]] = {}
    for k, f in enumerate(frames):
        where.setdefault(f, []).append(k)
    out = np.zeros((len(frames), size[0], size[1], 3), np.uint8)
    last = max(frames) if frames else -1
    for batch in VideoReader(path, size=size).batches(prefetch=False):
        for f, i in zip(batch.frames, batch.indices):
            for k in where.get(int(i), ()):
                out[k] = f
        if len(batch.indices) and int(batch.indices[-1]) >= last:
            break
    return out


def jpeg_thumbnails(path: str | os.PathLike, frames, size: tuple[int, int] = THUMBNAIL, quality: int = 80) -> list[bytes]:
    """JPEG thumbnails of the given decoded frames (one decoding pass at thumbnail size)."""
    from PIL import Image

    out = []
    for pic in thumbnails(path, frames, size):
        buf = io.BytesIO()
        Image.fromarray(pic).save(buf, "JPEG", quality=quality)
        out.append(buf.getvalue())
    return out
