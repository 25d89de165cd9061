"""Results: cuts, gradual transitions and the shots between them.

Words: a *shot* runs from one boundary to the next; a *scene* is a group of shots
(:mod:`latentcut.scenes`). The files keep PySceneDetect's names: its CSV and latentcut's JSON
call the shots "scenes".
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from latentcut.evaluation.labels import Interval
from latentcut.io.timecode import Timecode
from latentcut.io.video import VideoInfo
from latentcut.scoring.curves import ScoreCurve


@dataclass(frozen=True)
class Cut:
    """A shot boundary: ``frame`` is the first frame of the new shot.

    For a gradual transition ``start`` and ``end`` are its first and last mixed frames and
    ``frame`` is its middle; for a hard cut start = end = frame.
    """

    frame: Timecode
    score: float
    kind: str = "cut"  # "cut" or "gradual"
    start: Timecode | None = None
    end: Timecode | None = None

    @property
    def is_gradual(self) -> bool:
        return self.kind != "cut"

    def interval(self) -> Interval:
        """The frames where the new shot may begin, as the metrics match them: [frame, frame] for a
        cut, [start, end + 1] for a transition (labels.json's convention)."""
        if self.is_gradual and self.start is not None and self.end is not None:
            return Interval(self.start.frame, self.end.frame + 1, "gradual")
        return Interval(self.frame.frame, self.frame.frame)

    def to_dict(self) -> dict:
        d = {
            "frame": self.frame.frame,
            "time": round(self.frame.seconds, 6),
            "timecode": self.frame.timecode,
            "kind": self.kind,
            "score": float(self.score),
        }
        if self.is_gradual and self.start is not None and self.end is not None:
            d.update(
                start=self.start.frame,
                end=self.end.frame,
                start_time=round(self.start.seconds, 6),
                end_time=round(self.end.seconds, 6),
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
            "scene": self.number,
            "start_frame": self.start.frame,
            "end_frame": self.end.frame,
            "start_time": round(self.start.seconds, 6),
            "end_time": round(self.end.seconds, 6),
        }


#: The curve CSV's own columns; ``gap_score`` is the span curve (``ScoreCurve.span``), under the
#: name files have always used. Components add columns after these (``Component.metric_keys``).
CURVE_COLUMNS = ("frame", "time", "score", "raw", "gap_score", "straightness", "decision", "cut")


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
    end_time: float = 0.0  #: end of the last frame in seconds
    embeddings: object = None  #: every analysed frame's Embeddings, when asked for (detect(keep_embeddings=True))
    scene_groups: list | None = None  #: shots grouped into scenes (latentcut.scenes.grouping), when asked for
    #: per-frame values the components declared (:attr:`latentcut.Component.metric_keys`), one per curve row
    metrics: dict = field(default_factory=dict)

    @property
    def scenes(self) -> list[Shot]:
        """Deprecated name of :attr:`shots` (a scene is now a group of shots)."""
        warnings.warn("DetectionResult.scenes is now DetectionResult.shots", DeprecationWarning, stacklevel=2)
        return self.shots

    @property
    def cut_frames(self) -> list[int]:
        return [c.frame.frame for c in self.cuts]

    def to_dict(self) -> dict:
        info = self.video
        return {
            "video": info.path,
            "frames": self.frames,
            "fps": round(info.fps, 6),
            "duration": round(self.end_time, 6),
            "width": info.display_size[0],
            "height": info.display_size[1],
            "truncated": self.truncated,
            "settings": self.settings,
            "threshold": self.threshold if np.isfinite(self.threshold) else None,
            "cuts": [c.to_dict() for c in self.cuts],
            "scenes": [s.to_dict() for s in self.shots],
            **({"scene_groups": self.scene_groups} if self.scene_groups is not None else {}),
        }


def build_shots(cuts: list[Cut], frames: int, times_of, end_time: float, fps: float | None = None) -> list[Shot]:
    """Shots between consecutive boundaries (0 and the frame count bound the video)."""
    bounds = [0] + [c.frame.frame for c in cuts] + [frames]
    shots = []
    for i in range(len(bounds) - 1):
        a, b = bounds[i], bounds[i + 1]
        end = Timecode(b, end_time if b >= frames else times_of(b), fps)
        shots.append(Shot(i + 1, Timecode(a, times_of(a), fps), end))
    return shots


_OLD_NAMES = {"Scene": "Shot", "build_scenes": "build_shots"}


def __getattr__(name):
    if name in _OLD_NAMES:
        warnings.warn(f"latentcut.detection.results.{name} is now {_OLD_NAMES[name]}", DeprecationWarning, stacklevel=2)
        return globals()[_OLD_NAMES[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
