"""Synthetic edits made from single-shot stretches of real footage: the learned detector's training data.

Stretches of footage that hold one shot each are spliced into sequences with the boundaries
editors make (hard cuts, dissolves of 1 to 24 frames, fades through black or white, wipes of
several shapes, shots of 1-3 frames, flat "impact" cards) and, inside shots, with the changes
that are not boundaries (flashes, strobes, shakes, zooms and pans, frames held on twos and
threes, speed-ups, text and subtitles appearing). Every sequence comes with its boundaries as
labels.json intervals: a cut at c is [c, c]; a transition with mixed frames s..e is [s, e + 1].
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from latentcut.evaluation.labels import Interval

TRANSITIONS = ("cut", "dissolve", "fade", "wipe", "short", "card")
NEGATIVES = ("none", "flash", "strobe", "shake", "zoom", "pan", "hold", "speed", "text")


@dataclass
class Sequence:
    frames: np.ndarray  #: (T, H, W, C) uint8
    boundaries: list[Interval] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  #: what made each boundary
    negatives: list[tuple[int, str]] = field(default_factory=list)  #: (frame, what) inside a shot


def _blend(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return np.clip((1.0 - t) * a.astype(np.float32) + t * b.astype(np.float32), 0, 255).astype(np.uint8)


def _wipe_mask(shape: tuple[int, int], t: float, kind: str) -> np.ndarray:
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    if kind == "left":
        m = xx < t * w
    elif kind == "right":
        m = xx >= (1 - t) * w
    elif kind == "down":
        m = yy < t * h
    elif kind == "diagonal":
        m = (xx / w + yy / h) / 2 < t
    elif kind == "iris":
        r = np.hypot(yy - h / 2, xx - w / 2) / np.hypot(h / 2, w / 2)
        m = r < t
    else:  # clock
        ang = (np.arctan2(yy - h / 2, xx - w / 2) + np.pi) / (2 * np.pi)
        m = ang < t
    return m[..., None]


def _shift(frame: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.roll(frame, (dy, dx), axis=(0, 1))
    if dy > 0:
        out[:dy] = out[dy : dy + 1]
    elif dy < 0:
        out[dy:] = out[dy - 1 : dy]
    if dx > 0:
        out[:, :dx] = out[:, dx : dx + 1]
    elif dx < 0:
        out[:, dx:] = out[:, dx - 1 : dx]
    return out


def _crop_resize(frame: np.ndarray, zoom: float, cy: float, cx: float) -> np.ndarray:
    h, w = frame.shape[:2]
    ch, cw = max(2, int(round(h / zoom))), max(2, int(round(w / zoom)))
    y0 = int(np.clip(round(cy * h - ch / 2), 0, h - ch))
    x0 = int(np.clip(round(cx * w - cw / 2), 0, w - cw))
    iy = y0 + (np.arange(h) * ch // h)
    ix = x0 + (np.arange(w) * cw // w)
    return frame[iy][:, ix]


def _text_block(shape: tuple[int, int], rng) -> tuple[np.ndarray, np.ndarray]:
    """A mask and colour of a line of 'glyphs' (subtitle-like bars of small blocks)."""
    h, w = shape
    mask = np.zeros((h, w), bool)
    rows = max(1, h // 10)
    y0 = int(rng.integers(int(h * 0.65), max(int(h * 0.65) + 1, h - rows - 1))) if rng.random() < 0.7 else int(rng.integers(0, max(1, h - rows)))
    x = int(rng.integers(0, max(1, w // 6)))
    end = int(w - rng.integers(0, max(1, w // 6)))
    while x < end:
        gw = int(rng.integers(1, 3))
        mask[y0 : y0 + rows, x : x + gw] = rng.random((min(rows, h - y0), min(gw, w - x))) < 0.7
        x += gw + int(rng.integers(1, 3))
    colour = np.array([255, 255, 255] if rng.random() < 0.7 else rng.integers(0, 256, 3), np.uint8)
    return mask, colour


def apply_negative(frames: np.ndarray, kind: str, rng) -> tuple[np.ndarray, int]:
    """One within-shot change applied to a shot's frames; returns them and where it happens."""
    f = frames.copy()
    n = len(f)
    at = int(rng.integers(1, max(2, n - 1)))
    if kind == "flash":
        k = int(rng.integers(1, 4))
        colour = np.full(f.shape[1:], 255 if rng.random() < 0.8 else int(rng.integers(0, 256)), np.uint8)
        for j in range(at, min(n, at + k)):
            f[j] = _blend(f[j], colour, float(rng.uniform(0.5, 1.0)))
    elif kind == "strobe":
        for j in range(at, min(n, at + int(rng.integers(4, 10))), 2):
            f[j] = _blend(f[j], np.full(f.shape[1:], 255, np.uint8), float(rng.uniform(0.4, 0.9)))
    elif kind == "shake":
        amp = max(1, f.shape[1] // int(rng.integers(8, 16)))
        for j in range(at, min(n, at + int(rng.integers(6, 20)))):
            f[j] = _shift(f[j], int(rng.integers(-amp, amp + 1)), int(rng.integers(-amp, amp + 1)))
    elif kind == "zoom":
        z1 = float(rng.uniform(1.3, 2.5))
        span = max(2, min(n - at, int(rng.integers(3, 16))))
        for j in range(at, n):
            t = min(1.0, (j - at) / span)
            f[j] = _crop_resize(frames[j], 1 + (z1 - 1) * t, 0.5, 0.5)
    elif kind == "pan":
        span = max(2, n - at)
        for j in range(at, n):
            t = (j - at) / span
            f[j] = _crop_resize(frames[j], 1.6, 0.5, 0.2 + 0.6 * t)
    elif kind == "hold":
        step = int(rng.integers(2, 4))
        for j in range(n):
            f[j] = frames[(j // step) * step]
    elif kind == "speed":
        idx = np.minimum(np.arange(n) * int(rng.integers(2, 4)), n - 1)
        f = frames[idx]
    elif kind == "text":
        mask, colour = _text_block(f.shape[1:3], rng)
        f[at:][:, mask] = colour
    return f, at


def _overlap(seq: Sequence, out: list, pos: int, shot: np.ndarray, length: int, kind: str, mix) -> int:
    """Join ``shot`` to the sequence so far (``out``, ``pos`` frames) by overlapping their last and
    first ``length`` frames, each pair mixed by ``mix(a, b, t)`` at t = 1/(L+1) .. L/(L+1); the
    mixed frames are the boundary's interval. Returns the new length."""
    prev = out[-1]
    L = min(length, len(prev) - 1, len(shot) - 1)
    a, b = prev[len(prev) - L :], shot[:L]
    mixed = np.stack([mix(a[j], b[j], (j + 1) / (L + 1)) for j in range(L)])
    out[-1] = prev[: len(prev) - L]
    start = pos - L
    out += [mixed, shot[L:]]
    seq.boundaries.append(Interval(start, start + L, "gradual"))
    seq.kinds.append(kind)
    return start + len(shot)


def splice(shots: list[np.ndarray], rng, transition_weights=None, negative_rate: float = 0.5) -> Sequence:
    """A sequence of the given shots (each (T, H, W, C) uint8, one shot each), joined by random transitions."""
    weights = np.asarray(transition_weights if transition_weights is not None else [4, 2, 1.5, 1, 1.5, 0.7], float)
    weights = weights / weights.sum()
    out: list[np.ndarray] = []
    seq = Sequence(np.zeros((0,) + shots[0].shape[1:], np.uint8))
    pos = 0
    for i, shot in enumerate(shots):
        shot = shot.copy()
        if rng.random() < negative_rate and len(shot) > 4:
            kind = NEGATIVES[1 + int(rng.integers(0, len(NEGATIVES) - 1))]
            shot, at = apply_negative(shot, kind, rng)
            seq.negatives.append((pos + at, kind))
        if i == 0:
            out.append(shot)
            pos += len(shot)
            continue
        kind = TRANSITIONS[int(rng.choice(len(TRANSITIONS), p=weights))]
        prev = out[-1]
        if kind == "cut" or len(prev) < 3 or len(shot) < 3:
            seq.boundaries.append(Interval(pos, pos))
            seq.kinds.append("cut")
            out.append(shot)
            pos += len(shot)
            continue
        if kind == "dissolve":
            # 1-frame dissolves (a single blended frame) are common in anime edits
            L = 1 if rng.random() < 0.3 else int(np.clip(np.round(np.exp(rng.uniform(np.log(2), np.log(24)))), 2, 24))
            pos = _overlap(seq, out, pos, shot, L, "dissolve", _blend)
            continue
        if kind == "fade":
            colour = np.full(shot.shape[1:], 0 if rng.random() < 0.65 else 255, np.uint8)
            lo = int(rng.integers(0, 12))
            hold = int(rng.integers(0, 6))
            li = int(rng.integers(0 if lo else 2, 12))
            lo, li = min(lo, len(prev) - 1), min(li, len(shot) - 1)
            outs = [_blend(prev[len(prev) - lo + j], colour, (j + 1) / (lo + 1)) for j in range(lo)]
            ins = [_blend(colour, shot[j], (j + 1) / (li + 1)) for j in range(li)]
            mid = [colour] * hold
            block = outs + mid + ins
            out[-1] = prev[: len(prev) - lo]
            start = pos - lo
            if block:
                out.append(np.stack(block))
            out.append(shot[li:])
            seq.boundaries.append(Interval(start, start + len(block), "gradual") if block else Interval(start, start))
            seq.kinds.append("fade")
            pos = start + len(block) + len(shot) - li
            continue
        if kind == "wipe":
            L = int(rng.integers(3, 16))
            shape = ("left", "right", "down", "diagonal", "iris", "clock")[int(rng.integers(0, 6))]
            pos = _overlap(seq, out, pos, shot, L, "wipe",
                           lambda a, b, t: np.where(_wipe_mask(shot.shape[1:3], t, shape), b, a))
            continue
        # a very short shot or a flat card of 1-3 frames, then the next shot
        k = int(rng.integers(1, 4))
        if kind == "card":
            colour = np.array([(255, 255, 255), (0, 0, 0), (220, 20, 30), tuple(rng.integers(0, 256, 3))][int(rng.integers(0, 4))], np.uint8)
            insert = np.broadcast_to(colour, (k,) + shot.shape[1:]).copy()
        else:
            donor = shots[int(rng.integers(0, len(shots)))]
            j0 = int(rng.integers(0, max(1, len(donor) - k)))
            insert = donor[j0 : j0 + k]
            k = len(insert)
        seq.boundaries.append(Interval(pos, pos))
        seq.boundaries.append(Interval(pos + k, pos + k))
        seq.kinds += [kind, kind]
        out.append(insert)
        out.append(shot)
        pos += k + len(shot)
    seq.frames = np.concatenate(out)
    assert len(seq.frames) == pos, (len(seq.frames), pos)
    return seq
