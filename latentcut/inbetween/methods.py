"""In-betweening methods behind one call: ``frames = method.inbetween(first, last, n)``, each giving
the ``n`` frames strictly between two key frames as (n, S, S, 3) uint8 at the method's size."""
from __future__ import annotations

import numpy as np
import torch

from latentcut.inbetween.folder import load_generator
from latentcut.inbetween.training import to_video


class LinearBlend:
    """The pixels cross-faded: the floor every method must clear."""

    name = "linear blend"

    def __init__(self, size: int = 64):
        self.size = size

    def inbetween(self, first: np.ndarray, last: np.ndarray, n: int) -> np.ndarray:
        w = np.linspace(0, 1, n + 2)[1:-1, None, None, None]
        return np.round((1 - w) * first.astype(np.float64) + w * last.astype(np.float64)).astype(np.uint8)


class LatentInterpolation:
    """A VAE's latents of the key frames interpolated and decoded (the Repro-VAE, by default)."""

    name = "VAE latent interpolation"

    def __init__(self, encoder):
        self.encoder = encoder
        self.size = encoder.frame_size[0]

    def inbetween(self, first, last, n):
        return self.encoder.interpolate(first, last, n, endpoints=False)


class Conv3dInbetween:
    """The 3D-convolution in-betweener of a model folder (:func:`latentcut.inbetween.folder.load_generator`)."""

    name = "3D convolutions"

    def __init__(self, folder: str, device: str = "cpu", seed: int = 0):
        self.gen, self.cfg = load_generator(folder, device)
        self.device, self.seed = device, seed
        self.size = self.cfg.size

    def inbetween(self, first, last, n):
        """The model makes ``frames - 2`` in-betweens; other counts are resampled from its clip in time."""
        clip = self.clips(first[None], last[None])[0]
        inner = clip[1:-1]
        if n == len(inner):
            return inner
        pos = np.linspace(0, len(clip) - 1, n + 2)[1:-1]
        lo = np.floor(pos).astype(int)
        w = (pos - lo)[:, None, None, None]
        hi = np.minimum(lo + 1, len(clip) - 1)
        return np.round((1 - w) * clip[lo] + w * clip[hi]).astype(np.uint8)

    @torch.inference_mode()
    def clips(self, firsts: np.ndarray, lasts: np.ndarray) -> np.ndarray:
        """Whole clips (B, T, S, S, 3) uint8 for batches of key frames (B, S, S, 3)."""
        torch.manual_seed(self.seed)
        x_s = to_video(firsts[:, None], self.device)[:, :, 0]
        x_e = to_video(lasts[:, None], self.device)[:, :, 0]
        v = self.gen(x_s, x_e)
        return (v.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 4, 1).cpu().numpy()
