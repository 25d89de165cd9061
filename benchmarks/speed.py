#!/usr/bin/env python
"""Frames per second on one clip, measured in the same run: decode-only (PyAV to the pixel
encoder's frame size), `latentcut detect` with the pixel encoder, and PySceneDetect
detect-adaptive, with the ratios the targets are stated in.

    python benchmarks/speed.py [VIDEO ...] [--repeat 3]

Default clips: three shared clips of different sizes and codecs (1080p H.264 anime, 720p VP8,
720p H.264), when present.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from _common import ROOT

from latentcut import ShotDetector, VideoReader

DEFAULT_CLIPS = [
    os.path.join(ROOT, "..", "shared", "data", "clips", name)
    for name in ("anime-video2x-sample.mp4", "cg-bbb-0-30.webm", "testvideo.mp4")
]


def timed(fn, repeat: int) -> tuple[float, object]:
    runs, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("videos", nargs="*", default=DEFAULT_CLIPS)
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    ap.add_argument("--encoder", default="pixel")
    args = ap.parse_args()
    for video in args.videos:
        args.video = video
        bench(args)
        print()


def bench(args) -> None:
    det = ShotDetector(args.encoder, progress=False)
    reader = VideoReader(args.video, size=det.encoder.frame_size, color=det.encoder.color)
    info = reader.info
    print(f"{args.video}: {info.width}x{info.height} {info.codec}, {info.frame_count} frames, {os.cpu_count()} CPU cores")

    def decode_only():
        return sum(len(b) for b in VideoReader(args.video, size=det.encoder.frame_size, color=det.encoder.color))

    t_dec, n = timed(decode_only, args.repeat)
    t_det, res = timed(lambda: det.detect(args.video), args.repeat)
    rows = [("decode only (PyAV -> %dx%d)" % det.encoder.frame_size[::-1], t_dec), (f"latentcut detect ({args.encoder})", t_det)]
    t_psd = None
    try:
        import scenedetect

        t_psd, _ = timed(lambda: scenedetect.detect(args.video, scenedetect.AdaptiveDetector(), show_progress=False), args.repeat)
        rows.append(("PySceneDetect detect-adaptive", t_psd))
    except ImportError:
        print("PySceneDetect not installed (pip install -e '.[bench]'): peer skipped")
    print(f"\n{'what':<36} {'seconds':>8} {'frames/s':>9}")
    for name, t in rows:
        print(f"{name:<36} {t:>8.3f} {n / t:>9.0f}")
    print(f"\ndetect / decode-only rate: {t_dec / t_det:.2f}x (target >= 0.8x)")
    if t_psd:
        print(f"detect / PySceneDetect detect-adaptive rate: {t_psd / t_det:.2f}x (target > 1x)")
    print(f"({len(res.cuts)} boundaries found)")


if __name__ == "__main__":
    main()
