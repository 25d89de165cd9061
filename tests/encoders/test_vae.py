"""Repro-VAE / beta-VAE: loss terms, training, checkpoints, resume, self-training, in-betweening."""
import json
import os

import numpy as np
import pytest
import torch
from conftest import clip, needs_shared

import latentcut
from latentcut.errors import PluginError
from latentcut.encoders import create_encoder
from latentcut.cli import main
from latentcut.encoders.vae import VAEConfig, VAEEncoder, build_model, kl_diag, moment_matched_mean, vae_loss
from latentcut.encoders.vae.training import TrainOptions, train_vae
from latentcut.errors import CheckpointError, LatentcutError

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process

TINY = dict(size=16, hidden="8/16", latent_dim=4)


def tiny_frames(n=48, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (4, 16, 16, 3))
    return np.clip(base.repeat(n // 4, 0) + rng.integers(-10, 10, (n, 16, 16, 3)), 0, 255).astype(np.uint8)


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENTCUT_CACHE_DIR", str(tmp_path / "cache"))


def test_default_architecture_is_the_papers():
    net = build_model(VAEConfig())
    convs = [m for m in net.encoder if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [32, 64, 128, 256] and all(c.kernel_size == (3, 3) and c.stride == (1, 1) for c in convs)
    assert sum(isinstance(m, torch.nn.AvgPool2d) for m in net.encoder) == 4
    assert net.fc_mu.out_features == 10 and net.fc_mu.in_features == 256 * 4 * 4
    assert not any(isinstance(m, (torch.nn.BatchNorm2d, torch.nn.Tanh)) for m in net.modules())
    assert net(torch.rand(2, 3, 64, 64))[0].shape == (2, 3, 64, 64)


def test_tiny_model_loss_falls():
    enc = VAEEncoder(epochs=8, batch_size=16, lr=3e-3, **TINY).fit(tiny_frames(), progress=False)
    losses = [h["loss"] for h in enc.history_]
    assert losses[-1] < 0.7 * losses[0]
    emb = enc.transform(tiny_frames(8))
    assert emb.mean.shape == (8, 4) and emb.logvar.shape == (8, 4)


class _Identity(torch.nn.Module):
    """Reconstructs perfectly, so the reconstruction encodes to exactly the input's Gaussian."""

    def forward(self, x):
        mu, lv = self.encode(x)
        return x, mu, lv

    def encode(self, x):
        m = x.mean(dim=(2, 3))
        return m, torch.log(1 + x.std(dim=(2, 3)))


def test_reprojection_term_is_zero_when_reconstruction_encodes_to_the_same_gaussian():
    x = torch.rand(5, 3, 8, 8)
    terms = vae_loss(_Identity(), x, VAEConfig(input_size=16, hidden=(8, 16), tau=200.0))
    assert float(terms["repro"]) == pytest.approx(0.0, abs=1e-6)
    assert float(terms["recon"]) == 0.0
    mu, lv = torch.randn(3, 4), torch.randn(3, 4)
    assert torch.allclose(kl_diag(mu, lv, mu, lv), torch.zeros(3), atol=1e-6)
    assert (kl_diag(mu, lv, mu + 1, lv) > 0).all()


def test_reprojection_gradient_reaches_decoder_not_target():
    cfg = VAEConfig(input_size=16, hidden=(8, 16), latent_dim=3, beta=0.0, tau=1.0)
    net = build_model(cfg)
    x = torch.rand(4, 3, 16, 16)
    mu, lv = net.encode(x)
    loss = kl_diag(mu.detach(), lv.detach(), *net.encode(net.decode(mu))).mean()
    loss.backward()
    assert net.decoder[0].weight.grad.abs().sum() > 0  # through x-hat into the decoder


def test_moment_matched_average():
    mu, lv = moment_matched_mean(torch.tensor([[0.0]]), torch.tensor([[0.0]]), torch.tensor([[2.0]]), torch.tensor([[0.0]]))
    assert float(mu) == 1.0 and float(lv.exp()) == pytest.approx(2.0)  # 0.5 (1 + 1) + (2/2)^2


def test_inbetweening_term_trains():
    cfg = VAEConfig(input_size=16, hidden=(8, 16), latent_dim=4, alpha=1.0)
    net, hist = train_vae(cfg, tiny_frames(), TrainOptions(epochs=2, batch_size=12), progress=False)
    assert "tween" in hist[-1] and np.isfinite(hist[-1]["tween"])


def test_save_load_round_trip_gives_identical_embeddings(tmp_path):
    enc = VAEEncoder(epochs=2, batch_size=16, **TINY).fit(tiny_frames(), progress=False)
    enc.save(tmp_path / "m")
    again = VAEEncoder.load(str(tmp_path / "m"))
    f = tiny_frames(12, seed=3)
    a, b = enc.transform(f), again.transform(f)
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.logvar, b.logvar)
    np.testing.assert_array_equal(enc.reference_embeddings().mean, again.reference_embeddings().mean)
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["architecture"] == "latentcut.conv-vae" and cfg["model"]["latent_dim"] == 4


def test_resume_continues_and_matches_an_uninterrupted_run(tmp_path):
    cfg = VAEConfig(input_size=16, hidden=(8, 16), latent_dim=4)
    frames = tiny_frames()
    opts = lambda e: TrainOptions(epochs=e, batch_size=16, seed=1)  # noqa: E731
    _, h2 = train_vae(cfg, frames, opts(2), out_dir=str(tmp_path / "a"), progress=False)  # "interrupted" after 2
    net_resumed, h4 = train_vae(cfg, frames, opts(4), out_dir=str(tmp_path / "a"), resume=True, progress=False)
    assert [h["epoch"] for h in h4] == [1, 2, 3, 4] and h4[:2] == h2
    net_straight, _ = train_vae(cfg, frames, opts(4), out_dir=str(tmp_path / "b"), progress=False)
    for (k, v), (_, w) in zip(net_resumed.state_dict().items(), net_straight.state_dict().items()):
        assert torch.equal(v, w), k  # seeded and reproducible on the CPU, across a resume
    with pytest.raises(CheckpointError, match="another configuration"):
        train_vae(VAEConfig(input_size=16, hidden=(8, 16), latent_dim=5), frames, opts(5), out_dir=str(tmp_path / "a"),
                  resume=True, progress=False)


def test_bad_checkpoints_are_refused_clearly(tmp_path):
    enc = VAEEncoder(epochs=1, batch_size=16, **TINY).fit(tiny_frames(), progress=False)
    enc.save(tmp_path / "m")
    cfg_path = tmp_path / "m" / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["model"]["latent_dim"] = 7
    cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="damaged: config.json does not match the folder's manifest"):
        VAEEncoder.load(str(tmp_path / "m"))
    os.unlink(tmp_path / "m" / "manifest.json")  # a folder made by hand, or by another tool
    with pytest.raises(CheckpointError, match="do not fit the architecture.*shape mismatch"):
        VAEEncoder.load(str(tmp_path / "m"))
    cfg["architecture"] = "someone-elses-gan"
    cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="architecture 'someone-elses-gan'"):
        VAEEncoder.load(str(tmp_path / "m"))
    enc.save(tmp_path / "m")
    w = tmp_path / "m" / "model.safetensors"
    w.write_bytes(w.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="damaged: model.safetensors does not match"):
        VAEEncoder.load(str(tmp_path / "m"))
    os.unlink(tmp_path / "m" / "manifest.json")
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        VAEEncoder.load(str(tmp_path / "m"))
    torch.save({"evil": torch.zeros(1)}, w)  # a pickle: must be refused, never unpickled
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        VAEEncoder.load(str(tmp_path / "m"))
    with pytest.raises(CheckpointError, match="no such model folder"):
        VAEEncoder.load(str(tmp_path / "nothing"))


@needs_shared
def test_cli_self_trains_detects_and_reuses_the_cached_model(tmp_path, capsys):
    spec = "repro-vae,model=self,size=32,hidden=16/32/64,epochs=4,max_frames=256"
    out = tmp_path / "o.json"
    assert main(["detect", clip("anime-issue236.mkv"), "--encoder", spec, "-q", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["settings"]["distance"] == "gaussian-kl"
    assert [c["frame"] for c in doc["cuts"]] == [19]
    models = os.listdir(os.path.join(os.environ["LATENTCUT_CACHE_DIR"], "models"))
    assert len(models) == 1
    det = latentcut.ShotDetector(spec, progress=False)
    det.detect(clip("anime-issue236.mkv"))
    assert not hasattr(det.encoder, "history_")  # loaded from the cache, not trained again


@needs_shared
def test_cli_train_detect_with_model_and_inbetween(tmp_path, capsys):
    from PIL import Image

    m = str(tmp_path / "model")
    v = clip("anime-issue236.mkv")
    assert main(["train", v, "-o", m, "--epochs", "2", "--batch-size", "16", "--size", "32"]) == 0
    assert main(["detect", v, "--encoder", "repro-vae", "--model", m, "-q", "-o", str(tmp_path / "o.json")]) == 0
    assert main(["inbetween", f"{v}@3", f"{v}@1.5s", "--model", m, "--steps", "3", "-o", str(tmp_path / "ib")]) == 0
    pngs = sorted(f for f in os.listdir(tmp_path / "ib") if not f.startswith("."))
    assert len(pngs) == 3 and Image.open(tmp_path / "ib" / pngs[0]).size == (128, 128)
    capsys.readouterr()
    assert main(["detect", v, "--encoder", "pixel", "--model", m]) == 2  # pixel takes no model
    assert "bad parameters for encoder 'pixel'" in capsys.readouterr().err


def test_a_diverging_run_stops_with_a_clear_error_and_keeps_the_last_good_epoch(tmp_path, monkeypatch):
    from latentcut.encoders.vae import training

    real = training.vae_loss
    calls = {"n": 0}

    def flaky(net, x, cfg, **kw):
        terms = real(net, x, cfg, **kw)
        calls["n"] += 1
        if calls["n"] > 4:  # the second epoch goes bad
            terms["loss"] = terms["loss"] * float("nan")
        return terms

    monkeypatch.setattr(training, "vae_loss", flaky)
    enc = VAEEncoder(epochs=3, batch_size=32, **TINY)
    out = tmp_path / "m"
    with pytest.raises(LatentcutError, match=r"diverged in epoch 2 .*nan.*last finished epoch is kept.*lower learning rate"):
        enc.fit(tiny_frames()[:128], out_dir=str(out), progress=False)
    kept = VAEEncoder.load(str(out))
    assert kept.is_fitted() and json.loads((out / "training.json").read_text())["epoch"] == 1



def test_gradient_clipping_bounds_each_step_and_is_part_of_the_resume_contract(tmp_path, monkeypatch):
    cfg = VAEConfig(input_size=16, hidden=(8, 16), latent_dim=4)
    frames = tiny_frames()
    norms = []
    real = torch.nn.utils.clip_grad_norm_

    def spy(params, max_norm, *a, **kw):
        params = list(params)
        total = real(params, max_norm, *a, **kw)
        after = torch.norm(torch.stack([p.grad.norm() for p in params if p.grad is not None]))
        norms.append((float(total), float(after), max_norm))
        return total

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", spy)
    opts = TrainOptions(epochs=1, batch_size=16, seed=1, clip_grad=0.5)
    train_vae(cfg, frames, opts, out_dir=str(tmp_path / "a"), progress=False)
    assert norms and all(m == 0.5 and after <= 0.5 * 1.001 for _, after, m in norms)
    assert any(total > 0.5 for total, _, _ in norms)  # it did clip something
    n = len(norms)
    train_vae(cfg, frames, TrainOptions(epochs=1, batch_size=16, seed=1), out_dir=str(tmp_path / "b"), progress=False)
    assert len(norms) == n  # off by default
    with pytest.raises(CheckpointError, match=r"clip_grad 0.5 -> 2.0"):
        train_vae(cfg, frames, TrainOptions(epochs=2, batch_size=16, seed=1, clip_grad=2.0), out_dir=str(tmp_path / "a"),
                  resume=True, progress=False)
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(LatentcutError, match="clip_grad"):
            train_vae(cfg, frames, TrainOptions(epochs=1, clip_grad=bad), progress=False)


def test_training_off_a_terminal_prints_one_status_line_per_epoch(tmp_path, capsys):
    cfg = VAEConfig(input_size=16, hidden=(8, 16), latent_dim=4)
    train_vae(cfg, tiny_frames(), TrainOptions(epochs=2, batch_size=16), out_dir=str(tmp_path / "m"))
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("latentcut: train: epoch")]
    assert len(lines) == 2 and lines[0].startswith("latentcut: train: epoch 1/2: ") and "val_loss" in lines[1]
    assert str(tmp_path / "m") in lines[1]
    train_vae(cfg, tiny_frames(), TrainOptions(epochs=1, batch_size=16), progress=False)
    assert "train: epoch" not in capsys.readouterr().err


def test_the_default_repro_vae_uses_the_shipped_model_and_model_self_trains(tmp_path, monkeypatch):
    from latentcut.encoders.vae import encoder as vae_encoder
    from latentcut.encoders.vae.encoder import BetaVAEEncoder, shipped_folder

    # a stand-in for the packaged folder, so the rule is tested whatever this install ships
    fake = tmp_path / "shipped"
    VAEEncoder(epochs=1, batch_size=16, **TINY).fit(tiny_frames(), progress=False).save(fake)
    monkeypatch.setattr(vae_encoder, "shipped_folder", lambda name: str(fake) if name == "repro-vae" else None)
    enc = VAEEncoder()
    assert enc.model_folder() == str(fake) and enc.is_fitted() and enc.frame_size == (16, 16)
    assert enc.config()["model"] == str(fake)
    assert enc.transform(tiny_frames(4)).mean.shape == (4, 4)
    assert VAEEncoder(model="shipped").model_folder() == str(fake)
    # the choice is explicit: spelling out a default keeps the shipped model, another recipe needs model=self
    assert VAEEncoder(tau=200).model_folder() == str(fake)
    assert create_encoder("repro-vae,tau=200,hidden=32/64/128/256,latent_dim=10").model_folder() == str(fake)
    with pytest.raises(LatentcutError, match="latent_dim=5 does not apply to the shipped model.*add model=self"):
        VAEEncoder(latent_dim=5).model_folder()
    with pytest.raises(PluginError, match="epochs=3 does not apply to the shipped model"):
        create_encoder("repro-vae,epochs=3")
    with pytest.raises(PluginError, match="does not apply to the model in"):
        create_encoder(f"repro-vae,model={fake},latent_dim=5")
    assert VAEEncoder(model="self", latent_dim=5).model_folder() is None
    assert VAEEncoder(model="self").model_folder() is None and not VAEEncoder(model="self").is_fitted()
    assert BetaVAEEncoder().model_folder() is None
    with pytest.raises(LatentcutError, match="ships no trained model"):
        BetaVAEEncoder(model="shipped").model_folder()
    # device and cache do not change the embedding space
    assert VAEEncoder(device="cpu", cache=False).model_folder() == str(fake)
    monkeypatch.setattr(vae_encoder, "shipped_folder", lambda name: str(tmp_path / "missing"))
    for enc in (VAEEncoder(), VAEEncoder(model="shipped")):  # an install without it says so
        with pytest.raises(LatentcutError, match="ships no trained model"):
            enc.model_folder()
    assert shipped_folder("beta-vae") is None and shipped_folder("repro-vae").endswith("repro-vae-v1")


def test_a_run_cut_short_by_its_budget_says_so(capsys):
    cfg = VAEConfig(input_size=16, hidden=(8, 16), latent_dim=4)
    # a budget of ~0 minutes: the first epoch's first step ends it
    _, hist = train_vae(cfg, tiny_frames(), TrainOptions(epochs=5, batch_size=12, max_minutes=1e-9), progress=True)
    assert len(hist) == 1
    err = capsys.readouterr().err
    assert "stopped by the 1e-09-minute budget after 1 of 5 epochs" in err
