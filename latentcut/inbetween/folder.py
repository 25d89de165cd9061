"""The in-betweener's model folder: ``config.json`` (architecture, model config, training options),
``model.safetensors`` (the generator; with the discriminators too in a training checkpoint),
``optimizer.safetensors`` and ``training.json`` for resuming, and a manifest: one atomic write.
Never a pickle."""
from __future__ import annotations

import dataclasses
import json
import os

import torch

from latentcut.errors import CheckpointError
from latentcut.inbetween.config import ARCHITECTURE, FORMAT_VERSION, InbetweenConfig
from latentcut.inbetween.model import Inbetweener
from latentcut.io.checkpoint import OPTIMIZER, STATE, WEIGHTS, check_state_dict, read_config, save_model
from latentcut.io.tensors import load_tensors


def _flat(parts: dict) -> dict:
    return {f"{name}.{k}": v for name, module in parts.items() for k, v in module.state_dict().items()}


def _optimizer_tensors(opts: dict) -> tuple[dict, dict]:
    tensors, meta = {}, {}
    for name, opt in opts.items():
        state = opt.state_dict()
        meta[name] = json.dumps({"param_groups": state["param_groups"],
                                 "state_keys": {str(i): sorted(s) for i, s in state["state"].items()}})
        for i, s in state["state"].items():
            for k, v in s.items():
                tensors[f"{name}.{i}.{k}"] = v if isinstance(v, torch.Tensor) else torch.tensor(v)
    return tensors, meta


def save_checkpoint(folder: str, cfg: InbetweenConfig, opts, gen, parts: dict, optimizers: dict, step: int,
                    history: list) -> None:
    config = {"architecture": ARCHITECTURE, "format": FORMAT_VERSION, "model": dataclasses.asdict(cfg),
              "training": dataclasses.asdict(opts)}
    save_model(folder, config, _flat(parts), {"step": step}, optimizer=_optimizer_tensors(optimizers),
               training={"step": step, "history": history, "torch_rng": torch.get_rng_state().tolist()})


def read_model_config(folder: str) -> InbetweenConfig:
    config = read_config(folder, ARCHITECTURE)
    if config.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"{folder}: in-betweener format {config.get('format')!r}, expected {FORMAT_VERSION}")
    try:
        return InbetweenConfig(**config["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{folder}: the config does not describe an in-betweener ({exc})") from None


def load_generator(folder: str, device: str = "cpu"):
    """The generator of a model folder, checked tensor by tensor against its config."""
    cfg = read_model_config(folder)
    gen = Inbetweener(cfg)
    tensors, _ = load_tensors(os.path.join(folder, WEIGHTS))
    mine = {k[len("generator."):]: v for k, v in tensors.items() if k.startswith("generator.")}
    check_state_dict(folder, gen.state_dict(), mine)
    gen.load_state_dict(mine)
    return gen.to(device).eval(), cfg


def load_checkpoint(folder: str, cfg: InbetweenConfig, parts: dict, optimizers: dict, device) -> dict | None:
    """Resume: weights, optimizer state and the step from ``folder``; None when there is nothing to
    resume (no folder). A checkpoint of another configuration is refused."""
    if not os.path.exists(os.path.join(folder, STATE)):
        if os.path.exists(folder) and os.listdir(folder):
            raise CheckpointError(f"{folder}: not a training checkpoint to resume (no {STATE})")
        return None
    saved = read_model_config(folder)
    if saved != cfg:
        raise CheckpointError(f"{folder}: the checkpoint was trained with another configuration ({saved}); "
                              "resume with the same options")
    tensors, _ = load_tensors(os.path.join(folder, WEIGHTS))
    for name, module in parts.items():
        mine = {k[len(name) + 1:]: v for k, v in tensors.items() if k.startswith(name + ".")}
        check_state_dict(folder, module.state_dict(), mine)
        module.load_state_dict(mine)
    opt_t, opt_meta = load_tensors(os.path.join(folder, OPTIMIZER))
    for name, opt in optimizers.items():
        meta = json.loads(opt_meta[name])
        state = {int(i): {k: opt_t[f"{name}.{i}.{k}"].to(device) for k in keys} for i, keys in meta["state_keys"].items()}
        opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    with open(os.path.join(folder, STATE), encoding="utf-8") as f:
        st = json.load(f)
    torch.set_rng_state(torch.tensor(st["torch_rng"], dtype=torch.uint8))
    return st
