"""Which frames of a shot a library keeps: chosen by content, with a cap on the time between them.

A shot's first frame is a keyframe; the next is the first frame that has moved far enough from
the last keyframe (mean absolute difference of the detector's small frames, which are at hand
from shot detection) or lies ``max_gap`` seconds after it. A held drawing costs one vector a
``max_gap``; a pan or a fight gets one as often as its picture changes, at most one every
``min_gap`` frames. A hit then names a time within the shot that is at most about ``max_gap / 2``
away from any frame whose picture it matched.
"""
from __future__ import annotations

import numpy as np

CHANGE = 0.04  #: mean absolute difference (0-1 pixel values) from the last keyframe that calls for a new one
MAX_GAP = 0.5  #: seconds: a keyframe at least this often, even in a still shot
MIN_GAP = 2  #: frames: never two keyframes closer than this


def pick_keyframes(embeddings: np.ndarray, times: np.ndarray, shots, change: float = CHANGE,
                   max_gap: float = MAX_GAP, min_gap: int = MIN_GAP) -> list[int]:
    """Positions (into ``embeddings``/``times``) of the keyframes of each shot, in order.

    ``shots`` are (start, end) position ranges, end exclusive; every shot gets at least one."""
    if change <= 0 or not np.isfinite(change):
        raise ValueError(f"change must be a positive number, not {change}")
    if max_gap <= 0 or not np.isfinite(max_gap):
        raise ValueError(f"max_gap must be a positive number of seconds, not {max_gap}")
    if int(min_gap) < 1:
        raise ValueError(f"min_gap must be at least 1 frame, not {min_gap}")
    e = np.asarray(embeddings, np.float32)
    t = np.asarray(times, np.float64)
    if len(e) != len(t):
        raise ValueError(f"{len(e)} embeddings but {len(t)} times")
    keys: list[int] = []
    for start, end in shots:
        start, end = int(start), min(int(end), len(e))
        if start >= end:
            continue
        last = start
        keys.append(start)
        for i in range(start + 1, end):
            if i - last < min_gap:
                continue
            if t[i] - t[last] >= max_gap - 1e-9 or float(np.abs(e[i] - e[last]).mean()) > change:
                keys.append(i)
                last = i
    return keys
