"""From keyframe neighbours to shot results.

The index answers with keyframes; a user asks for shots. A picture query scores each shot by its
best keyframe (and that keyframe's time is where in the shot the picture is); a query of several
pictures (a clip, a shot) scores each shot by the mean over the pictures of that best score, so a
shot that matches the whole clip beats one that matches one frame of it. A mirrored view of a
picture counts as the picture itself: its keyframe score is the better of the two views.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Hit:
    score: float
    video: str
    shot: int
    start: float
    end: float
    start_frame: int
    end_frame: int
    shot_id: int
    time: float | None = None  #: the best-matching keyframe's time in seconds: where in the shot the query is
    frame: int | None = None  #: that keyframe's decoded frame index
    mirrored: bool = False  #: the match was with the query's mirror image
    inset: bool = False  #: the match was with the query's corner inset (picture-in-picture)

    def to_dict(self) -> dict:
        d = {"video": self.video, "shot": self.shot, "start": round(self.start, 3), "end": round(self.end, 3),
             "start_frame": self.start_frame, "end_frame": self.end_frame, "score": round(float(self.score), 5),
             "shot_id": self.shot_id}
        if self.time is not None:
            d.update(time=round(float(self.time), 3), frame=self.frame, mirrored=bool(self.mirrored),
                     inset=bool(self.inset))
        return d


def neighbours_wanted(k: int, total: int) -> int:
    """Keyframe neighbours to fetch for ``k`` shots: shots hold many keyframes each."""
    return int(min(total, 16 * k + 48))


#: What the first views of a query are, (mirrored, inset): the picture as given, then its mirror image;
#: ``query_views`` adds the inset's views after these
VIEWS = ((False, False), (True, False))


def merge_views(scores: np.ndarray, ids: np.ndarray):
    """Neighbours of (views, queries, n) searches merged per query: for each keyframe the best
    score over the views and which view gave it. Returns a list (one per query) of
    {keyframe id: (score, view)}."""
    views, queries, _ = scores.shape
    out = []
    for q in range(queries):
        best: dict[int, tuple[float, int]] = {}
        for v in range(views):
            for s, i in zip(scores[v, q], ids[v, q]):
                i = int(i)
                if i < 0:
                    continue
                if i not in best or s > best[i][0]:
                    best[i] = (float(s), v)
        out.append(best)
    return out


def rank_shots(per_query: list[dict], shot_of: dict[int, int], k: int, exclude: int | None = None):
    """Shots ranked by the mean over the queries of their best keyframe score (0 where a query
    did not reach the shot). Returns [(shot id, score, best keyframe id, its view)]."""
    if not per_query:
        return []
    total: dict[int, float] = {}
    best: dict[int, tuple[float, int, int]] = {}
    for hits in per_query:
        top: dict[int, tuple[float, int, int]] = {}
        for kid, (s, view) in hits.items():
            shot = shot_of.get(kid)
            if shot is None or shot == exclude:
                continue
            if shot not in top or s > top[shot][0]:
                top[shot] = (s, kid, view)
        for shot, (s, kid, view) in top.items():
            total[shot] = total.get(shot, 0.0) + s
            if shot not in best or s > best[shot][0]:
                best[shot] = (s, kid, view)
    n = len(per_query)
    ranked = sorted(total, key=lambda sh: (-total[sh], sh))[:k]
    return [(sh, total[sh] / n, best[sh][1], best[sh][2]) for sh in ranked]
