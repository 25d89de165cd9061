"""The ``shotnet`` encoder: a small network trained on unlabelled footage to tell shots apart.

Its inference is NumPy (no torch import: the core install and a one-shot query can use it);
``device="cuda"`` runs the same weights through torch on a GPU. Trained by
:func:`latentcut.retrieval.shotnet_training.train_shotnet` (``benchmarks/shotnet.py`` trains
seeds; ``scripts/train-shipped-models.sh DATA shotnet`` remakes the shipped model).
"""
from __future__ import annotations

import os

import numpy as np

from latentcut.encoders.base import Encoder, check_frames
from latentcut.encoders.torch_io import frames_to_tensor, is_device
from latentcut.encoders.shotnet.model import ARCHITECTURE, NumpyShotNet, ShotNetConfig, parameter_shapes, torch_net
from latentcut.embeddings import Embeddings
from latentcut.errors import CheckpointError
from latentcut.io.checkpoint import WEIGHTS, read_config, save_model
from latentcut.io.tensors import file_id, load_tensors
from latentcut.registry import check_number

SHIPPED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "shotnet-v1")


def read_shotnet(folder: str) -> tuple[ShotNetConfig, dict, dict[str, np.ndarray]]:
    """(network config, whole config, weights as NumPy arrays) of a shotnet model folder; every
    tensor's name and shape is checked against the network the config describes."""
    config = read_config(folder, ARCHITECTURE)
    try:
        net = ShotNetConfig.from_dict(config["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{folder}: config.json does not describe a shotnet ({exc})") from None
    tensors, _ = load_tensors(os.path.join(folder, WEIGHTS), framework="numpy")
    want = parameter_shapes(net)
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if got != want:
        bad = sorted(set(want) ^ set(got)) or [k for k in want if want[k] != got[k]]
        raise CheckpointError(f"{folder}: weights do not fit the network its config describes (e.g. {bad[:2]})")
    return net, config, tensors


def write_shotnet(folder: str, config: dict, state: dict[str, np.ndarray]) -> None:
    """A model folder (config.json + model.safetensors + manifest), written as one atomic unit."""
    import torch

    save_model(folder, config, {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()},
               metadata={"architecture": ARCHITECTURE})


class ShotNetEncoder(Encoder):
    """Unit vectors (128-d) from shotnet. ``model``: ``"shipped"`` (trained on the shared unlabelled
    footage) or a model folder written by :func:`write_shotnet` (``benchmarks/shotnet.py``). ``device``: None runs NumPy on the
    CPU; ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` run torch there."""

    name = "shotnet"
    cacheable = True

    def __init__(self, model: str = "shipped", device: str | None = None, batch_size: int = 256):
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.color = "rgb"

    def check_params(self) -> None:
        if not isinstance(self.model, str) or not self.model:
            raise ValueError(f"model must be 'shipped' or a model folder, not {self.model!r}")
        if self.device is not None and not is_device(self.device):
            raise ValueError(f"device must be cpu, cuda or cuda:N (or unset for NumPy), not {self.device!r}")
        check_number("batch_size", self.batch_size, 1, integer=True)

    def folder(self) -> str:
        return SHIPPED if self.model == "shipped" else self.model

    def _ensure(self):
        if not hasattr(self, "net_"):
            cfg, _, tensors = read_shotnet(self.folder())
            self.config_ = cfg
            if self.device is None:
                self.net_ = NumpyShotNet(cfg, tensors)
            else:
                import torch

                net = torch_net(cfg)
                net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
                self.net_ = net.to(self.device).eval()
        return self.net_

    def prepare(self):
        self._ensure()
        return self

    @property
    def frame_size(self) -> tuple[int, int]:  # the model's own input side, so the model is read first
        self._ensure()
        return (self.config_.size, self.config_.size)

    def config(self) -> dict:
        return {"name": self.name, "model": file_id(os.path.join(self.folder(), WEIGHTS))}

    def transform(self, frames: np.ndarray) -> Embeddings:
        net = self._ensure()
        frames = check_frames(frames, self.frame_size)
        if frames.shape[-1] == 1:
            frames = np.repeat(frames, 3, axis=-1)
        out = []
        for i in range(0, len(frames), self.batch_size):
            chunk = np.ascontiguousarray(frames[i : i + self.batch_size])
            if self.device is None:
                out.append(net(chunk))
            else:
                import torch

                with torch.inference_mode():
                    out.append(net(frames_to_tensor(chunk, self.device)).float().cpu().numpy())
        if not out:
            out = [np.zeros((0, self.config_.dim), np.float32)]
        return Embeddings(np.concatenate(out).astype(np.float32))
