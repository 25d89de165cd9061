"""Where cached models and embeddings live, and how a video is identified by content.

The root is ``$LATENTCUT_CACHE_DIR`` or ``~/.cache/latentcut``. A video's identity is a hash of its
size and of its first and last 4 MiB: renaming or copying a file keeps its cache entries, and
editing it invalidates them, without reading a whole film.
"""
from __future__ import annotations

import hashlib
import json
import os
import re

_CHUNK = 4 << 20
#: config.json key that marks a model folder as the self-training cache's own (cache clear removes only those)
CACHE_MARK = "latentcut_cache_entry"


def cache_root(root: str | None = None) -> str:
    if root:
        return os.path.abspath(os.path.expanduser(root))
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
