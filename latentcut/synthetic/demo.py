"""A demo clip the project makes itself (footage cannot ship with it): flat-shaded "cel" shots with
moving shapes, hard cuts, a dissolve, a white flash and a fast pan, with its own ground truth."""
from __future__ import annotations

import os

import av
import numpy as np

from latentcut.io.atomic import atomic_path


def _shot(rng, n, h, w, pan=0.0):
    bg_a, bg_b = rng.uniform(40, 220, 3), rng.uniform(40, 220, 3)
    yy, xx = np.mgrid[0:h, 0:w]
    shapes = [(rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0.08, 0.25) * h, rng.uniform(0, 255, 3),
               rng.uniform(-2, 2, 2)) for _ in range(4)]
    frames = []
    for t in range(n):
        off = pan * t
        mix = (((xx + off) / w) % 1.0)[..., None]
        img = (1 - mix) * bg_a + mix * bg_b
        for cy, cx, r, col, (vy, vx) in shapes:
            y, x = cy + vy * t, cx + vx * t - off
            img[(yy - y) ** 2 + (xx - x) ** 2 < r * r] = col
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    return frames


def make_demo_clip(path: str | os.PathLike, fps: int = 24, size: tuple[int, int] = (320, 240), seed: int = 7) -> dict:
    """Write the demo video to ``path`` (H.264 MP4) and return its labels in labels.json's format."""
    w, h = size
    rng = np.random.default_rng(seed)
    frames: list[np.ndarray] = []
    cuts, gradual = [], []
    plan = [("cut", 48, 0.0), ("cut", 36, 0.0), ("dissolve", 60, 0.0), ("cut", 30, 4.0), ("flash", 40, 0.0), ("cut", 50, 0.0)]
    prev = None
    for kind, n, pan in plan:
        shot = _shot(rng, n, h, w, pan)
        if kind == "dissolve" and prev is not None:
            k = 12
            start = len(frames) - k
            for i in range(k):
                a = (i + 1) / (k + 1)
                frames[start + i] = ((1 - a) * frames[start + i] + a * shot[i]).astype(np.uint8)
            gradual.append({"start": start, "end": start + k - 1, "kind": "dissolve"})
            shot = shot[k:]
        elif frames:
            cuts.append(len(frames))
        if kind == "flash":
            shot[n // 2] = np.full_like(shot[0], 250)
        frames.extend(shot)
        prev = shot
    with atomic_path(path) as tmp, av.open(tmp, "w", format="mp4") as out:
        stream = out.add_stream("libx264" if "libx264" in av.codecs_available else "mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for f in frames:
            for pkt in stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)
    return {"path": os.fspath(path), "frames": len(frames), "fps": f"{fps}/1", "cuts": cuts, "gradual": gradual,
            "uncertain": [], "notes": "latentcut demo: cel-like shots, a dissolve, a one-frame white flash (not a cut), a pan"}
