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

from .distances import Distance
from .embeddings import Embeddings
from .encoders import Encoder
from .encoders.base import LUMA

_N_IMAGES = 16


def synthetic_pictures(size: tuple[int, int], n: int = _N_IMAGES, seed: int = 0) -> np.ndarray:
    """(n, H, W, 3) uint8: smooth random colour fields with a few hard-edged shapes, like cel art."""
    rng = np.random.default_rng(seed)
    h, w = size
    out = np.empty((n, h, w, 3), np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    for i in range(n):
        coarse = rng.uniform(0, 255, (4, 4, 3))
        iy = np.linspace(0, 3, h)
        ix = np.linspace(0, 3, w)
        # bilinear upsampling of a 4x4 grid: soft background shading
        y0 = np.minimum(iy.astype(int), 2)
        x0 = np.minimum(ix.astype(int), 2)
        fy = (iy - y0)[:, None, None]
        fx = (ix - x0)[None, :, None]
        c00 = coarse[y0][:, x0]
        c01 = coarse[y0][:, x0 + 1]
        c10 = coarse[y0 + 1][:, x0]
        c11 = coarse[y0 + 1][:, x0 + 1]
        img = (1 - fy) * ((1 - fx) * c00 + fx * c01) + fy * ((1 - fx) * c10 + fx * c11)
        for _ in range(3):
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            r = rng.uniform(0.1, 0.35) * min(h, w)
            mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
            img[mask] = rng.uniform(0, 255, 3)
        out[i] = np.clip(img, 0, 255).astype(np.uint8)
    return out


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
