import json
import os
from fractions import Fraction

import av
import numpy as np
import pytest
from hypothesis import settings

# No deadlines: tests check behaviour, never speed (that is benchmarks/'s job), and a loaded CI
# machine or a mutation run once took a 0.5 ms example to 281 ms and failed it as "flaky".
settings.register_profile("latentcut", deadline=None)
settings.load_profile("latentcut")

SHARED = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
DATA = os.path.join(SHARED, "data")
LABELS = os.path.join(DATA, "labels.json")
WEIGHTS = os.path.join(SHARED, "weights")
# The scene library's default encoder (lite0) finds its weights here, as a user's would in
# $LATENTCUT_WEIGHTS_DIR; tests never download anything. Subprocesses inherit it.
os.environ.setdefault("LATENTCUT_WEIGHTS_DIR", WEIGHTS)

needs_shared = pytest.mark.skipif(not os.path.exists(LABELS), reason="../shared/data is not available")


def clip(name: str) -> str:
    return os.path.join(DATA, "clips", name)


def labels_for(name: str) -> dict:
    with open(LABELS) as f:
        for c in json.load(f)["clips"]:
            if os.path.basename(c["path"]) == name:
                return c
    raise KeyError(name)


def colour_frames(colours, n_each, h=48, w=64, seed=0):
    """Shots of a textured picture in each colour with a moving square: cuts at n_each, 2 n_each, ..."""
    rng = np.random.default_rng(seed)
    frames = []
    for c in colours:
        base = (rng.uniform(0, 1, (h // 8, w // 8, 3)) * 120).repeat(8, 0).repeat(8, 1)
        base = np.clip(base + np.array(c, float) * 0.6, 0, 255)
        for t in range(n_each):
            f = base.copy()
            x = min(4 + t, w - 12)  # moves, never wraps (a wrap would be a real jump)
            f[10:22, x : x + 12] = 255 - np.array(c)
            frames.append(f.astype(np.uint8))
    return frames


def write_video(path, frames, fps=24, codec="mpeg4", pts=None, rotation=None, pix_fmt="yuv420p"):
    """Write frames with PyAV (no ffmpeg binary needed). ``pts`` (seconds) makes variable frame rate."""
    with av.open(str(path), "w") as out:
        s = out.add_stream(codec, rate=fps)
        h, w = frames[0].shape[:2]
        s.width, s.height, s.pix_fmt = w, h, pix_fmt
        if codec == "mpeg4":
            s.bit_rate = 4_000_000  # the default bitrate makes visible keyframe pops at this size
        if pts is not None:
            s.time_base = Fraction(1, 1000)
        if rotation is not None:
            s.set_display_rotation(rotation)
        for i, f in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(f, format="rgb24")
            if pts is not None:
                vf.pts = int(round(pts[i] * 1000))
                vf.time_base = Fraction(1, 1000)
            for pkt in s.encode(vf):
                out.mux(pkt)
        for pkt in s.encode():
            out.mux(pkt)
    return str(path)


@pytest.fixture
def cut_video(tmp_path):
    """72 frames, cuts at 24 and 48."""
    return write_video(tmp_path / "cuts.mp4", colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], 24))
