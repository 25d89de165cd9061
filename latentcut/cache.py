"""Where cached models and embeddings live, and how a video is identified by content.

The root is ``$LATENTCUT_CACHE_DIR`` or ``~/.cache/latentcut``. A video's identity is a hash of its
size and of its first and last 4 MiB: renaming or copying a file keeps its cache entries, and
editing it invalidates them, without reading a whole film.
"""
from __future__ import annotations

import hashlib
import json
import os

_CHUNK = 4 << 20


def cache_root() -> str:
    return os.path.expanduser(os.environ.get("LATENTCUT_CACHE_DIR") or os.path.join("~", ".cache", "latentcut"))


def video_identity(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    size = os.path.getsize(path)
    h.update(str(size).encode())
    with open(path, "rb") as f:
        h.update(f.read(_CHUNK))
        if size > 2 * _CHUNK:
            f.seek(-_CHUNK, os.SEEK_END)
            h.update(f.read(_CHUNK))
    return h.hexdigest()[:32]


def config_key(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def model_cache_dir(video: str | os.PathLike, config: dict) -> str:
    """The folder for a model self-trained on ``video`` with ``config``."""
    return os.path.join(cache_root(), "models", f"{video_identity(video)}-{config_key(config)}")
