"""Ground truth and predictions as boundary intervals.

A boundary is an inclusive frame interval [lo, hi] in which the first frame of the new shot may
lie: a hard cut at c is [c, c]; a gradual transition with mixed frames s..e is [s, e + 1]
(``labels.json``: "one boundary, placed anywhere in [start, end + 1]").
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from latentcut.errors import LabelsError


@dataclass(frozen=True)
class Interval:
    lo: int
    hi: int
    kind: str = "cut"

    def distance_to(self, other: "Interval") -> int:
        """Frames between the two intervals; 0 when they overlap or touch."""
        return max(0, other.lo - self.hi, self.lo - other.hi)


@dataclass
class ClipLabels:
    path: str
    boundaries: list[Interval]
    uncertain: list[int] = field(default_factory=list)
    frames: int | None = None
    group: str = ""
    #: look-alikes that are not boundaries: (frame, why), for reading a detector's false cuts
    hard_negatives: list[tuple[int, str]] = field(default_factory=list)
    #: where the clip comes from (a repository): clips of one collection share makers and editing style, so
    #: cross-validation holds a whole collection out at once
    collection: str = ""

    def why_not(self, frame: int, within: int = 2) -> str:
        """The labels' reason a frame near ``frame`` is not a boundary, if they give one."""
        near = [(abs(f - frame), why) for f, why in self.hard_negatives if abs(f - frame) <= within]
        return min(near)[1] if near else ""


def interval_from(obj, where: str) -> Interval:
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return Interval(int(obj), int(obj))
    if isinstance(obj, dict):
        kind = obj.get("kind", "cut")
        if "start" in obj and "end" in obj and kind != "cut":
            s, e = int(obj["start"]), int(obj["end"])
            if e < s:
                raise LabelsError(f"{where}: transition ends before it starts ({s}..{e})")
            return Interval(s, e + 1, "gradual")
        if "frame" in obj:
            return Interval(int(obj["frame"]), int(obj["frame"]))
        if "start" in obj and "end" in obj:
            s, e = int(obj["start"]), int(obj["end"])
            return Interval(s, e + 1, "gradual")
    raise LabelsError(f"{where}: cannot read a boundary from {obj!r}")


def clip_from_dict(d: dict, where: str) -> ClipLabels:
    if not isinstance(d, dict) or not isinstance(d.get("cuts"), list):
        raise LabelsError(f"{where}: no 'cuts' list")
    bounds = [interval_from(c, where) for c in d["cuts"]]
    for g in d.get("gradual") or []:
        s, e = int(g["start"]), int(g["end"])
        bounds.append(Interval(s, e + 1, "gradual"))
    unc = []
    for u in d.get("uncertain") or []:
        if isinstance(u, dict) and "frame" in u:
            unc.append(int(u["frame"]))
        elif isinstance(u, dict) and "start" in u and "end" in u:
            unc.extend(range(int(u["start"]), int(u["end"]) + 1))
        elif isinstance(u, (int, float)) and not isinstance(u, bool):
            unc.append(int(u))
        else:
            raise LabelsError(f"{where}: cannot read an uncertain frame from {u!r}")
    negatives = []
    for h in d.get("hard_negatives") or []:
        if isinstance(h, dict) and isinstance(h.get("frame"), (int, float)) and not isinstance(h.get("frame"), bool):
            negatives.append((int(h["frame"]), str(h.get("why", ""))))
    return ClipLabels(d.get("path", d.get("video", "")), sorted(bounds, key=lambda b: b.lo), unc, d.get("frames"),
                      d.get("group", ""), negatives, str(d.get("collection") or ""))


def load_json(path: str | os.PathLike) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise LabelsError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise LabelsError(f"{path}: is a directory, not a JSON file") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise LabelsError(f"{path}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise LabelsError(f"{path}: cannot read it ({exc.strerror})") from None


def load_labels(path: str | os.PathLike) -> list[ClipLabels]:
    """All clips of a labels file: the ``{"clips": [...]}`` format of shared/data/labels.json, or a
    single clip ``{"cuts": [...], "gradual": [...]}``."""
    data = load_json(path)
    try:
        if isinstance(data, dict) and isinstance(data.get("clips"), list):
            return [clip_from_dict(c, f"{path}: clip {c.get('path', i) if isinstance(c, dict) else i}")
                    for i, c in enumerate(data["clips"])]
        if isinstance(data, dict) and "cuts" in data:
            return [clip_from_dict(data, str(path))]
    except LabelsError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise LabelsError(f"{path}: not a labels file latentcut can read ({type(exc).__name__}: {exc})") from None
    raise LabelsError(f"{path}: expected a 'clips' list or a 'cuts' list")


def find_clip(clips: list[ClipLabels], video: str) -> ClipLabels:
    """The clip whose path ends like ``video`` (file name match)."""
    if len(clips) == 1 and not clips[0].path:
        return clips[0]
    name = os.path.basename(video)
    hits = [c for c in clips if os.path.basename(c.path) == name]
    if not hits:
        known = ", ".join(os.path.basename(c.path) for c in clips)
        raise LabelsError(f"no labels for {name!r}; the labels file has: {known}")
    return hits[0]
