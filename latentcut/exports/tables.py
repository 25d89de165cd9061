"""Shots -> tables: the JSON document, a shot list CSV with PySceneDetect's `list-scenes` columns, and the score curve CSV.

Every file is written to a temporary name beside its target and renamed into place, so an
interrupted run never leaves a half-written file where a good one was.
"""
from __future__ import annotations

import csv
import io
import json
import os

from latentcut.detection.results import CURVE_COLUMNS, DetectionResult
from latentcut.io.atomic import atomic_write
from latentcut.io.timecode import format_millis, format_seconds


def write_json(result: DetectionResult, path: str | os.PathLike) -> None:
    """The JSON document (format 3; ``latentcut schema`` prints its schema), written atomically."""
    with atomic_write(path, encoding="utf-8") as f:
        json.dump(result.to_dict(), f, indent=1)
        f.write("\n")


SHOT_LIST_COLUMNS = [
    "Scene Number", "Start Frame", "Start Timecode", "Start Time (seconds)", "End Frame", "End Timecode",
    "End Time (seconds)", "Length (frames)", "Length (timecode)", "Length (seconds)",
]


def shots_csv(result: DetectionResult, cut_list: bool = True) -> str:
    """PySceneDetect's ``list-scenes`` CSV: a ``Timecode List:`` row of cut times, then one row per
    scene. As there, Start Frame is 1-based and End Frame is the scene's last frame, 1-based."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if cut_list:
        w.writerow(["Timecode List:"] + [c.frame.timecode for c in result.cuts])
    w.writerow(SHOT_LIST_COLUMNS)
    for s in result.shots:
        w.writerow([
            s.number, s.start.frame + 1, s.start.timecode, format_millis(s.start.seconds), s.end.frame, s.end.timecode,
            format_millis(s.end.seconds), s.length_frames, format_seconds(s.length_seconds), format_millis(s.length_seconds),
        ])
    return buf.getvalue()


def write_shots_csv(result: DetectionResult, path: str | os.PathLike, cut_list: bool = True) -> None:
    """PySceneDetect's ``list-scenes`` CSV of the shots (:func:`shots_csv`), written atomically."""
    with atomic_write(path, encoding="utf-8", newline="") as f:
        f.write(shots_csv(result, cut_list))


def write_curve_csv(result: DetectionResult, path: str | os.PathLike) -> None:
    """One row per analysed frame: the scores behind every decision."""
    c = result.curve
    cut_frames = {x.frame.frame for x in result.cuts}
    with atomic_write(path, encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        extra = list(result.metrics)
        w.writerow([*CURVE_COLUMNS, *extra])
        st = c.straightness
        for i in range(len(c)):
            w.writerow([
                int(c.indices[i]), f"{c.times[i]:.6f}", f"{c.scores[i]:.6g}", f"{c.raw[i]:.6g}", f"{c.span_scores[i]:.6g}",
                f"{st[i]:.4f}", f"{result.decision[i]:.6g}", int(int(c.indices[i]) in cut_frames),
                *(f"{result.metrics[k][i]:.6g}" for k in extra),
            ])
