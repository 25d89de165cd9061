"""The learned boundary detector: synthetic edits, features, the NumPy network against torch, model folders, peaks."""
import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcut.detection.learned import (
    FEATURE_NAMES,
    BoundaryModel,
    BoundaryModelConfig,
    LearnedThreshold,
    curve_features,
    peaks,
    shipped_model_dir,
)
from latentcut.errors import CheckpointError, LatentcutError, ThresholdError
from latentcut.evaluation.labels import Interval
from latentcut.synthetic.transitions import NEGATIVES, apply_negative, splice


def _shots(rng, n=6, size=(16, 16)):
    out = []
    for _ in range(n):
        base = rng.integers(0, 256, (1, *size, 3))
        length = int(rng.integers(3, 30))
        drift = rng.integers(-3, 4, (length, 1, 1, 3)).cumsum(0)
        out.append(np.clip(base + drift, 0, 255).astype(np.uint8))
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_splice_keeps_every_frame_accounted_and_labels_inside_the_sequence(seed):
    rng = np.random.default_rng(seed)
    shots = _shots(rng)
    seq = splice(shots, rng)
    n = len(seq.frames)
    assert seq.frames.dtype == np.uint8 and seq.frames.shape[1:] == shots[0].shape[1:]
    assert len(seq.kinds) == len(seq.boundaries) >= len(shots) - 1
    # every boundary lies inside the sequence, in order, with the labels.json interval convention
    los = [b.lo for b in seq.boundaries]
    assert los == sorted(los) and all(0 < b.lo <= b.hi <= n for b in seq.boundaries)
    assert all((b.kind == "gradual") == (b.hi > b.lo) for b in seq.boundaries)
    # no frames are lost or invented: shots minus the frames transitions blend away plus inserts
    assert n >= sum(len(s) for s in shots) - sum(b.hi - b.lo for b in seq.boundaries) * 2


def test_a_hard_cut_is_labelled_on_the_first_frame_of_the_new_shot():
    rng = np.random.default_rng(0)
    a = np.zeros((10, 8, 8, 3), np.uint8)
    b = np.full((7, 8, 8, 3), 200, np.uint8)
    seq = splice([a, b], rng, transition_weights=[1, 0, 0, 0, 0, 0], negative_rate=0.0)
    assert seq.boundaries == [Interval(10, 10)] and seq.kinds == ["cut"]
    assert (seq.frames[:10] == 0).all() and (seq.frames[10:] == 200).all()


def test_a_dissolve_spans_exactly_its_mixed_frames():
    rng = np.random.default_rng(3)
    a = np.zeros((30, 8, 8, 3), np.uint8)
    b = np.full((30, 8, 8, 3), 240, np.uint8)
    for _ in range(5):
        seq = splice([a, b], rng, transition_weights=[0, 1, 0, 0, 0, 0], negative_rate=0.0)
        (iv,) = seq.boundaries
        mixed = np.flatnonzero((seq.frames[:, 0, 0, 0] > 0) & (seq.frames[:, 0, 0, 0] < 240))
        assert iv.kind == "gradual" and mixed.min() == iv.lo and mixed.max() == iv.hi - 1
        assert len(seq.frames) == 60 - (iv.hi - iv.lo)  # a dissolve overlaps its two shots


def test_short_shots_and_cards_make_two_cuts():
    rng = np.random.default_rng(1)
    a, b = np.zeros((12, 8, 8, 3), np.uint8), np.full((12, 8, 8, 3), 99, np.uint8)
    seq = splice([a, b], rng, transition_weights=[0, 0, 0, 0, 0, 1], negative_rate=0.0)
    first, second = seq.boundaries
    assert first == Interval(12, 12) and 1 <= second.lo - first.lo <= 3 and seq.kinds == ["card", "card"]
    assert (seq.frames[second.lo:] == 99).all()


@pytest.mark.parametrize("kind", NEGATIVES[1:])
def test_in_shot_changes_keep_the_shot_length_and_change_something(kind):
    rng = np.random.default_rng(5)
    frames = (np.linspace(0, 255, 20 * 16 * 16 * 3).reshape(20, 16, 16, 3) % 256).astype(np.uint8)
    out, at = apply_negative(frames, kind, rng)
    assert out.shape == frames.shape and 1 <= at < len(frames)
    assert not np.array_equal(out, frames)


def _curve(n=80, cuts=(20, 50)):
    from latentcut.embeddings import Embeddings
    from latentcut.scoring.curves import score_curve
    from latentcut.scoring.distances import create_distance

    rng = np.random.default_rng(0)
    rows, level = [], rng.normal(size=8)
    for i in range(n):
        if i in cuts:
            level = rng.normal(size=8) * 3
        rows.append(level + 0.01 * rng.normal(size=8))
    return score_curve(Embeddings(np.array(rows, np.float32)), create_distance("l1"), 6, np.arange(n), np.arange(n) / 25)


def test_features_are_finite_scale_free_and_see_the_cuts():
    c = _curve()
    f = curve_features(c, 1.0, 25.0)
    assert f.shape == (80, len(FEATURE_NAMES)) and f.dtype == np.float32 and np.isfinite(f).all()
    assert (f[0] == 0).all()
    step = f[:, FEATURE_NAMES.index("step")]
    assert set(np.argsort(step)[-2:]) == {20, 50}
    # the same curve in other units (a distance 10x larger, and its yardstick) gives the same features
    big = type(c)(c.indices, c.times, c.raw * 10, c.scores * 10, c.span_scores * 10, c.path * 10, c.span_frames)
    np.testing.assert_allclose(curve_features(big, 10.0, 25.0), f, atol=1e-5)
    bad = type(c)(c.indices, c.times, c.raw, c.scores.copy(), c.span_scores, c.path, c.span_frames)
    bad.scores[5] = np.nan
    with pytest.raises(ThresholdError, match="NaN"):
        curve_features(bad, 1.0, 25.0)
    assert curve_features(np.zeros(0), 1.0, 25.0).shape == (0, len(FEATURE_NAMES))


def _random_model(seed=0, hidden=6):
    rng = np.random.default_rng(seed)
    cfg = BoundaryModelConfig(hidden=hidden, dilations=(1, 2, 4))
    return BoundaryModel(cfg, {k: rng.normal(scale=0.5, size=s).astype(np.float32) for k, s in cfg.layer_shapes().items()})


def test_numpy_inference_matches_the_torch_network_it_was_trained_as():
    torch = pytest.importorskip("torch")
    from latentcut.detection.learned_training import _torch_model, _weights_of

    cfg = BoundaryModelConfig(hidden=6, dilations=(1, 2, 4))
    torch.manual_seed(0)
    net = _torch_model(cfg)
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 0.4)
    model = BoundaryModel(cfg, _weights_of(net, cfg))
    x = np.random.default_rng(1).normal(size=(57, cfg.in_channels)).astype(np.float32)
    with torch.no_grad():
        want = net(torch.from_numpy(x.T[None]))[0, 0].numpy()
    np.testing.assert_allclose(model.logits(x), want, rtol=1e-4, atol=1e-4)
    assert model.logits(np.zeros((0, cfg.in_channels))).shape == (0,)


def test_model_folder_round_trip_and_damage(tmp_path):
    m = _random_model()
    m.save(tmp_path / "m")
    back = BoundaryModel.load(tmp_path / "m")
    x = np.random.default_rng(2).normal(size=(30, m.config.in_channels))
    np.testing.assert_array_equal(back.logits(x), m.logits(x))
    assert back.config.dilations == (1, 2, 4)
    cfg_path = tmp_path / "m" / "config.json"
    raw = json.loads(cfg_path.read_text())
    for change, message in (({"architecture": "latentcut.vae"}, "not a boundary model"),
                            ({"features_version": 99}, "feature recipe"), ({"hidden": 7}, "do not fit")):
        cfg_path.write_text(json.dumps({**raw, **change}))
        with pytest.raises(CheckpointError, match=message):
            BoundaryModel.load(tmp_path / "m")
    cfg_path.write_text("{not json")
    with pytest.raises(CheckpointError, match="not readable JSON"):
        BoundaryModel.load(tmp_path / "m")
    cfg_path.write_text(json.dumps(raw))
    (tmp_path / "m" / "model.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(CheckpointError, match="not readable"):
        BoundaryModel.load(tmp_path / "m")
    with pytest.raises(CheckpointError, match="no boundary model"):
        BoundaryModel.load(tmp_path / "nothing")


def test_peaks_one_per_run_two_for_a_confident_pair():
    p = np.array([0, 0.1, 0.6, 0.9, 0.7, 0.1, 0.95, 0.97, 0.1, 0.2, 0.55, 0.1])
    assert peaks(p, 0.5).tolist() == [3, 6, 7, 10]
    assert peaks(p, 0.5, spacing=3).tolist() == [3, 7, 10]
    assert peaks(np.array([0.9, 0.1, 0.2]), 0.5).tolist() == []  # frame 0 is never a cut
    assert peaks(np.zeros(5), 0.5).tolist() == []
    # a pair that is not far above the bar is one boundary, at the stronger frame
    assert peaks(np.array([0, 0.6, 0.7, 0]), 0.5).tolist() == [2]


def test_learned_thresholder_on_a_curve_and_its_errors(tmp_path):
    m = _random_model()
    m.save(tmp_path / "m")
    thr = LearnedThreshold(threshold=0.5, model=str(tmp_path / "m"))
    c = _curve()
    cuts = thr.fit_predict(c, 25.0, 1.0)
    p = thr.decision_function(c, 25.0, 1.0)
    assert p.shape == (80,) and p[0] == 0 and ((0 <= p) & (p <= 1)).all()
    np.testing.assert_array_equal(cuts, peaks(p, 0.5))
    with pytest.raises(ThresholdError, match="fit"):
        LearnedThreshold(model=str(tmp_path / "m")).predict(c)
    with pytest.raises(CheckpointError):
        LearnedThreshold(model=str(tmp_path / "none")).fit(c)
    for bad in (0.0, 1.0, float("nan")):
        with pytest.raises(ValueError):
            LearnedThreshold(threshold=bad).check_params()


@pytest.mark.skipif(not os.path.exists(os.path.join(shipped_model_dir(), "config.json")), reason="no shipped model")
def test_the_shipped_model_loads_and_finds_clear_cuts():
    c = _curve()
    cuts = LearnedThreshold().fit_predict(c, 25.0, 1.0)
    assert {20, 50} <= set(cuts.tolist())


def test_train_detector_command_end_to_end(tmp_path):
    from conftest import colour_frames, write_video

    from latentcut.cli import main

    videos = []
    for k in range(3):
        frames = colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], 30, seed=k)
        videos.append(str(tmp_path / f"v{k}.mp4"))
        write_video(videos[-1], frames)
    out = tmp_path / "model"
    assert main(["train-detector", *videos, "-o", str(out), "--sequences", "12", "--steps", "5", "-q"]) == 0
    m = BoundaryModel.load(out)
    assert m.config.training["steps"] == 5 and m.config.training["videos"] == ["v0.mp4", "v1.mp4", "v2.mp4"]
    # it refuses to write over a folder that holds something
    assert main(["train-detector", *videos, "-o", str(out), "--sequences", "12", "--steps", "5", "-q"]) == 2
    assert main(["detect", videos[0], "--thresholder", f"learned,model={out}", "-o", str(tmp_path / "o.json")]) == 0
    with pytest.raises(LatentcutError):
        from latentcut.cli.train_detector import run

        class A:
            videos = [str(tmp_path / "missing.mp4")]
            output = str(tmp_path / "x")
        run(A)
