"""Timecodes: a frame index together with its presentation time.

The time always comes from the decoded frame's presentation timestamp, never from
``index / fps``, so variable-frame-rate video gets the right times.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering


def format_seconds(seconds: float) -> str:
    """``HH:MM:SS.mmm`` as PySceneDetect and ffmpeg print it."""
    ms = int(round(max(seconds, 0.0) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


@total_ordering
@dataclass(frozen=True)
class Timecode:
    """A position in a video: 0-based decoded frame index and time in seconds."""

    frame: int
    seconds: float

    def __str__(self) -> str:
        return format_seconds(self.seconds)

    @property
    def timecode(self) -> str:
        return format_seconds(self.seconds)

    def __lt__(self, other: "Timecode") -> bool:
        return (self.frame, self.seconds) < (other.frame, other.seconds)

    def __int__(self) -> int:
        return self.frame

    def __float__(self) -> float:
        return self.seconds
