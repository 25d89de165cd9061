"""Model files: weights as safetensors plus a JSON config, in one folder. Never pickle.

A model folder holds ``config.json`` (what to build, including an ``architecture`` name and a
format version) and ``model.safetensors`` (the weights). Loading checks the architecture name and
every tensor's name and shape against the model the config builds, so a checkpoint of another
architecture, or a corrupt or truncated file, is refused with a message that says which.
"""
from __future__ import annotations

import json
import os

from .atomic import atomic_path, atomic_write
from .errors import LatentcutError

CONFIG = "config.json"
WEIGHTS = "model.safetensors"


class CheckpointError(LatentcutError):
    """A model folder is missing, corrupt, or made for another architecture."""


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


def save_model(folder: str, config: dict, state_dict: dict, metadata: dict | None = None) -> None:
    """Write weights first and the config last, each atomically: a folder with a config always
    has the weights that config describes."""
    os.makedirs(folder, exist_ok=True)
    save_tensors(os.path.join(folder, WEIGHTS), state_dict, metadata)
    with atomic_write(os.path.join(folder, CONFIG), encoding="utf-8") as f:
        json.dump(config, f, indent=1, sort_keys=True)
        f.write("\n")


def read_config(folder: str, architecture: str) -> dict:
    path = os.path.join(folder, CONFIG)
    if not os.path.isdir(folder):
        raise CheckpointError(f"{folder}: no such model folder")
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        raise CheckpointError(f"{folder}: not a model folder (no {CONFIG})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: corrupt config ({exc})") from None
    got = config.get("architecture") if isinstance(config, dict) else None
    if got != architecture:
        raise CheckpointError(f"{folder}: a checkpoint of architecture {got!r}, not {architecture!r}")
    return config


def check_state_dict(folder: str, expected: dict, got: dict) -> None:
    """Every expected tensor present with its shape, and nothing else."""
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    wrong = [f"{k}: {tuple(got[k].shape)} in the file, {tuple(v.shape)} expected" for k, v in expected.items()
             if k in got and tuple(got[k].shape) != tuple(v.shape)]
    if missing or extra or wrong:
        parts = []
        if wrong:
            parts.append("shape mismatch (" + "; ".join(wrong[:3]) + ")")
        if missing:
            parts.append(f"missing {missing[:3]}")
        if extra:
            parts.append(f"unexpected {extra[:3]}")
        raise CheckpointError(f"{folder}: the weights do not fit the architecture in its config: " + ", ".join(parts))
