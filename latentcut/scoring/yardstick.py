"""An absolute scale for any encoder + distance pair, independent of the video being analysed.

Thresholds relative to a video's own curve break on videos with nothing in them (a flat colour
card, a grey ramp): every ratio of noise to noise looks like a cut. So thresholders also get a
fixed yardstick: the median distance between unrelated pictures, measured on a seeded set of
synthetic images (smooth random colour fields with edges) pushed through the same encoder.
A cut is a jump of a sizeable fraction of that; a compression flicker is not.
"""
from __future__ import annotations

import hashlib
import json

import numpy as np

from latentcut.encoders import Encoder
from latentcut.encoders.base import LUMA
from latentcut.embeddings import Embeddings
from latentcut.io.sampling import evenly_spaced
from latentcut.scoring.distances import Distance
from latentcut.synthetic.pictures import synthetic_pictures

_CACHE: dict[str, Embeddings] = {}


def reference_embeddings(encoder: Encoder) -> Embeddings:
    """The embeddings the yardstick is measured on: the encoder's own sample of the frames it
    learned from (a VAE trained on the video), else the seeded synthetic pictures pushed through
    it (cached per encoder config)."""
    ref = encoder.reference_embeddings()
    if ref is not None and len(ref) >= 2:
        return ref
    key = json.dumps(encoder.config(), sort_keys=True, default=str)
    if key not in _CACHE:
        imgs = synthetic_pictures(encoder.frame_size)
        if encoder.color == "gray":
            luma = imgs.astype(np.float32) @ LUMA
            imgs = luma.round().astype(np.uint8)[..., None]
        _CACHE[key] = encoder.transform(imgs)
    return _CACHE[key]


_SCALES: dict[tuple, float] = {}


def scale_of(reference: Embeddings, distance: Distance) -> float:
    """Median distance between all pairs of reference embeddings, in the curves' linear units.

    One row against the rest at a time (all pairs at once held n^2 copies of the rows), each
    unordered pair once for a symmetric distance (the median of the doubled list is the same),
    and remembered by content: the encoder's reference is the same for every video, and it once
    took a quarter of a detection run."""
    key = (repr(distance), _digest(reference))
    if key in _SCALES:
        return _SCALES[key]
    n = len(reference)
    parts = []
    for i in range(n):
        others = np.arange(i + 1, n) if distance.symmetric else np.r_[0:i, i + 1 : n]
        if len(others):
            parts.append(distance.pairwise(reference[i], reference[others]))
    value = float(np.median(distance.linear(np.concatenate(parts)))) if parts else float("nan")
    if len(_SCALES) >= 64:
        _SCALES.clear()
    _SCALES[key] = value
    return value


def _digest(emb: Embeddings) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in (emb.mean, emb.logvar):
        if a is not None:
            h.update(str((a.shape, a.dtype.str)).encode())
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def reference_scale(encoder: Encoder, distance: Distance) -> float:
    """Median distance between unrelated pictures for this encoder and distance.

    Encoders that learned from data (a VAE trained on the video) carry embeddings of a sample of
    their training frames (:meth:`Encoder.reference_embeddings`): their yardstick is measured on
    those, since synthetic pictures lie outside what such a model has seen. Others use the
    synthetic set.
    """
    return scale_of(reference_embeddings(encoder), distance)


SAMPLE = 64  #: frames of the video whose embeddings measure its own yardstick


def yardstick(encoder: Encoder, distance: Distance, reference: Embeddings | None = None,
              sample: Embeddings | None = None) -> float:
    """The thresholds' scale for a video: the encoder's distance between unrelated pictures (``reference``,
    default the encoder's own), or that among ``sample``, frames spread over the video, if larger."""
    scale = scale_of(reference, distance) if reference is not None else reference_scale(encoder, distance)
    if sample is not None and len(sample) >= 2:
        scale = max(scale, scale_of(sample, distance))
    return scale


def sample_every(info, stride: int = 1) -> int:
    """Every how many analysed frames one joins the yardstick sample (from the header's count)."""
    return max(1, (info.frame_count // stride) // SAMPLE) if info.frame_count else 1


def sample_rows(start: int, n: int, every: int) -> np.ndarray:
    """Rows of a batch of ``n`` analysed frames, the first being frame ``start``, that join the sample."""
    return np.flatnonzero((np.arange(start, start + n) % every) == 0)


def yardstick_sample(emb: Embeddings, every: int) -> Embeddings:
    """The yardstick sample of a whole video's embeddings: the same rows the streaming pass takes
    (so a cache hit, a miss and a benchmark measure one yardstick)."""
    return video_sample(emb[sample_rows(0, len(emb), every)])


def video_sample(emb: Embeddings, n: int = SAMPLE) -> Embeddings:
    """At most ``n`` rows spread evenly over ``emb``."""
    if len(emb) <= n:
        return emb
    return emb[evenly_spaced(len(emb), n)]
