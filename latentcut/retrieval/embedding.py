"""Vectors for a library: a video's keyframes, and query pictures, through the same preparation.

Shots come from the default shot detector (fast pixel frames); keyframes are picked on those
same frames (:mod:`latentcut.retrieval.keyframes`); then one more decoding pass at the working
size takes the keyframes and the thumbnails, and only the keyframes meet the library's encoder,
so a CNN encoder costs time in proportion to the keyframes, not to the video.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from latentcut.errors import LatentcutError, VideoError
from latentcut.io.thumbnails import THUMBNAIL, jpeg_thumbnail
from latentcut.io.video import VideoReader
from latentcut.retrieval.borders import prepare, work_size
from latentcut.retrieval.insets import find_inset
from latentcut.retrieval.search import VIEWS
from latentcut.retrieval.keyframes import pick_keyframes

BATCH = 128  #: pictures embedded at a time (bounded memory on a feature film)


def normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def embed_pictures(encoder, pictures, strip: bool = True, mirror: bool = False) -> np.ndarray:
    """Unit vectors (N, D) of pictures of any size; with ``mirror``, (2, N, D): as given and mirrored."""
    prepared = np.stack([prepare(p, encoder.frame_size, strip) for p in pictures])
    views = [prepared, prepared[:, :, ::-1]] if mirror else [prepared]
    out = []
    for view in views:
        chunks = [encoder.transform(np.ascontiguousarray(view[i : i + BATCH])).mean for i in range(0, len(view), BATCH)]
        vec = normalise(np.concatenate(chunks))
        if not np.isfinite(vec).all():
            raise LatentcutError(f"the encoder {encoder.name} gave NaN or infinite values for a picture")
        out.append(vec)
    return np.stack(out) if mirror else out[0]


def query_views(encoder, pictures, strip: bool = True, mirror: bool = True, insets: bool = True):
    """The views a picture query is searched with, (V, N, D), and what each view is, [(mirrored,
    inset)]: the picture, its mirror image (``mirror``) and, with ``insets``, the corner inset of
    a picture-in-picture screenshot (:func:`~latentcut.retrieval.insets.find_inset`), mirrored
    too. A picture without an inset repeats its whole view there, so every view has N rows."""
    vecs = embed_pictures(encoder, pictures, strip, mirror=mirror)
    vecs = vecs if mirror else vecs[None]
    kinds = list(VIEWS[: len(vecs)])
    if not insets:
        return vecs, kinds
    boxes = [find_inset(p) for p in pictures]
    found = [i for i, b in enumerate(boxes) if b is not None]
    inset = vecs.copy()
    if found:
        crops = [pictures[i][boxes[i][0] : boxes[i][2], boxes[i][1] : boxes[i][3]] for i in found]
        got = embed_pictures(encoder, crops, strip, mirror=mirror)
        inset[:, found] = got if mirror else got[None]
    return np.concatenate([vecs, inset]), kinds + [(m, True) for m, _ in kinds]


@dataclass
class VideoVectors:
    """What a library stores of one video."""

    result: object  #: the shot detection (:class:`latentcut.detection.results.DetectionResult`)
    shot_of: np.ndarray  #: per keyframe, the number (0-based) of its shot
    frames: np.ndarray  #: per keyframe, its decoded frame index
    times: np.ndarray  #: per keyframe, its presentation time in seconds
    vectors: np.ndarray  #: per keyframe, its unit vector
    thumbs: list[bytes]  #: per shot, a JPEG of its middle frame


def embed_video(path: str | os.PathLike, detector, encoder, keyframes: dict, strip: bool = True,
                progress=None) -> VideoVectors:
    """Detect the video's shots, pick keyframes, embed them; ``progress(done, total)`` per batch."""
    result = detector.detect(path, keep_embeddings=True)
    curve = result.curve
    small = result.embeddings.mean
    pos = lambda frame: int(np.searchsorted(curve.indices, frame))  # noqa: E731
    spans = [(pos(s.start.frame), pos(s.end.frame)) for s in result.shots]
    keys = pick_keyframes(small, curve.times, spans, **keyframes)
    shot_of = np.searchsorted([b for _, b in spans], keys, side="right").astype(np.int64)
    key_frames = curve.indices[keys].astype(np.int64)
    middles = [(s.start.frame + s.end.frame - 1) // 2 for s in result.shots]
    info = result.video
    size = work_size(info.display_size[1], info.display_size[0]) if info.width else THUMBNAIL
    vectors, thumbs, batch = [], {}, []
    key_set, middle_set = set(key_frames.tolist()), set(middles)
    last = max(key_set | middle_set, default=-1)

    def flush():
        if batch:
            vectors.append(embed_pictures(encoder, batch, strip))
            batch.clear()
            if progress:
                progress(sum(len(v) for v in vectors), len(key_frames))

    for frames in VideoReader(path, size=size).batches():
        for picture, idx in zip(frames.frames, frames.indices):
            idx = int(idx)
            if idx in key_set:
                batch.append(picture.copy())
                if len(batch) == BATCH:
                    flush()
            if idx in middle_set:
                thumbs[idx] = jpeg_thumbnail(picture)
        if len(frames.indices) and int(frames.indices[-1]) >= last:
            break
    flush()
    vecs = np.concatenate(vectors) if vectors else np.zeros((0, 0), np.float32)
    if len(vecs) != len(key_frames):  # the second pass decoded fewer frames than the first
        raise VideoError(f"{path}: the video changed or decodes differently between two passes "
                         f"({len(vecs)} of {len(key_frames)} keyframes read)")
    return VideoVectors(result, shot_of, key_frames, curve.times[keys].astype(np.float64), vecs,
                        [thumbs.get(m, b"") for m in middles])

