"""MPEG-7's Colour Layout Descriptor: the zigzag, the DCT, the weights, and that L2 on the
vectors is the weighted distance and cosine (with the anchor) ranks as L2 does."""
import numpy as np
import pytest

from latentcut.encoders import create_encoder
from latentcut.encoders.colorlayout import COEFFICIENTS, _dct_matrix, _weights, _zigzag
from latentcut.errors import LatentcutError

pytestmark = pytest.mark.mutation


def test_zigzag_and_dct():
    z = _zigzag()
    assert z[:10].tolist() == [0, 1, 8, 16, 9, 2, 3, 10, 17, 24] and sorted(z.tolist()) == list(range(64))
    d = _dct_matrix()
    np.testing.assert_allclose(d @ d.T, np.eye(8), atol=1e-12)  # orthonormal
    np.testing.assert_allclose(d[0], np.full(8, 1 / np.sqrt(8)))
    assert _weights().tolist() == [2, 2, 2] + [1] * 18 + [2] + [1] * 5 + [4, 2, 2, 1, 1, 1]


def test_a_flat_frame_is_its_dc_only():
    enc = create_encoder("colorlayout,anchor=0")
    grey = np.full((1, 32, 32, 3), 255, np.uint8)
    d = enc.descriptors(grey)[0]
    assert d.shape == (sum(COEFFICIENTS),)
    assert d[0] == pytest.approx(8 * 0.5, abs=1e-5)  # white: luma 1.0, centred 0.5, DC = 8 x mean
    assert np.abs(np.delete(d, [0, 21, 27])).max() < 1e-5  # no AC, no chroma on white
    red = np.zeros((1, 32, 32, 3), np.uint8)
    red[..., 0] = 255
    r = enc.descriptors(red)[0]
    assert r[27] == pytest.approx(8 * 0.5, abs=1e-4) and r[21] == pytest.approx(8 * -0.168736, abs=1e-4)


def test_a_left_right_split_is_the_first_horizontal_ac():
    enc = create_encoder("colorlayout,anchor=0")
    f = np.zeros((1, 32, 32, 3), np.uint8)
    f[:, :, :16] = 255
    d = enc.descriptors(f)[0]
    assert abs(d[1]) > 1.0 and abs(d[2]) < 1e-5  # zigzag 1 is (0, 1): horizontal frequency
    q = enc.set_params(quantize=True).descriptors(f)[0]
    assert np.allclose(q[1:21] / (8 / 32), np.round(q[1:21] / (8 / 32))) and q[0] == pytest.approx(0.0, abs=1e-6)


def test_l2_is_the_weighted_distance_and_cosine_ranks_as_it():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (40, 32, 32, 3), np.uint8)
    plain = create_encoder("colorlayout,anchor=0")
    d = plain.descriptors(frames)
    v = plain.transform(frames).mean
    w = _weights()
    np.testing.assert_allclose(((v[0] - v[1:]) ** 2).sum(1), (w * (d[0] - d[1:]) ** 2).sum(1), rtol=1e-4)
    # layouts drifting away from a first one: cosine with the anchor must rank them as L2 does
    base = rng.uniform(80, 176, (8, 8, 3))
    # a smooth drift (brighter left, redder top): the descriptor keeps only low frequencies
    yy, xx = np.mgrid[0:8, 0:8]
    drift = np.stack([np.cos(np.pi * (xx + 0.5) / 8) + 0.5 * np.cos(np.pi * (yy + 0.5) / 8),
                      np.cos(np.pi * (xx + 0.5) / 8), -np.cos(np.pi * (yy + 0.5) / 8)], axis=-1)
    layouts = np.stack([base + 2 * k * drift for k in rng.permutation(40)])  # in 0-255: nothing clipped
    frames = np.repeat(np.repeat(layouts, 4, axis=1), 4, axis=2).astype(np.uint8)
    a = create_encoder("colorlayout").transform(frames).mean  # anchored: cosine
    assert a.shape == (40, 34) and (a[:, -1] == 64).all()
    u = a / np.linalg.norm(a, axis=1, keepdims=True)
    v = plain.transform(frames).mean
    assert (np.argsort(-(u[1:] @ u[0])) == np.argsort(((v[1:] - v[0]) ** 2).sum(1))).all()


def test_quantized_is_the_descriptor_on_mpeg7s_steps_and_the_dtypes_are_float32():
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, (6, 32, 32, 3), np.uint8)
    u = create_encoder("colorlayout").descriptors(frames)
    q = create_encoder("colorlayout,quantize=true").descriptors(frames)
    steps = np.full(33, 8 / 32)
    steps[[0, 21, 27]] = 8 / 64  # the three DCs
    np.testing.assert_allclose(q, np.round(u / steps) * steps, atol=1e-6)
    assert u.dtype == q.dtype == np.float32 and u.shape == (6, 33)
    v = create_encoder("colorlayout").transform(frames).mean
    assert v.dtype == np.float32
    np.testing.assert_allclose(v[:, :33], u * np.sqrt(_weights()), rtol=1e-6)


def test_bad_settings_name_themselves():
    for spec, says in (("colorlayout,anchor=-1", "anchor must be >= 0"), ("colorlayout,quantize=3", "quantize")):
        with pytest.raises((LatentcutError, ValueError, TypeError), match=says):
            create_encoder(spec).check_params()
