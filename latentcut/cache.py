r"""The cache: one root for embeddings and self-trained models, and how a video is identified by content.

The root is ``$LATENTCUT_CACHE_DIR``, else the platform's user cache folder for latentcut
(platformdirs: ``~/.cache/latentcut`` on Linux, ``~/Library/Caches/latentcut`` on macOS,
``%LOCALAPPDATA%\latentcut\Cache`` on Windows). A video's identity is a hash of its
size and of its first and last 4 MiB: renaming or copying a file keeps its cache entries, and
editing it invalidates them, without reading a whole film.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from dataclasses import dataclass

import numpy as np
import platformdirs

from latentcut.embeddings import Embeddings
from latentcut.errors import CheckpointError, EmbeddingError
from latentcut.io.identity import video_identity
from latentcut.io.tensors import load_tensors, save_tensors

#: config.json key that marks a model folder as the self-training cache's own (cache clear removes only those)
CACHE_MARK = "latentcut_cache_entry"


def cache_root(root: str | None = None) -> str:
    if root:
        return os.path.abspath(os.path.expanduser(root))
    if os.environ.get("LATENTCUT_CACHE_DIR"):
        return os.path.expanduser(os.environ["LATENTCUT_CACHE_DIR"])
    return platformdirs.user_cache_dir("latentcut", appauthor=False)


def config_key(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def model_cache_dir(video: str | os.PathLike, config: dict, root: str | None = None) -> str:
    """The folder for a model self-trained on ``video`` with ``config``."""
    return os.path.join(cache_root(root), "models", f"{video_identity(video)}-{config_key(config)}")


_ENTRY = re.compile(r"^[0-9a-f]{32}-[0-9a-f]{16}$")
_STALE_TMP_SECONDS = 3600  #: a temporary file this old belongs to no running writer


def is_model_entry(path: str) -> bool:
    """A self-trained model folder that latentcut's cache wrote (name, config and mark all agree)."""
    if not _ENTRY.match(os.path.basename(path)) or not os.path.isdir(path) or os.path.islink(path):
        return False
    try:
        with open(os.path.join(path, "config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(cfg, dict) and cfg.get(CACHE_MARK) is True


def clear_models(root: str | None = None) -> tuple[list[str], list[str]]:
    """Remove the self-trained models latentcut cached; returns (removed, left alone)."""
    import shutil
    import time

    folder = os.path.join(cache_root(root), "models")
    removed, left = [], []
    if not os.path.isdir(folder):
        return removed, left
    for name in sorted(os.listdir(folder)):
        p = os.path.join(folder, name)
        stale_tmp = (name.startswith(".") and _ENTRY.match(name[1:].split(".", 1)[0] or "") is not None
                     and time.time() - os.path.getmtime(p) > _STALE_TMP_SECONDS)
        if is_model_entry(p) or stale_tmp:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
        else:
            left.append(p)
    return removed, left


# -- embeddings ----------------------------------------------------------------------------------
# On-disk embedding cache shared by all encoders.
# 
# An entry is keyed by the video's content identity (:func:`latentcut.cache.video_identity`), the
# encoder's full config (:meth:`Encoder.config`) and the reader's settings (frame size, colour,
# stride); it holds the embeddings, frame indices and times in one safetensors file, with the key
# material and a checksum in its metadata. Writes go to a temporary file renamed into place, so two
# processes filling the same entry at once both leave a complete file (the last rename wins, and
# both contents are the same). A corrupt, truncated or mismatching entry is detected on read,
# removed and recomputed, never trusted.

FORMAT = "latentcut.embeddings/1"


@dataclass
class CachedEmbeddings:
    embeddings: Embeddings
    indices: np.ndarray
    times: np.ndarray
    meta: dict
    reference: Embeddings | None = None  #: the embeddings the thresholds' yardstick is measured on
    extras: dict | None = None  #: arrays the encoder fitted on the video (e.g. its PCA), see Encoder.cache_state
    contrast: np.ndarray | None = None  #: each frame's contrast (for fades); None in entries older than fades
    colour: np.ndarray | None = None  #: each frame's mean colour (for flat cards); None in entries older than them


def _checksum(arrays: list[np.ndarray], meta: dict) -> str:
    """Over every array and every metadata value (frame count, truncated flag, encoder...)."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(str(a.dtype).encode() + str(a.shape).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    h.update(json.dumps({k: v for k, v in meta.items() if k != "checksum"}, sort_keys=True).encode())
    return h.hexdigest()[:32]


def _header_format(path: str) -> str | None:
    """The format tag in a safetensors file's header (read without loading any tensor)."""
    try:
        from safetensors import safe_open

        with safe_open(path, framework="np") as f:
            return (f.metadata() or {}).get("format")
    except Exception:  # not a safetensors file at all: not ours
        return None


class EmbeddingCache:
    """``get`` / ``put`` embeddings of a video under an encoder config; ``clear`` removes them all."""

    def __init__(self, root: str | None = None):
        self.root = os.path.join(cache_root(root), "embeddings")

    def key(self, video: str, encoder_config: dict, reader: dict) -> str:
        return f"{video_identity(video)}-{config_key({'encoder': encoder_config, 'reader': reader})}"

    def path(self, key: str) -> str:
        return os.path.join(self.root, key + ".safetensors")

    def get(self, key: str, encoder_config: dict | None = None) -> CachedEmbeddings | None:
        path = self.path(key)
        if not os.path.exists(path):
            return None
        try:
            tensors, meta = load_tensors(path, framework="numpy")
            if meta.get("format") != FORMAT:
                raise CheckpointError("unknown format")
            mean = tensors["mean"]
            logvar = tensors["logvar"] if "logvar" in tensors else None
            idx, times = tensors["indices"], tensors["times"]
            extras = {k[6:]: v for k, v in tensors.items() if k.startswith("extra.")}
            ref_mean = tensors["ref_mean"] if "ref_mean" in tensors else None
            ref_lv = tensors["ref_logvar"] if "ref_logvar" in tensors else None
            contrast = tensors["contrast"] if "contrast" in tensors else None
            colour = tensors["colour"] if "colour" in tensors else None
            arrays = [a for a in (mean, logvar, idx, times, ref_mean, ref_lv, contrast, colour) if a is not None]
            arrays += [extras[k] for k in sorted(extras)]
            if meta.get("checksum") != _checksum(arrays, meta):
                raise CheckpointError("checksum mismatch")
            if encoder_config is not None and json.loads(meta.get("encoder", "null")) != json.loads(
                    json.dumps(encoder_config, sort_keys=True, default=str)):
                raise CheckpointError("written for another encoder config")
            emb = Embeddings(mean, logvar)
            if not (len(emb) == len(idx) == len(times)) or any(a is not None and len(a) != len(idx)
                                                                for a in (contrast, colour)):
                raise CheckpointError("lengths differ")
        except (CheckpointError, KeyError, ValueError, TypeError, EmbeddingError, OSError) as exc:
            warnings.warn(f"embedding cache entry {path} is unusable ({exc}); recomputing it", stacklevel=2)
            try:
                os.unlink(path)
            except OSError:
                pass
            return None
        ref = Embeddings(ref_mean, ref_lv) if ref_mean is not None else None
        return CachedEmbeddings(emb, idx, times, {k: v for k, v in meta.items() if k != "checksum"}, ref, extras,
                                contrast, colour)

    def put(self, key: str, emb: Embeddings, indices: np.ndarray, times: np.ndarray, encoder_config: dict,
            extra: dict | None = None, reference: Embeddings | None = None, extras: dict | None = None,
            contrast: np.ndarray | None = None, colour: np.ndarray | None = None) -> str:
        indices = np.asarray(indices, np.int64)
        times = np.asarray(times, np.float64)
        named = {"mean": emb.mean, "logvar": emb.logvar, "indices": indices, "times": times,
                 "ref_mean": None if reference is None else reference.mean,
                 "ref_logvar": None if reference is None else reference.logvar,
                 "contrast": None if contrast is None else np.asarray(contrast, np.float32),
                 "colour": None if colour is None else np.asarray(colour, np.float32)}
        named = {k: np.ascontiguousarray(v) for k, v in named.items() if v is not None}
        order = [named[k] for k in ("mean", "logvar", "indices", "times", "ref_mean", "ref_logvar", "contrast", "colour")
                 if k in named]
        for k in sorted(extras or {}):
            named["extra." + k] = np.ascontiguousarray(extras[k])
            order.append(named["extra." + k])
        tensors = dict(named)
        meta = {"format": FORMAT, "encoder": json.dumps(encoder_config, sort_keys=True, default=str),
                **{k: str(v) for k, v in (extra or {}).items()}}
        meta["checksum"] = _checksum(order, meta)
        save_tensors(self.path(key), tensors, meta)
        return self.path(key)

    def entries(self) -> list[str]:
        """Entries latentcut wrote: named by a key and tagged with this format in their header."""
        return self._scan()[0]

    def _scan(self) -> tuple[list[str], list[str], list[str]]:
        """(entries, stale temporary files of ours, anything else)."""
        if not os.path.isdir(self.root):
            return [], [], []
        import time

        ours, stale, other = [], [], []
        for f in sorted(os.listdir(self.root)):
            p = os.path.join(self.root, f)
            stem = f[: -len(".safetensors")] if f.endswith(".safetensors") else None
            if stem and _ENTRY.match(stem) and os.path.isfile(p) and not os.path.islink(p) and _header_format(p) == FORMAT:
                ours.append(p)
            elif (f.startswith(".") and f.endswith(".tmp") and _ENTRY.match(f[1:].split(".", 1)[0])
                  and os.path.isfile(p) and time.time() - os.path.getmtime(p) > _STALE_TMP_SECONDS):
                stale.append(p)
            else:
                other.append(p)
        return ours, stale, other

    def clear(self) -> tuple[list[str], int, list[str]]:
        """Remove the entries latentcut wrote (and its own stale temporary files), nothing else.
        Returns (removed paths, bytes removed, paths left alone)."""
        ours, stale, other = self._scan()
        removed, size = [], 0
        for p in ours + stale:
            try:
                n = os.path.getsize(p)
                os.unlink(p)
            except OSError:
                continue
            removed.append(p)
            size += n
        return removed, size, other


def encoder_fingerprint(encoder) -> str:
    """What makes two encoders' vectors comparable: the encoder's config with its model or
    weights identified by content (a hash), not by path."""
    fp = getattr(encoder, "fingerprint", None)
    return fp() if callable(fp) else config_key(encoder.config())
