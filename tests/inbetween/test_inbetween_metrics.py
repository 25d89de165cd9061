"""The in-betweening metrics against independent computations (numpy only, in mutmut's selection)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import arrays

from latentcut.inbetween.metrics import frechet, psnr, ssim

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process


def _window(sigma: float = 1.5) -> np.ndarray:
    """Wang et al.'s 11-tap Gaussian, normalised."""
    t = np.arange(-5, 6, dtype=np.float64)
    w = np.exp(-t * t / (2 * sigma * sigma))
    return w / w.sum()


def _blur(x: np.ndarray) -> np.ndarray:
    w = _window()
    p = np.pad(x, 5, mode="symmetric")  # scipy's "reflect" edge (the edge sample repeated)
    rows = np.stack([np.convolve(r, w, mode="valid") for r in p])
    return np.stack([np.convolve(c, w, mode="valid") for c in rows.T]).T


def _ssim_reference(x: np.ndarray, y: np.ndarray, peak: float = 255.0) -> float:
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    mx, my = _blur(x), _blur(y)
    vx, vy, cxy = _blur(x * x) - mx**2, _blur(y * y) - my**2, _blur(x * y) - mx * my
    return float(np.mean((2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2))))


def _luma(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.float64)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def test_ssim_matches_a_direct_11_tap_computation_on_grey_and_colour():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (24, 20, 3)).astype(np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-40, 41, a.shape), 0, 255).astype(np.uint8)
    want = _ssim_reference(_luma(a), _luma(b))
    assert 0.2 < want < 0.99
    assert ssim(a, b) == pytest.approx(want, rel=1e-9)
    assert ssim(_luma(a), _luma(b)) == pytest.approx(want, rel=1e-9)
    # the luma weights matter: swapping red and blue changes the answer
    assert ssim(a[..., ::-1], b[..., ::-1]) != pytest.approx(want, rel=1e-6)


def test_ssim_peak_sets_the_constants():
    rng = np.random.default_rng(1)
    a, b = rng.random((16, 16)), rng.random((16, 16))
    assert ssim(a, b, peak=1.0) == pytest.approx(_ssim_reference(a, b, peak=1.0), rel=1e-9)
    assert ssim(a, b, peak=1.0) != pytest.approx(ssim(a, b), rel=1e-3)


def test_ssim_of_flat_frames_is_their_luminance_term():
    a, b = np.full((12, 12), 100.0), np.full((12, 12), 50.0)
    c1 = (0.01 * 255) ** 2
    assert ssim(a, b) == pytest.approx((2 * 100 * 50 + c1) / (100**2 + 50**2 + c1), rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(arrays(np.uint8, (12, 13)), arrays(np.uint8, (12, 13)))
def test_ssim_is_symmetric_bounded_and_one_only_for_equal_frames(a, b):
    s = ssim(a, b)
    assert s == pytest.approx(ssim(b, a), abs=1e-12)
    assert -1 - 1e-9 <= s <= 1 + 1e-9
    assert ssim(a, a) == pytest.approx(1.0, abs=1e-12)
    if not np.array_equal(a, b):
        assert s < 1 - 1e-12


def test_psnr_is_ten_log_of_peak_squared_over_mse():
    a = np.zeros((4, 5, 3))
    b = a.copy()
    b[0, 0, 0] = 30.0
    mse = 900.0 / a.size
    assert psnr(a, b) == pytest.approx(10 * np.log10(255.0**2 / mse), rel=1e-12)
    assert psnr(a, b, peak=1.0) == pytest.approx(10 * np.log10(1.0 / mse), rel=1e-12)
    assert psnr(b, b) == float("inf")
    # integers do not wrap around: uint8 0 - 255 is -255, not 1
    assert psnr(np.zeros((2, 2), np.uint8), np.full((2, 2), 255, np.uint8)) == pytest.approx(0.0, abs=1e-12)


def test_frechet_of_gaussians_with_diagonal_covariances_has_the_closed_form():
    rng = np.random.default_rng(2)
    f1 = rng.normal(size=(400, 3)) * np.array([1.0, 2.0, 0.5]) + np.array([1.0, 0.0, -1.0])
    f2 = rng.normal(size=(300, 3)) * np.array([3.0, 1.0, 1.0])
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    # the same formula by eigen-decomposition of a symmetric product, independent of sqrtm
    r1 = _sym_sqrt(s1)
    cross = _sym_sqrt(r1 @ s2 @ r1)
    want = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(cross)
    got = frechet(f1, f2)
    assert got == pytest.approx(want, rel=1e-8)
    assert got == pytest.approx(frechet(f2, f1), rel=1e-8)
    assert frechet(f1, f1) == pytest.approx(0.0, abs=1e-8)
    # a shift adds its squared length, a scale by 2 multiplies the trace term by 1 (sqrt of 4 is 2)
    assert frechet(f1, f1 + np.array([3.0, 4.0, 0.0])) == pytest.approx(25.0, rel=1e-8)
    c = f1 - mu1
    assert frechet(c, 2 * c) == pytest.approx(np.trace(s1) * (1 + 4 - 4), rel=1e-8)


def _sym_sqrt(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(m)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T
