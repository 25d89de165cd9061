"""EfficientNet-Lite's forward pass in NumPy, from timm's ``tf_efficientnet_lite*`` weights.

Why: a one-shot ``index query`` spent 4 s and 1.1 GB importing torch and timm to embed one
picture. The same network in NumPy starts in a fraction of a second and lets the core install
(no torch) search a library. Its features equal timm's to float32 rounding
(``tests/encoders/test_efficientnet_lite.py`` holds them to it), so a library built with torch
answers queries embedded here, and the other way round.

The architecture is read off the weights (stages, blocks, widths, kernel sizes); only what the
weights cannot say is fixed here: the stage strides, ReLU6, BatchNorm's eps and TensorFlow's
"same" padding for strided convolutions. BatchNorm is folded into the convolutions at load.
Arrays are NHWC float32, so a 1x1 convolution is one matrix product.
"""
from __future__ import annotations

import re

import numpy as np

from latentcut.errors import CheckpointError

STAGE_STRIDES = (1, 2, 2, 2, 1, 2, 1)  #: the EfficientNet family's, which the weights do not record
BN_EPS = 1e-3  #: TensorFlow's BatchNorm eps, which timm's tf_ models keep
MEAN = STD = 0.5  #: tf_efficientnet_lite*'s input normalisation (timm's pretrained config)


def _fold(t: dict, conv: str, bn: str) -> tuple[np.ndarray, np.ndarray]:
    """A convolution's weight (O, I, kh, kw) and its BatchNorm as one weight and bias."""
    try:
        w = np.asarray(t[f"{conv}.weight"], np.float32)
        scale = np.asarray(t[f"{bn}.weight"], np.float32) / np.sqrt(np.asarray(t[f"{bn}.running_var"], np.float32) + BN_EPS)
        bias = np.asarray(t[f"{bn}.bias"], np.float32) - np.asarray(t[f"{bn}.running_mean"], np.float32) * scale
    except KeyError as exc:
        raise CheckpointError(f"not EfficientNet-Lite weights: {exc} is missing") from None
    return w * scale[:, None, None, None], bias


def _same_pad(size: int, k: int, stride: int) -> tuple[int, int]:
    """TensorFlow's "same" padding (timm's Conv2dSame): the extra pixel goes after, not before."""
    if stride == 1:
        return k // 2, k // 2
    total = max((-(-size // stride) - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def _pad(x: np.ndarray, k: int, stride: int) -> np.ndarray:
    (t, b), (lft, r) = _same_pad(x.shape[1], k, stride), _same_pad(x.shape[2], k, stride)
    return np.pad(x, ((0, 0), (t, b), (lft, r), (0, 0)))


class _Pointwise:
    def __init__(self, w: np.ndarray, b: np.ndarray, relu: bool):
        self.w, self.b, self.relu = np.ascontiguousarray(w[:, :, 0, 0].T), b, relu

    def __call__(self, x: np.ndarray) -> np.ndarray:
        n, h, w, c = x.shape
        y = x.reshape(-1, c) @ self.w
        y += self.b
        if self.relu:
            np.clip(y, 0.0, 6.0, out=y)
        return y.reshape(n, h, w, -1)


class _Depthwise:
    def __init__(self, w: np.ndarray, b: np.ndarray, stride: int):
        self.w, self.b, self.stride, self.k = np.ascontiguousarray(w[:, 0].transpose(1, 2, 0)), b, stride, w.shape[-1]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        s, k = self.stride, self.k
        n, h, w, c = x.shape
        oh, ow = -(-h // s), -(-w // s)
        xp = _pad(x, k, s)
        y = np.empty((n, oh, ow, c), np.float32)
        y[:] = self.b
        tmp = np.empty_like(y)  # one buffer for every tap, not a new array each
        for dy in range(k):
            for dx in range(k):
                np.multiply(xp[:, dy : dy + (oh - 1) * s + 1 : s, dx : dx + (ow - 1) * s + 1 : s], self.w[dy, dx], out=tmp)
                y += tmp
        return np.clip(y, 0.0, 6.0, out=y)


class _Stem:
    """The first 3x3 stride-2 convolution, as patches times a matrix."""

    def __init__(self, w: np.ndarray, b: np.ndarray):
        self.k = w.shape[-1]
        self.w, self.b = np.ascontiguousarray(w.transpose(2, 3, 1, 0).reshape(-1, w.shape[0])), b

    def __call__(self, x: np.ndarray) -> np.ndarray:
        k, n, h, w, c = self.k, *x.shape
        oh, ow = -(-h // 2), -(-w // 2)
        xp = _pad(x, k, 2)
        cols = np.concatenate([xp[:, dy : dy + (oh - 1) * 2 + 1 : 2, dx : dx + (ow - 1) * 2 + 1 : 2]
                               for dy in range(k) for dx in range(k)], axis=-1)
        y = cols.reshape(-1, k * k * c) @ self.w
        y += self.b
        return np.clip(y, 0.0, 6.0, out=y).reshape(n, oh, ow, -1)


class EfficientNetLite:
    """``net(x)``: (B, H, W, 3) float32 in [0, 1] -> (B, num_features) pooled features."""

    def __init__(self, tensors: dict):
        t = tensors
        self.stem = _Stem(*_fold(t, "conv_stem", "bn1"))
        self.blocks: list[tuple[list, bool]] = []  # (layers, residual)
        names = sorted({tuple(map(int, m.groups())) for k in t if (m := re.match(r"blocks\.(\d+)\.(\d+)\.", k))})
        if not names:
            raise CheckpointError("not EfficientNet-Lite weights: no blocks.S.B layers")
        for stage, block in names:
            if stage >= len(STAGE_STRIDES):
                raise CheckpointError(f"not EfficientNet-Lite weights: stage {stage} (Lite has {len(STAGE_STRIDES)})")
            p = f"blocks.{stage}.{block}"
            stride = STAGE_STRIDES[stage] if block == 0 else 1
            if f"{p}.conv_pwl.weight" in t:  # inverted residual: expand, depthwise, project
                expand, dw, project = _fold(t, f"{p}.conv_pw", f"{p}.bn1"), _fold(t, f"{p}.conv_dw", f"{p}.bn2"), \
                    _fold(t, f"{p}.conv_pwl", f"{p}.bn3")
                layers = [_Pointwise(*expand, relu=True), _Depthwise(*dw, stride), _Pointwise(*project, relu=False)]
                c_in, c_out = expand[0].shape[1], project[0].shape[0]
            else:  # depthwise separable: depthwise, project
                dw, project = _fold(t, f"{p}.conv_dw", f"{p}.bn1"), _fold(t, f"{p}.conv_pw", f"{p}.bn2")
                layers = [_Depthwise(*dw, stride), _Pointwise(*project, relu=False)]
                c_in, c_out = dw[0].shape[0], project[0].shape[0]
            self.blocks.append((layers, stride == 1 and c_in == c_out))
        self.depths = tuple(sum(1 for s, _ in names if s == stage) for stage in range(max(s for s, _ in names) + 1))
        self.head = _Pointwise(*_fold(t, "conv_head", "bn2"), relu=True)
        self.num_features = self.head.w.shape[1]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = self.stem((np.asarray(x, np.float32) - MEAN) / STD)
        for layers, residual in self.blocks:
            y = x
            for layer in layers:
                y = layer(y)
            x = x + y if residual else y
        return self.head(x).mean(axis=(1, 2))
