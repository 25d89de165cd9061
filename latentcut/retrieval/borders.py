"""Pictures made comparable before they are embedded: bars and flat borders stripped, one size.

A screenshot of a shot rarely shows exactly the frames the library stored: a player adds black
bars or a coloured frame round the picture, a phone letterboxes it, an app pads it. Library
keyframes and query images go through the same :func:`prepare`, so a flat edge (a real bar, or a
flat sky that a bar would merge with) is stripped from both and what is left is compared.
"""
from __future__ import annotations

import numpy as np

WORK_SIDE = 128  #: pictures are stripped at this longest side (decoding keyframes there is cheap)
TOLERANCE = 10.0  #: a border line: spread and drift from the edge's colour under this (0-255 levels)
MAX_SHARE = 0.4  #: at most this share of the height (width) is stripped from each side
MIN_LEFT = 0.3  #: a picture flat nearly everywhere (a black frame, a title card) is kept whole


def work_size(height: int, width: int, side: int = WORK_SIDE) -> tuple[int, int]:
    """(height, width) with the longest side ``side``, aspect kept, even numbers (for swscale)."""
    if height < 1 or width < 1:
        raise ValueError(f"a picture needs a positive size, not {width}x{height}")
    s = side / max(height, width)
    return max(8, int(round(height * s / 2)) * 2), max(8, int(round(width * s / 2)) * 2)


def _flat_run(spread: np.ndarray, colour: np.ndarray, cap: int) -> int:
    """How many lines from the start are flat and of the first line's colour (at most ``cap``)."""
    ok = (spread < TOLERANCE) & (np.abs(colour - colour[0]).max(axis=-1) < TOLERANCE)
    run = int(np.argmin(ok)) if not ok.all() else len(ok)
    return min(run, cap)


def border_box(picture: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right): how many rows and columns of flat border each side has; one
    more line is taken where a border was found, since resizing blends the bar into the picture's
    first line. A picture that is almost all flat keeps that axis whole."""
    a = np.asarray(picture, np.float32)
    if a.ndim == 2:
        a = a[..., None]
    h, w = a.shape[:2]
    rows_spread, rows_colour = a.std(axis=1).max(axis=-1), a.mean(axis=1)
    cols_spread, cols_colour = a.std(axis=0).max(axis=-1), a.mean(axis=0)
    cap_h, cap_w = int(h * MAX_SHARE), int(w * MAX_SHARE)
    sides = [_flat_run(rows_spread, rows_colour, cap_h), _flat_run(rows_spread[::-1], rows_colour[::-1], cap_h),
             _flat_run(cols_spread, cols_colour, cap_w), _flat_run(cols_spread[::-1], cols_colour[::-1], cap_w)]
    t, b, l, r = (s + 1 if s else 0 for s in sides)
    if h - t - b < h * MIN_LEFT:
        t = b = 0
    if w - l - r < w * MIN_LEFT:
        l = r = 0
    return t, b, l, r


def strip_borders(picture: np.ndarray) -> np.ndarray:
    """The picture without its flat borders (a view, no copy)."""
    t, b, l, r = border_box(picture)
    h, w = picture.shape[:2]
    return picture[t : h - b, l : w - r]


def _resize(picture: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    if picture.shape[:2] == tuple(size):
        return picture
    img = Image.fromarray(np.ascontiguousarray(picture if picture.shape[-1] == 3 else picture[..., 0]))
    out = np.asarray(img.resize((size[1], size[0]), Image.Resampling.BOX), np.uint8)
    return out if out.ndim == 3 else out[..., None]


def prepare(picture: np.ndarray, size: tuple[int, int], strip: bool = True) -> np.ndarray:
    """A picture of any size as the library's encoder takes it: brought to the working size,
    borders stripped (``strip``), resized to ``size`` (height, width)."""
    picture = np.asarray(picture)
    if picture.ndim == 2:
        picture = picture[..., None]
    if picture.ndim != 3 or picture.dtype != np.uint8 or min(picture.shape[:2]) < 1:
        raise ValueError(f"a picture must be (H, W, C) uint8, not {picture.dtype} {picture.shape}")
    if strip:
        picture = strip_borders(_resize(picture, work_size(*picture.shape[:2])))
    return _resize(picture, size)
