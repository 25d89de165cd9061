"""The VAE model folder, read and written in one place: ``config.json`` (architecture, model
configuration, reference embeddings for the yardstick, and what the writer adds),
``model.safetensors``, a manifest, and for a training checkpoint the optimizer and training state
(:func:`latentcut.io.checkpoint.save_model` writes the set as one atomic unit)."""
from __future__ import annotations

import os

import numpy as np

from latentcut.embeddings import Embeddings
from latentcut.encoders.vae.model import ARCHITECTURE, FORMAT_VERSION, VAEConfig, build_model
from latentcut.errors import CheckpointError
from latentcut.io.checkpoint import check_state_dict, read_config, save_model
from latentcut.io.tensors import load_tensors


def model_config(cfg: VAEConfig, reference: Embeddings | None, extra: dict | None = None) -> dict:
    """config.json of a VAE model folder: the one writer of that format (training and save)."""
    config = {"architecture": ARCHITECTURE, "format_version": FORMAT_VERSION, "model": cfg.to_dict(), **(extra or {})}
    if reference is not None:
        # float32 values written as Python floats read back bit-exact
        config["reference"] = {"mean": reference.mean.astype(np.float32).tolist(),
                               "logvar": reference.logvar.astype(np.float32).tolist()}
    return config


def write_model(folder: str, cfg: VAEConfig, state_dict: dict, reference: Embeddings | None, extra: dict | None = None,
                optimizer: tuple[dict, dict] | None = None, training: dict | None = None, metadata: dict | None = None) -> None:
    """The whole model folder as one atomic write."""
    save_model(folder, model_config(cfg, reference, extra), state_dict, metadata, optimizer=optimizer, training=training)


def read_model(folder: str):
    """(network on the CPU, VAEConfig, reference Embeddings or None, the config dict); every file
    checked against the manifest, the architecture and the weights' names and shapes."""
    cfg_dict = read_config(folder, ARCHITECTURE)
    try:
        cfg = VAEConfig.from_dict(cfg_dict.get("model", {}))
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{folder}: bad model config ({exc})") from None
    net = build_model(cfg)
    tensors, _ = load_tensors(os.path.join(folder, "model.safetensors"))
    check_state_dict(folder, net.state_dict(), tensors)
    net.load_state_dict(tensors)
    reference = None
    ref = cfg_dict.get("reference")
    if ref:
        try:
            reference = Embeddings(np.asarray(ref["mean"], np.float32), np.asarray(ref["logvar"], np.float32))
        except Exception as exc:
            raise CheckpointError(f"{folder}: bad reference embeddings in config ({exc})") from None
    return net, cfg, reference, cfg_dict


def input_side(folder: str, default: int) -> int:
    """The model's input side, read from its folder without building it."""
    return int(read_config(folder, ARCHITECTURE).get("model", {}).get("input_size", default))
