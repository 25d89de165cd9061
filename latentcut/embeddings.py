"""Embeddings: a mean per frame and, for probabilistic encoders, a log-variance per frame."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentcut.errors import EmbeddingError


@dataclass(frozen=True)
class Embeddings:
    """``mean`` (N, D) and optional ``logvar`` (N, D), float32, all finite.

    Encoders without a variance leave ``logvar`` as None; distances that need one treat such
    embeddings as unit-variance Gaussians (log-variance 0).
    """

    mean: np.ndarray
    logvar: np.ndarray | None = None

    def __post_init__(self):
        mean = np.asarray(self.mean)
        if mean.ndim == 1:
            mean = mean[None, :]
        if mean.ndim != 2:
            raise EmbeddingError(f"embedding means must be 2-D (frames, dims), got shape {mean.shape}")
        mean = _finite(mean, "mean")
        object.__setattr__(self, "mean", mean)
        if self.logvar is not None:
            lv = np.asarray(self.logvar)
            if lv.ndim == 1:
                lv = lv[None, :]
            if lv.shape != mean.shape:
                raise EmbeddingError(f"log-variance shape {lv.shape} does not match mean shape {mean.shape}")
            object.__setattr__(self, "logvar", _finite(lv, "log-variance"))

    def __len__(self) -> int:
        return self.mean.shape[0]

    @property
    def dim(self) -> int:
        return self.mean.shape[1]

    @property
    def probabilistic(self) -> bool:
        return self.logvar is not None

    def __getitem__(self, item) -> "Embeddings":
        if isinstance(item, (int, np.integer)):
            item = slice(item, item + 1 if item != -1 else None)
        mean, lv = self.mean[item], None if self.logvar is None else self.logvar[item]
        return Embeddings._checked(mean, lv) if mean.ndim == 2 else Embeddings(mean, lv)

    @staticmethod
    def _checked(mean: np.ndarray, logvar: np.ndarray | None) -> "Embeddings":
        """Rows of embeddings already validated (a slice, a concatenation): checking every value
        for NaN again on each slice cost a detection run a tenth of its time."""
        out = object.__new__(Embeddings)
        object.__setattr__(out, "mean", mean)
        object.__setattr__(out, "logvar", logvar)
        return out

    def logvar_or_zeros(self) -> np.ndarray:
        return self.logvar if self.logvar is not None else np.zeros_like(self.mean)

    @staticmethod
    def concat(parts: "list[Embeddings]") -> "Embeddings":
        if not parts:
            raise EmbeddingError("no embeddings to concatenate")
        dims = {p.dim for p in parts}
        if len(dims) > 1:
            raise EmbeddingError(f"cannot concatenate embeddings of different sizes: {sorted(dims)}")
        probs = {p.probabilistic for p in parts}
        if len(probs) > 1:
            raise EmbeddingError("cannot concatenate embeddings with and without log-variances")
        mean = np.concatenate([p.mean for p in parts])
        lv = np.concatenate([p.logvar for p in parts]) if parts[0].probabilistic else None
        if mean.dtype != parts[0].mean.dtype:  # float32 and float64 parts: keep the one dtype rule
            return Embeddings(mean, lv)
        return Embeddings._checked(mean, lv)


def _finite(a: np.ndarray, what: str) -> np.ndarray:
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float32)
    if not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))[0]
        raise EmbeddingError(f"embedding {what} has NaN or infinite values (first at frame {bad[0]}, dim {bad[1]})")
    return a


def check_compatible(a: Embeddings, b: Embeddings) -> None:
    if a.dim != b.dim:
        raise EmbeddingError(f"embedding sizes differ: {a.dim} vs {b.dim} dimensions")


def principal_components(x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean (D,), components (n, D)) of the rows of ``x``: the ``n`` directions of most variance,
    unit length, each signed so that its largest entry is positive (the result is the same on
    every machine). NumPy's SVD, so the core install needs no scikit-learn for it."""
    x = np.asarray(x, np.float64)
    if x.ndim != 2 or not len(x):
        raise ValueError(f"principal_components needs a non-empty (N, D) array, not shape {x.shape}")
    n = int(n)
    if not 1 <= n <= min(x.shape):
        raise ValueError(f"n must be 1..{min(x.shape)} for {x.shape[0]} rows of {x.shape[1]}, not {n}")
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    comps = vt[:n]
    flip = np.sign(comps[np.arange(n), np.abs(comps).argmax(axis=1)])
    comps = comps * np.where(flip == 0, 1.0, flip)[:, None]
    return mean.astype(np.float32), comps.astype(np.float32)
