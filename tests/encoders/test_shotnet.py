"""shotnet: the NumPy forward pass is the torch network's, model folders are checked, the encoder's
vectors are unit length and batch-independent, and training draws pairs from one shot."""
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcut.encoders import create_encoder
from latentcut.encoders.shotnet import SHIPPED, NumpyShotNet, ShotNetConfig, ShotNetEncoder, read_shotnet, write_shotnet
from latentcut.encoders.shotnet.model import ARCHITECTURE, head_features, parameter_shapes, torch_net
from latentcut.errors import CheckpointError
from latentcut.retrieval.shotnet_training import Augment, Footage, ShotNetTraining, sample_pairs, train_shotnet

SMALL = ShotNetConfig(size=32, widths=(4, 6, 8, 10), dim=12)


def _net(config=SMALL, seed=0):
    import torch

    torch.manual_seed(seed)
    return torch_net(config)


def _state(net):
    return {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}


def test_numpy_forward_is_the_torch_network():
    import torch

    net = _net()
    frames = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    with torch.no_grad():
        want = net(torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255).numpy()
    got = NumpyShotNet(SMALL, _state(net))(frames)
    assert got.shape == (5, 12) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=2e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_parameter_shapes_name_every_weight():
    assert {k: tuple(v.shape) for k, v in _net().state_dict().items()} == parameter_shapes(SMALL)


def test_head_reads_the_mean_and_the_four_quarters_in_order():
    m = np.zeros((1, 4, 4, 1), np.float32)
    m[0, :2, 2:, 0] = 4.0  # top right quarter only
    np.testing.assert_allclose(head_features(m), [[1.0, 0.0, 4.0, 0.0, 0.0]])


@pytest.mark.parametrize("bad", [{"size": 40}, {"widths": (4, 4, 4)}, {"dim": 0}])
def test_config_refuses_a_network_that_cannot_be(bad):
    with pytest.raises(ValueError):
        ShotNetConfig(**bad)


def test_model_folder_round_trip_and_refusals(tmp_path):
    net = _net()
    cfg = {"architecture": ARCHITECTURE, "model": SMALL.to_dict()}
    write_shotnet(str(tmp_path / "m"), cfg, _state(net))
    got, full, tensors = read_shotnet(str(tmp_path / "m"))
    assert got == SMALL and full["model"] == SMALL.to_dict()
    enc = ShotNetEncoder(model=str(tmp_path / "m"))
    assert enc.frame_size == (32, 32)
    frames = np.random.default_rng(1).integers(0, 256, (7, 32, 32, 3), dtype=np.uint8)
    np.testing.assert_allclose(enc.transform(frames).mean, NumpyShotNet(SMALL, _state(net))(frames), atol=1e-6)
    # another network's weights under this config
    other = {k: v for k, v in _state(_net(ShotNetConfig(size=32, widths=(4, 6, 8, 11), dim=12))).items()}
    write_shotnet(str(tmp_path / "wrong"), cfg, other)
    with pytest.raises(CheckpointError, match="do not fit"):
        read_shotnet(str(tmp_path / "wrong"))
    write_shotnet(str(tmp_path / "arch"), {**cfg, "architecture": "something-else"}, _state(net))
    with pytest.raises(CheckpointError, match="architecture"):
        read_shotnet(str(tmp_path / "arch"))
    with pytest.raises(CheckpointError):
        ShotNetEncoder(model=str(tmp_path / "missing")).prepare()


def test_shipped_encoder_is_unit_length_batch_independent_and_empty_safe():
    enc = create_encoder("shotnet")
    frames = np.random.default_rng(2).integers(0, 256, (9, *enc.frame_size, 3), dtype=np.uint8)
    whole = enc.transform(frames).mean
    parts = np.concatenate([ShotNetEncoder(batch_size=2).transform(frames).mean])
    np.testing.assert_allclose(whole, parts, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(whole, axis=1), 1.0, atol=1e-5)
    assert enc.transform(frames[:0]).mean.shape == (0, whole.shape[1])
    grey = enc.transform(frames[..., :1]).mean  # a grey picture is its grey repeated in three channels
    np.testing.assert_allclose(grey, enc.transform(np.repeat(frames[..., :1], 3, axis=-1)).mean, atol=1e-6)


def test_shipped_model_records_its_recipe():
    _, full, _ = read_shotnet(SHIPPED)
    t = full["training"]
    assert t["steps_done"] > 0 and t["history"] and t["videos"] and t["seed"] == 0
    assert os.path.getsize(os.path.join(SHIPPED, "model.safetensors")) < 5 * 2**20


def test_inference_does_not_import_torch():
    code = ("import sys, numpy as np; from latentcut.encoders import create_encoder; e = create_encoder('shotnet'); "
            "e.transform(np.zeros((2, *e.frame_size, 3), np.uint8)); assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def _footage(lengths=((5, 3, 9), (4, 4), (12,)), side=80):
    rng = np.random.default_rng(0)
    frames, shots = [], []
    for video in lengths:
        n = sum(video)
        frames.append(rng.integers(0, 256, (n, side, side, 3), dtype=np.uint8))
        edges = np.cumsum((0,) + video)
        shots.append(np.stack([edges[:-1], edges[1:]], 1))
    return Footage(frames, shots, [f"v{i}" for i in range(len(lengths))])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), batch=st.integers(1, 8), neighbour=st.integers(0, 5), per=st.integers(1, 4))
def test_pairs_come_from_one_shot_and_the_shots_of_a_step_differ(seed, batch, neighbour, per):
    fo = _footage()
    opts = ShotNetTraining(batch=batch, neighbour=neighbour, videos_per_step=per)
    pairs = sample_pairs(fo, opts, np.random.default_rng(seed))
    assert 1 <= len(pairs) <= batch
    seen = set()
    for v, a, b in pairs:
        shot = next(tuple(s) for s in fo.shots[v] if s[0] <= a < s[1])
        assert shot[0] <= b < shot[1] and abs(a - b) <= neighbour
        assert (v, shot) not in seen
        seen.add((v, shot))


def test_augment_keeps_the_range_and_gives_the_input_size():
    import torch

    aug = Augment(32, "cpu", np.random.default_rng(0))
    x = torch.rand(16, 3, 80, 80)
    y = aug(x)
    assert y.shape == (16, 3, 32, 32) and float(y.min()) >= 0 and float(y.max()) <= 1
    assert not torch.allclose(y, aug(x))  # each call draws new changes


def test_training_learns_to_pair_views_of_one_frame(tmp_path):
    fo = _footage(((6,) * 6, (6,) * 6))
    opts = ShotNetTraining(steps=60, batch=8, videos_per_step=2, lr=3e-3, neighbour=0)
    state, cfg = train_shotnet([], SMALL, opts, progress=False, footage=fo)
    assert cfg["training"]["steps_done"] == 60 and cfg["training"]["history"][-1]["step"] == 60
    first, last = cfg["training"]["history"][0]["loss"], cfg["training"]["history"][-1]["loss"]
    assert last < first  # InfoNCE of 8 pairs starts near log 8
    write_shotnet(str(tmp_path / "m"), cfg, state)
    assert read_shotnet(str(tmp_path / "m"))[0] == SMALL
    with pytest.raises(ValueError):
        ShotNetTraining(batch=0)
    with pytest.raises(ValueError, match="device"):
        ShotNetTraining(device="gpu")
