"""The 3D-convolution in-betweener: configuration, networks, training that resumes exactly, the
model folder, the methods, the metrics, and the command line."""
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from latentcut.cli import main  # noqa: E402
from latentcut.errors import CheckpointError  # noqa: E402
from latentcut.inbetween.config import InbetweenConfig, InbetweenTrainOptions  # noqa: E402
from latentcut.inbetween.folder import load_generator  # noqa: E402
from latentcut.inbetween.methods import Conv3dInbetween, LinearBlend  # noqa: E402
from latentcut.inbetween.metrics import frechet, psnr, ssim  # noqa: E402
from latentcut.inbetween.model import ImageDiscriminator, Inbetweener, VideoDiscriminator  # noqa: E402
from latentcut.inbetween.training import train_inbetween  # noqa: E402

TINY = dict(size=32, frames=8, channels=4, base=4, units=1)


def clips(n=6, t=8, s=32, seed=0):
    """Moving squares on a gradient: the middle frames follow from the ends."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, t, s, s, 3), np.uint8)
    for i in range(n):
        bg = rng.integers(30, 200, 3)
        for k in range(t):
            out[i, k] = bg
            x = 2 + k * 2
            out[i, k, 10:18, x : x + 8] = 255 - bg
    return out


@pytest.mark.parametrize("kw,message", [({"fusion": "mixed"}, "fusion must be one of"), ({"size": 48}, "size must be"),
                                        ({"frames": 6, "stages": 3}, "divisible by 2^(stages-1) = 4"),
                                        ({"channels": 0}, "channels must be 1..1024")])
def test_bad_configs(kw, message):
    with pytest.raises(ValueError) as err:
        InbetweenConfig(**kw)
    assert message in str(err.value)


@pytest.mark.parametrize("fusion", ["gated", "additive", "naive"])
def test_networks_keep_the_key_frames_and_shapes(fusion):
    cfg = InbetweenConfig(fusion=fusion, **TINY)
    gen = Inbetweener(cfg)
    a, b = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    v = gen(a, b)
    assert v.shape == (2, 3, 8, 32, 32)
    assert torch.equal(v[:, :, 0], a) and torch.equal(v[:, :, -1], b)
    assert ((v >= 0) & (v <= 1)).all()
    assert VideoDiscriminator(cfg)(v).shape == (2, 1) and ImageDiscriminator(cfg)(v[:, :, 3]).shape == (2, 1)
    assert (gen.latent is None) == (fusion == "naive")
    names = {n for n, _ in gen.named_parameters()}
    assert any("gate_s" in n for n in names) == (fusion == "gated")


def test_gates_fuse_the_key_frames():
    """With the gates saturated open toward the start frame, the unit's input is its encoding."""
    from latentcut.inbetween.model import GatedUnit

    unit = GatedUnit(2, "gated", noise=0.0)
    for conv, bias in ((unit.gate_s, 50.0), (unit.gate_e, -50.0)):
        torch.nn.init.zeros_(conv.weight)
        torch.nn.init.constant_(conv.bias, bias)
    seen = {}
    unit.k1.register_forward_hook(lambda m, inp, out: seen.setdefault("z_in", inp[0]))
    z, e_s, e_e = torch.rand(1, 2, 4, 8, 8), torch.full((1, 2, 1, 8, 8), 3.0), torch.full((1, 2, 1, 8, 8), -3.0)
    unit(z, e_s, e_e)
    assert torch.allclose(seen["z_in"], e_s.expand_as(z), atol=1e-5)


def test_training_resumes_exactly_and_the_folder_loads(tmp_path):
    cfg = InbetweenConfig(**TINY)
    data = clips()
    opts = lambda n: InbetweenTrainOptions(steps=n, batch=2, save_every=2, seed=3)  # noqa: E731
    whole = train_inbetween(data, cfg, opts(4), str(tmp_path / "whole"), progress=False)
    train_inbetween(data, cfg, opts(2), str(tmp_path / "parts"), progress=False)
    resumed = train_inbetween(data, cfg, opts(4), str(tmp_path / "parts"), resume=True, progress=False)
    assert resumed["step"] == whole["step"] == 4
    g1, _ = load_generator(str(tmp_path / "whole"))
    g2, _ = load_generator(str(tmp_path / "parts"))
    for (n, p1), (_, p2) in zip(g1.state_dict().items(), g2.state_dict().items()):
        assert torch.equal(p1, p2), n
    assert sorted(f for f in os.listdir(tmp_path / "whole") if not f.startswith(".")) == ["config.json", "manifest.json", "model.safetensors",
                                                      "optimizer.safetensors", "training.json"]
    with pytest.raises(CheckpointError, match="another configuration"):
        train_inbetween(data, InbetweenConfig(**dict(TINY, channels=8)), opts(6), str(tmp_path / "whole"), resume=True)
    with pytest.raises(ValueError, match="clips must be"):
        train_inbetween(data[:, :4], cfg, opts(1), str(tmp_path / "x"))


def test_model_folders_of_other_kinds_and_damage_are_refused(tmp_path):
    cfg = InbetweenConfig(**TINY)
    train_inbetween(clips(), cfg, InbetweenTrainOptions(steps=1, batch=2), str(tmp_path / "m"), progress=False)
    from importlib import resources

    vae = str(resources.files("latentcut.encoders.vae").joinpath("models/repro-vae-v1"))
    with pytest.raises(CheckpointError, match="architecture"):
        load_generator(vae)
    w = tmp_path / "m" / "model.safetensors"
    w.write_bytes(w.read_bytes()[:100])
    with pytest.raises(CheckpointError):
        load_generator(str(tmp_path / "m"))


def test_methods_give_the_frames_between():
    a, b = np.zeros((32, 32, 3), np.uint8), np.full((32, 32, 3), 200, np.uint8)
    mid = LinearBlend().inbetween(a, b, 3)
    assert mid.shape == (3, 32, 32, 3) and mid[:, 0, 0, 0].tolist() == [50, 100, 150]


def test_conv3d_method_resamples_to_any_count(tmp_path):
    cfg = InbetweenConfig(**TINY)
    train_inbetween(clips(), cfg, InbetweenTrainOptions(steps=1, batch=2), str(tmp_path / "m"), progress=False)
    m = Conv3dInbetween(str(tmp_path / "m"))
    c = clips()[0]
    six = m.inbetween(c[0], c[-1], 6)
    assert six.shape == (6, 32, 32, 3) and six.dtype == np.uint8
    assert np.array_equal(six, m.inbetween(c[0], c[-1], 6))  # seeded: the same frames each time
    assert m.inbetween(c[0], c[-1], 3).shape == (3, 32, 32, 3)
    whole = m.clips(c[None, 0], c[None, -1])[0]
    assert np.array_equal(whole[0], c[0]) and np.array_equal(whole[1:-1], six)


def test_metrics():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (32, 32, 3)).astype(np.uint8)
    assert ssim(a, a) == pytest.approx(1.0) and psnr(a, a) == float("inf")
    assert psnr(np.zeros((4, 4)), np.full((4, 4), 255.0)) == pytest.approx(0.0)
    assert psnr(np.zeros((4, 4)), np.full((4, 4), 25.5)) == pytest.approx(20.0)
    noisy = np.clip(a + rng.normal(0, 40, a.shape), 0, 255)
    assert 0 < ssim(a, noisy) < 0.9 and ssim(a, noisy) > ssim(a, 255 - a)
    f = rng.normal(size=(500, 8))
    assert frechet(f, f) == pytest.approx(0.0, abs=1e-6)
    assert frechet(f, f + 2.0) == pytest.approx(4.0 * 8, rel=1e-6)


def test_cli_trains_and_inbetweens(tmp_path, capsys):
    from conftest import write_video

    frames = [f for c in clips(n=3, t=40, s=64, seed=1) for f in c]
    v = write_video(tmp_path / "v.mp4", frames)
    model = tmp_path / "model"
    assert main(["train-inbetween", v, "-o", str(model), "--size", "32", "--frames", "8", "--channels", "4",
                 "--base", "4", "--steps", "2", "--batch", "2", "-q"]) == 0
    assert (model / "model.safetensors").exists()
    out = tmp_path / "tween"
    assert main(["inbetween", f"{v}@3", f"{v}@10", "--method", "3dconv", "--model", str(model), "--steps", "4",
                 "--endpoints", "-o", str(out)]) == 0
    assert sorted(f for f in os.listdir(out) if not f.startswith(".")) == [f"inbetween_{i:03d}.png" for i in range(6)]
    assert "6 in-between frames" in capsys.readouterr().out
    assert main(["inbetween", f"{v}@3", f"{v}@10", "--method", "3dconv", "--model", str(tmp_path), "-o", str(out)]) == 2
    assert "latentcut: error:" in capsys.readouterr().err
