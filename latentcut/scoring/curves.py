"""Embeddings -> score curves, computed incrementally so a long video never holds all its embeddings.

For frame i the builder records
- ``raw[i]``  = d(i-1, i), the consecutive-frame distance;
- ``scores[i]`` = min(d(i-1, i), d(i-2, i), d(i-1, i+1)), the score used for hard cuts: a real cut
  separates every pair that spans it, while a one-frame flash or glitch leaves d(i-1, i+1) small;
- ``span[i]`` = d(i-k, i), the displacement across a wider span of k frames, where a slow dissolve stands out;
- ``path[i]`` = raw[i-k+1] + ... + raw[i], the path length over the same span. A dissolve or fade
  moves in a straight line (span close to path); motion wanders (span much smaller than path).

All curves are in linear units, d ** (1 / distance.degree): the square root of a KL divergence,
which grows in proportion to the change the way a norm does, so that steps add up along a path
and a ratio of scores means the same whatever the distance.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentcut.embeddings import Embeddings
from latentcut.errors import EmbeddingError
from latentcut.scoring.distances import Distance


@dataclass
class ScoreCurve:
    indices: np.ndarray  #: decoded frame index of each sampled frame
    times: np.ndarray  #: presentation time in seconds
    raw: np.ndarray
    scores: np.ndarray
    span_scores: np.ndarray  #: d(i - span_frames, i): how far the picture moved over the span
    path: np.ndarray  #: the sum of the raw steps over the same span
    span_frames: int  #: the span, in analysed frames
    #: per frame, the picture's contrast (:func:`latentcut.detection.fades.frame_contrast`), where
    #: the frames were at hand; fades are found on it
    contrast: np.ndarray | None = None
    #: per frame, the picture's mean colour (N, channels) in [0, 1] (:func:`latentcut.detection.fades.frame_colour`),
    #: where the frames were at hand; cuts between flat cards are found on it
    colour: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def straightness(self) -> np.ndarray:
        """span_scores / path in [0, 1]: 1 for a straight-line change (dissolve, fade), near 0 for wandering motion."""
        with np.errstate(invalid="ignore", divide="ignore"):
            st = np.where(self.path > 0, self.span_scores / np.where(self.path > 0, self.path, 1.0), 0.0)
        return np.clip(st, 0.0, 1.0)


class CurveBuilder:
    """Feed embeddings batch by batch with :meth:`update`; :meth:`finish` returns the ScoreCurve."""

    def __init__(self, distance: Distance, span_frames: int = 12):
        if span_frames < 2:
            raise ValueError(f"span_frames must be >= 2, not {span_frames}")
        self.distance = distance
        self.span_frames = span_frames
        self._tail: Embeddings | None = None
        self._raw: list[np.ndarray] = []
        self._g2: list[np.ndarray] = []
        self._gk: list[np.ndarray] = []
        self._idx: list[np.ndarray] = []
        self._times: list[np.ndarray] = []
        self._contrast: list[np.ndarray | None] = []
        self._colour: list[np.ndarray | None] = []

    def update(self, emb: Embeddings, indices: np.ndarray, times: np.ndarray, contrast=None, colour=None) -> None:
        if len(emb) == 0:
            return
        if contrast is not None and len(contrast) != len(emb):
            raise EmbeddingError(f"{len(contrast)} contrast values for {len(emb)} embeddings")
        if colour is not None and len(colour) != len(emb):
            raise EmbeddingError(f"{len(colour)} colours for {len(emb)} embeddings")
        if self._tail is not None and self._tail.dim != emb.dim:
            raise EmbeddingError(f"embedding size changed mid-video: {self._tail.dim} vs {emb.dim}")
        full = emb if self._tail is None else Embeddings.concat([self._tail, emb])
        t = 0 if self._tail is None else len(self._tail)  # rows of ``full`` already scored
        b = len(emb)
        for lag, out in ((1, self._raw), (2, self._g2), (self.span_frames, self._gk)):
            vals = np.zeros(b)
            # global index g = start + t + j needs full row t + j - lag >= 0
            first = max(0, lag - t)
            if first < b:
                d = self.distance.pairwise(full[t + first - lag : t + b - lag], full[t + first : t + b])
                vals[first:] = self.distance.linear(d)
            out.append(vals)
        self._idx.append(np.asarray(indices))
        self._times.append(np.asarray(times, np.float64))
        self._contrast.append(None if contrast is None else np.asarray(contrast, np.float32))
        self._colour.append(None if colour is None else np.asarray(colour, np.float32).reshape(len(emb), -1))
        keep = min(self.span_frames, len(full))
        self._tail = full[len(full) - keep :]

    def finish(self) -> ScoreCurve:
        if not self._raw:
            empty = np.zeros(0)
            return ScoreCurve(np.zeros(0, np.int64), empty, empty, empty, empty, empty, self.span_frames, np.zeros(0, np.float32))
        raw, g2, gk = np.concatenate(self._raw), np.concatenate(self._g2), np.concatenate(self._gk)
        n = len(raw)
        scores = raw.copy()
        if n > 2:
            # d(i-2, i) exists from i = 2; d(i-1, i+1) = g2[i+1] exists up to i = n-2.
            scores[2:] = np.minimum(scores[2:], g2[2:])
            scores[1:-1] = np.minimum(scores[1:-1], g2[2:])
        path = np.zeros(n)
        if n > self.span_frames:
            c = np.cumsum(raw)
            path[self.span_frames :] = c[self.span_frames :] - c[: n - self.span_frames]
        raw[0] = scores[0] = 0.0
        return ScoreCurve(
            indices=np.concatenate(self._idx),
            times=np.concatenate(self._times),
            raw=raw,
            scores=scores,
            span_scores=gk,
            path=path,
            span_frames=self.span_frames,
            # only when every batch brought its contrast: a curve half with and half without has none
            contrast=None if any(c is None for c in self._contrast) else np.concatenate(self._contrast),
            colour=None if any(c is None for c in self._colour) else np.concatenate(self._colour),
        )


def score_curve(emb: Embeddings, distance: Distance, span_frames: int = 12, indices=None, times=None,
                contrast=None, colour=None) -> ScoreCurve:
    """All curves for embeddings already in memory (``contrast``: the frames' contrast, for fades; ``colour``:
    their mean colour, for cuts between flat cards)."""
    n = len(emb)
    b = CurveBuilder(distance, span_frames)
    b.update(emb, np.arange(n) if indices is None else indices, np.arange(n) if times is None else times,
             contrast, colour)
    return b.finish()
