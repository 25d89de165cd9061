"""Shared helpers for the benchmark scripts: where the labelled clips are, and running PySceneDetect."""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DEFAULT_LABELS = os.path.join(ROOT, "..", "shared", "data", "labels.json")


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
