"""Named arrays on disk as safetensors (never pickle), and file checksums.

Used by model folders, the embedding cache and the library's PCA file alike.
"""
from __future__ import annotations

import hashlib
import os

import numpy as np

from latentcut.errors import CheckpointError
from latentcut.io.atomic import atomic_path


def save_tensors(path: str, tensors: dict, metadata: dict | None = None) -> None:
    """Torch tensors or numpy arrays (numpy needs no torch: the embedding cache of a core install)."""
    meta = {k: str(v) for k, v in (metadata or {}).items()}
    with atomic_path(path) as tmp:
        if all(isinstance(v, np.ndarray) for v in tensors.values()):
            from safetensors.numpy import save_file

            save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, tmp, metadata=meta)
        else:
            from safetensors.torch import save_file

            save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, tmp, metadata=meta)


def load_tensors(path: str, framework: str = "pt") -> tuple[dict, dict]:
    """(tensors, metadata) from a safetensors file, as torch tensors or (``framework="numpy"``)
    numpy arrays; a clear error for anything else."""
    from safetensors import safe_open

    if not os.path.exists(path):
        raise CheckpointError(f"{path}: no such file")
    try:
        with safe_open(path, framework=framework, device="cpu") as f:
            meta = f.metadata() or {}
            return {k: f.get_tensor(k) for k in f.keys()}, meta
    except Exception as exc:  # safetensors raises several types for bad headers and short files
        raise CheckpointError(f"{path}: not a readable safetensors file (corrupt or truncated?): {exc}") from None


_FILE_IDS: dict = {}


def file_id(path: str) -> str:
    """A weights or model file by content, for cache keys and saved settings (other weights under
    the same name are another encoder): hashed once per process while its size and mtime stay."""
    try:
        st = os.stat(path)
    except OSError:
        return f"{path} (missing)"
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _FILE_IDS:
        _FILE_IDS[key] = f"{os.path.basename(path)}:sha256:{file_sha256(path)[:32]}"
    return _FILE_IDS[key]


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
