"""Cuts the thresholder found + gradual transitions + fades -> one list of boundaries; shots tidied;
the per-frame values components declare, checked.

The span step and the fade finder each propose boundaries; a proposal joins only if it keeps the
minimum shot length from every boundary already taken and (a fade) touches none of them.
"""
from __future__ import annotations

import numpy as np

from latentcut.detection.results import CURVE_COLUMNS, Cut, Shot
from latentcut.detection.spacing import min_spacing_frames, spaced_from
from latentcut.detection.transitions import find_span_boundaries
from latentcut.errors import LatentcutError
from latentcut.io.timecode import Timecode
from latentcut.scoring.curves import ScoreCurve


def merge_boundaries(curve: ScoreCurve, pos: np.ndarray, fps: float, nominal_fps: float | None, *, scale: float,
                     min_shot_len, gradual: bool = True, fades=None, short_ends: bool = True) -> list[Cut]:
    """The cuts at curve positions ``pos``, then (``gradual``) the span step's transitions and ``fades``' ramps
    that keep ``min_shot_len`` from them, in frame order; ``short_ends=False`` drops boundaries that leave the
    first or last shot shorter than ``min_shot_len``."""
    tc = lambda p: Timecode(int(curve.indices[p]), float(curve.times[p]), nominal_fps or None)  # noqa: E731

    def after(p: int) -> Timecode:
        """The frame after curve position ``p`` (a mix's exclusive end), at its time where the curve
        has it, else a frame after ``p`` at the analysed rate."""
        frame = int(curve.indices[p]) + 1
        if frame <= int(curve.indices[-1]):
            seconds = float(np.interp(frame, curve.indices, curve.times))
        else:
            seconds = float(curve.times[p]) + 1.0 / (fps or nominal_fps or 25.0)
        return Timecode(frame, seconds, nominal_fps or None)
    cuts = [Cut(tc(p), float(curve.scores[p])) for p in pos]
    spacing = min_spacing_frames(min_shot_len, fps)
    taken = list(pos)  # the curve positions of the boundaries taken so far (a transition's middle)
    if gradual and len(curve) > curve.span_frames:
        # A boundary found on the span scores must move about as far as this video's cuts do.
        level = float(np.median(curve.scores[pos])) if len(pos) else scale
        covered = [(p, p) for p in pos]  # the curve positions each boundary taken so far spans

        def take(b) -> None:
            mid = b.start if b.kind == "cut" else (b.start + b.end + 1) // 2
            if not spaced_from(mid, taken, spacing):
                return
            taken.append(mid)
            if b.kind == "cut":
                covered.append((mid, mid))
                cuts.append(Cut(tc(mid), float(curve.scores[mid])))
            else:
                covered.append((b.start, b.end))
                cuts.append(Cut(tc(mid), b.strength, kind="gradual", start=tc(b.start), end=after(b.end)))

        for b in find_span_boundaries(curve, level, pos):
            take(b)
        if fades is not None and curve.contrast is not None:
            for b in fades.find(curve.contrast, stops=pos):
                # a ramp that touches a boundary already taken (a dissolve the span step found, or
                # a cut right where a fade begins or ends) is that boundary
                if not any(lo <= b.end + 1 and b.start <= hi + 1 for lo, hi in covered):
                    take(b)
    if fades is not None and curve.contrast is not None and curve.colour is not None:
        # cuts between flat cards, which an encoder that takes out the mean colour cannot see
        for b in fades.cards(curve.contrast, curve.colour):
            if spaced_from(b.start, taken, spacing):
                taken.append(b.start)
                cuts.append(Cut(tc(b.start), b.strength))
    cuts.sort(key=lambda c: c.frame.frame)
    if not short_ends and cuts:
        at = np.searchsorted(curve.indices, [c.frame.frame for c in cuts])  # curve positions: strides count
        cuts = [c for c, p in zip(cuts, at) if spacing <= p <= len(curve) - spacing]
    return cuts


def tidy_shots(shots: list[Shot], least: int, drop_short: bool = False, merge_last: bool = False) -> list[Shot]:
    """``merge_last``: a last shot shorter than ``least`` frames joins the one before; ``drop_short``: shots
    shorter than it are left out (the list then has gaps)."""
    if merge_last and len(shots) > 1 and shots[-1].length_frames < least:
        shots = shots[:-2] + [Shot(shots[-2].number, shots[-2].start, shots[-1].end)]
    if drop_short:
        shots = [s for s in shots if s.length_frames >= least]
    return shots


def component_metrics(parts, result) -> dict[str, np.ndarray]:
    """The per-frame values the components declare (:attr:`latentcut.Component.metric_keys`), checked: each key
    declared, not clashing with another component's or a built-in column, one value per curve row."""
    out: dict[str, np.ndarray] = {}
    for part in parts:
        if part is None:
            continue
        declared = tuple(getattr(part, "metric_keys", ()))
        values = part.frame_metrics(result) if hasattr(part, "frame_metrics") else {}
        for key, value in values.items():
            if key not in declared:
                raise LatentcutError(f"{part.name}: returned metric {key!r} it does not declare in metric_keys")
            if key in out or key in CURVE_COLUMNS:
                raise LatentcutError(f"{part.name}: metric {key!r} is already a column of the curve CSV")
            arr = np.asarray(value, np.float64)
            if arr.shape != (len(result.curve),):
                raise LatentcutError(f"{part.name}: metric {key!r} has shape {arr.shape}, "
                                     f"not one value per analysed frame ({len(result.curve)})")
            out[key] = arr
    return out
