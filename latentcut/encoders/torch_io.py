"""Torch helpers the encoders share: where to run, and frames as network input."""
from __future__ import annotations

import numpy as np


def frames_to_tensor(frames, device=None):
    """(B, H, W, C) uint8, as an array or a tensor -> (B, C, H, W) float in [0, 1], channels_last
    (faster here and on GPUs). The uint8 frames move to ``device`` before they grow fourfold."""
    import torch

    t = frames if isinstance(frames, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(frames))
    if device is not None and t.device != torch.device(device):
        t = t.to(device, non_blocking=True)
    return t.permute(0, 3, 1, 2).float().div_(255.0).contiguous(memory_format=torch.channels_last)


def is_device(device) -> bool:
    """Whether ``device`` names one torch can run on: ``cpu``, ``cuda`` or ``cuda:N`` (checked
    without importing torch, where parameters are set)."""
    return device in ("cpu", "cuda") or str(device).startswith("cuda:")


def pick_device(device: str | None = None) -> str:
    import torch

    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"
