"""Shots as edit events on a frame grid, the shared model of every edit-list export.

Editors count frames at the video's nominal rate; latentcut's positions are presentation times.
A position goes on the grid as ``round(seconds x rate)``, so a variable-frame-rate video lands
where a player shows it (its decoded frame numbers would drift). A gradual transition is an
event's ``transition``: the number of grid frames the mix takes, which begins at ``record_in``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction

from latentcut.detection.results import DetectionResult


@dataclass(frozen=True)
class EditEvent:
    number: int  #: the shot's number, from 1
    record_in: int  #: first grid frame of the event (the mix's first frame when ``transition``)
    record_out: int  #: first grid frame after it
    transition: int = 0  #: frames of the mix from the previous shot into this one; 0 for a cut


def edit_rate(fps: float) -> Fraction:
    """The editors' rate for ``fps``: NTSC rates as n x 1000/1001, whole rates as they are."""
    if not fps or fps <= 0:
        return Fraction(25)
    for whole in (24, 30, 48, 60, 120):
        if abs(fps - whole * 1000 / 1001) < 0.01:
            return Fraction(whole * 1000, 1001)
    if abs(fps - round(fps)) < 0.01:
        return Fraction(round(fps))
    return Fraction(fps).limit_denominator(1001)


def grid(seconds: float, rate: Fraction) -> int:
    return int(round(seconds * rate))


def edit_events(result: DetectionResult) -> list[EditEvent]:
    """One event per shot, gapless and in order; a gradual boundary becomes the incoming event's
    transition from the mix's first frame to its last (both as detected)."""
    rate = edit_rate(result.video.fps)
    by_frame = {c.frame.frame: c for c in result.cuts}
    starts = []
    mixes = []
    for shot in result.shots:
        cut = by_frame.get(shot.start.frame)
        if cut is not None and cut.is_gradual and cut.start is not None and cut.end is not None:
            a = grid(cut.start.seconds, rate)
            # the mix ends where its last mixed frame ends: one grid frame after that frame's start
            b = max(grid(cut.end.seconds, rate) + 1, a + 1)
            starts.append(a)
            mixes.append(b - a)
        else:
            starts.append(grid(shot.start.seconds, rate))
            mixes.append(0)
    end = grid(result.video_end, rate)
    events: list[EditEvent] = []
    for i, shot in enumerate(result.shots):
        # each event begins where the one before ends (gapless) and lasts a frame at least; a mix
        # never outlasts the event it begins
        rin = events[-1].record_out if events else starts[0]
        nxt = starts[i + 1] if i + 1 < len(starts) else end
        rout = max(nxt, rin + 1)
        events.append(EditEvent(shot.number, rin, rout, min(mixes[i], rout - rin)))
    return events


def source_name(result: DetectionResult) -> str:
    return os.path.basename(result.video.path)


def frames_to_smpte(frames: int, rate: Fraction) -> str:
    """``HH:MM:SS:FF``, non-drop-frame at the rate's whole frames per second (every EDL reader
    takes it; drop-frame labels would only relabel the same frames)."""
    fps = max(int(round(float(rate))), 1)
    ff = frames % fps
    s = frames // fps
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{ff:02d}"
