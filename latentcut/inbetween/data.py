"""Training and test clips: windows of single-shot stretches of footage, at the model's size.

Stretches come from the shot finder the learned detector trains on
(:func:`latentcut.detection.learned_training.find_stretches`, clean stretches only): an
over-sensitive detector cuts each video and what lies between its boundaries, trimmed, is one
shot. A clip is ``frames`` consecutive frames of a stretch; its first and last are the key frames.
"""
from __future__ import annotations

import numpy as np

from latentcut.detection.learned_training import find_stretches
from latentcut.io.video import VideoReader


def clips_of(videos: list[str], frames: int, size: int, stride: int | None = None, report=None) -> np.ndarray:
    """(N, frames, size, size, 3) uint8: windows of every stretch, ``stride`` frames apart
    (default: half a window)."""
    stride = stride or max(1, frames // 2)
    found = find_stretches(videos, "pixel", report=report, action=False)
    out = []
    for path, (_, stretches) in found.items():
        if not stretches:
            continue
        decoded = VideoReader(path, size=(size, size)).read_all().frames
        for a, b in stretches:
            for s in range(a, b - frames + 1, stride):
                out.append(decoded[s : s + frames])
    if not out:
        return np.zeros((0, frames, size, size, 3), np.uint8)
    return np.stack(out)


def split_by_video(videos: list[str], held_out: float = 0.2, seed: int = 0) -> tuple[list[str], list[str]]:
    """(train, test) videos: whole videos are held back, so no test clip shares a shot with training."""
    order = np.random.default_rng(seed).permutation(len(videos))
    n_test = max(1, int(round(len(videos) * held_out)))
    test = sorted(videos[i] for i in order[:n_test])
    return sorted(v for v in videos if v not in test), test
