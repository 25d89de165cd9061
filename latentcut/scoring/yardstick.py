"""An absolute scale for any encoder + distance pair, independent of the video being analysed.

Thresholds relative to a video's own curve break on videos with nothing in them (a flat colour
card, a grey ramp): every ratio of noise to noise looks like a cut. So thresholders also get a
fixed yardstick: the median distance between unrelated pictures, measured on a seeded set of
synthetic images (smooth random colour fields with edges) pushed through the same encoder.
A cut is a jump of a sizeable fraction of that; a compression flicker is not.
"""
from __future__ import annotations

import json

import numpy as np

from latentcut.encoders import Encoder
from latentcut.encoders.base import LUMA
from latentcut.encoders.embeddings import Embeddings
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


def scale_of(reference: Embeddings, distance: Distance) -> float:
    """Median distance between all pairs of reference embeddings, in the curves' linear units."""
    a, b = np.nonzero(~np.eye(len(reference), dtype=bool))
    return float(np.median(distance.linear(distance.pairwise(reference[a], reference[b]))))


def reference_scale(encoder: Encoder, distance: Distance) -> float:
    """Median distance between unrelated pictures for this encoder and distance.

    Encoders that learned from data (a VAE trained on the video) carry embeddings of a sample of
    their training frames (:meth:`Encoder.reference_embeddings`): their yardstick is measured on
    those, since synthetic pictures lie outside what such a model has seen. Others use the
    synthetic set.
    """
    return scale_of(reference_embeddings(encoder), distance)


SAMPLE = 64  #: frames of the video whose embeddings measure its own yardstick


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
