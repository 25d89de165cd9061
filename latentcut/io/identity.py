"""Which video a file holds, by content: the key of the embedding cache and the library's dedupe key.

Size plus the first and last 4 MiB, hashed: renaming, copying or touching a file keeps its identity;
re-encoding or editing it gives a new one, without reading gigabytes.
"""
from __future__ import annotations

import hashlib
import os

_CHUNK = 4 << 20


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
