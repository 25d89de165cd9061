"""The minimum shot length, one rule for every detector: cuts at least so many frames apart, stronger ones winning.

The first and last shot may be shorter: a video that opens on a single black frame has a real cut at 1.
"""
from __future__ import annotations

import numpy as np

from latentcut.errors import ThresholdError
from latentcut.io.durations import duration_frames

DEFAULT_MIN_SHOT_LEN = "0.3s"


def min_spacing_frames(min_shot_len: int | float | str | None, fps: float | None) -> int:
    """Minimum distance between two cuts in frames: ``12`` frames, ``"0.5s"``, ``0.5`` seconds or a
    timecode (``"00:00:00.500"``)."""
    if min_shot_len is None:
        return 1
    try:
        return duration_frames(min_shot_len, fps, "min_shot_len")
    except ValueError as exc:
        raise ThresholdError(str(exc)) from None


def select_spaced(candidates: np.ndarray, strength: np.ndarray, spacing: int, limit: int | None = None) -> np.ndarray:
    """Greedy non-maximum suppression: strongest first, each at least ``spacing`` from those kept."""
    candidates = np.asarray(candidates, dtype=np.int64)
    if len(candidates) == 0:
        return candidates
    order = np.lexsort((candidates, -strength[candidates]))
    if spacing <= 1 and limit is None:
        return np.sort(candidates)
    taken = np.zeros(int(candidates.max()) + spacing + 1, bool)
    kept = []
    for c in candidates[order]:
        lo, hi = max(c - spacing + 1, 0), c + spacing
        if taken[lo:hi].any():
            continue
        taken[c] = True
        kept.append(c)
        if limit is not None and len(kept) == limit:
            break
    return np.sort(np.asarray(kept, dtype=np.int64))


def spaced_from(position: int, taken, spacing: int) -> bool:
    """True when ``position`` is at least ``spacing`` frames from every position in ``taken``."""
    return all(abs(position - p) >= spacing for p in taken)
