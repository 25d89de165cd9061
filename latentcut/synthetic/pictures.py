"""Seeded synthetic pictures like cel art: the yardstick's reference set and the tests' image generator."""
from __future__ import annotations

import numpy as np

_N_IMAGES = 16


def synthetic_pictures(size: tuple[int, int], n: int = _N_IMAGES, seed: int = 0) -> np.ndarray:
    """(n, H, W, 3) uint8: smooth random colour fields with a few hard-edged shapes, like cel art."""
    rng = np.random.default_rng(seed)
    h, w = size
    out = np.empty((n, h, w, 3), np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    for i in range(n):
        coarse = rng.uniform(0, 255, (4, 4, 3))
        iy = np.linspace(0, 3, h)
        ix = np.linspace(0, 3, w)
        # bilinear upsampling of a 4x4 grid: soft background shading
        y0 = np.minimum(iy.astype(int), 2)
        x0 = np.minimum(ix.astype(int), 2)
        fy = (iy - y0)[:, None, None]
        fx = (ix - x0)[None, :, None]
        c00 = coarse[y0][:, x0]
        c01 = coarse[y0][:, x0 + 1]
        c10 = coarse[y0 + 1][:, x0]
        c11 = coarse[y0 + 1][:, x0 + 1]
        img = (1 - fy) * ((1 - fx) * c00 + fx * c01) + fy * ((1 - fx) * c10 + fx * c11)
        for _ in range(3):
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            r = rng.uniform(0.1, 0.35) * min(h, w)
            mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
            img[mask] = rng.uniform(0, 255, 3)
        out[i] = np.clip(img, 0, 255).astype(np.uint8)
    return out
