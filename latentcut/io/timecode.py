"""Timecodes: a frame index together with its presentation time.

The time always comes from the decoded frame's presentation timestamp, never from
``index / fps``, so variable-frame-rate video gets the right times.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import total_ordering


def _units(seconds: float, precision: int, use_rounding: bool = True) -> int:
    """Whole ``10**-precision`` seconds; negative times count as 0. Every formatter here rounds
    through this one, so two columns of one row cannot disagree."""
    scaled = max(seconds, 0.0) * 10 ** precision
    return int(round(scaled)) if use_rounding else int(scaled)


def format_millis(seconds: float) -> str:
    """Seconds with 3 decimals, rounded as :func:`format_seconds` rounds, so a row's timecode and
    seconds columns never disagree by a millisecond (``%.3f`` rounds the binary value instead)."""
    ms = _units(seconds, 3)
    return f"{ms // 1000}.{ms % 1000:03d}"


def format_timecode(seconds: float, precision: int = 3, use_rounding: bool = True) -> str:
    """``HH:MM:SS.nnn`` with ``precision`` decimals (0-9), PySceneDetect's format."""
    if not 0 <= int(precision) <= 9:
        raise ValueError(f"precision must be 0-9 digits, not {precision}")
    precision = int(precision)
    whole, frac = divmod(_units(seconds, precision, use_rounding), 10 ** precision)
    h, rest = divmod(whole, 3600)
    m, sec = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{sec:02d}" + (f".{frac:0{precision}d}" if precision else "")


def format_seconds(seconds: float) -> str:
    """``HH:MM:SS.mmm`` as PySceneDetect and ffmpeg print it."""
    return format_timecode(seconds, 3)


@total_ordering
@dataclass(frozen=True)
class Timecode:
    """A position in a video: 0-based decoded frame index and time in seconds (from the frame's
    presentation timestamp), with the video's nominal frame rate when it is known.

    PySceneDetect's ``FrameTimecode`` names work: ``frame_num``, ``seconds``, ``framerate``,
    ``get_frames()``, ``get_seconds()``, ``get_timecode()``, and ``Timecode(36, fps=24)`` (the
    time is then nominal, frame / fps). So does its arithmetic: adding or subtracting an ``int``
    moves by frames, a ``float`` by seconds, another ``Timecode`` by its frames and seconds. A move
    by a number is nominal (it uses ``fps``: the timestamps of frames not decoded are not known),
    so on variable-frame-rate video take positions from the detector, not from arithmetic.

    Two timecodes are equal when frame and time are; ``fps`` is not compared. Against an ``int``
    the frame is compared, against a ``float`` the time, against a ``FrameTimecode`` its frame
    number (``timecode == 36``, ``timecode < FrameTimecode(40, 24)``).
    """

    frame: int
    seconds: float | None = None
    fps: float | None = field(default=None, compare=False)

    def __post_init__(self):
        if isinstance(self.frame, bool) or not isinstance(self.frame, int):
            try:
                frame = int(self.frame)  # numpy integers
            except (TypeError, ValueError):
                raise TypeError(f"frame must be a whole number, not {type(self.frame).__name__}") from None
            if frame != self.frame:
                raise TypeError(f"frame must be a whole number, not {self.frame!r}")
            object.__setattr__(self, "frame", frame)
        if self.frame < 0:
            raise ValueError(f"frame must be >= 0, not {self.frame}")
        if self.seconds is None:
            if not self.fps or self.fps <= 0:
                raise ValueError("a timecode needs its time in seconds, or fps to reckon it from the frame")
            object.__setattr__(self, "seconds", self.frame / float(self.fps))

    def __str__(self) -> str:
        return format_seconds(self.seconds)

    @property
    def timecode(self) -> str:
        return format_seconds(self.seconds)

    # -- PySceneDetect's accessors --------------------------------------------------------------

    @property
    def frame_num(self) -> int:
        return self.frame

    @property
    def framerate(self) -> float | None:
        return self.fps

    def get_frames(self) -> int:
        return self.frame

    def get_seconds(self) -> float:
        return self.seconds

    def get_timecode(self, precision: int = 3, use_rounding: bool = True) -> str:
        """``HH:MM:SS.nnn`` with ``precision`` decimals (PySceneDetect's format)."""
        return format_timecode(self.seconds, precision, use_rounding)

    def to_frame_timecode(self):
        """The same position as PySceneDetect's ``FrameTimecode``, at this real time (needs
        ``scenedetect`` and a known ``fps``). PySceneDetect 0.7 keeps the timestamp (in
        microseconds); its ``frame_num`` is then the time x fps, this frame on constant-rate
        video. Older PySceneDetect gets the time in seconds."""
        if not self.fps:
            raise ValueError("this timecode has no frame rate; FrameTimecode needs one")
        try:
            import scenedetect
        except ImportError:
            raise ImportError("to_frame_timecode needs PySceneDetect: pip install scenedetect") from None
        from fractions import Fraction

        stamp = getattr(getattr(scenedetect, "common", None), "Timecode", None)
        fps = Fraction(self.fps).limit_denominator(1001)
        if stamp is not None:
            return scenedetect.FrameTimecode(stamp(int(round(self.seconds * 1_000_000)), Fraction(1, 1_000_000)), fps=fps)
        return scenedetect.FrameTimecode(float(self.seconds), fps=fps)

    # -- arithmetic -----------------------------------------------------------------------------

    def _moved(self, frames: float | None, seconds: float | None) -> "Timecode":
        if frames is None:  # a move by seconds
            if not self.fps:
                raise ValueError("moving a timecode by seconds needs its fps")
            frames = round(seconds * self.fps)
        elif seconds is None:  # a move by frames
            if not self.fps:
                raise ValueError("moving a timecode by frames needs its fps")
            seconds = frames / self.fps
        frame = self.frame + int(frames)
        if frame < 0:
            raise ValueError(f"a timecode cannot move before the first frame ({self.frame} {frames:+d})")
        return replace(self, frame=frame, seconds=max(self.seconds + float(seconds), 0.0))

    def __add__(self, other):
        if isinstance(other, Timecode):
            return self._moved(other.frame, other.seconds)
        if isinstance(other, bool):
            return NotImplemented
        if isinstance(other, int):
            return self._moved(other, None)
        if isinstance(other, float):
            return self._moved(None, other)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, Timecode):
            return self._moved(-other.frame, -other.seconds)
        if isinstance(other, bool):
            return NotImplemented
        if isinstance(other, (int, float)):
            return self + (-other)
        return NotImplemented

    def _key(self, other):
        """(this, other) as comparable values, or None when ``other`` is not a position."""
        if isinstance(other, Timecode):
            return (self.frame, self.seconds), (other.frame, other.seconds)
        if isinstance(other, bool):
            return None
        if isinstance(other, int):
            return self.frame, other
        if isinstance(other, float):
            return self.seconds, other
        if hasattr(other, "frame_num") and hasattr(other, "get_seconds"):  # PySceneDetect's FrameTimecode
            return self.frame, int(other.frame_num)
        return None

    def __eq__(self, other) -> bool:
        k = self._key(other)
        return NotImplemented if k is None else k[0] == k[1]

    def __lt__(self, other) -> bool:
        k = self._key(other)
        return NotImplemented if k is None else k[0] < k[1]

    def __hash__(self) -> int:
        return hash((self.frame, self.seconds))

    def __int__(self) -> int:
        return self.frame

    def __float__(self) -> float:
        return self.seconds
