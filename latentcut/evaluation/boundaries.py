"""Precision, recall and F1 of shot boundaries, and the paper's accuracy@N.

Matching follows the TRECVID / PySceneDetect benchmark convention: each prediction matches at
most one true boundary and vice versa, within a tolerance of ``tolerance`` frames, closest pairs
first (greedy). Gradual transitions match by interval overlap. A prediction within tolerance of
a frame the labellers marked ``uncertain`` is neither a hit nor a false alarm.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentcut.evaluation.labels import ClipLabels, Interval, interval_from


@dataclass
class BoundaryScores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: "BoundaryScores") -> "BoundaryScores":
        return BoundaryScores(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision, "recall": self.recall, "f1": self.f1}


def match(pred: list[Interval], truth: list[Interval], tolerance: int = 0) -> list[tuple[int, int]]:
    """Greedy one-to-one matching; returns (pred index, truth index) pairs."""
    pairs = []
    for i, p in enumerate(pred):
        for j, t in enumerate(truth):
            g = p.distance_to(t)
            if g <= tolerance:
                centre = abs((p.lo + p.hi) - (t.lo + t.hi))
                pairs.append((g, centre, i, j))
    pairs.sort()
    used_p, used_t, out = set(), set(), []
    for _, _, i, j in pairs:
        if i in used_p or j in used_t:
            continue
        used_p.add(i)
        used_t.add(j)
        out.append((i, j))
    return out


def evaluate(pred: list[Interval], labels: ClipLabels, tolerance: int = 0) -> BoundaryScores:
    """Hits, false cuts and misses of predicted boundaries (``Cut.interval()``) against a clip's labels, each
    truth matched once, within ``tolerance`` frames."""
    truth = labels.boundaries
    matched = match(pred, truth, tolerance)
    hit = {i for i, _ in matched}
    fp = 0
    for i, p in enumerate(pred):
        if i in hit:
            continue
        if any(p.distance_to(Interval(u, u)) <= tolerance for u in labels.uncertain):
            continue
        fp += 1
    return BoundaryScores(tp=len(matched), fp=fp, fn=len(truth) - len(matched))


def predictions_from_json(doc: dict) -> list[Interval]:
    """Intervals from ``latentcut detect`` JSON (``{"cuts": [{"frame": ..}, ..]}``) or a bare list."""
    cuts = doc["cuts"] if isinstance(doc, dict) else doc
    if isinstance(doc, dict) and isinstance(doc.get("format"), int) and doc["format"] >= 2:
        # format 2 ends a transition at the first frame after it; labels (and format 1) at its last
        cuts = [dict(c, end=c["end"] - 1) if isinstance(c, dict) and isinstance(c.get("end"), int) and
                c.get("kind", "cut") != "cut" else c for c in cuts]
    return [interval_from(c, "predictions") for c in cuts]


def accuracy_at_n(scores: np.ndarray, labels: ClipLabels, tolerance: int = 0, n: int | None = None) -> float:
    """The paper's measure: of the N highest per-frame scores (N = number of true boundaries,
    or ``n``), the share that falls on a true boundary (one-to-one, within ``tolerance``).
    ``scores[i]`` scores the change into frame i; -inf marks a frame that was not scored."""
    if n is None:
        n = len(labels.boundaries)
    elif isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a whole number of at least 1 (or None: the labels' count), not {n!r}")
    if n == 0:
        return np.nan
    s = np.asarray(scores, np.float64).copy()
    if len(s):
        s[0] = -np.inf
    top = np.lexsort((np.arange(len(s)), -s))[:n]  # highest first; ties: the earlier frame
    pred = [Interval(int(i), int(i)) for i in top if s[i] > -np.inf]
    return len(match(pred, labels.boundaries, tolerance)) / n

