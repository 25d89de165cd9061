"""Boundaries that persist: gradual transitions (dissolves, fades, wipes) and cuts hidden in motion.

Over a span of k frames a dissolve or fade moves the picture along a straight line: the
displacement d(i-k, i) nearly equals the path length (the sum of the consecutive distances).
Motion inside a shot wanders (displacement well below path length); a caption fading in is
straight but small. So a run of straight windows whose whole displacement reaches a good part of
a typical cut is a boundary. If one step of that run carries most of the displacement, it is a
hard cut (one the local-contrast test missed because the shot around it moves fast).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentcut.io.sampling import runs_of
from latentcut.scoring.curves import ScoreCurve


@dataclass(frozen=True)
class Boundary:
    start: int  #: first mixed frame (curve position); = position of the cut for a hard cut
    end: int  #: last mixed frame
    strength: float  #: displacement across it
    kind: str  #: "gradual" or "cut"


def find_span_boundaries(
    curve: ScoreCurve,
    level: float,
    hard_cuts: np.ndarray,
    straightness: float = 0.8,
    min_fraction: float = 0.5,
    step_share: float = 0.5,
) -> list[Boundary]:
    """Boundaries found on the span scores, in curve positions; none that overlap ``hard_cuts``.

    ``level`` is the size of a typical cut on the curve's scale: a boundary's displacement must reach
    ``min_fraction`` of it. A boundary whose largest single step is ``step_share`` of its
    displacement is reported as a hard cut at that step.
    """
    k = curve.span_frames
    if not np.isfinite(level) or level <= 0:
        return []
    g, st, raw, sc = curve.span_scores, curve.straightness, curve.raw, curve.scores
    cand = (st >= straightness) & (g >= 0.2 * level)
    # A score curve has no gap before frame k (g = 0 there already); a hand-made one might.
    cand[:k] = False
    cuts = np.asarray(hard_cuts, np.int64)
    out = []
    for a, b in runs(cand):
        lo, hi = max(1, a - k + 1), b  # positions whose step lies inside some candidate window
        seg = raw[lo : hi + 1]  # never empty: a candidate window ends at a >= k, so lo <= a <= b
        top = np.sort(seg)[len(seg) // 2 :]
        active = np.flatnonzero(seg >= 0.3 * float(np.median(top))) + lo
        first, last = int(active[0]), int(active[-1])
        disp = max(float(g[a : b + 1].max()), float(raw[first : last + 1].sum() * np.median(st[a : b + 1])))
        if disp < min_fraction * level:
            continue
        step = first + int(np.argmax(sc[first : last + 1]))
        if sc[step] >= step_share * disp:
            kind, start, end = "cut", step, step
        else:
            # raw[j] = d(j-1, j) is high for j = s .. e+1 when frames s..e are mixed.
            kind, start, end = "gradual", first, max(first, last - 1)
        if len(cuts) and np.any((cuts >= start - 1) & (cuts <= end + 2)):
            continue
        out.append(Boundary(start, end, disp, kind))
    return _merge(out)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    return runs_of(np.flatnonzero(mask))


def _merge(found: list[Boundary]) -> list[Boundary]:
    found = sorted(found, key=lambda b: b.start)
    merged: list[Boundary] = []
    for bd in found:
        if merged and bd.start <= merged[-1].end + 1:
            prev = merged[-1]
            keep = prev if prev.strength >= bd.strength else bd
            if keep.kind == "cut":
                merged[-1] = keep
            else:
                merged[-1] = Boundary(prev.start, max(prev.end, bd.end), max(prev.strength, bd.strength), "gradual")
        else:
            merged.append(bd)
    return merged
