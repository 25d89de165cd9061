"""The shotnet architecture, once for training (torch) and once for inference (NumPy).

A small convolutional trunk in the Repro-VAE paper's shape (3x3 convolutions, LeakyReLU, 2x2
average pooling, widths doubling) ends in a 4x4 map; the head reads it as a whole (the mean over
the map) and as a 2x2 layout (where things are), and projects both to a unit vector. The weights
are a handful of arrays, so inference needs nothing but NumPy: the core install and a one-shot
query do not pay for importing torch. No batch normalisation, so the two forward passes are the
same arithmetic and a frame's vector does not depend on its batch.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

ARCHITECTURE = "latentcut.shotnet/1"
NEGATIVE_SLOPE = 0.2
#: frames are scaled to [0, 1], then centred and scaled so the first layer starts near unit variance
INPUT_MEAN, INPUT_STD = 0.5, 0.25


@dataclass(frozen=True)
class ShotNetConfig:
    """What the network is: everything a model folder's config needs to rebuild it."""

    size: int = 64  #: input side: frames are squashed to size x size (the library strips borders first)
    widths: tuple = (24, 48, 96, 192)  #: channels of the four convolutions
    dim: int = 128  #: the embedding's dimensions

    def __post_init__(self):
        if self.size % 16 or self.size < 16:
            raise ValueError(f"size must be a multiple of 16 (four 2x2 poolings), not {self.size}")
        if len(self.widths) != 4 or any(int(w) < 1 for w in self.widths):
            raise ValueError(f"widths must be four positive channel counts, not {self.widths}")
        if int(self.dim) < 1:
            raise ValueError(f"dim must be positive, not {self.dim}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["widths"] = list(self.widths)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ShotNetConfig":
        return cls(size=int(d["size"]), widths=tuple(int(w) for w in d["widths"]), dim=int(d["dim"]))

    @property
    def head_inputs(self) -> int:
        return 5 * self.widths[-1]  # the map's mean, and its four quarters


def parameter_shapes(config: ShotNetConfig) -> dict[str, tuple]:
    """Every weight's name and shape, in torch's layout (what a model file must hold)."""
    shapes, c = {}, 3
    for i, w in enumerate(config.widths):
        shapes[f"conv{i}.weight"] = (w, c, 3, 3)
        shapes[f"conv{i}.bias"] = (w,)
        c = w
    shapes["head.weight"] = (config.dim, config.head_inputs)
    shapes["head.bias"] = (config.dim,)
    return shapes


# -- NumPy --------------------------------------------------------------------------------------------

def _conv3x3(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(B, H, W, C) -> (B, H, W, O), zero padding 1; ``weight`` is (9C, O) in (dy, dx, c) order."""
    b, h, w, c = x.shape
    xp = np.zeros((b, h + 2, w + 2, c), x.dtype)
    xp[:, 1:-1, 1:-1] = x
    cols = np.empty((b, h, w, 9 * c), x.dtype)
    for k, (dy, dx) in enumerate((dy, dx) for dy in range(3) for dx in range(3)):
        cols[..., k * c : (k + 1) * c] = xp[:, dy : dy + h, dx : dx + w]
    out = cols.reshape(-1, 9 * c) @ weight
    out += bias
    return out.reshape(b, h, w, -1)


def _leaky_pool(x: np.ndarray) -> np.ndarray:
    np.maximum(x, NEGATIVE_SLOPE * x, out=x)
    b, h, w, c = x.shape
    return x.reshape(b, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def head_features(m: np.ndarray) -> np.ndarray:
    """(B, 4, 4, C) map -> (B, 5C): its mean, then its 2x2 quarters' means (row by row)."""
    b, h, w, c = m.shape
    quarters = m.reshape(b, 2, h // 2, 2, w // 2, c).mean(axis=(2, 4)).reshape(b, 4 * c)
    return np.concatenate([m.mean(axis=(1, 2)), quarters], axis=1)


class NumpyShotNet:
    """The forward pass in NumPy: (B, size, size, 3) uint8 -> (B, dim) unit vectors, float32."""

    def __init__(self, config: ShotNetConfig, tensors: dict[str, np.ndarray]):
        self.config = config
        self.convs = []
        for i in range(4):
            w = np.asarray(tensors[f"conv{i}.weight"], np.float32)  # (O, C, 3, 3)
            self.convs.append((np.ascontiguousarray(w.transpose(2, 3, 1, 0).reshape(-1, w.shape[0])),
                               np.asarray(tensors[f"conv{i}.bias"], np.float32)))
        self.head_w = np.ascontiguousarray(np.asarray(tensors["head.weight"], np.float32).T)
        self.head_b = np.asarray(tensors["head.bias"], np.float32)

    #: frames a pass: the im2col buffers of a few frames stay in the CPU's cache (measured 6 times
    #: faster at 8-16 frames than at 512)
    chunk = 16

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        if len(frames) > self.chunk:
            return np.concatenate([self(frames[i : i + self.chunk]) for i in range(0, len(frames), self.chunk)])
        x = (frames.astype(np.float32) * (1.0 / (255.0 * INPUT_STD))) - INPUT_MEAN / INPUT_STD
        for weight, bias in self.convs:
            x = _leaky_pool(_conv3x3(x, weight, bias))
        z = head_features(x) @ self.head_w + self.head_b
        n = np.linalg.norm(z, axis=1, keepdims=True)
        return z / np.maximum(n, 1e-12)


# -- torch (training, and inference on CUDA) ----------------------------------------------------------

def torch_net(config: ShotNetConfig):
    """The same network as a torch module (imported only here: inference does not need torch)."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class ShotNet(nn.Module):
        def __init__(self):
            super().__init__()
            c = 3
            for i, w in enumerate(config.widths):
                setattr(self, f"conv{i}", nn.Conv2d(c, w, 3, padding=1))
                c = w
            self.head = nn.Linear(config.head_inputs, config.dim)

        def forward(self, x):  # (B, 3, H, W) in [0, 1]
            x = (x - INPUT_MEAN) / INPUT_STD
            for i in range(4):
                x = F.avg_pool2d(F.leaky_relu(getattr(self, f"conv{i}")(x), NEGATIVE_SLOPE), 2)
            q = F.adaptive_avg_pool2d(x, 2).permute(0, 2, 3, 1).reshape(len(x), -1)  # quarters, row by row
            z = self.head(torch.cat([x.mean(dim=(2, 3)), q], dim=1))
            return F.normalize(z, dim=1)

    return ShotNet()
