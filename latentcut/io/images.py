"""One picture from an image file or from a video at a frame number or a time (queries, in-betweening)."""
from __future__ import annotations

import os

import numpy as np

from latentcut.errors import VideoError
from latentcut.io.video import VideoReader, probe

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")


def read_frame(ref: str, size: tuple[int, int] = (64, 64), color: str = "rgb") -> tuple[np.ndarray, str]:
    """One frame as (H, W, C) uint8 from an image file, ``video.mp4@120`` (decoded frame index) or
    ``video.mp4@12.5s`` (presentation time; the frame shown at that time). Returns (frame, label)."""
    path, _, at = ref.rpartition("@") if "@" in ref else (ref, "", "")
    if not at:
        path = ref
    if not at and path.lower().endswith(IMAGE_EXTENSIONS):
        from PIL import Image, UnidentifiedImageError

        if not os.path.exists(path):
            raise VideoError(f"{path}: no such file")
        try:
            img = Image.open(path).convert("RGB" if color == "rgb" else "L")
        except (UnidentifiedImageError, OSError) as exc:
            raise VideoError(f"{path}: cannot read it as an image ({exc})") from None
        img = img.resize((size[1], size[0]), Image.Resampling.BOX)
        arr = np.asarray(img, np.uint8)
        return (arr if arr.ndim == 3 else arr[..., None]), os.path.basename(path)
    by_time = at.lower().endswith("s")
    try:
        target = float(at[:-1]) if by_time else int(at or 0)
    except ValueError:
        raise VideoError(f"{ref}: expected VIDEO@FRAME or VIDEO@SECONDSs, e.g. clip.mp4@120 or clip.mp4@12.5s") from None
    if target < 0 or target != target:
        raise VideoError(f"{ref}: a frame number or time must be >= 0")
    last = None
    reader = VideoReader(path, size=size, color=color, batch_size=64)
    last_t = 0.0
    for batch in reader.batches(prefetch=False):
        for f, i, t in zip(batch.frames, batch.indices, batch.times):
            if (by_time and t > target + 1e-9) and last is not None:
                return last[0], last[1]
            last = (f, f"{os.path.basename(path)}@{i}")
            last_t = float(t)
            if not by_time and i == target:
                return f, last[1]
    step = 1.0 / reader.info.fps if reader.info.fps else 0.04
    if by_time and last is not None and target < last_t + step:
        return last  # the last frame is shown until the video ends
    n = reader.frames_decoded
    raise VideoError(f"{ref}: past the end of the video ({n} frames, {last_t + step:.3f} s)")


def read_picture(ref: str, max_side: int = 512) -> tuple[np.ndarray, str]:
    """One RGB picture (H, W, 3) uint8 from an image file or ``video@frame`` / ``video@seconds``,
    its aspect kept and its longest side at most ``max_side`` (enough for any library encoder;
    a 4K screenshot need not be decoded whole). Returns (picture, label)."""
    path = ref.rpartition("@")[0] if "@" in ref else ref
    if "@" not in ref and path.lower().endswith(IMAGE_EXTENSIONS):
        from PIL import Image, UnidentifiedImageError

        if not os.path.exists(path):
            raise VideoError(f"{path}: no such file")
        if os.path.isdir(path):
            raise VideoError(f"{path}: is a directory, not an image")
        try:
            img = Image.open(path)
            img.draft("RGB", (max_side, max_side))  # JPEG decodes at a fraction of its size
            img = img.convert("RGB")
            img.thumbnail((max_side, max_side), Image.Resampling.BOX)
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise VideoError(f"{path}: cannot read it as an image ({exc})") from None
        if min(img.size) < 1:
            raise VideoError(f"{path}: the image is empty")
        return np.asarray(img, np.uint8), os.path.basename(path)
    if "@" in ref:
        w, h = probe(path).display_size
        s = min(1.0, max_side / max(w, h, 1))
        size = (max(8, int(round(h * s / 2)) * 2), max(8, int(round(w * s / 2)) * 2))
        return read_frame(ref, size, "rgb")
    raise VideoError(f"{ref}: expected an image file ({', '.join(IMAGE_EXTENSIONS)}) or VIDEO@FRAME / VIDEO@SECONDSs")
