"""Times and shots from a score curve: the frame rate actually sampled, where a video ends, and
each frame's presentation time (from the curve's timestamps; frames between samples interpolated)."""
from __future__ import annotations

import numpy as np

from latentcut.detection.results import build_shots
from latentcut.io.durations import DEFAULT_FPS
from latentcut.io.video import VideoInfo
from latentcut.scoring.curves import ScoreCurve


def sampled_fps(curve: ScoreCurve, info: VideoInfo) -> float:
    if len(curve) > 1 and curve.times[-1] > curve.times[0]:
        return (len(curve) - 1) / float(curve.times[-1] - curve.times[0])
    return info.fps or DEFAULT_FPS


def video_end(curve: ScoreCurve, info: VideoInfo) -> float:
    if not len(curve):
        return 0.0
    last = float(curve.times[-1])
    if len(curve) > 1:
        step = float(np.median(np.diff(curve.times[-min(len(curve), 16) :])))
    else:
        step = 1.0 / info.fps if info.fps else 0.0
    return last + max(step, 0.0)


def shots_of(cuts, curve: ScoreCurve, info: VideoInfo, frames: int, end: float):
    first = int(curve.indices[0]) if len(curve) else 0  # a --start range begins past frame 0
    return build_shots(cuts, frames, time_lookup(curve, sampled_fps(curve, info)), end, info.fps or None, first)


def time_lookup(curve: ScoreCurve, fps: float):
    idx, times = curve.indices, curve.times

    def times_of(frame: int) -> float:
        if not len(idx):
            return 0.0
        p = int(np.searchsorted(idx, frame))
        if p < len(idx) and idx[p] == frame:
            return float(times[p])
        return float(np.interp(frame, idx, times, right=times[-1] + (frame - idx[-1]) / fps))

    return times_of
