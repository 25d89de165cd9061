"""Shots from a cut list made earlier: latentcut's ``detect -o`` JSON (formats 1-3) or a scene
list CSV (PySceneDetect's ``list-scenes``, or ``detect --csv``), checked against the video it is
to cut, so that a list made for another video is refused instead of cutting at wrong places.
"""
from __future__ import annotations

import json
import os
from statistics import median

from latentcut.detection.results import Shot
from latentcut.errors import LatentcutError
from latentcut.evaluation.scene_csv import clip_name_of, scene_rows
from latentcut.io.timecode import Timecode
from latentcut.io.video import VideoInfo


def load_shots(path: str | os.PathLike, video: VideoInfo, option: str = "--cuts") -> list[Shot]:
    """The shots of ``path`` for ``video`` (its :func:`latentcut.probe`). Raises LatentcutError when
    the file is neither kind, or was made for another video: another file name and length, a frame
    rate that differs, or shots that run past the video's end."""
    where = os.fspath(path)
    if not os.path.isfile(where):
        raise LatentcutError(f"{option} {where}: no such file")
    if where.lower().endswith(".csv"):
        # PySceneDetect names its list VIDEO-Scenes.csv (run.sh: VIDEO.scenes.csv): the name says whose it is
        base = os.path.basename(where)
        named = base.endswith(("-Scenes.csv", ".scenes.csv"))
        made_for = clip_name_of(where) + os.path.splitext(video.path)[1] if named else None
        shots, fps = _from_csv(where, video, option), None
    else:
        shots, made_for, fps = _from_json(where, option)
    if not shots:
        raise LatentcutError(f"{option} {where}: holds no shots")
    _check_fit(where, option, shots, made_for, fps, video)
    return shots


def _from_json(where: str, option: str):
    try:
        with open(where, encoding="utf-8") as f:
            doc = json.load(f)
        fps = float(doc.get("fps") or 0) or None
        # format 3 calls the shots "shots" (its "scenes" are groups of them); 1 and 2 called them "scenes"
        rows, number = (doc["shots"], "shot") if "shots" in doc else (doc["scenes"], "scene")
        shots = [Shot(int(s[number]), Timecode(int(s["start_frame"]), float(s["start_time"]), fps),
                      Timecode(int(s["end_frame"]), float(s["end_time"]), fps)) for s in rows]
        return shots, doc.get("video"), fps
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise LatentcutError(f"{option} {where}: not a `latentcut detect -o` file or a scene list CSV "
                             f"({type(exc).__name__}: {exc})") from None


def _from_csv(where: str, video: VideoInfo, option: str) -> list[Shot]:
    rows = scene_rows(where)
    fps = video.fps or None
    shots = []
    try:
        for n, r in enumerate(rows, 1):
            # Start Frame is 1-based; End Frame is the scene's last frame, 1-based: the 0-based end, exclusive
            a, b = int(r["Start Frame"]) - 1, int(r["End Frame"])
            ta, tb = float(r["Start Time (seconds)"]), float(r["End Time (seconds)"])
            if b <= a or tb <= ta:
                raise ValueError(f"scene {n} ends before it starts")
            shots.append(Shot(int(r.get("Scene Number") or n), Timecode(a, ta, fps), Timecode(b, tb, fps)))
    except (KeyError, ValueError) as exc:
        raise LatentcutError(f"{option} {where}: not a scene list CSV with frames and times ({exc})") from None
    return shots


def _check_fit(where: str, option: str, shots: list[Shot], made_for, fps, video: VideoInfo) -> None:
    """A cut list fits a video when its frames and times agree with the video's rate and it ends
    within the video (a frame's grace); a list that names another file must also match its length."""
    frame = 1.0 / (video.fps or 20.0)
    end = shots[-1].end.seconds
    name = os.path.basename(video.path)
    other = made_for is not None and os.path.basename(str(made_for)) != name
    if video.duration and end > video.duration + 1.5 * frame:
        whose = f"made for {os.path.basename(str(made_for))}, " if other else ""
        raise LatentcutError(f"{option} {where}: {whose}its shots run to {end:.3f} s but {name} ends at "
                             f"{video.duration:.3f} s; this cut list was made for another video")
    if fps and video.fps and abs(fps - video.fps) > 0.01:
        raise LatentcutError(f"{option} {where}: made for a {fps:g} fps video, but {name} is {video.fps:g} fps; "
                             "this cut list was made for another video")
    if fps is None and video.fps:  # a CSV states no rate: its frames and times give it (another video's rarely fit)
        ratios = [s.start.frame / s.start.seconds for s in shots if s.start.seconds >= 1.0]
        if ratios and abs(median(ratios) / video.fps - 1) > 0.01:
            raise LatentcutError(f"{option} {where}: its frames and times are {median(ratios):.3f} fps, "
                                 f"but {name} is {video.fps:g} fps; this cut list was made for another video")
    if other and video.duration and abs(end - video.duration) > max(1.5 * frame, 0.1):
        raise LatentcutError(f"{option} {where}: made for {os.path.basename(str(made_for))}, not {name} "
                             f"(it ends at {end:.3f} s, {name} at {video.duration:.3f} s)")
