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


#: the rates an edit list may conform a video to when its own is none of the usual ones (a
#: variable-frame-rate phone video, a slightly-off encoder): the smallest at or above its average
CONFORM_RATES = (Fraction(24), Fraction(25), Fraction(30), Fraction(50), Fraction(60), Fraction(120))
#: the rates a near miss is snapped to: NTSC's and the usual whole ones
USUAL_RATES = tuple(Fraction(n * 1000, 1001) for n in (24, 30, 48, 60, 120)) + tuple(
    Fraction(n) for n in (12, 15, 24, 25, 30, 48, 50, 60, 120))


def edit_rate(fps: float) -> Fraction:
    """The editors' rate for ``fps``, exact: NTSC rates as n x 1000/1001, whole rates as they are.

    A rate within 0.5% of a usual one (24.05) is that rate: a player shows it so, and every frame
    keeps a grid frame of its own. A half rate (12.5, 7.5) is doubled, which holds each frame for
    two grid frames exactly. Any other (variable frame rate) is conformed to the smallest of
    :data:`CONFORM_RATES` at or above it, so no two frames share a grid frame on average.
    """
    if not fps or fps <= 0 or fps != fps:
        return Fraction(25)
    if fps >= 0.5 and abs(fps - round(fps)) < 0.01:  # a whole rate, as it is (15, 41)
        return Fraction(round(fps))
    best = min(USUAL_RATES, key=lambda r: abs(fps - float(r)))
    if abs(fps - float(best)) <= 0.005 * fps:
        return best
    if abs(2 * fps - round(2 * fps)) < 0.01 and round(2 * fps) < 120:
        return Fraction(round(2 * fps))
    return next((r for r in CONFORM_RATES if r >= fps), Fraction(round(fps)))


def rational_seconds(frames: int, rate: Fraction) -> str:
    """``frames`` at ``rate`` as FCPXML's rational seconds: ``"0s"``, ``"2s"``, ``"1001/480s"``."""
    v = Fraction(int(frames)) / Fraction(rate)
    return f"{v.numerator}s" if v.denominator == 1 else f"{v.numerator}/{v.denominator}s"


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
        if cut is not None and cut.is_gradual:
            a = grid(cut.start.seconds, rate)
            b = max(grid(cut.end.seconds, rate), a + 1)  # the mix ends where the frame after it begins
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


def meeting_points(events: list[EditEvent]) -> list[int]:
    """Where consecutive clips meet on a timeline that overlaps them under each mix (OTIO, FCPXML,
    FCP7 XML): the mix's middle, else the cut; then the last event's end. A mix of ``n`` frames
    then reaches ``n // 2`` frames back into the outgoing clip and the rest into the incoming one."""
    points = [e.record_in + e.transition // 2 if e.transition and i else e.record_in for i, e in enumerate(events)]
    return points + [events[-1].record_out] if events else [0]


def source_name(result: DetectionResult) -> str:
    return os.path.basename(result.video.path)


def frames_to_smpte(frames: int, rate: Fraction) -> str:
    """``HH:MM:SS:FF``, non-drop-frame at the rate's whole frames per second (every EDL reader
    takes it; drop-frame labels would only relabel the same frames)."""
    fps = max(int(round(float(rate))), 1)
    ff = frames % fps
    s = frames // fps
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{ff:02d}"
