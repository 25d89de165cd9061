"""Results: cuts, gradual transitions and the shots between them.

Words (docs/glossary.md): a *shot* runs from one boundary to the next; a *scene* is a group of shots
(:mod:`latentcut.scenes`). PySceneDetect calls shots "scenes"; only its own CSV columns keep that name here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from latentcut.evaluation.labels import Interval
from latentcut.io.timecode import Timecode
from latentcut.io.video import VideoInfo
from latentcut.scoring.curves import ScoreCurve


@dataclass(frozen=True)
class Cut:
    """A shot boundary: ``frame`` is the first frame of the new shot.

    ``start`` and ``end`` bound the frames mixed from one shot into the next, end exclusive (as
    ``Shot.end`` and the JSON's ``end``): a transition's first mixed frame and the first frame after
    it, with ``frame`` its middle. A hard cut mixes nothing: start = end = frame (filled in when
    not given).
    """

    frame: Timecode
    score: float
    kind: str = "cut"  # "cut" or "gradual"
    start: Timecode | None = None
    end: Timecode | None = None  #: the first frame after the mix (exclusive)

    def __post_init__(self):
        if self.start is None:
            object.__setattr__(self, "start", self.frame)
        if self.end is None:
            object.__setattr__(self, "end", self.frame if not self.is_gradual else self.start)

    @property
    def is_gradual(self) -> bool:
        return self.kind != "cut"

    @property
    def mixed_frames(self) -> int:
        """Frames of the mix: 0 for a hard cut."""
        return self.end.frame - self.start.frame

    def interval(self) -> Interval:
        """The frames where the new shot may begin, as the metrics match them: [frame, frame] for a
        cut, [start, end] for a transition (labels.json's convention: its end + 1 is this end)."""
        if self.is_gradual:
            return Interval(self.start.frame, self.end.frame, "gradual")
        return Interval(self.frame.frame, self.frame.frame)

    def to_dict(self, end_time: float | None = None) -> dict:
        """As the JSON holds it: a transition's ``end`` is the first frame after the mix, as here,
        ``end_time`` that frame's time (``end_time``, where the caller knows it better, e.g. past
        the last analysed frame)."""
        d = {
            "frame": self.frame.frame,
            "time": round(self.frame.seconds, 6),
            "timecode": self.frame.timecode,
            "kind": self.kind,
            "score": float(self.score),
        }
        if self.is_gradual:
            if end_time is None:
                end_time = self.end.seconds
            d.update(
                start=self.start.frame,
                end=self.end.frame,
                start_time=round(self.start.seconds, 6),
                end_time=round(end_time, 6),
            )
        return d


@dataclass(frozen=True)
class Shot:
    """A shot: frames [start, end) in decoded indices, with times."""

    number: int
    start: Timecode
    end: Timecode  #: first frame after the shot (exclusive), at that frame's time

    def __iter__(self):
        """``start, end = shot``, as PySceneDetect's (start, end) pairs unpack."""
        return iter((self.start, self.end))

    @property
    def length_frames(self) -> int:
        return self.end.frame - self.start.frame

    @property
    def length_seconds(self) -> float:
        return self.end.seconds - self.start.seconds

    def to_dict(self) -> dict:
        return {
            "shot": self.number,
            "start_frame": self.start.frame,
            "end_frame": self.end.frame,
            "start_time": round(self.start.seconds, 6),
            "end_time": round(self.end.seconds, 6),
        }


#: The JSON document's format: 2 made every end exclusive (a transition's ``end`` was its last
#: mixed frame in 1, which had no ``format`` field) and added the field; 3 names the shots ``shots`` (each
#: with its ``shot`` number) and the scenes, groups of shots, ``scenes`` (2: ``scenes`` and ``scene_groups``).
FORMAT = 3

#: The curve CSV's own columns (``span_score`` is ``ScoreCurve.span_scores``). Components add columns after
#: these (``Component.metric_keys``).
CURVE_COLUMNS = ("frame", "time", "score", "raw", "span_score", "straightness", "decision", "cut")


@dataclass
class DetectionResult:
    """What :func:`latentcut.detect` returns."""

    video: VideoInfo
    cuts: list[Cut]
    shots: list[Shot]
    curve: ScoreCurve
    threshold: float  #: the fitted threshold, on the thresholder's decision curve
    decision: np.ndarray  #: that decision curve, one value per sampled frame
    settings: dict = field(default_factory=dict)
    truncated: bool = False
    frames: int = 0  #: frames decoded
    video_end: float = 0.0  #: where the last analysed frame ends, in seconds
    embeddings: object = None  #: every analysed frame's Embeddings, when asked for (detect(keep_embeddings=True))
    scenes: list | None = None  #: shots grouped into scenes (latentcut.scenes.grouping), when asked for
    #: per-frame values the components declared (:attr:`latentcut.Component.metric_keys`), one per curve row
    metrics: dict = field(default_factory=dict)
    range: tuple | None = None  #: (start, end) seconds analysed, when the work was limited to part of the video

    @property
    def cut_frames(self) -> list[int]:
        return [c.frame.frame for c in self.cuts]

    def to_dict(self) -> dict:
        """The JSON document (``FORMAT``; its JSON Schema is ``latentcut schema``)."""
        info = self.video
        c = self.curve
        after = lambda f: (float(np.interp(f, c.indices, c.times)) if len(c) and f <= c.indices[-1]  # noqa: E731
                           else self.video_end)
        return {
            "format": FORMAT,
            "video": info.path,
            "frames": self.frames,
            "fps": round(info.fps, 6),
            "duration": round(self.video_end, 6),
            "width": info.display_size[0],
            "height": info.display_size[1],
            "truncated": self.truncated,
            **({"range": {"start": round(self.range[0], 6), "end": round(self.range[1], 6)}} if self.range else {}),
            "settings": self.settings,
            "threshold": self.threshold if np.isfinite(self.threshold) else None,
            "cuts": [x.to_dict(after(x.end.frame) if x.is_gradual else None)
                     for x in self.cuts],
            "shots": [s.to_dict() for s in self.shots],
            **({"scenes": self.scenes} if self.scenes is not None else {}),
        }


def build_shots(cuts: list[Cut], frames: int, times_of, video_end: float, fps: float | None = None,
                first: int = 0) -> list[Shot]:
    """Shots between consecutive boundaries (``first``, the first frame looked at, and the frame
    count bound the video)."""
    bounds = [first] + [c.frame.frame for c in cuts] + [frames]
    shots = []
    for i in range(len(bounds) - 1):
        a, b = bounds[i], bounds[i + 1]
        end = Timecode(b, video_end if b >= frames else times_of(b), fps)
        shots.append(Shot(i + 1, Timecode(a, times_of(a), fps), end))
    return shots

