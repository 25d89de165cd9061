"""On-disk embedding cache shared by all encoders.

An entry is keyed by the video's content identity (:func:`latentcut.cache.video_identity`), the
encoder's full config (:meth:`Encoder.config`) and the reader's settings (frame size, colour,
stride); it holds the embeddings, frame indices and times in one safetensors file, with the key
material and a checksum in its metadata. Writes go to a temporary file renamed into place, so two
processes filling the same entry at once both leave a complete file (the last rename wins, and
both contents are the same). A corrupt, truncated or mismatching entry is detected on read,
removed and recomputed, never trusted.
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass

import numpy as np

from .cache import cache_root, config_key, video_identity
from .checkpoint import CheckpointError, load_tensors, save_tensors
from .embeddings import Embeddings
from .errors import EmbeddingError

FORMAT = "latentcut.embeddings/1"


@dataclass
class CachedEmbeddings:
    embeddings: Embeddings
    indices: np.ndarray
    times: np.ndarray
    meta: dict
    reference: Embeddings | None = None  #: the embeddings the thresholds' yardstick is measured on
    extras: dict | None = None  #: arrays the encoder fitted on the video (e.g. its PCA), see Encoder.cache_state


def _checksum(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:32]


class EmbeddingCache:
    """``get`` / ``put`` embeddings of a video under an encoder config; ``clear`` removes them all."""

    def __init__(self, root: str | None = None):
        self.root = os.path.join(root or cache_root(), "embeddings")

    def key(self, video: str, encoder_config: dict, reader: dict) -> str:
        return f"{video_identity(video)}-{config_key({'encoder': encoder_config, 'reader': reader})}"

    def path(self, key: str) -> str:
        return os.path.join(self.root, key + ".safetensors")

    def get(self, key: str, encoder_config: dict | None = None) -> CachedEmbeddings | None:
        path = self.path(key)
        if not os.path.exists(path):
            return None
        try:
            tensors, meta = load_tensors(path)
            if meta.get("format") != FORMAT:
                raise CheckpointError("unknown format")
            mean = tensors["mean"].numpy()
            logvar = tensors["logvar"].numpy() if "logvar" in tensors else None
            idx, times = tensors["indices"].numpy(), tensors["times"].numpy()
            extras = {k[6:]: v.numpy() for k, v in tensors.items() if k.startswith("extra.")}
            ref_mean = tensors["ref_mean"].numpy() if "ref_mean" in tensors else None
            ref_lv = tensors["ref_logvar"].numpy() if "ref_logvar" in tensors else None
            arrays = [a for a in (mean, logvar, idx, times, ref_mean, ref_lv) if a is not None]
            arrays += [extras[k] for k in sorted(extras)]
            if meta.get("checksum") != _checksum(*arrays):
                raise CheckpointError("checksum mismatch")
            if encoder_config is not None and json.loads(meta.get("encoder", "null")) != json.loads(
                    json.dumps(encoder_config, sort_keys=True, default=str)):
                raise CheckpointError("written for another encoder config")
            emb = Embeddings(mean, logvar)
            if not (len(emb) == len(idx) == len(times)):
                raise CheckpointError("lengths differ")
        except (CheckpointError, KeyError, ValueError, EmbeddingError) as exc:
            warnings.warn(f"embedding cache entry {path} is unusable ({exc}); recomputing it", stacklevel=2)
            try:
                os.unlink(path)
            except OSError:
                pass
            return None
        ref = Embeddings(ref_mean, ref_lv) if ref_mean is not None else None
        return CachedEmbeddings(emb, idx, times, {k: v for k, v in meta.items() if k != "checksum"}, ref, extras)

    def put(self, key: str, emb: Embeddings, indices: np.ndarray, times: np.ndarray, encoder_config: dict,
            extra: dict | None = None, reference: Embeddings | None = None, extras: dict | None = None) -> str:
        import torch

        indices = np.asarray(indices, np.int64)
        times = np.asarray(times, np.float64)
        named = {"mean": emb.mean, "logvar": emb.logvar, "indices": indices, "times": times,
                 "ref_mean": None if reference is None else reference.mean,
                 "ref_logvar": None if reference is None else reference.logvar}
        named = {k: np.ascontiguousarray(v) for k, v in named.items() if v is not None}
        order = [named[k] for k in ("mean", "logvar", "indices", "times", "ref_mean", "ref_logvar") if k in named]
        for k in sorted(extras or {}):
            named["extra." + k] = np.ascontiguousarray(extras[k])
            order.append(named["extra." + k])
        tensors = {k: torch.from_numpy(v) for k, v in named.items()}
        meta = {"format": FORMAT, "checksum": _checksum(*order),
                "encoder": json.dumps(encoder_config, sort_keys=True, default=str), **(extra or {})}
        save_tensors(self.path(key), tensors, meta)
        return self.path(key)

    def entries(self) -> list[str]:
        if not os.path.isdir(self.root):
            return []
        return [os.path.join(self.root, f) for f in os.listdir(self.root) if f.endswith(".safetensors")]

    def clear(self) -> tuple[int, int]:
        """Remove every entry; returns (files, bytes) removed."""
        n = size = 0
        for p in self.entries():
            try:
                size += os.path.getsize(p)
                os.unlink(p)
                n += 1
            except OSError:
                pass
        return n, size
