"""Grouping shots into scenes: a "scene" is a change of place or background, not every camera cut.

Shots are compared by the cosine distance between their mean embeddings. Overlapping links
(Hanjalic et al., 1999): shot j links back to each of the ``memory`` shots before it that is
close to it, and a scene boundary falls only where no link crosses, so shot/reverse-shot
cutting (A B A' B') stays one scene. ``strictness`` (0..1) sets the distance that counts as
close: the (1 - strictness) quantile of the distances between neighbouring shots in the video,
so higher strictness means more, shorter scenes; ``threshold`` sets it directly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SceneGroup:
    number: int
    shots: list[int]  #: shot numbers (1-based, as in DetectionResult.shots)

    def to_dict(self, result=None) -> dict:
        d = {"scene": self.number, "shots": self.shots}
        if result is not None:
            first, last = result.shots[self.shots[0] - 1], result.shots[self.shots[-1] - 1]
            d.update(start_frame=first.start.frame, end_frame=last.end.frame,
                     start_time=round(first.start.seconds, 6), end_time=round(last.end.seconds, 6))
        return d


def shot_vectors(result) -> np.ndarray:
    """Normalised mean embedding of each shot of a DetectionResult made with keep_embeddings."""
    if result.embeddings is None:
        raise ValueError("the result has no embeddings: detect(..., keep_embeddings=True)")
    emb, idx = result.embeddings.mean, result.curve.indices
    out = []
    for sc in result.shots:
        sel = (idx >= sc.start.frame) & (idx < sc.end.frame)
        out.append(emb[sel].mean(0) if sel.any() else emb[int(np.argmin(np.abs(idx - sc.start.frame)))])
    v = np.asarray(out, np.float64)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), np.finfo(np.float64).tiny)


def group_shots(vectors: np.ndarray, strictness: float = 0.5, memory: int = 4,
                threshold: float | None = None) -> list[SceneGroup]:
    """Consecutive shots grouped into scenes from one vector per shot (:func:`shot_vectors`): a shot joins the
    scene when it resembles one of the last ``memory`` shots; ``strictness`` 0 makes few scenes, 1 many."""
    if not 0.0 <= strictness <= 1.0:
        raise ValueError(f"strictness must be within 0..1, not {strictness}")
    v = np.asarray(vectors, np.float64)
    n = len(v)
    if n < 2:
        return [SceneGroup(1, [1])] if n else []
    dist = 1.0 - v @ v.T
    neighbours = np.diag(dist, 1)
    tau = float(threshold) if threshold is not None else float(np.quantile(neighbours, 1.0 - strictness))
    covered = np.zeros(n, bool)
    for j in range(1, n):
        for i in range(max(0, j - memory), j):
            if dist[i, j] <= tau:
                covered[i + 1 : j + 1] = True
    groups: list[list[int]] = [[0]]
    for p in range(1, n):
        if covered[p]:
            groups[-1].append(p)
        else:
            groups.append([p])
    return [SceneGroup(k + 1, [s + 1 for s in g]) for k, g in enumerate(groups)]
