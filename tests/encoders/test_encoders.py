import numpy as np
import pytest

import latentcut
from latentcut import Embeddings, Encoder, create_encoder
from latentcut.errors import PluginError
from latentcut.registry import parse_spec
from latentcut.scoring.yardstick import reference_scale
from latentcut.synthetic.pictures import synthetic_pictures


def test_pixel_encoder_options():
    frames = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    e = create_encoder("pixel").transform(frames)
    assert e.mean.shape == (5, 32 * 32 * 3) and e.logvar is None
    assert np.allclose(e.mean.reshape(5, -1, 3).mean(axis=1), 0, atol=1e-5)  # centred per channel
    raw = create_encoder("pixel,center=false").transform(frames)
    assert raw.mean.max() <= 1.0 and raw.mean.min() >= 0.0
    gray = create_encoder("pixel,color=false,size=16x8")
    assert gray.frame_size == (8, 16) and gray.color == "gray"
    assert gray.transform(frames[:, :8, :16]).dim == 128
    with pytest.raises(ValueError, match="expected frames of shape"):
        create_encoder("pixel").transform(frames[:, :10])


def test_flat_colour_change_is_invisible_to_centred_pixels():
    a = np.full((1, 32, 32, 3), 60, np.uint8)
    b = np.full((1, 32, 32, 3), 200, np.uint8)
    enc = create_encoder("pixel")
    assert latentcut.create_distance("l1").pairwise(enc.transform(a), enc.transform(b))[0] == pytest.approx(0, abs=1e-4)


def test_spec_parsing_and_errors():
    assert parse_spec("timm:resnet18,weights=a.safetensors,size=224") == (
        "timm", ["resnet18"], {"weights": "a.safetensors", "size": 224})
    assert parse_spec("fixed,value=0.5,min-shot-len=0.5s") == ("fixed", [], {"value": 0.5, "min_shot_len": "0.5s"})
    with pytest.raises(PluginError, match="expected key=value"):
        parse_spec("fixed,0.5")
    with pytest.raises(PluginError, match="unknown encoder 'nope'; known: beta-vae, colorlayout, lite0, pixel, repro-vae, shotnet"):
        create_encoder("nope")
    assert repr(create_encoder("pixel,size=64,center=false")) == "pixel,size=64,center=False"


def test_reference_scale_is_stable_and_positive():
    imgs = synthetic_pictures((32, 32))
    assert imgs.shape == (16, 32, 32, 3) and imgs.std() > 20
    enc, dist = create_encoder("pixel"), latentcut.create_distance("l1")
    assert reference_scale(enc, dist) == pytest.approx(reference_scale(create_encoder("pixel"), dist))
    assert 0.1 < reference_scale(enc, dist) < 0.5


class MeanFrame(Encoder):
    """Learns the video's mean frame and embeds each frame's difference from it."""

    name = "mean-frame"
    requires_fit = True

    def __init__(self):
        self.frame_size = (16, 16)

    def fit(self, frames):
        self.mean_ = frames.reshape(len(frames), -1).mean(0) / 255.0
        return self

    def transform(self, frames):
        return Embeddings(frames.reshape(len(frames), -1) / 255.0 - self.mean_)


def test_trainable_encoder_is_fitted_on_the_video_by_the_detector(cut_video):
    enc = MeanFrame()
    assert not enc.is_fitted()
    r = latentcut.ShotDetector(enc, gradual=False, progress=False).detect(cut_video)
    assert enc.is_fitted() and enc.mean_.shape == (16 * 16 * 3,)
    assert r.cut_frames == [24, 48]
