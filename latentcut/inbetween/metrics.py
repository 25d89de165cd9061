"""How close in-betweens come to the real frames: SSIM and PSNR per frame, and a Fréchet distance
between the feature distributions of generated and real frames (FID's formula, here on the
scene library's lite0 features: EfficientNet-Lite0 with its shipped 256-d PCA)."""
from __future__ import annotations

import numpy as np
from scipy import linalg
from scipy.ndimage import gaussian_filter


def _luma(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x @ np.array([0.299, 0.587, 0.114]) if x.ndim == 3 else x


def ssim(a: np.ndarray, b: np.ndarray, sigma: float = 1.5, peak: float = 255.0) -> float:
    """Structural similarity of two frames (H, W[, 3]) on luma, Wang et al.'s constants and an
    11-tap Gaussian window (sigma 1.5)."""
    x, y = _luma(a), _luma(b)
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    f = lambda z: gaussian_filter(z, sigma, truncate=3.5)  # noqa: E731 - 11 taps at sigma 1.5
    mx, my = f(x), f(y)
    vx, vy, cxy = f(x * x) - mx * mx, f(y * y) - my * my, f(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(s.mean())


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(peak * peak / mse)


def frechet(f1: np.ndarray, f2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^1/2) between two sets of feature vectors."""
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    root, _ = linalg.sqrtm(s1 @ s2, disp=False)
    root = root.real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * root))
