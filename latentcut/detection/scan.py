"""Video -> score curves: the one pass over every frame, through the embedding cache when it has them.

:func:`score_video` decodes the frames an encoder wants, lets an encoder that learns on the video fit
first, embeds batch by batch (with a progress bar) and reads or fills the embedding cache;
:func:`score_embeddings` starts from embeddings already made. Both return a :class:`ScoredVideo`.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from latentcut.cache import EmbeddingCache
from latentcut.detection.streaming import FrameScorer, ScoredVideo
from latentcut.embeddings import Embeddings
from latentcut.errors import LatentcutError
from latentcut.io.durations import DEFAULT_FPS, position_seconds
from latentcut.io.progress import bar, showing
from latentcut.io.video import VideoInfo, VideoReader
from latentcut.scoring.curves import CurveBuilder, score_curve
from latentcut.scoring.yardstick import reference_embeddings, sample_every, yardstick_sample


def open_range(path, encoder, batch_size: int = 256, stride: int = 1, start=None, end=None,
               duration=None) -> VideoReader:
    """The video's frames as ``encoder`` wants them, within [start, end) when given: seconds, ``"12.5s"``,
    a timecode, or frames (``"300"``, at the nominal rate); ``duration`` instead of ``end`` counts from ``start``."""
    if end is not None and duration is not None:
        raise LatentcutError("give an end or a duration, not both")
    reader = VideoReader(path, size=encoder.frame_size, color=encoder.color, batch_size=batch_size, stride=stride)
    if start is None and end is None and duration is None:
        return reader
    fps = reader.info.fps
    try:
        s = position_seconds(start, fps, "start") if start is not None else None
        e = position_seconds(end, fps, "end") if end is not None else None
        if duration is not None:
            length = position_seconds(duration, fps, "duration")
            if length <= 0:
                raise ValueError(f"duration must be longer than 0, not {duration!r}")
            e = (s or 0.0) + length
        return VideoReader(path, size=reader.size, color=reader.color, batch_size=batch_size, stride=stride,
                           start=s, end=e)
    except ValueError as exc:
        raise LatentcutError(str(exc)) from None


def embedding_cache(cache, encoder) -> EmbeddingCache | None:
    """The cache a run uses: ``cache`` False: none; None: the default root for the slow (``cacheable``) encoders
    only; True or a folder: always."""
    if cache is False or (cache is None and not getattr(encoder, "cacheable", False)):
        return None
    return EmbeddingCache(cache if isinstance(cache, (str, os.PathLike)) else None)


def score_video(reader: VideoReader, encoder, distance, span_frames, *, progress=None, cache=None,
                keep_embeddings: bool = False) -> ScoredVideo:
    """Score curves of the frames ``reader`` gives; ``span_frames(fps)`` sizes the span at the sampled rate."""
    info, stride = reader.info, reader.stride
    builder = CurveBuilder(distance, span_frames((info.fps or DEFAULT_FPS) / stride))
    every = sample_every(info, stride)
    store = embedding_cache(cache, encoder)
    key = None
    if store is not None:
        reader_cfg = {"size": list(reader.size), "color": reader.color, "stride": stride, "fast": reader.fast}
        if reader.start is not None or reader.end is not None:
            reader_cfg["range"] = [reader.start, reader.end]
        key = store.key(reader.path, encoder.config(), reader_cfg)
        hit = _read(store, key, encoder)
        if hit is not None:
            for i in range(0, len(hit.indices), 4096):
                part = slice(i, i + 4096)
                builder.update(hit.embeddings[part], hit.indices[part], hit.times[part], hit.contrast[part],
                               hit.colour[part])
            encoder.restore_cache_state(hit.extras or {})
            frames = int(hit.meta.get("frames", int(hit.indices[-1]) + 1 if len(hit.indices) else 0))
            return ScoredVideo(builder.finish(), info, frames, hit.meta.get("truncated") == "True", hit.reference,
                               yardstick_sample(hit.embeddings, every), hit.embeddings if keep_embeddings else None)
    if encoder.requires_fit and not encoder.is_fitted():
        # encoders that learn on the video itself; a VAE caches what it learned under the same root
        with showing(progress):
            encoder.fit_video(reader, cache_dir=cache if isinstance(cache, (str, os.PathLike)) else None)
    scorer = FrameScorer(encoder, builder, info, every, keep=store is not None or keep_embeddings)
    shown = bar(reader.expected_frames(), os.path.basename(reader.path), "frame", progress)
    try:
        for batch in reader:
            scorer.update(batch)
            if shown is not None:
                shown.update(len(batch))
    finally:
        if shown is not None:
            shown.close()
    scored = scorer.finish(reader.frames_decoded, reader.truncated, keep_embeddings)
    everything = scorer.everything()
    if store is not None and everything is not None:
        emb, indices, times, contrast, colour = everything
        try:
            store.put(key, emb, indices, times, encoder.config(),
                      {"frames": reader.frames_decoded, "truncated": reader.truncated}, reference=scored.reference,
                      extras=encoder.cache_state(), contrast=contrast, colour=colour)
        except (OSError, LatentcutError) as exc:  # read-only, full, or a file where the folder should be
            warnings.warn(f"could not write the embedding cache ({exc}); going on without it", stacklevel=3)
    return scored


def _read(store: EmbeddingCache, key, encoder):
    try:
        hit = store.get(key, encoder.config())
    except OSError as exc:
        warnings.warn(f"could not read the embedding cache ({exc}); going on without it", stacklevel=4)
        return None
    # an entry written before fades (or flat cards) were found lacks their measures: decode once more for them
    return None if hit is None or hit.contrast is None or hit.colour is None else hit


def score_embeddings(embeddings: Embeddings, times, encoder, distance, span_frames, *, indices=None, contrast=None,
                     colour=None, info: VideoInfo | None = None, frames: int | None = None) -> ScoredVideo:
    """What :func:`score_video` returns, from every analysed frame's embeddings and presentation times."""
    if not isinstance(embeddings, Embeddings):
        raise TypeError(f"embeddings must be latentcut.Embeddings, not {type(embeddings).__name__}")
    n = len(embeddings)
    times = np.asarray(times, np.float64)
    # presentation times as the reader gives them: real files repeat or reorder a timestamp now and then
    if times.shape != (n,) or not np.isfinite(times).all():
        raise ValueError(f"times must be {n} finite seconds, one per embedding")
    indices = np.arange(n, dtype=np.int64) if indices is None else np.asarray(indices, np.int64)
    if indices.shape != (n,) or (n > 1 and (np.diff(indices) <= 0).any()) or (n and indices[0] < 0):
        raise ValueError(f"indices must be {n} increasing frame numbers, one per embedding")
    if contrast is not None:
        contrast = np.asarray(contrast, np.float32)
        if contrast.shape != (n,):
            raise ValueError(f"contrast must hold one value per embedding ({n}), not shape {contrast.shape}")
    if colour is not None:
        colour = np.asarray(colour, np.float32)
        if colour.ndim != 2 or len(colour) != n:
            raise ValueError(f"colour must hold one row per embedding ({n}), not shape {colour.shape}")
    stride = max(1, int(round(float(np.median(np.diff(indices)))))) if n > 1 else 1
    if info is None:
        span = float(times[-1] - times[0]) if n > 1 else 0.0
        fps = (float(indices[-1] - indices[0]) / span) if span > 0 else DEFAULT_FPS
        info = VideoInfo(path="<embeddings>", width=0, height=0, rotation=0, fps=fps,
                         duration=float(times[-1]) + stride / fps if n else 0.0,
                         frame_count=int(indices[-1]) + 1 if n else 0, codec="")
    curve = score_curve(embeddings, distance, span_frames((info.fps or DEFAULT_FPS) / stride), indices, times,
                        contrast, colour)
    last = int(indices[-1]) + 1 if n else 0
    return ScoredVideo(curve, info, last if frames is None else int(frames), False, reference_embeddings(encoder),
                       yardstick_sample(embeddings, sample_every(info, stride)) if n else None)
