import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from latentcut import create_thresholder, list_thresholders
from latentcut.detection.spacing import min_spacing_frames
from latentcut.detection.thresholders import kmeans_1d_split, local_contrast
from latentcut.errors import ThresholdError

curves = arrays(np.float64, st.integers(2, 200), elements=st.floats(0, 10, allow_nan=False))


@given(curves, st.data())
def test_top_n_returns_exactly_n_distinct_cuts(scores, data):
    n = data.draw(st.integers(0, len(scores) - 1))
    cuts = create_thresholder(f"top-n,n={n},min_shot_len=1").fit_predict(scores)
    assert len(cuts) == n == len(set(cuts.tolist()))
    assert all(1 <= c < len(scores) for c in cuts)
    if n:
        rest = np.delete(scores, np.r_[0, cuts])
        assert rest.size == 0 or scores[cuts].min() >= rest.max()


@settings(max_examples=80)
@given(curves, st.sampled_from(["top-n", "kmeans", "fixed", "adaptive"]), st.integers(1, 30))
def test_every_thresholder_respects_min_shot_length(scores, name, min_len):
    spec = f"{name},min_shot_len={min_len}"
    if name == "top-n":
        spec += ",n=1"
    if name == "fixed":
        spec += f",value={float(np.median(scores))}"
    cuts = create_thresholder(spec).fit_predict(scores, fps=25.0, scale=1.0)
    assert np.all(np.diff(cuts) >= min_len)
    assert np.all(cuts >= 1) and np.all(cuts < len(scores))


def test_min_shot_length_in_seconds():
    assert min_spacing_frames("0.5s", 24) == 12
    assert min_spacing_frames(15, 24) == 15
    assert min_spacing_frames("10", 24) == 10
    scores = np.zeros(100)
    scores[[20, 25, 60]] = [1.0, 2.0, 1.0]
    cuts = create_thresholder("fixed,value=0.5,min_shot_len=0.5s").fit_predict(scores, fps=24)
    assert cuts.tolist() == [25, 60]  # 20 lies within half a second of the stronger 25


def test_top_n_too_many_is_a_clear_error():
    with pytest.raises(ThresholdError, match="only 4 frame pairs"):
        create_thresholder("top-n,n=9").fit_predict(np.ones(5))
    with pytest.raises(ThresholdError, match="cannot place 3 cuts"):
        create_thresholder("top-n,n=3,min_shot_len=10").fit_predict(np.ones(12))


def test_adaptive_ignores_motion_and_finds_isolated_jump():
    rng = np.random.default_rng(0)
    s = 0.01 + 0.005 * rng.random(300)
    s[100:140] += 0.12  # a burst of fast motion, with no cut in it
    s[200] = 0.5  # a cut in a calm stretch
    s[120] = 0.5  # a cut in the middle of the motion, well above it
    cuts = create_thresholder("adaptive").fit_predict(s, fps=25, scale=1.0)
    assert cuts.tolist() == [120, 200]


def test_kmeans_needs_no_threshold_and_finds_nothing_without_cuts():
    rng = np.random.default_rng(1)
    s = 0.02 + 0.01 * rng.random(400)
    assert create_thresholder("kmeans").fit_predict(s, fps=25, scale=0.25).tolist() == []
    s[[50, 150, 300]] = [0.3, 0.25, 0.35]
    assert create_thresholder("kmeans").fit_predict(s, fps=25, scale=0.25).tolist() == [50, 150, 300]


@given(arrays(np.float64, st.integers(2, 50), elements=st.floats(-5, 5)))
def test_kmeans_split_lies_between_extremes(v):
    split = kmeans_1d_split(v)
    if v.max() > v.min():
        assert v.min() <= split <= v.max()
    else:
        assert split is None


def test_local_contrast_held_frames_are_not_jumps():
    s = np.zeros(60)
    s[3::3] = 0.1  # anime on threes: a drawing change every third frame
    c = local_contrast(s, 6, floor=0.001)
    assert c[30] < 1.5


def test_registry_lists_builtins_and_rejects_nan():
    assert {"top-n", "kmeans", "fixed", "adaptive"} <= set(list_thresholders())
    with pytest.raises(ThresholdError, match="NaN"):
        create_thresholder("fixed").fit(np.array([0.0, np.nan, 1.0]))


def test_rapid_runs_of_cuts_survive_the_minimum_shot_length():
    from latentcut.detection.thresholders import AdaptiveThreshold

    # a fan-edit run: cuts every 3 frames over still frames, then calm; motion elsewhere
    s = np.full(120, 0.02)
    run = list(range(40, 70, 3))
    s[run] = 1.0
    s[90:100] = 0.6  # fast motion: every frame moves a lot
    plain = AdaptiveThreshold(min_shot_len="0.3s").fit_predict(s, 25.0, 1.0)
    rapid = AdaptiveThreshold(min_shot_len="0.3s", rapid_ratio=5.0).fit_predict(s, 25.0, 1.0)
    assert len(plain) < len(run)  # the minimum shot length and the contrast rule drop most of the run
    assert set(run) <= set(rapid.tolist()) and not set(range(90, 100)) & set(rapid.tolist())
    assert AdaptiveThreshold(rapid_ratio=None).rapid(s).sum() == 0
    assert AdaptiveThreshold(rapid_ratio=5.0).rapid(s, 25.0, 1.0)[run].all()
