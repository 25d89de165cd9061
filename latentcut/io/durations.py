"""Lengths as people write them: frames (12), seconds (0.5s) or a timecode (00:00:00.500)."""
from __future__ import annotations

import math
import re
from typing import Any

_TIMECODE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def parse_duration(value: Any, name: str = "duration") -> tuple[str, float]:
    """A length as ("frames", n) or ("seconds", s): ``12`` or ``"12"`` frames, ``"0.5s"`` or 0.5
    seconds, or a timecode ``"00:00:01.500"`` / ``"01:30"``. ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be frames (12), seconds (0.5s) or a timecode (00:00:00.500), not {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be >= 0 and finite, not {value!r}")
        return ("frames", float(value)) if isinstance(value, int) or float(value).is_integer() else ("seconds", float(value))
    text = str(value).strip().lower()
    m = _TIMECODE.match(text)
    try:
        if m:
            h, mnt, sec = int(m.group(1) or 0), int(m.group(2)), float(m.group(3))
            if mnt >= 60 or sec >= 60:
                raise ValueError
            return "seconds", h * 3600 + mnt * 60 + sec
        if text.endswith("s"):
            x = float(text[:-1])
            unit = "seconds"
        else:
            x = float(text)
            unit = "frames" if re.fullmatch(r"\d+", text) else "seconds"
    except ValueError:
        raise ValueError(f"{name} must be frames (12), seconds (0.5s) or a timecode (00:00:00.500), not {value!r}") from None
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be >= 0 and finite, not {value!r}")
    return unit, x


def duration_frames(value: Any, fps: float | None, name: str = "duration") -> int:
    """A length in whole frames (at least 1) at ``fps``."""
    unit, x = parse_duration(value, name)
    if unit == "seconds":
        return max(1, int(round(x * (fps or DEFAULT_FPS))))
    return max(1, int(x))


#: The frame rate assumed when a container gives none.
DEFAULT_FPS = 25.0


def position_seconds(value: Any, fps: float | None, name: str = "position") -> float:
    """A position in a video, in seconds: ``12.5`` or ``"12.5s"`` seconds, a timecode, or a whole
    number of frames (``"300"``, counted at the nominal ``fps``)."""
    if isinstance(value, float):
        unit, x = parse_duration(f"{value}s", name)
    else:
        unit, x = parse_duration(value, name)
    return x / (fps or DEFAULT_FPS) if unit == "frames" else x
