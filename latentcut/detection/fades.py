"""Fades to and from a flat frame (black, white, any single colour), found on the frames' contrast.

An embedding distance sees a fade poorly: the picture's content does not change, only its
contrast, a little each frame, and the ``pixel`` encoder takes out the mean colour on purpose (a
colour wash is not a cut). Fades at the very start of a clip are worse still: the span curve
needs k frames of history. But a fade has its own plain signature on the frames themselves: the
contrast (standard deviation of the luma) runs steadily down to a flat frame, or up from one, over
several frames. Text appearing over black does not (it pops in within a frame or two), nor do
strobes of single black frames, nor a watermark fading on a black tail (every frame there is flat).

This is PySceneDetect's ThresholdDetector idea (fades found on frame statistics, not on content),
made to mark the whole ramp as one gradual boundary.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from latentcut.component import Component
from latentcut.detection.transitions import Boundary
from latentcut.encoders.base import LUMA
from latentcut.io.sampling import runs_of
from latentcut.registry import Registry, check_number


def frame_contrast(frames: np.ndarray) -> np.ndarray:
    """Per frame, the standard deviation of its luma in [0, 0.5] (frames: N x H x W x C uint8)."""
    x = np.asarray(frames)
    if x.ndim != 4 or len(x) == 0:
        return np.zeros(len(x), np.float32)
    y = x.astype(np.float32) @ LUMA if x.shape[-1] == 3 else x[..., 0].astype(np.float32)
    return (y.reshape(len(y), -1).std(axis=1) / 255.0).astype(np.float32)


def frame_colour(frames: np.ndarray) -> np.ndarray:
    """Per frame, its mean colour in [0, 1], one value per channel (frames: N x H x W x C uint8)."""
    x = np.asarray(frames)
    if x.ndim != 4 or len(x) == 0:
        return np.zeros((len(x), x.shape[-1] if x.ndim == 4 else 3), np.float32)
    return (x.reshape(len(x), -1, x.shape[-1]).mean(axis=1) / 255.0).astype(np.float32)


class FadeFinder(Component):
    """Fade boundaries on a contrast curve (:func:`frame_contrast`).

    flat: contrast at or below which a frame is flat (one colour; 0.025 is about 6 grey levels).
    high: the contrast the ramp must reach at its picture end (below it, e.g. dim text on black,
    the "picture" is too faint to call a shot). min_len: frames the ramp must last; a change
    over fewer frames is a cut (the cut detector's business) or something popping in.
    card_len, card_step: a cut between two flat cards (an impact frame, a title card) is found on the
    frames' colour, which the ``pixel`` encoder takes out: at least ``card_len`` flat frames of one
    colour, then as many of another, ``card_step`` apart (mean difference per channel, 0..1). A
    strobe that flips colour every frame or two is not a card.
    """

    name = "fades"
    metric_keys = ("contrast",)

    def __init__(self, flat: float = 0.025, high: float = 0.04, min_len: int = 3, card_len: int = 3,
                 card_step: float = 0.1):
        self.flat = flat
        self.high = high
        self.min_len = min_len
        self.card_len = card_len
        self.card_step = card_step

    def check_params(self) -> None:
        check_number("flat", self.flat, 0.0, 0.5)
        check_number("high", self.high, 0.0, 0.5)
        check_number("min_len", self.min_len, 1, integer=True)
        check_number("card_len", self.card_len, 1, integer=True)
        check_number("card_step", self.card_step, 0.0, 1.0, lo_open=True)
        if self.high <= self.flat:
            raise ValueError(f"high ({self.high}) must be above flat ({self.flat})")

    def frame_metrics(self, result) -> dict[str, np.ndarray]:
        """The contrast each fade was found on, as a curve CSV column (where the curve has it)."""
        contrast = getattr(result.curve, "contrast", None)
        return {} if contrast is None else {"contrast": contrast}

    def find(self, contrast: np.ndarray, stops: Iterable[int] = ()) -> list[Boundary]:
        """Fades in curve positions, sorted. A ramp never runs across a position in ``stops`` (the
        hard cuts already found): the frame before a cut belongs to another shot."""
        self.check_params()
        c = np.asarray(contrast, np.float64)
        if c.ndim != 1 or not np.all(np.isfinite(c)):
            raise ValueError("contrast must be a 1-D array of finite numbers")
        stops = set(int(s) for s in stops)
        n = len(c)
        out = []
        for a, b in runs_of(np.flatnonzero(c <= self.flat)):
            if a > 0:  # a fade out, ending at the first flat frame a
                top = self._ramp(c, a, -1, stops)
                if a - top >= self.min_len and c[top] >= self.high:
                    out.append(Boundary(top, a, float(c[top] - c[a]), "gradual"))
            if b < n - 1:  # a fade in, from the last flat frame b
                top = self._ramp(c, b, 1, stops)
                if top - b >= self.min_len and c[top] >= self.high:
                    out.append(Boundary(b, top, float(c[top] - c[b]), "gradual"))
        return sorted(out, key=lambda bd: bd.start)

    def cards(self, contrast: np.ndarray, colour: np.ndarray) -> list[Boundary]:
        """Cuts between flat cards, in curve positions: each is the first frame of the new card."""
        self.check_params()
        c = np.asarray(contrast, np.float64)
        n, k = len(c), int(self.card_len)
        if n < 2 * k:
            return []
        col = np.asarray(colour, np.float64).reshape(n, -1)
        flat = c <= self.flat
        step = np.r_[0.0, np.abs(np.diff(col, axis=0)).mean(axis=1)]
        # a card: a run of flat frames whose colour holds (each step within a tenth of card_step)
        holds = flat & np.r_[False, step[1:] < 0.1 * self.card_step]
        found = []
        for p in np.flatnonzero(flat & (step >= self.card_step)):
            before = p >= k and flat[p - k : p].all() and holds[p - k + 1 : p].all()
            after = p + k <= n and holds[p + 1 : p + k].all()
            if before and after:
                found.append(Boundary(int(p), int(p), float(step[p]), "cut"))
        return found

    def _ramp(self, c: np.ndarray, edge: int, step: int, stops: set[int]) -> int:
        """The ramp's picture end, walking away from the flat frame ``edge``. Twice: the first walk
        measures the ramp's pace (its median change per frame); the second counts a frame as still
        rising only if it moves by a quarter of that pace, so a shot that dims slowly before the
        fade proper (or right after a cut) is not taken into the fade."""
        top = _walk(c, edge, step, stops, _RISE)
        lo, hi = sorted((top, edge))
        pace = float(np.median(np.abs(np.diff(c[lo : hi + 1]))))
        return _walk(c, edge, step, stops, max(_RISE, pace / 4))


_RISE = 0.3 / 255
_NOISE = 1.0 / 255


def _walk(c: np.ndarray, edge: int, step: int, stops: set[int], rise: float) -> int:
    """Walk away from ``edge`` while the contrast keeps rising (by more than ``rise`` a frame); the
    last frame where it rose is returned. Noise and frames held on twos may stall the rise for up
    to two frames; a real drop, or a cut, ends the walk."""
    j = top = edge + step
    stall = 0
    while 0 <= j + step < len(c) and (j if step < 0 else j + step) not in stops:
        nxt = c[j + step]
        if nxt > c[j] + rise:
            top, stall = j + step, 0
        elif nxt >= 0.9 * c[j] - _NOISE:
            stall += 1
            if stall > 2:
                break
        else:
            break
        j += step
    return top


fade_finders: Registry[FadeFinder] = Registry("fade finder", "latentcut.fades", FadeFinder)
fade_finders.register(FadeFinder.name, FadeFinder)


def create_fade_finder(spec: "str | FadeFinder | bool | None") -> FadeFinder | None:
    """A spec string (``"fades,min_len=4"``), an instance, or None / False / ``"none"`` for no fade finding."""
    if spec is None or spec is False or (isinstance(spec, str) and spec.strip().lower() in ("none", "off")):
        return None
    if spec is True:
        spec = FadeFinder.name
    return fade_finders.create(spec)
