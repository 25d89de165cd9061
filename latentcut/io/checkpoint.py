"""Model files: weights as safetensors plus a JSON config, in one folder. Never pickle.

A model folder holds ``config.json`` (what to build, including an ``architecture`` name and a
format version) and ``model.safetensors`` (the weights). Loading checks the architecture name and
every tensor's name and shape against the model the config builds, so a checkpoint of another
architecture, or a corrupt or truncated file, is refused with a message that says which.
"""
from __future__ import annotations

import json
import os

from latentcut.errors import CheckpointError
from latentcut.io.atomic import OutputError
from latentcut.io.folders import MARKER, commit_folder, recover_folder
from latentcut.io.tensors import file_sha256, load_tensors, save_tensors  # noqa: F401 - model folders hold tensors

CONFIG = "config.json"
WEIGHTS = "model.safetensors"
OPTIMIZER = "optimizer.safetensors"
STATE = "training.json"
MANIFEST = "manifest.json"  #: written last into each new folder: every file's size and SHA-256
MANIFEST_FORMAT = "latentcut.folder/1"


MODEL_FILES = frozenset({CONFIG, WEIGHTS, OPTIMIZER, STATE, MANIFEST, MARKER})


def is_model_folder(folder: str) -> bool:
    """A folder holding only the files a model folder has (one written before markers existed)."""
    try:
        names = set(os.listdir(folder))
    except OSError:
        return False
    return CONFIG in names and names <= MODEL_FILES


def _write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def _manifest_ok(folder: str) -> bool:
    try:
        verify_folder(folder, required=True)
        return True
    except CheckpointError:
        return False


def save_model(folder: str, config: dict, state_dict: dict, metadata: dict | None = None,
               optimizer: tuple[dict, dict] | None = None, training: dict | None = None) -> None:
    """Write a model folder as one atomic unit: ``config.json``, ``model.safetensors`` and, for a
    training checkpoint, ``optimizer.safetensors`` (tensors, metadata) and ``training.json``, then
    a manifest of them all. The whole folder is swapped in at once (:func:`commit_folder`), so a
    kill at any moment leaves the previous checkpoint or this one, never a mix of the two."""
    from safetensors.torch import save_file

    # The swap replaces the whole folder: never one that holds anything latentcut did not write.
    if os.path.isdir(folder):
        foreign = sorted(set(os.listdir(folder)) - MODEL_FILES)
        if foreign:
            raise OutputError(f"{folder}: holds files latentcut did not write ({', '.join(foreign[:3])}"
                              f"{', ...' if len(foreign) > 3 else ''}); save the model into its own folder")

    def write(tmp: str) -> None:
        save_file({k: v.detach().contiguous().cpu() for k, v in state_dict.items()}, os.path.join(tmp, WEIGHTS),
                  metadata={k: str(v) for k, v in (metadata or {}).items()})
        if optimizer is not None:
            tensors, meta = optimizer
            save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, os.path.join(tmp, OPTIMIZER),
                      metadata={k: str(v) for k, v in meta.items()})
        if training is not None:
            _write_json(os.path.join(tmp, STATE), training)
        _write_json(os.path.join(tmp, CONFIG), config)
        files = {f: {"size": os.path.getsize(os.path.join(tmp, f)), "sha256": file_sha256(os.path.join(tmp, f))}
                 for f in sorted(os.listdir(tmp))}
        _write_json(os.path.join(tmp, MANIFEST), {"format": MANIFEST_FORMAT, "files": files})

    commit_folder(folder, write, complete=_manifest_ok, owned=is_model_folder)


def verify_folder(folder: str, required: bool = False) -> None:
    """Check every file against the folder's manifest (sizes and SHA-256). Folders written before
    manifests existed have none and pass unless ``required``."""
    path = os.path.join(folder, MANIFEST)
    if not os.path.exists(path):
        if required:
            raise CheckpointError(f"{folder}: incomplete (no {MANIFEST})")
        return
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
        files = manifest["files"]
        if manifest.get("format") != MANIFEST_FORMAT or not isinstance(files, dict):
            raise ValueError("unknown manifest format")
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{folder}: damaged ({MANIFEST} unreadable: {exc})") from None
    for name, want in files.items():
        p = os.path.join(folder, name)
        try:
            ok = os.path.getsize(p) == want["size"] and file_sha256(p) == want["sha256"]
        except (OSError, KeyError, TypeError):
            ok = False
        if not ok:
            raise CheckpointError(f"{folder}: damaged: {name} does not match the folder's manifest "
                                  "(changed, truncated or missing since latentcut wrote it)")


def read_config(folder: str, architecture: str) -> dict:
    path = os.path.join(folder, CONFIG)
    recover_folder(folder, _manifest_ok)
    if not os.path.isdir(folder):
        raise CheckpointError(f"{folder}: no such model folder")
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        raise CheckpointError(f"{folder}: not a model folder (no {CONFIG})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: corrupt config ({exc})") from None
    except OSError as exc:
        raise CheckpointError(f"{path}: unreadable ({exc.strerror})") from None
    verify_folder(folder)
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


def check_training_folder(out_dir: str, resume: bool, option: str = "-o") -> None:
    """Before any work: a new training writes into a new or empty folder, never over a trained
    model; ``resume`` continues a folder that holds a training state."""
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise CheckpointError(f"{option} {out_dir}: is a file, not a model folder")
    if not os.path.isdir(out_dir):
        return
    names = [f for f in os.listdir(out_dir) if not f.startswith(".")]
    if not resume and names:
        raise CheckpointError(f"{option} {out_dir}: already exists and is not empty; --resume continues the training "
                              "saved there, or choose another folder (nothing was overwritten)")
    if resume and names and not os.path.exists(os.path.join(out_dir, STATE)):
        raise CheckpointError(f"{option} {out_dir}: holds {'a model' if WEIGHTS in names else 'files'} but no training "
                              f"state ({STATE}), so it cannot be resumed; train into a new folder (nothing was "
                              "overwritten)")
