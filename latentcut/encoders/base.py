"""The Encoder interface: frames (B, H, W, C) uint8 -> Embeddings."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from latentcut.component import Component
from latentcut.embeddings import Embeddings

#: Rec. 601 luma weights: colour frames to grey, wherever latentcut does it.
LUMA = np.array([0.299, 0.587, 0.114], np.float32)

MAX_SIDE = 4096  #: frame sides beyond this are a typo, not a request (a 4096x4096 RGB frame is 50 MB)


def parse_size(size, name: str = "size") -> tuple[int, int]:
    """64 -> (64, 64); "48x64" (width x height, as ffmpeg writes it) -> (64, 48); (h, w) stays.
    ValueError naming ``name`` for anything else, or a side outside 1..MAX_SIDE."""
    bad = ValueError(f"{name} must be a side in pixels (64) or WIDTHxHEIGHT (64x48), each 1..{MAX_SIDE}; not {size!r}")
    try:
        if isinstance(size, bool):
            raise bad
        if isinstance(size, str):
            if "x" in size.lower():
                w, h = size.lower().split("x", 1)
                out = (int(h), int(w))
            else:
                out = (int(size), int(size))
        elif isinstance(size, (int, np.integer)):
            out = (int(size), int(size))
        else:
            out = (int(size[0]), int(size[1]))
    except (TypeError, ValueError, IndexError):
        raise bad from None
    if not (1 <= min(out) and max(out) <= MAX_SIDE):
        raise bad
    return out


class Encoder(Component, ABC):
    """Turns a batch of frames into embeddings.

    scikit-learn conventions: parameters are set in ``__init__`` and nothing is computed there;
    encoders that learn (``requires_fit``) learn in :meth:`fit` and keep learned state in
    attributes ending in ``_``. The rest are ready at construction and ``fit`` returns ``self``.

    ``frame_size`` (height, width) and ``color`` ("rgb" or "gray") tell the video reader what to
    decode to, so frames arrive at the encoder's own input size.
    """

    name: ClassVar[str] = "encoder"
    requires_fit: ClassVar[bool] = False
    probabilistic: ClassVar[bool] = False  #: returns a log-variance as well as a mean
    cacheable: ClassVar[bool] = False  #: worth keeping its embeddings on disk (slow to compute)

    frame_size: tuple[int, int] = (64, 64)
    color: str = "rgb"

    def prepare(self) -> "Encoder":
        """Load what the encoder runs on (weights, a network) now rather than at the first frame, so a missing
        file or package is an error before any work; nothing to do for most encoders."""
        return self

    def fit(self, frames: np.ndarray) -> "Encoder":
        return self

    def is_fitted(self) -> bool:
        """True when ``transform`` can run: always for encoders that need no training."""
        return not self.requires_fit or any(k.endswith("_") and not k.startswith("_") for k in vars(self))

    def reference_embeddings(self) -> Embeddings | None:
        """Embeddings of typical frames this encoder learned from, if any: the yardstick for
        thresholds (:func:`latentcut.scoring.yardstick.reference_scale`). None: use synthetic pictures."""
        return None

    def cache_state(self) -> dict:
        """Arrays learned on the video (e.g. a PCA) to keep with its cached embeddings."""
        return {}

    def restore_cache_state(self, state: dict) -> None:
        """Take back what :meth:`cache_state` returned, when embeddings come from the cache."""

    def fit_video(self, reader, cache_dir: str | None = None) -> "Encoder":
        """Learn from the frames of a video (a :class:`~latentcut.io.video.VideoReader`). The default
        reads every frame and calls :meth:`fit`; encoders that train on samples override it, and
        those that cache what they learn keep it under ``cache_dir``."""
        frames = [b.frames for b in reader.batches()]
        return self.fit(np.concatenate(frames))

    @abstractmethod
    def transform(self, frames: np.ndarray) -> Embeddings:
        """(B, H, W, C) uint8 -> Embeddings with B rows."""

    def fit_transform(self, frames: np.ndarray) -> Embeddings:
        return self.fit(frames).transform(frames)

    def config(self) -> dict:
        """Everything that determines the output, for cache keys and saved metadata."""
        return {"name": self.name, **{k: _jsonable(v) for k, v in self.get_params().items()}}


def _jsonable(v):
    if isinstance(v, tuple):
        return list(v)
    return v


def check_frames(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[..., None]
    if frames.ndim != 4 or frames.shape[1:3] != tuple(size):
        raise ValueError(f"expected frames of shape (B, {size[0]}, {size[1]}, C), got {frames.shape}")
    return frames
