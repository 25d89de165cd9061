"""A demo clip the project makes itself (footage cannot ship with it): flat-shaded "cel" shots with
moving shapes, hard cuts, a dissolve, a white flash and a fast pan, with its own ground truth."""
from __future__ import annotations

import os
from fractions import Fraction

import av
import numpy as np

from latentcut.io.atomic import atomic_path


def _shot(rng, n, h, w, pan=0.0, speed=1.0):
    bg_a, bg_b = rng.uniform(40, 220, 3), rng.uniform(40, 220, 3)
    yy, xx = np.mgrid[0:h, 0:w]
    shapes = [(rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0.08, 0.25) * h, rng.uniform(0, 255, 3),
               rng.uniform(-2, 2, 2)) for _ in range(4)]
    frames = []
    for k in range(n):
        t = k * speed  # motion per second stays the same at any frame rate
        off = pan * t
        mix = (((xx + off) / w) % 1.0)[..., None]
        img = (1 - mix) * bg_a + mix * bg_b
        for cy, cx, r, col, (vy, vx) in shapes:
            y, x = cy + vy * t, cx + vx * t - off
            img[(yy - y) ** 2 + (xx - x) ** 2 < r * r] = col
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    return frames


def make_demo_clip(path: str | os.PathLike, fps: int | Fraction = 24, size: tuple[int, int] = (320, 240), seed: int = 7,
                   audio: bool = False, vfr: bool = False) -> dict:
    """Write the demo video to ``path`` (H.264 MP4) and return its labels in labels.json's format.

    ``fps`` may be a fraction (``Fraction(24000, 1001)``); shots and the dissolve last as long in
    seconds at any rate (the default, 24, is the original clip); ``audio`` adds a stereo AAC tone the
    length of the pictures; ``vfr`` makes the frame rate variable: frames last 1.25 and 0.75 nominal
    frames in turn (the average stays ``fps``), with times in the labels' ``times``."""
    w, h = size
    rng = np.random.default_rng(seed)
    frames: list[np.ndarray] = []
    cuts, gradual = [], []
    plan = [("cut", 48, 0.0), ("cut", 36, 0.0), ("dissolve", 60, 0.0), ("cut", 30, 4.0), ("flash", 40, 0.0), ("cut", 50, 0.0)]
    prev = None
    rate = Fraction(fps).limit_denominator(1001)
    scale = float(rate) / 24  # the same clip in seconds at any rate
    for kind, n, pan in plan:
        n = round(n * scale)
        shot = _shot(rng, n, h, w, pan, speed=1 / scale)
        if kind == "dissolve" and prev is not None:
            k = round(12 * scale)
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
    base = Fraction(1, 90000) if vfr else 1 / rate
    step = [round(Fraction(5, 4) / rate / base), round(Fraction(3, 4) / rate / base)]  # in units of base
    pts = [sum(step[k % 2] for k in range(i)) if vfr else i for i in range(len(frames))]
    with atomic_path(path) as tmp, av.open(tmp, "w", format="mp4") as out:
        stream = out.add_stream("libx264" if "libx264" in av.codecs_available else "mpeg4", rate=rate)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.time_base = base
        sound = out.add_stream("aac", rate=48000, layout="stereo") if audio else None
        for f, p in zip(frames, pts):
            vf = av.VideoFrame.from_ndarray(f, format="rgb24")
            vf.pts, vf.time_base = p, base
            for pkt in stream.encode(vf):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)
        if sound is not None:
            _tone(out, sound, float(pts[-1] * base + (step[0] if vfr else 1) * base))
    times = [float(p * base) for p in pts]
    return {"path": os.fspath(path), "frames": len(frames), "fps": f"{rate.numerator}/{rate.denominator}",
            "cuts": cuts, "gradual": gradual, "uncertain": [], **({"times": times} if vfr else {}),
            "notes": "latentcut demo: cel-like shots, a dissolve, a one-frame white flash (not a cut), a pan"}


def _tone(out, stream, seconds: float, hz: float = 440.0) -> None:
    """A quiet sine the length of the pictures, in the encoder's frame size."""
    n = stream.codec_context.frame_size or 1024
    total = int(seconds * 48000)
    for at in range(0, total, n):
        t = (np.arange(at, min(at + n, total)) / 48000.0).astype(np.float32)
        wave = (0.1 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
        af = av.AudioFrame.from_ndarray(np.stack([wave, wave]), format="fltp", layout="stereo")
        af.sample_rate, af.pts = 48000, at
        for pkt in stream.encode(af):
            out.mux(pkt)
    for pkt in stream.encode():
        out.mux(pkt)
