"""Which frames to take: evenly spaced picks from a sequence or from a whole video, and runs of picks."""
from __future__ import annotations

import numpy as np


def evenly_spaced(n: int, k: int) -> np.ndarray:
    """``min(k, n)`` indices spread evenly over ``range(n)``, first and last included, ascending."""
    if n <= 0 or k <= 0:
        return np.zeros(0, np.int64)
    return np.linspace(0, n - 1, min(k, n)).round().astype(np.int64)


def runs_of(positions: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) values of the runs of consecutive integers in sorted ``positions``."""
    positions = np.asarray(positions, np.int64)
    if len(positions) == 0:
        return []
    breaks = np.flatnonzero(np.diff(positions) > 1)
    starts = positions[np.r_[0, breaks + 1]]
    ends = positions[np.r_[breaks, len(positions) - 1]]
    return [(int(a), int(b)) for a, b in zip(starts, ends)]


def sample_frames(reader, max_frames: int) -> np.ndarray:
    """Up to ``max_frames`` frames spread evenly over the video (decoding it once)."""
    total = max(reader.info.frame_count, 1)
    keep_every = max(1, int(np.ceil(total / max_frames))) if max_frames else 1
    frames = []
    for b in reader.batches():
        sel = b.indices % keep_every == 0
        frames.append(b.frames[sel])
    out = np.concatenate(frames)
    if max_frames and len(out) > max_frames:
        out = out[evenly_spaced(len(out), max_frames)]
    return out
