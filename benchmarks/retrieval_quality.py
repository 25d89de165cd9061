#!/usr/bin/env python
"""Similar-scene search quality: "which shot of which video is this screenshot from?"

    python benchmarks/retrieval_quality.py [--clips N] [--queries 2000] [--encoders SPEC ...]
                                           [--reencoded 10] [--seed 0]

Builds a scene library (``latentcut index add``) of the shared clips, labelled and unlabelled,
then asks it about screenshots made in code from those clips' frames, each with an everyday change
(crop, letterbox and pillarbox bars, a UI border, mirroring, burned-in subtitles, JPEG, a smaller
copy, brightness and contrast, blur, or none). A query is a full-size frame changed as a user's
screenshot would be, then read the way ``latentcut index query --image`` reads a file. A hit is
right when it names the video and the shot holding that frame. It also queries whole clips that
were re-encoded with PyAV (another codec, half the size, half the frame rate) against the library.

Prints, per encoder: library build frames/s, recall@1 and @10 per change and averaged over the
changes, how far the returned time (the middle of the returned shot) is from the true one, query
latency (embedding and search, one image at a time), and clip-to-clip recall@1.
"""
from __future__ import annotations

import argparse
import glob
import io
import os
import sys
import tempfile
import time

import numpy as np
from _common import DEFAULT_LABELS, Timer, clip_paths, stage_progress

from latentcut import VideoReader
from latentcut.retrieval.library import SceneLibrary

DEFAULT_ENCODER = "pixel,size=16,center=false"  # the library's default (latentcut index add)
QUERY_WIDTH = 480  # screenshots are made at this width (the clips are 320-1920 wide)


def library_clips(labels: str, limit: int | None) -> list[str]:
    labelled = [p for p, _ in clip_paths(labels)]
    root = os.path.join(os.path.dirname(os.path.abspath(labels)), "unlabelled")
    unlabelled = sorted(p for ext in ("mp4", "webm", "mkv", "avi") for p in glob.glob(os.path.join(root, f"*.{ext}")))
    clips = labelled + unlabelled
    return clips[:limit] if limit else clips


# -- the changes a screenshot goes through ---------------------------------------------------------

def _pil(a):
    from PIL import Image

    return Image.fromarray(a)


def crop(a, rng):
    h, w = a.shape[:2]
    s = rng.uniform(0.7, 0.9)
    ch, cw = int(h * s), int(w * s)
    y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
    return a[y : y + ch, x : x + cw]


def letterbox(a, rng):
    h, w = a.shape[:2]
    bar = int(h * rng.uniform(0.1, 0.2))
    return np.pad(a, ((bar, bar), (0, 0), (0, 0)))


def pillarbox(a, rng):
    h, w = a.shape[:2]
    bar = int(w * rng.uniform(0.1, 0.2))
    return np.pad(a, ((0, 0), (bar, bar), (0, 0)))


def ui_border(a, rng):
    """A player or app frame round the picture: a flat colour, thicker at the bottom (controls)."""
    h, w = a.shape[:2]
    colour = rng.integers(0, 256, 3).astype(np.uint8)
    t, s, b = int(h * 0.06), int(w * 0.04), int(h * 0.16)
    out = np.empty((h + t + b, w + 2 * s, 3), np.uint8)
    out[:] = colour
    out[t : t + h, s : s + w] = a
    return out


def mirror(a, rng):
    return a[:, ::-1]


def subtitles(a, rng):
    from PIL import ImageDraw, ImageFont

    img = _pil(a.copy())
    h, w = a.shape[:2]
    try:
        font = ImageFont.load_default(size=max(12, h // 14))
    except TypeError:  # an old Pillow without scalable default fonts
        font = ImageFont.load_default()
    words = ["so this is", "where it all", "began, long", "ago", "I never", "thought we'd", "meet again"]
    line = " ".join(rng.choice(words, 3))
    draw = ImageDraw.Draw(img)
    box = draw.textbbox((0, 0), line, font=font)
    x, y = (w - (box[2] - box[0])) // 2, int(h * 0.84)
    draw.text((x, y), line, font=font, fill=(255, 255, 255), stroke_width=max(1, h // 150), stroke_fill=(0, 0, 0))
    return np.asarray(img)


def jpeg(a, rng):
    from PIL import Image

    buf = io.BytesIO()
    _pil(a).save(buf, "JPEG", quality=int(rng.integers(15, 35)))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def downscale(a, rng):
    from PIL import Image

    h, w = a.shape[:2]
    f = rng.uniform(0.2, 0.35)
    return np.asarray(_pil(a).resize((max(8, int(w * f)), max(8, int(h * f))), Image.Resampling.BILINEAR))


def brightness_contrast(a, rng):
    gain, offset = rng.uniform(0.6, 1.4), rng.uniform(-40, 40)
    return np.clip(a.astype(np.float32) * gain + offset, 0, 255).astype(np.uint8)


def blur(a, rng):
    from PIL import ImageFilter

    return np.asarray(_pil(a).filter(ImageFilter.GaussianBlur(radius=a.shape[0] / rng.uniform(80, 140))))


CHANGES = {
    "none": lambda a, rng: a, "crop": crop, "letterbox": letterbox, "pillarbox": pillarbox, "ui-border": ui_border,
    "mirror": mirror, "subtitles": subtitles, "jpeg": jpeg, "downscale": downscale,
    "brightness-contrast": brightness_contrast, "blur": blur,
}


def as_query(a, size):
    """The array as ``--image`` reads a file: PIL, box filter, straight to the encoder's size."""
    from PIL import Image

    return np.asarray(_pil(np.ascontiguousarray(a)).resize((size[1], size[0]), Image.Resampling.BOX), np.uint8)


# -- queries ---------------------------------------------------------------------------------------

def pick_frames(clips, n_queries, rng, progress):
    """(clip, frame index, time, frame at QUERY_WIDTH) for n_queries frames spread over the clips."""
    chosen: dict[str, list[int]] = {}
    infos = {}
    for c in clips:
        infos[c] = VideoReader(c).info
    for _ in range(n_queries):
        c = clips[int(rng.integers(len(clips)))]
        chosen.setdefault(c, []).append(int(rng.integers(max(1, infos[c].frame_count or 1))))
    out = []
    for i, (c, wanted) in enumerate(chosen.items()):
        info = infos[c]
        w = min(QUERY_WIDTH, info.width)
        h = max(8, int(round(info.height * w / info.width / 2)) * 2)
        want = set(wanted)
        last = {}
        for batch in VideoReader(c, size=(h, w)).batches():
            for f, idx, t in zip(batch.frames, batch.indices, batch.times):
                if int(idx) in want:
                    last[int(idx)] = (float(t), f.copy())
        for idx in wanted:
            if idx in last:  # a frame count from the header may overstate what decodes
                out.append((c, idx, *last[idx]))
        progress(f"screenshots: frames from {i + 1}/{len(chosen)} clips")
    return out


def reencode(src: str, dst: str) -> None:
    """Another codec, half the size, every other frame (half the frame rate)."""
    import av

    reader = VideoReader(src)
    info = reader.info
    w, h = max(16, info.width // 4 * 2), max(16, info.height // 4 * 2)
    frames = VideoReader(src, size=(h, w)).read_all().frames[::2]
    with av.open(dst, "w") as out:
        s = out.add_stream("mpeg4", rate=max(1, int(round((info.fps or 24) / 2))))
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.bit_rate = 300_000
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--clips", type=int, help="use only the first N clips (default: all)")
    ap.add_argument("--queries", type=int, default=2000, help="screenshots (default 2000), each tried with every change")
    ap.add_argument("--encoders", nargs="+", default=[DEFAULT_ENCODER], help=f"library encoders (default {DEFAULT_ENCODER})")
    ap.add_argument("--reencoded", type=int, default=10, help="whole clips re-encoded as clip queries (default 10)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    tty = sys.stderr.isatty()
    progress = stage_progress()

    clips = library_clips(args.labels, args.clips)
    rng = np.random.default_rng(args.seed)
    shots = pick_frames(clips, args.queries, rng, progress)
    change_seeds = rng.integers(0, 2**31, len(shots))
    print(f"library: {len(clips)} clips; {len(shots)} screenshots x {len(CHANGES)} changes")
    with tempfile.TemporaryDirectory() as tmp:
        encoded = []
        for i, c in enumerate(clips[: args.reencoded]):
            dst = os.path.join(tmp, f"reencoded-{i}.avi")
            reencode(c, dst)
            encoded.append((c, dst))
            progress(f"re-encoding: {i + 1}/{min(args.reencoded, len(clips))}")
        for spec in args.encoders:
            lib = SceneLibrary(os.path.join(tmp, f"lib-{args.encoders.index(spec)}"), encoder=spec)
            with Timer() as build:
                for i, c in enumerate(clips):
                    lib.add(c, progress=False)
                    progress(f"{spec} library: {i + 1}/{len(clips)} clips")
            frames = sum(int(r[0] or 0) for r in lib.db.execute("SELECT frames FROM videos"))
            n_shots = len(lib)
            size = lib.encoder().frame_size
            table = {p: [] for p in CHANGES}
            latency, time_err = [], []
            for j, (c, idx, t, frame) in enumerate(shots):
                for name, change in CHANGES.items():
                    q = as_query(change(frame, np.random.default_rng(int(change_seeds[j]))), size)
                    t0 = time.perf_counter()
                    hits = lib.query_frames(q[None], k=10)
                    latency.append(time.perf_counter() - t0)
                    right = [h.video == c and h.start_frame <= idx < h.end_frame for h in hits]
                    table[name].append((bool(right[:1] and right[0]), any(right)))
                    if right[:1] and right[0]:
                        time_err.append(abs((hits[0].start + hits[0].end) / 2 - t))
                progress(f"{spec} queries: {j + 1}/{len(shots)} screenshots")
            clip_right = [bool((h := lib.query_clip(dst, k=1)) and h[0].video == c) for c, dst in encoded]
            lib.close()
            if tty:
                print(file=sys.stderr)
            r1 = {k: float(np.mean([a for a, _ in v])) for k, v in table.items()}
            r10 = {k: float(np.mean([b for _, b in v])) for k, v in table.items()}
            print(f"\nencoder {spec}: {n_shots} shots from {frames} frames; library build "
                  f"{frames / build.seconds:.0f} frames/s ({build.seconds:.0f} s, shot detection included)")
            print(f"  {'change':<20} recall@1  recall@10")
            for k in CHANGES:
                print(f"  {k:<20} {r1[k]:8.3f}  {r10[k]:9.3f}")
            print(f"  {'mean over changes':<20} {np.mean(list(r1.values())):8.3f}  {np.mean(list(r10.values())):9.3f}")
            te = np.asarray(time_err)
            print(f"  returned time (middle of the returned shot) vs the true one, right hits: median "
                  f"{np.median(te):.2f} s, within 0.5 s {np.mean(te <= 0.5):.2f}")
            lat = np.asarray(latency) * 1000
            print(f"  query latency (embed + search, one image): p50 {np.percentile(lat, 50):.2f} ms, "
                  f"p95 {np.percentile(lat, 95):.2f} ms")
            if clip_right:
                print(f"  re-encoded whole clips (mpeg4, half size, half frame rate) as clip queries: recall@1 "
                      f"{np.mean(clip_right):.2f} ({sum(clip_right)}/{len(clip_right)})")


if __name__ == "__main__":
    main()
