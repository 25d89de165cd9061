"""Named arrays on disk as safetensors (never pickle), and file checksums.

Used by model folders, the embedding cache and the library's PCA file alike.
"""
from __future__ import annotations

import hashlib
import os

from latentcut.errors import CheckpointError
from latentcut.io.atomic import atomic_path


def save_tensors(path: str, tensors: dict, metadata: dict | None = None) -> None:
    from safetensors.torch import save_file

    with atomic_path(path) as tmp:
        save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, tmp,
                  metadata={k: str(v) for k, v in (metadata or {}).items()})


def load_tensors(path: str) -> tuple[dict, dict]:
    """(tensors, metadata) from a safetensors file; a clear error for anything else."""
    from safetensors import safe_open

    if not os.path.exists(path):
        raise CheckpointError(f"{path}: no such file")
    try:
        with safe_open(path, framework="pt", device="cpu") as f:
            meta = f.metadata() or {}
            return {k: f.get_tensor(k) for k in f.keys()}, meta
    except Exception as exc:  # safetensors raises several types for bad headers and short files
        raise CheckpointError(f"{path}: not a readable safetensors file (corrupt or truncated?): {exc}") from None


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
