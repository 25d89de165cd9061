#!/usr/bin/env python
"""Similar-scene search quality: "which shot of which video is this screenshot from?"

    python benchmarks/retrieval_quality.py [--clips N] [--queries 2000] [--encoders SPEC ...]
                                           [--reencoded 10] [--seed 0] [--no-mirror] [--no-strip]
                                           [--keyframes change=0.04,max_gap=0.5] [--scale 1000000]
                                           [--queries-from all|labelled] [--insets on|off|both]

Builds a scene library (``latentcut index add``) of the shared clips, labelled and unlabelled,
then asks it about screenshots made in code from those clips' frames, each with an everyday change
(crop, letterbox and pillarbox bars, a UI border, mirroring, burned-in subtitles, JPEG, a smaller
copy, brightness and contrast, blur, the frame shrunk into a corner of another screenshot
(picture-in-picture), or none). A query is a frame at 480 pixels wide changed as a
user's screenshot would be (``--queries-from labelled``: only from the labelled clips, which no
encoder trained on the unlabelled footage saw), handed to the library as ``latentcut index query --image`` hands it
a file. A hit is right when it names the video and the shot holding that frame. It also queries
whole clips that were re-encoded with PyAV (another codec, half the size, half the frame rate).

Prints, per encoder: library build frames/s (shot detection, keyframes, embedding and the index:
all of ``latentcut index add``), keyframes kept, recall@1 and @10 per change and averaged over the
changes, how far the returned time (the best keyframe's) is from the true one, query latency
(embedding and search, one image at a time), and clip-to-clip recall@1. ``--scale N`` then fills a
library with N synthetic 256-d keyframes (the default encoder's size) and times the library's own
search (index, keyframe rows, shot ranking) against exact search.
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

DEFAULT_ENCODERS = ["lite0", "pixel,size=16,center=false"]  # the library's default, and the one before it
QUERY_WIDTH = 480  # screenshots are made at this width (the clips are 320-1920 wide)
HELD = 0.02  # two frames this close (32x32 grey, 0-1) are the same drawing to the eye
FLAT = 3.0  # a screenshot whose pixels spread less than this (0-255) is a black or flat card: it names no shot


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


BACKGROUNDS: list = []  #: screenshot frames, the pictures a picture-in-picture inset sits on


def picture_in_picture(a, rng):
    """The frame shrunk to 30-50% of the width into a corner of another screenshot, 0-4% of the
    width from its sides (a reaction video's layout): the right shot is the inset's."""
    bg = BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))] if BACKGROUNDS else np.zeros_like(a)
    h, w = a.shape[:2]
    out = np.asarray(_pil(bg).resize((w, h)), np.uint8).copy()
    s = rng.uniform(0.3, 0.5)
    ih, iw = max(8, int(h * s)), max(8, int(w * s))
    m = int(w * rng.uniform(0, 0.04))
    y = m if rng.random() < 0.5 else h - ih - m
    x = m if rng.random() < 0.5 else w - iw - m
    out[y : y + ih, x : x + iw] = np.asarray(_pil(a).resize((iw, ih)), np.uint8)
    return out


CHANGES = {
    "none": lambda a, rng: a, "crop": crop, "letterbox": letterbox, "pillarbox": pillarbox, "ui-border": ui_border,
    "mirror": mirror, "subtitles": subtitles, "jpeg": jpeg, "downscale": downscale,
    "brightness-contrast": brightness_contrast, "blur": blur, "picture-in-picture": picture_in_picture,
}


# -- queries ---------------------------------------------------------------------------------------

SMALL = {}  #: per clip, every frame as 32x32 grey in [0, 1]: to tell a held drawing from a wrong time


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
        small = []
        for batch in VideoReader(c, size=(h, w)).batches():
            for f, idx, t in zip(batch.frames, batch.indices, batch.times):
                small.append(np.asarray(_pil(f).convert("L").resize((32, 32)), np.float32) / 255)
                if int(idx) in want:
                    last[int(idx)] = (float(t), f.copy())
        SMALL[c] = np.stack(small)
        for idx in wanted:
            if idx in last:  # a frame count from the header may overstate what decodes
                out.append((c, idx, *last[idx]))
        progress(f"screenshots: frames from {i + 1}/{len(chosen)} clips")
    kept = [x for x in out if x[3].std() >= FLAT]
    return kept, len(out) - len(kept)


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


def run_encoder(spec, clips, shots, change_seeds, encoded, tmp, args, progress):
    kf = dict(kv.split("=") for kv in args.keyframes.split(",")) if args.keyframes else {}
    lib = SceneLibrary(os.path.join(tmp, f"lib-{abs(hash(spec))}"), encoder=spec,
                       keyframes={k: float(v) if k != "min_gap" else int(v) for k, v in kf.items()},
                       strip=not args.no_strip)
    with Timer() as build:
        for i, c in enumerate(clips):
            lib.add(c, progress=False)
            progress(f"{spec} library: {i + 1}/{len(clips)} clips")
    frames = sum(int(r[0] or 0) for r in lib.db.execute("SELECT frames FROM videos"))
    n_keys = lib.db.execute("SELECT COUNT(*) FROM keyframes").fetchone()[0]
    duration = sum(float(r[0] or 0) for r in lib.db.execute("SELECT duration FROM videos"))
    n_shots = len(lib)
    table = {p: [] for p in CHANGES}
    plain = {p: [] for p in CHANGES}  # --insets both: the same screenshots without the inset view
    time_err, held = [], []
    with Timer() as answering:
        for j, (c, idx, t, frame) in enumerate(shots):
            rng = np.random.default_rng(int(change_seeds[j]))
            pictures = [np.ascontiguousarray(change(frame, rng)) for change in CHANGES.values()]
            if args.insets == "both":
                for name, hits in zip(CHANGES, lib.query_pictures(pictures, k=10, mirror=not args.no_mirror, insets=False)):
                    plain[name].append(bool(hits) and hits[0].video == c and hits[0].start_frame <= idx < hits[0].end_frame)
            for name, hits in zip(CHANGES, lib.query_pictures(pictures, k=10, mirror=not args.no_mirror,
                                                              insets=args.insets != "off")):
                right = [h.video == c and h.start_frame <= idx < h.end_frame for h in hits]
                table[name].append((bool(right[:1] and right[0]), any(right)))
                if right[:1] and right[0]:
                    time_err.append(abs(hits[0].time - t))
                    if time_err[-1] > 0.5:
                        ref = SMALL[c]
                        held.append(float(np.abs(ref[idx] - ref[min(hits[0].frame, len(ref) - 1)]).mean()) < HELD)
            progress(f"{spec} queries: {j + 1}/{len(shots)} screenshots")
    latency = []
    for c, idx, t, frame in shots[:200]:  # one picture a call, as a user asks
        t0 = time.perf_counter()
        lib.query_pictures([frame], k=10, mirror=not args.no_mirror)
        latency.append(time.perf_counter() - t0)
    clip_right = [bool((h := lib.query_clip(dst, k=1)) and h[0].video == c) for c, dst in encoded]
    lib.close()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    r1 = {k: float(np.mean([a for a, _ in v])) for k, v in table.items()}
    r10 = {k: float(np.mean([b for _, b in v])) for k, v in table.items()}
    print(f"\nencoder {spec}: {n_shots} shots, {n_keys} keyframes ({n_keys / max(duration, 1e-9):.2f} a second) "
          f"from {frames} frames; library build {frames / build.seconds:.0f} frames/s ({build.seconds:.0f} s, "
          f"shot detection included)")
    both = args.insets == "both"
    r1_plain = {k: float(np.mean(v)) for k, v in plain.items()} if both else {}
    print(f"  {'change':<20} recall@1  recall@10" + ("  recall@1 without the inset view (--no-insets)" if both else ""))
    for k in CHANGES:
        print(f"  {k:<20} {r1[k]:8.3f}  {r10[k]:9.3f}" + (f"  {r1_plain[k]:8.3f}" if both else ""))
    print(f"  {'mean over changes':<20} {np.mean(list(r1.values())):8.3f}  {np.mean(list(r10.values())):9.3f}"
          + (f"  {np.mean(list(r1_plain.values())):8.3f}" if both else ""))
    te = np.asarray(time_err)
    print(f"  returned time (the best keyframe's) vs the true one, right hits: median {np.median(te):.2f} s, "
          f"within 0.5 s {np.mean(te <= 0.5):.3f}, within 1 s {np.mean(te <= 1.0):.3f}")
    if held:
        print(f"  of the right hits more than 0.5 s off, {np.mean(held):.2f} returned a frame within {HELD} (mean absolute "
              f"difference, 32x32 grey) of the true one: a held or repeated drawing, whose time a picture cannot tell")
    if len(te):
        same = (int(np.sum(te <= 0.5)) + int(np.sum(held))) / len(te)
        print(f"  returned time right, right hits: within 0.5 s {np.mean(te <= 0.5):.3f}; within 0.5 s or the same "
              f"drawing (a frame within {HELD} of the true one) {same:.3f}")
    lat = np.asarray(latency) * 1000
    n_q = len(shots) * len(CHANGES)
    print(f"  query latency (embed + search, one image a call): p50 {np.percentile(lat, 50):.1f} ms, "
          f"p95 {np.percentile(lat, 95):.1f} ms; in batches of {len(CHANGES)}: {answering.seconds / n_q * 1000:.1f} ms an image")
    if clip_right:
        print(f"  re-encoded whole clips (mpeg4, half size, half frame rate) as clip queries: recall@1 "
              f"{np.mean(clip_right):.2f} ({sum(clip_right)}/{len(clip_right)})")


def run_scale(n: int, tmp: str, progress, d: int = 256, shots_of: int = 12) -> None:
    """The library's own search on n synthetic keyframes (d dimensions, ``shots_of`` a shot)."""
    import faiss

    from latentcut.retrieval.library import SceneLibrary

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(max(1, -(-n // shots_of)), d)).astype(np.float32)
    lib = SceneLibrary(os.path.join(tmp, "scale"), encoder="pixel,size=16,color=false,center=false")
    vecs = np.empty((n, d), np.float32)
    for i in range(0, n, 100_000):
        m = min(n, i + 100_000) - i
        v = centres[np.arange(i, i + m) // shots_of] + 0.6 * rng.normal(size=(m, d)).astype(np.float32)
        vecs[i : i + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    with Timer() as fill:
        db = lib.db
        db.execute("BEGIN")
        db.execute("INSERT INTO videos (id, path, identity, fps, frames, duration, added) VALUES (1, 'synthetic', 'x', 24, ?, ?, 0)",
                   (n, n / 24))
        db.executemany("INSERT INTO shots (id, video_id, number, start_frame, end_frame, start_time, end_time, vector) "
                       "VALUES (?, 1, ?, ?, ?, ?, ?, x'')",
                       [(s + 1, s, s * shots_of, (s + 1) * shots_of, s * shots_of / 24, (s + 1) * shots_of / 24)
                        for s in range((n + shots_of - 1) // shots_of)])
        db.executemany("INSERT INTO keyframes (id, shot_id, frame, time, vector) VALUES (?, ?, ?, ?, ?)",
                       ((i + 1, i // shots_of + 1, i, i / 24, vecs[i].tobytes()) for i in range(n)))
        db.execute("UPDATE meta SET value = ? WHERE key = 'dim'", (str(d),))
        db.execute("UPDATE meta SET value = 1 WHERE key = 'generation'")
        db.execute("COMMIT")
        lib.dim = d
        progress("scale: building the index")
        lib._write_index()
    q = centres[rng.integers(0, len(centres), 200)] + 0.6 * rng.normal(size=(200, d)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    exact = faiss.IndexFlatIP(d)
    exact.add(vecs)
    _, truth = exact.search(q, 10)
    index = lib.index()
    kind = type(faiss.downcast_index(index.index)).__name__
    _, got = index.search(q, 10)
    recall = np.mean([len(set(a) & set(b - 1)) / 10 for a, b in zip(truth, got)])
    lat = []
    for v in q:
        t0 = time.perf_counter()
        lib.search(v, k=10)
        lat.append(time.perf_counter() - t0)
    lat = np.asarray(lat) * 1000
    print(f"\nscale: {n:,} synthetic {d}-d keyframes in {len(centres):,} shots; {kind}; filled and indexed in "
          f"{fill.seconds:.0f} s; library search (index, keyframe rows, shot ranking, k=10): p50 {np.percentile(lat, 50):.1f} ms, "
          f"p95 {np.percentile(lat, 95):.1f} ms; keyframe recall@10 against exact search {recall:.3f}")
    lib.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    ap.add_argument("--clips", type=int, help="use only the first N clips (default: all)")
    ap.add_argument("--queries", type=int, default=2000, help="screenshots (default 2000), each tried with every change")
    ap.add_argument("--encoders", nargs="+", default=DEFAULT_ENCODERS,
                    help=f"library encoders (default {' '.join(DEFAULT_ENCODERS)})")
    ap.add_argument("--reencoded", type=int, default=10, help="whole clips re-encoded as clip queries (default 10)")
    ap.add_argument("--no-mirror", action="store_true", help="do not also try each query mirrored")
    ap.add_argument("--no-strip", action="store_true", help="do not strip bars and flat borders")
    ap.add_argument("--keyframes", default="", help="keyframe settings, e.g. change=0.04,max_gap=0.5,min_gap=2")
    ap.add_argument("--scale", type=int, default=0, help="also time search on a library of N synthetic keyframes")
    ap.add_argument("--queries-from", choices=["all", "labelled"], default="all",
                    help="make screenshots from every library clip, or only from the labelled ones (no encoder "
                         "trained on the unlabelled footage has seen them; the library still holds every clip)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--insets", choices=["on", "off", "both"], default="on",
                    help="search a picture's corner inset (the library's default: on); both: also without, in the same run")
    args = ap.parse_args()
    progress = stage_progress()
    clips = library_clips(args.labels, args.clips)
    rng = np.random.default_rng(args.seed)
    asked = clips if args.queries_from == "all" else [p for p, _ in clip_paths(args.labels)][: len(clips)]
    shots, n_flat = pick_frames(asked, args.queries, rng, progress) if args.queries else ([], 0)
    change_seeds = rng.integers(0, 2**31, len(shots))
    BACKGROUNDS.extend(frame for *_, frame in shots)
    print(f"library: {len(clips)} clips; screenshots from {args.queries_from} clips; {len(shots)} screenshots x {len(CHANGES)} changes ({n_flat} more were black "
          f"or flat cards, which name no shot, and are left out); "
          f"mirror {'off' if args.no_mirror else 'on'}, border stripping {'off' if args.no_strip else 'on'}")
    with tempfile.TemporaryDirectory() as tmp:
        encoded = []
        for i, c in enumerate(clips[: args.reencoded] if args.queries else []):
            dst = os.path.join(tmp, f"reencoded-{i}.avi")
            reencode(c, dst)
            encoded.append((c, dst))
            progress(f"re-encoding: {i + 1}/{min(args.reencoded, len(clips))}")
        for spec in (args.encoders if args.queries else []):
            run_encoder(spec, clips, shots, change_seeds, encoded, tmp, args, progress)
        if args.scale:
            run_scale(args.scale, tmp, progress)


if __name__ == "__main__":
    main()
