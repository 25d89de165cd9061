"""Picture-in-picture: a frame shrunk into a corner of another (a reaction video, a streamer's
layout, a news inset). The whole screenshot's vector is mostly the background's, so the inset is
found and searched as a picture of its own.

An inset is a rectangle that touches two sides of the screenshot (a corner) and is bounded inside
it by two straight edges, one vertical and one horizontal, along which the picture jumps for
nearly their whole length. Drawn straight lines in a frame (a door, a panel) rarely run that
long exactly along a row and a column and meet at one corner, which is what keeps whole
screenshots from being cut up (``tests/retrieval/test_insets.py`` holds the false alarms on real
frames to a small share).
"""
from __future__ import annotations

import numpy as np

SIDE = 192  #: the screenshot is searched for an inset at this longest side
JUMP = 24.0  #: a step between neighbouring pixels (0-255, the largest channel) that can be an edge
ALONG = 0.7  #: the share of an edge's length that must be a line (benchmarks/retrieval_quality.py's pip)
MIN_SHARE, MAX_SHARE = 0.2, 0.7  #: an inset's width (height) as a share of the screenshot's
#: an inset keeps a video's shape: its aspect over the screenshot's may differ this much (crops, rounding)
ASPECT = 0.35


def _small(picture: np.ndarray) -> np.ndarray:
    from PIL import Image

    h, w = picture.shape[:2]
    s = SIDE / max(h, w)
    if s >= 1:
        return picture.astype(np.float32)
    size = (max(8, int(round(w * s))), max(8, int(round(h * s))))
    return np.asarray(Image.fromarray(np.ascontiguousarray(picture)).resize(size, Image.Resampling.BOX), np.float32)


def _line(step: np.ndarray) -> np.ndarray:
    """Where a step (along axis 1, measured over three pixels) is an edge: at least JUMP, and
    above the steps two pixels either side, which no longer span the same edge. A busy texture
    (confetti, a crowd) jumps everywhere; only a line stands out all the way along."""
    q = np.pad(step, ((0, 0), (2, 2)))
    return (step >= JUMP) & (step > q[:, :-4]) & (step > q[:, 4:])


def _steps(small: np.ndarray) -> np.ndarray:
    """Per row, the step at each edge between columns x and x+1, measured from x-1 to x+2 (0 at
    the picture's first and last edge): resizing spreads a sharp edge over two pixels, and a
    one-pixel step would see half of it."""
    out = np.zeros(small.shape[:1] + (small.shape[1] - 1,), np.float32)
    out[:, 1:-1] = np.abs(small[:, 3:] - small[:, :-3]).max(axis=-1)
    return out


def _run_share(jumps: np.ndarray) -> np.ndarray:
    """For each line (column of ``jumps``), the share of its first n entries that jump, for
    every n: a cumulative mean down axis 0."""
    return np.cumsum(jumps, axis=0) / np.arange(1, len(jumps) + 1)[:, None]


def find_inset(picture: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right), exclusive ends, in the picture's pixels: the corner inset's
    rectangle; None when the picture has none."""
    a = np.asarray(picture)
    if a.ndim != 3 or min(a.shape[:2]) < 16:
        return None
    small = _small(a)
    h, w = small.shape[:2]
    vert = _line(_steps(small))  # (h, w-1): a line at the edge after column x
    horiz = _line(_steps(small.transpose(1, 0, 2))).T  # (h-1, w): after row y
    heights = np.arange(int(h * MIN_SHARE), int(h * MAX_SHARE) + 1)
    best, best_score = None, 0.0
    for top in (True, False):
        for left in (True, False):
            # shares of the first n rows (columns) counted from the inset's own sides
            v_share = _run_share(vert if top else vert[::-1])  # [n-1, x]: at the column edge x
            h_share = _run_share(horiz.T if left else horiz.T[::-1])  # [n-1, y]: at the row edge y
            for ex in range(int(w * MIN_SHARE), int(w * MAX_SHARE) + 1):  # the inset's width
                # heights of a video's shape (never none: ex's own share of the height is one)
                ys = heights[np.abs(np.log(ex / heights / (w / h))) <= ASPECT]
                col = ex - 1 if left else w - 1 - ex  # the edge it ends at
                rows = ys - 1 if top else h - 1 - ys
                score = np.minimum(v_share[ys - 1, col], h_share[ex - 1, rows])
                i = int(np.argmax(score))
                if score[i] >= ALONG and score[i] > best_score:
                    best_score, best = float(score[i]), (top, left, int(ys[i]), ex)
    if best is None:
        return None
    top, left, ey, ex = best
    H, W = a.shape[:2]
    sy, sx = H / h, W / w
    y0, y1 = (0, round(ey * sy)) if top else (H - round(ey * sy), H)
    x0, x1 = (0, round(ex * sx)) if left else (W - round(ex * sx), W)
    return int(y0), int(x0), int(y1), int(x1)
