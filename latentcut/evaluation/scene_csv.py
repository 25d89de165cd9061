"""Predictions from a scene-list CSV: PySceneDetect's ``list-scenes`` file, or latentcut's
``detect --csv`` (the same columns), so ``latentcut eval`` scores either tool's output.

Start Frame is 1-based there, so the cut into scene k (k > 1) is at 0-based frame Start Frame - 1.
The optional first row ``Timecode List: ...`` is skipped (its times would repeat the rows').
"""
from __future__ import annotations

import csv
import os

from latentcut.errors import LatentcutError
from latentcut.evaluation.labels import Interval


def scene_rows(path: str | os.PathLike) -> list[dict]:
    """The scene rows of a scene-list CSV, each as ``{column: text}``, with the 1-based Start
    Frames checked (whole, from 1, increasing)."""
    where = os.fspath(path)
    try:
        with open(where, encoding="utf-8-sig", newline="") as f:
            rows = [r for r in csv.reader(f) if r]
    except FileNotFoundError:
        raise LatentcutError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LatentcutError(f"{where}: cannot read it as a scene CSV ({exc})") from None
    if rows and rows[0][0].strip().lower().startswith("timecode list"):
        rows = rows[1:]
    if not rows or "Start Frame" not in [c.strip() for c in rows[0]]:
        raise LatentcutError(f"{where}: not a scene list CSV (no 'Start Frame' column; expected PySceneDetect's "
                             "list-scenes or latentcut detect --csv)")
    header = [c.strip() for c in rows[0]]
    col = header.index("Start Frame")
    starts, out = [], []
    for n, row in enumerate(rows[1:], 2):
        try:
            start = int(row[col])
        except (IndexError, ValueError):
            raise LatentcutError(f"{where}: row {n} has no whole-number Start Frame") from None
        if start < 1:
            raise LatentcutError(f"{where}: row {n}: Start Frame is 1-based, not {start}")
        starts.append(start)
        out.append({h: v.strip() for h, v in zip(header, row)})
    if starts != sorted(set(starts)):
        raise LatentcutError(f"{where}: the scenes' Start Frames are not in increasing order")
    return out


def predictions_from_scene_csv(path: str | os.PathLike) -> list[Interval]:
    starts = [int(r["Start Frame"]) for r in scene_rows(path)]
    return [Interval(s - 1, s - 1) for s in starts if s > 1]


def clip_name_of(path: str | os.PathLike) -> str:
    """The video a scene CSV is named after: ``VIDEO-Scenes.csv`` (PySceneDetect) or
    ``VIDEO.scenes.csv`` (run.sh) give ``VIDEO``."""
    name = os.path.basename(os.fspath(path))
    for suffix in ("-Scenes.csv", ".scenes.csv", ".csv"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
