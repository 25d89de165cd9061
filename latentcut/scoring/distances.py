"""Distances between embeddings: row by row, one against many, and across a lag along a video.

Every distance is vectorised: ``pairwise(a, b)`` compares ``a[i]`` with ``b[i]`` and broadcasts a
single row against many (the retrieval case). ``l1`` and ``l2`` are averaged over dimensions
(mean absolute difference, root mean square difference) so that one threshold means the same
thing for a 16x16 and a 64x64 pixel encoder; both remain metrics.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from latentcut.component import Component
from latentcut.embeddings import Embeddings, check_compatible
from latentcut.errors import EmbeddingError
from latentcut.registry import Registry

#: The KL distances' default clip of log-variances (``logvar_clip``): e^60 still fits float64 with
#: room for squared mean differences, so a score curve stays finite whatever an encoder emits.
#: :func:`gaussian_kl` itself is exact unless asked to clip.
LOGVAR_CLIP = 30.0
_TINY = np.finfo(np.float64).tiny
_HUGE = np.finfo(np.float64).max


class Distance(Component, ABC):
    """Scores how different two embeddings are (0 for identical ones)."""

    name: ClassVar[str] = "distance"
    symmetric: ClassVar[bool] = True
    uses_variance: ClassVar[bool] = False
    #: How the distance grows with the size of a change: 1 for norms, 2 for KL divergences (which
    #: grow with the squared mean difference). Score curves use d ** (1 / degree), so that steps
    #: add up along a path and a ratio means the same for every distance.
    degree: ClassVar[int] = 1

    def linear(self, d: np.ndarray) -> np.ndarray:
        """Distances in linear units: d ** (1 / degree)."""
        return d if self.degree == 1 else np.power(np.maximum(d, 0.0), 1.0 / self.degree)

    def pairwise(self, a: Embeddings, b: Embeddings) -> np.ndarray:
        """d(a[i], b[i]) for each row; a or b may have one row, compared against all rows of the other."""
        check_compatible(a, b)
        if len(a) != len(b) and 1 not in (len(a), len(b)):
            raise ValueError(f"cannot pair {len(a)} embeddings with {len(b)}")
        return self._pairwise(a, b)

    def one_to_many(self, query: Embeddings, bank: Embeddings) -> np.ndarray:
        """d(query, bank[j]) for every row j of the bank."""
        if len(query) != 1:
            raise ValueError(f"one_to_many takes one query row, got {len(query)}")
        return self.pairwise(query, bank)

    def consecutive(self, emb: Embeddings, lag: int = 1) -> np.ndarray:
        """One score per frame, as every score curve and thresholder counts them: ``out[i]`` is
        d(emb[i - lag], emb[i]), the change into frame i, and 0 for the first ``lag`` frames, which
        have nothing that far back (length N, so a score's position is its frame)."""
        if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 1:
            raise ValueError(f"lag must be a whole number >= 1, not {lag!r}")
        out = np.zeros(len(emb))
        if len(emb) > lag:
            out[lag:] = self.pairwise(emb[:-lag], emb[lag:])
        return out

    @abstractmethod
    def _pairwise(self, a: Embeddings, b: Embeddings) -> np.ndarray: ...



class L1(Distance):
    """Mean absolute difference over dimensions."""

    name = "l1"

    def _pairwise(self, a, b):
        return np.abs(a.mean.astype(np.float64) - b.mean).mean(axis=1)


class L2(Distance):
    """Root mean square difference over dimensions (Euclidean distance / sqrt(D))."""

    name = "l2"

    def _pairwise(self, a, b):
        d = a.mean.astype(np.float64) - b.mean
        return np.sqrt((d * d).sum(axis=1) / a.dim)


class Cosine(Distance):
    """1 - cosine similarity, in [0, 2]. A zero vector is at distance 1 from everything but itself."""

    name = "cosine"

    def _pairwise(self, a, b):
        x = a.mean.astype(np.float64)
        y = b.mean.astype(np.float64)
        nx = np.linalg.norm(x, axis=1)
        ny = np.linalg.norm(y, axis=1)
        dot = (x * y).sum(axis=1)
        # A zero vector has dot 0: any positive divisor gives similarity 0 there.
        sim = dot / np.maximum(nx * ny, _TINY)
        d = np.clip(1.0 - sim, 0.0, 2.0)
        d[(nx == 0) & (ny == 0)] = 0.0
        return d


def gaussian_kl(mu_p, lv_p, mu_q, lv_q, logvar_clip: float | None = None) -> np.ndarray:
    """KL(N(mu_p, e^lv_p) || N(mu_q, e^lv_q)) for diagonal Gaussians, summed over the last axis.

    Written as 0.5 * sum(lv_q - lv_p + e^(lv_p - lv_q) + (mu_p - mu_q)^2 e^-lv_q - 1) and computed
    in float64 without clipping: the result is exact to float64's precision wherever it fits
    float64, and ``inf`` only where the exact value exceeds float64's range (about 1.8e308). A NaN
    or infinite input is refused (:class:`EmbeddingError` naming it). ``logvar_clip=c`` clips the
    log-variances to [-c, c] first (what the KL distances do, :data:`LOGVAR_CLIP`).
    """
    parts = {}
    for name, value in (("mu_p", mu_p), ("lv_p", lv_p), ("mu_q", mu_q), ("lv_q", lv_q)):
        a = np.asarray(value, np.float64)
        if not np.isfinite(a).all():
            raise EmbeddingError(f"gaussian_kl: {name} holds NaN or infinite values")
        parts[name] = a
    mu_p, lv_p, mu_q, lv_q = np.broadcast_arrays(parts["mu_p"], parts["lv_p"], parts["mu_q"], parts["lv_q"])
    if logvar_clip is not None:
        lv_p, lv_q = np.clip(lv_p, -logvar_clip, logvar_clip), np.clip(lv_q, -logvar_clip, logvar_clip)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        diff = lv_p - lv_q  # +-inf only where |lv_p - lv_q| exceeds float64: the KL is beyond it too
        # x - 1 - log x >= 0 with x = e^diff; expm1 keeps precision when the variances are close.
        var_term = np.where(diff == np.inf, np.inf, np.expm1(diff) - diff)
        mean_term = np.square(mu_p - mu_q) * np.exp(-lv_q)
        odd = ~np.isfinite(mean_term)
        if odd.any():  # a square or an exponential overflowed on the way: the same product in logs
            scale = np.maximum(np.abs(mu_p[odd]), np.abs(mu_q[odd]))
            ratio = np.abs(mu_p[odd] / scale - mu_q[odd] / scale)
            log_term = 2.0 * (np.log(scale) + np.log(ratio)) - lv_q[odd]
            mean_term[odd] = np.where(scale > 0, np.exp(log_term), 0.0)
        kl = (0.5 * var_term + 0.5 * mean_term).sum(axis=-1)
    return np.maximum(kl, 0.0)


class _ClippedKL(Distance):
    """The KL distances' shared parameter: ``logvar_clip`` (default :data:`LOGVAR_CLIP`; None for
    the exact value), and results capped at float64's largest value so a curve stays finite."""

    def __init__(self, logvar_clip: float | None = LOGVAR_CLIP):
        self.logvar_clip = logvar_clip

    def check_params(self) -> None:
        if self.logvar_clip is not None and not (self.logvar_clip > 0):
            raise ValueError(f"logvar_clip must be > 0 or None (exact), not {self.logvar_clip!r}")

    def _kl(self, mu_p, lv_p, mu_q, lv_q) -> np.ndarray:
        return np.minimum(gaussian_kl(mu_p, lv_p, mu_q, lv_q, self.logvar_clip), _HUGE)


class GaussianKL(_ClippedKL):
    """KL(q_a || q_b) between the diagonal Gaussians of two embeddings.

    Direction: ``pairwise(a, b)`` is KL(q_a || q_b); along a video, ``consecutive`` therefore scores
    KL(q(z | x_{i-1}) || q(z | x_i)), how badly the new frame's posterior covers the previous one.
    Embeddings without a log-variance are treated as unit-variance Gaussians, which makes this
    half the squared Euclidean distance.
    """

    name = "gaussian-kl"
    symmetric = False
    uses_variance = True
    degree = 2

    def _pairwise(self, a, b):
        return self._kl(a.mean, a.logvar_or_zeros(), b.mean, b.logvar_or_zeros())


class SymmetricKL(_ClippedKL):
    """KL(q_a || q_b) + KL(q_b || q_a) (Jeffreys divergence); symmetric by construction."""

    name = "symmetric-kl"
    uses_variance = True
    degree = 2

    def _pairwise(self, a, b):
        la, lb = a.logvar_or_zeros(), b.logvar_or_zeros()
        return np.minimum(self._kl(a.mean, la, b.mean, lb) + self._kl(b.mean, lb, a.mean, la), _HUGE)


distances: Registry[Distance] = Registry("distance", "latentcut.distances", Distance)
for _cls in (L1, L2, Cosine, GaussianKL, SymmetricKL):
    distances.register(_cls.name, _cls)


def create_distance(spec: "str | Distance", **kwargs) -> Distance:
    """A distance by name or spec string (``"gaussian-kl,logvar_clip=none"``), or an instance passed through."""
    return distances.create(spec, **kwargs)


def list_distances() -> list[str]:
    """The registered distances' names, entry points included."""
    return distances.names()
