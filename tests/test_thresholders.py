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
    if name == "adaptive":
        spec += ",sure_score=none"  # the sure rule yields to 2 frames: tested on its own below
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
    plain = AdaptiveThreshold(min_shot_len="0.3s", sure_score=None).fit_predict(s, 25.0, 1.0)
    rapid = AdaptiveThreshold(min_shot_len="0.3s", rapid_ratio=5.0, sure_score=None).fit_predict(s, 25.0, 1.0)
    assert len(plain) < len(run)  # the minimum shot length and the contrast rule drop most of the run
    assert set(run) <= set(rapid.tolist()) and not set(range(90, 100)) & set(rapid.tolist())
    assert AdaptiveThreshold(rapid_ratio=None).rapid(s).sum() == 0
    assert AdaptiveThreshold(rapid_ratio=5.0).rapid(s, 25.0, 1.0)[run].all()


def test_sure_jumps_are_cuts_whatever_their_neighbourhood():
    from latentcut.detection.thresholders import AdaptiveThreshold

    # a fan-edit run: picture changes every 3 frames, each as big as between unrelated pictures
    s = np.full(120, 0.02)
    run = list(range(40, 70, 3))
    s[run] = 0.9
    s[90:100] = 0.6  # fast motion, below the sure bar
    s[30] = 0.84  # just under 0.85 of the scale, and close to the run: the contrast rule decides
    got = AdaptiveThreshold(min_shot_len="0.3s").fit_predict(s, 25.0, 1.0)
    assert set(run) <= set(got.tolist())
    assert not set(range(88, 102)) & set(got.tolist())
    off = AdaptiveThreshold(min_shot_len="0.3s", sure_score=None).fit_predict(s, 25.0, 1.0)
    assert len(set(run) & set(off.tolist())) < len(run)
    thr = AdaptiveThreshold()
    assert thr.sure(s, 1.0).tolist() == (s >= 0.85).tolist()
    assert AdaptiveThreshold(sure_score=0.5).sure(s, 1.0)[90:100].all()
    assert thr.sure(s, 2.0).sum() == 0  # a fraction of the scale, not of the raw score
    edge = np.zeros(10)
    edge[[0, 4]] = 5.0, 0.85
    assert thr.sure(edge, 1.0).tolist() == [False, False, False, False, True] + [False] * 5
    assert thr.sure(np.array([3.0]), 1.0).tolist() == [False]


def test_sure_rule_without_a_scale_and_the_base_rule_under_it():
    from latentcut.detection.thresholders import AdaptiveThreshold

    thr = AdaptiveThreshold()
    s = np.zeros(50)
    s[10], s[30] = 2.0, 1.0
    # no scale: fractions of the curve's 99.5th percentile (about 1.9 here): 2.0 is sure, 1.0 is not
    ref = max(np.percentile(s[1:], 99.5), 1e-12)
    assert thr.sure(s).tolist() == (s >= 0.85 * ref).tolist() and thr.sure(s)[10] and not thr.sure(s)[30]
    assert not thr.sure(np.zeros(20)).any()  # a flat curve has no jump, sure or not
    assert thr.sure(np.array([0.0, 5.0]), 1.0).tolist() == [False, True]  # two frames make one pair
    from latentcut.detection.thresholders import _yardstick

    assert _yardstick(np.zeros(20), None) == 1e-12 and _yardstick(np.zeros(20), 0.3) == 0.3
    first = np.r_[0.0, 5.0, np.zeros(9)]  # frame 1's jump counts (frame 0 has none)
    assert _yardstick(first, None) == pytest.approx(np.percentile(first[1:], 99.5))
    # the contrast rule still decides with the fps and scale it is given, under the sure rule
    c = np.full(60, 0.01)
    c[[20, 26]] = 0.5
    assert thr.fit_predict(c, 10.0, 1.0).tolist() == [20, 26]  # 0.3 s at 10 fps is 3 frames
    assert len(thr.fit_predict(c, None, 1.0)) == 1  # at 25 fps 0.3 s is 8 frames: one of the two
    assert thr.fit_predict(c, 10.0, 10.0).tolist() == []  # 0.5 is small beside a yardstick of 10
    # a sure jump the contrast rule took already adds nothing; the cuts stay integers
    one = np.full(60, 0.01)
    one[20] = 1.0
    got = thr.fit_predict(one, 25.0, 1.0)
    assert got.tolist() == [20] and got.dtype == np.int64


@settings(max_examples=80)
@given(curves, st.integers(1, 30), st.sampled_from([None, 0.3, 0.85]))
def test_adaptive_cuts_are_never_closer_than_two_frames(scores, min_len, sure):
    from latentcut.detection.thresholders import AdaptiveThreshold

    thr = AdaptiveThreshold(min_shot_len=min_len, sure_score=sure, rapid_ratio=3.0)
    cuts = thr.fit_predict(scores, fps=25.0, scale=1.0)
    assert np.all(np.diff(cuts) >= min(2, min_len)) and np.all(cuts >= 1)
    # every sure jump is a cut, or lies next to one: a cut the contrast rule took, or a stronger sure jump
    if sure is not None:
        base = set(AdaptiveThreshold(min_shot_len=min_len, sure_score=None, rapid_ratio=3.0)
                   .fit_predict(scores, fps=25.0, scale=1.0).tolist())
        for i in np.flatnonzero(thr.sure(scores, 1.0)):
            assert i in cuts or any(abs(i - c) < 2 and (c in base or scores[c] >= scores[i]) for c in cuts)


def _rapid_oracle(s, fps, scale, rapid_ratio, min_score=0.4, weak_score=0.1, window=0.25):
    s = np.asarray(s, float)
    ref = scale if scale else max(np.percentile(s[1:], 99.5), 1e-12)
    w = max(3, int(round(window * (fps or 25.0))))
    out = np.zeros(len(s), bool)
    for i in range(1, len(s)):
        nb = [s[min(max(j, 0), len(s) - 1)] for j in range(i - w, i + w + 1)]  # edge padding
        out[i] = s[i] >= min_score * ref and s[i] >= rapid_ratio * (np.median(nb) + 0.25 * weak_score * ref)
    return out


@given(st.lists(st.floats(0, 2), min_size=4, max_size=60), st.sampled_from([None, 0.5, 1.0]),
       st.sampled_from([None, 12.0, 30.0]), st.sampled_from([2.0, 5.0]))
def test_rapid_rule_matches_its_definition(values, scale, fps, ratio):
    from latentcut.detection.thresholders import AdaptiveThreshold

    s = np.array(values)
    got = AdaptiveThreshold(rapid_ratio=ratio).rapid(s, fps, scale)
    np.testing.assert_array_equal(got, _rapid_oracle(s, fps, scale, ratio))


def test_rapid_rule_edges_and_its_place_in_predict():
    from latentcut.detection.thresholders import AdaptiveThreshold

    thr = AdaptiveThreshold(rapid_ratio=4.0)
    # exactly at both bars counts: 0.4 of the scale, and 4x (median 0 + 0.025)
    s = np.zeros(40)
    s[10], s[20] = 0.4, 0.1
    assert thr.rapid(s, 25.0, 1.0)[[10, 20]].tolist() == [True, False]
    s[10] = 0.4 - 1e-9
    assert not thr.rapid(s, 25.0, 1.0)[10]
    assert thr.rapid(np.array([0.0, 5.0]), 25.0, 1.0).tolist() == [False, False]  # too short to judge
    assert thr.rapid(np.array([0.0, 5.0, 0.0]), 25.0, 1.0).tolist() == [False, True, False]
    assert thr.rapid(np.array([5.0, 0.0, 0.0, 0.0, 0.0]), 25.0, 1.0)[0] == False  # noqa: E712 - frame 0 is never a cut
    # the fps sets the neighbourhood: at 4 fps the window is 3 frames (the smallest), at 100 fps 25
    s = np.zeros(80)
    s[30:60:2] = 1.0  # a cut every other frame: the median of a wide window is 0 or 1 by parity
    np.testing.assert_array_equal(thr.rapid(s, 100.0, 1.0), _rapid_oracle(s, 100.0, 1.0, 4.0))
    np.testing.assert_array_equal(thr.rapid(s, 4.0, 1.0), _rapid_oracle(s, 4.0, 1.0, 4.0))
    # predict: the run's cuts 3 frames apart all come back, nearer than the minimum shot length;
    # they keep 2 frames from the cuts already taken, and from each other (the stronger wins)
    s = np.full(70, 0.01)
    s[[20, 23, 26]] = 1.0  # a run: each jump has another nearby, so the contrast rule passes none
    s[45], s[46] = 1.0, 0.8  # an isolated cut, and a rapid candidate next to it
    rapid = AdaptiveThreshold(rapid_ratio=4.0, min_shot_len="0.5s", sure_score=None)
    got = rapid.fit_predict(s, 24.0, 1.0)
    assert got.tolist() == [20, 23, 26, 45] and got.dtype == np.int64
    assert AdaptiveThreshold(min_shot_len="0.5s", sure_score=None).fit_predict(s, 24.0, 1.0).tolist() == [45]
    assert rapid.rapid(s, 24.0, 1.0)[[20, 23, 26, 45, 46]].all()
    # without fps the window and minimum shot length use 25 fps; the scale sets the bar
    assert rapid.fit_predict(s, None, 1.0).tolist() == [20, 23, 26, 45]
    assert rapid.fit_predict(s * 0.3, 24.0, 1.0).tolist() == [45]  # below the big-jump bar: the run is not rapid
    assert rapid.fit_predict(s * 0.3, 24.0, 0.3).tolist() == [20, 23, 26, 45]
    # two rapid candidates a frame apart: the stronger stays
    s2 = s.copy()
    s2[[20, 23, 26]] = 0.0
    s2[[30, 31]] = [0.7, 0.9]
    s2[[33, 36]] = 1.0
    assert rapid.rapid(s2, 24.0, 1.0)[[30, 31, 33, 36]].all()
    assert set(rapid.fit_predict(s2, 24.0, 1.0).tolist()) >= {31, 33, 36} and 30 not in rapid.fit_predict(s2, 24.0, 1.0)
    assert got.dtype == np.int64


@pytest.mark.parametrize("bad", [0, 0.0, -1.0, float("nan"), float("inf"), "x"])
def test_rapid_ratio_must_be_a_positive_number(bad):
    from latentcut.detection.thresholders import AdaptiveThreshold, KMeansThreshold

    obj = AdaptiveThreshold()
    obj.rapid_ratio = bad
    with pytest.raises(ValueError, match="rapid_ratio"):
        obj.check_params()
    obj = KMeansThreshold()
    obj.window = bad
    with pytest.raises(ValueError, match="window"):
        obj.check_params()
    AdaptiveThreshold(rapid_ratio=0.01).check_params()
    AdaptiveThreshold(rapid_ratio=None).check_params()
    obj = AdaptiveThreshold()
    obj.sure_score = bad
    with pytest.raises(ValueError, match="sure_score"):
        obj.check_params()
    AdaptiveThreshold(sure_score=None).check_params()
    assert not hasattr(KMeansThreshold(), "sure_score") and "sure_score" not in KMeansThreshold().get_params()


def test_rapid_rule_bars_are_inclusive_and_cuts_two_frames_from_a_taken_one_stay():
    from latentcut.detection.thresholders import AdaptiveThreshold

    s = np.zeros(40)
    s[10] = 0.1  # exactly rapid_ratio x (median 0 + 0.25 x weak_score x scale)
    assert AdaptiveThreshold(rapid_ratio=4.0, min_score=0.05).rapid(s, 25.0, 1.0)[10]
    assert not AdaptiveThreshold(rapid_ratio=4.0, min_score=0.05).rapid(s * 0.999, 25.0, 1.0)[10]
    # without a scale the bar is the curve's 99.5th percentile from frame 1 on (frame 1 included)
    s = np.zeros(40)
    s[1], s[20] = 10.0, 1.0
    assert not AdaptiveThreshold(rapid_ratio=4.0).rapid(s, 25.0, None)[20]
    s = np.full(70, 0.01)
    s[45], s[47] = 1.0, 0.9
    assert AdaptiveThreshold(rapid_ratio=4.0, min_shot_len="0.5s").fit_predict(s, 24.0, 1.0).tolist() == [45, 47]
