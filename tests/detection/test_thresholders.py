import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from latentcut import create_thresholder, list_thresholders
from latentcut.detection.spacing import min_spacing_frames
from latentcut.detection.thresholders import kmeans_1d_split, local_contrast
from latentcut.errors import ThresholdError

from latentcut.detection.thresholders import local_maxima

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process

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

    thr = AdaptiveThreshold(min_shot_len="0.3s")
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


# -- exact values (each added for a mutant that survived `mutmut run`) --


def test_kmeans_split_is_the_centroid_midpoint_of_the_best_split():
    assert kmeans_1d_split(np.array([0, 1, 2, 3, 20, 21.0])) == pytest.approx((1.5 + 20.5) / 2)
    assert kmeans_1d_split(np.array([5, 0.0])) == pytest.approx(2.5)
    assert kmeans_1d_split(np.array([1.0])) is None and kmeans_1d_split(np.array([2.0, 2.0])) is None
    assert kmeans_1d_split(np.array([0, 0, 0, 10.0])) == pytest.approx(5.0)
    assert kmeans_1d_split(np.array([0, 10, 10, 10, 11.0])) == pytest.approx((0 + 10.25) / 2)


def test_local_contrast_exactly():
    s = np.array([9, 1, 1, 1, 8, 1, 1, 2, 1, 1.0])
    c = local_contrast(s, 3, floor=0.5)
    # frame 4: neighbours 1..7 without 3..5 -> {1, 1, 1, 2}: second largest 1
    assert c[4] == pytest.approx(8 / (1 + 0.5))
    assert c[0] == 0.0  # scores[0] is never a change
    # frame 7: window 4..10 without 6..8 -> {8, 1, 1, 1}: second largest 1
    assert c[7] == pytest.approx(2 / 1.5)
    auto = local_contrast(np.array([0, 1, 0, 0, 0, 0, 0, 0.0]), 2)
    assert auto[1] == pytest.approx(1 / (0.05 * np.percentile([1, 0, 0, 0, 0, 0, 0], 99)))


def test_adaptive_decision_values_exactly():
    s = np.zeros(40)
    s[20] = 0.8
    thr = create_thresholder("adaptive,window=3")
    d = thr.decision_function(s, fps=25, scale=1.0)
    con = 0.8 / (0.25 * 0.1)
    assert d[20] == pytest.approx(max(min(con / 1.5, 0.8 / 0.4), min(con / 5.0, 0.8 / 0.1)))
    assert d[0] == 0 and d[5] == 0
    assert thr.fit(s).threshold_ == 1.0
    assert thr.fit_predict(s, fps=25, scale=1.0).tolist() == [20]
    s[20] = 0.039  # below weak_score 0.1 x scale... and min_score: no cut
    assert thr.fit_predict(s, fps=25, scale=1.0).tolist() == []
    s[20] = 0.5  # a weak cut from a still neighbourhood: 0.5 >= 0.1 and contrast >= 5
    s[10] = 0.3
    assert thr.fit_predict(s, fps=25, scale=1.0).tolist() == [10, 20]
    assert thr._window(25) == 3 and create_thresholder("adaptive,window=0.5")._window(20) == 10
    assert create_thresholder("adaptive,window=0.01")._window(25) == 3
    noscale = create_thresholder("adaptive").decision_function(s, fps=25)
    assert noscale[20] > 1  # relative to the curve's own 99.5th percentile
    assert create_thresholder("adaptive").decision_function(np.array([1.0])).tolist() == [0.0]


def test_fixed_top_n_and_predict_before_fit():
    s = np.array([0, 0.2, 0.05, 0.3, 0.1])
    fixed = create_thresholder("fixed,value=0.1,min_shot_len=1")
    assert fixed.fit_predict(s).tolist() == [1, 3, 4]
    assert fixed.threshold_ == 0.1
    assert create_thresholder("fixed,value=0.3,min_shot_len=1").fit_predict(s).tolist() == [3]
    top = create_thresholder("top-n,n=2,min_shot_len=1").fit(s)
    assert top.cuts_.tolist() == [1, 3] and top.threshold_ == 0.2
    assert create_thresholder("top-n,n=0").fit(s).threshold_ == float("inf")
    with pytest.raises(ThresholdError, match="call fit"):
        create_thresholder("fixed").predict(s)
    zero = create_thresholder("fixed,value=0,min_shot_len=1")
    assert zero.fit_predict(np.array([0, 0, 1.0])).tolist() == [2]  # a zero score is never a cut


def test_kmeans_threshold_split_and_floor():
    s = np.zeros(200)
    s[[20, 60, 100, 140]] = [2.0, 2.2, 2.4, 2.1]
    s[[40, 80, 120]] = 0.6  # weaker peaks, well apart from the strong ones
    km = create_thresholder("kmeans,window=5")
    d = km.decision_function(s, fps=25, scale=1.0)
    km.fit(s, fps=25, scale=1.0)
    lo, hi = np.log(d[[40, 80, 120]]), np.log(d[[20, 60, 100, 140]])
    assert km.threshold_ == pytest.approx(float(np.clip(np.exp((lo.mean() + hi.mean()) / 2), 0.5, 2.0)))
    assert local_maxima(np.array([0, 1, 1, 0, 2, 0.0])).tolist() == [2, 4]
    assert local_maxima(np.array([5.0])).tolist() == []


def _oracle_split(v):
    v = np.sort(np.asarray(v, np.float64))
    best = None
    for k in range(1, len(v)):
        a, b = v[:k], v[k:]
        sse = ((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()
        if best is None or sse < best[0] - 1e-9:
            best = (sse, (a.mean() + b.mean()) / 2)
    return best[1]


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(2, 30), elements=st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 1))))
def test_kmeans_split_equals_brute_force(v):
    if v.max() == v.min():
        assert kmeans_1d_split(v) is None
        return
    want = _oracle_split(v)
    got = kmeans_1d_split(list(v))
    # equal SSE ties may pick another split: compare the SSE each split gives
    def sse(split):
        a, b = v[v < split], v[v >= split]
        return ((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()
    assert sse(got) == pytest.approx(sse(want), rel=1e-9, abs=1e-9)


def test_kmeans_split_in_float64():
    rng = np.random.default_rng(0)
    v = (3000 + rng.normal(size=200) * 3).astype(np.float32)
    v[:70] += 9
    assert kmeans_1d_split(v) == kmeans_1d_split(v.astype(np.float64))  # float32 input, float64 sums


def _oracle_maxima(d):
    out = []
    for i in range(1, len(d)):
        left = d[i - 1] if i > 1 else -np.inf
        right = d[i + 1] if i + 1 < len(d) else -np.inf
        if d[i] >= left and d[i] > right and d[i] > 0:
            out.append(i)
    return out


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(0, 30), elements=st.sampled_from([0.0, 0.5, 1.0, 2.0, -1.0])))
def test_local_maxima_equal_brute_force(d):
    got = local_maxima(d)
    assert got.dtype == np.int64 and got.tolist() == _oracle_maxima(d)


def _oracle_contrast(s, w, floor):
    s = np.asarray(s, np.float64).copy()
    s[0] = 0
    out = np.zeros(len(s))
    for i in range(len(s)):
        nb = [s[j] for j in range(i - w, i + w + 1) if 0 <= j < len(s) and abs(j - i) > 1]
        nb.sort(reverse=True)
        level = nb[1] if len(nb) > 1 else 0.0
        out[i] = s[i] / (max(level, 0.0) + floor)
    return out


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(1, 40), elements=st.floats(0, 5).map(lambda x: round(x, 2))),
       st.integers(0, 7), st.sampled_from([None, 0.0, 0.1]))
def test_local_contrast_equals_brute_force(s, w, floor):
    got = local_contrast(s, w, floor=floor)
    if floor is None:
        floor = max(0.05 * float(np.percentile(np.r_[0.0, s[1:]][1:], 99)) if len(s) > 1 else 0.0, 1e-12)
    else:
        floor = max(floor, 0.0)
    want = _oracle_contrast(s, max(w, 2), floor if floor > 0 else 1e-300)
    if floor == 0:
        return  # division by a zero level: inf either way
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_local_contrast_takes_integers_and_single_frames():
    assert local_contrast(np.array([5, 3, 0, 0, 0, 0]), 2, floor=1.0).tolist() == [0.0, 3.0, 0.0, 0.0, 0.0, 0.0]
    assert local_contrast(np.array([7.0]), 3).tolist() == [0.0]  # one frame: no change, floor 1e-12


def test_thresholders_use_fps_and_scale_they_are_given():
    s = np.zeros(100)
    s[[20, 28, 60]] = [1.0, 0.9, 1.0]
    fixed = create_thresholder("fixed,value=0.5,min_shot_len=0.5s")
    assert fixed.fit_predict(s, fps=10).tolist() == [20, 28, 60]  # 0.5 s = 5 frames at 10 fps
    assert fixed.fit_predict(s).tolist() == [20, 60]  # 25 fps by default: 12 frames
    assert fixed.predict(s, fps=10).tolist() == [20, 28, 60]
    top = create_thresholder("top-n,n=3,min_shot_len=0.5s")
    assert top.fit(s, fps=10).cuts_.tolist() == [20, 28, 60] and top.predict(s, fps=10).tolist() == [20, 28, 60]
    assert top.fit(s).cuts_.tolist() != [20, 28, 60]  # 12 frames apart at 25 fps
    with pytest.raises(ThresholdError, match=r"^top-n: cannot place 3 cuts at least 50 frames apart in 100 frames "):
        create_thresholder("top-n,n=3,min_shot_len=2s").fit_predict(s)
    ad = create_thresholder("adaptive,window=1.0")
    quiet = np.zeros(200)
    quiet[100] = 1.0
    quiet[[90, 110]] = 0.6
    d_small = ad.decision_function(quiet, fps=5, scale=1.0)
    d_big = ad.decision_function(quiet, fps=25, scale=1.0)
    assert d_small[100] > d_big[100]  # the wider window sees 90 and 110
    assert ad.decision_function(quiet, fps=5, scale=2.0)[100] < d_small[100]
    assert create_thresholder("adaptive")._window(None) == int(round(0.25 * 25))
    assert create_thresholder("adaptive,window=1.0")._window(None) == 25


def test_thresholder_defaults():
    assert create_thresholder("fixed").value == 0.1 and create_thresholder("top-n").n == 1
    a = create_thresholder("adaptive")
    assert (a.ratio, a.min_score, a.strong_ratio, a.weak_score, a.window, a.min_shot_len) == (1.5, 0.4, 5.0, 0.1, 0.25, "0.1s")
    k = create_thresholder("kmeans")
    assert (k.floor, k.separation, k.window, k.min_shot_len) == (0.5, 1.5, 0.25, "0.3s")
    assert not isinstance(k, type(a))  # it shares the adaptive curve as a function, not by inheriting its rules
    assert k.get_params() == {"floor": 0.5, "separation": 1.5, "window": 0.25, "min_shot_len": "0.3s"}
    assert a.get_params()["ratio"] == 1.5 and repr(create_thresholder("fixed,value=0.2")) == "fixed,value=0.2"
    assert a.set_params(ratio=2.0) is a and a.ratio == 2.0
    assert create_thresholder(a, ratio=3.0).ratio == 3.0 and a.ratio == 2.0  # overrides apply to a copy
    from latentcut.errors import PluginError

    with pytest.raises(PluginError, match="bad parameters for thresholder 'fixed'"):
        create_thresholder("fixed", bogus=1)


@pytest.mark.parametrize("spec,message", [
    ("fixed,value=-0.1", "value must be >= 0.0, not -0.1"),
    ("fixed,value=x", "value must be a number, not 'x'"),
    ("fixed,min_shot_len=x", "min_shot_len must be frames"),
    ("top-n,n=-1", "n must be >= 0, not -1"),
    ("top-n,n=1.0", "n must be a whole number, not 1.0"),
    ("top-n,n=true", "n must be a whole number, not True"),
    ("adaptive,ratio=0", "ratio must be > 0.0, not 0"),
    ("adaptive,min_score=-1", "min_score must be > 0.0"),
    ("adaptive,strong_ratio=0", "strong_ratio must be > 0.0"),
    ("adaptive,weak_score=0", "weak_score must be > 0.0"),
    ("adaptive,window=0", "window must be > 0.0, not 0"),
    ("adaptive,window=60.5", "window must be <= 60.0, not 60.5"),
    ("adaptive,min_shot_len=-2", "min_shot_len must be >= 0"),
    ("kmeans,floor=0", "floor must be > 0.0, not 0"),
    ("kmeans,floor=1.5", "floor must be <= 1.0, not 1.5"),
    ("kmeans,separation=0.9", "separation must be >= 1.0, not 0.9"),
    ("kmeans,separation=x", "separation must be a number"),
    ("kmeans,window=61", "window must be <= 60.0, not 61"),
    ("kmeans,window=0", "window must be > 0.0, not 0"),
    ("kmeans,min_shot_len=abc", "min_shot_len must be frames"),
    ("kmeans,floor=x", "floor must be a number, not 'x'"),
])
def test_thresholder_parameter_checks(spec, message):
    from latentcut.errors import PluginError

    with pytest.raises(PluginError, match="^bad value for thresholder '[a-z-]+': " + message.replace("(", r"\(").replace(".", r"\.")):
        create_thresholder(spec)


@pytest.mark.parametrize("spec", ["fixed,value=0", "top-n,n=0", "adaptive,window=60", "adaptive,window=3",
                                  "kmeans,floor=1", "kmeans,separation=1", "kmeans,window=60", "fixed,min_shot_len=none",
                                  "adaptive,min_shot_len=00:00:00.500", "fixed,value=7"])
def test_thresholder_parameter_limits_are_inclusive(spec):
    create_thresholder(spec)


def test_check_scores_and_predict_details():
    from latentcut.detection.thresholders import check_scores

    assert check_scores([1, 2]).dtype == np.float64
    with pytest.raises(ThresholdError, match=r"^scores must be a 1-D curve, got shape \(2, 2\)$"):
        check_scores(np.zeros((2, 2)))
    with pytest.raises(ThresholdError, match=r"^scores contain NaN or infinite values$"):
        check_scores([0, np.inf])
    assert check_scores([np.nan, 1.0]).shape == (2,)  # scores[0] is never used
    f = create_thresholder("fixed,value=0.5,min_shot_len=1").fit(np.zeros(1))
    assert f.predict(np.array([3.0])).tolist() == [] and f.predict(np.array([0.0, 1.0])).tolist() == [1]
    assert f.predict(np.array([0.0, 0.4, 0.5])).tolist() == [2]
    top = create_thresholder("top-n,n=0")
    assert top.fit_predict(np.ones(3)).dtype == np.int64 and top.fit_predict(np.ones(3)).tolist() == []
    with pytest.raises(ThresholdError, match=r"^top-n: n must be >= 0, not -2$"):
        create_thresholder("top-n").set_params(n=-2).fit(np.ones(3))
    with pytest.raises(ThresholdError, match=r"^top-n: asked for 3 cuts but the video has only 2 frame pairs$"):
        create_thresholder("top-n,n=3").fit(np.ones(3))
    with pytest.raises(ThresholdError, match=r"only 0 frame pairs"):
        create_thresholder("top-n,n=1").fit(np.ones(0))
    with pytest.raises(ThresholdError, match=r"^min_shot_len must be frames"):
        create_thresholder("fixed").set_params(min_shot_len="x").fit_predict(np.ones(3))
    from latentcut.detection.spacing import min_spacing_frames

    assert min_spacing_frames(None, 25) == 1 and min_spacing_frames("2s", 10) == 20 and min_spacing_frames("2s", None) == 50


def test_adaptive_decision_details():
    a = create_thresholder("adaptive,window=3")
    assert a.decision_function(np.array([0.0, 1.0]), scale=1.0)[1] > 0  # two frames are enough
    s = np.zeros(30)
    s[1] = 0.9  # a change into frame 1 counts; frame 0 never
    s[0] = 5.0
    d = a.decision_function(s, fps=25, scale=1.0)
    assert d[0] == 0.0 and d[1] == pytest.approx(min((0.9 / (0.025)) / 5.0, 0.9 / 0.1))
    auto = a.decision_function(s, fps=25)  # no scale: 99.5th percentile of s[1:]
    ref = float(np.percentile(s[1:], 99.5))
    assert auto[1] == pytest.approx(max(min((0.9 / (0.25 * 0.1 * ref)) / 1.5, 0.9 / ref / 0.4),
                                        min((0.9 / (0.25 * 0.1 * ref)) / 5.0, 0.9 / ref / 0.1)))
    assert create_thresholder("adaptive").decision_function(np.zeros(5)).tolist() == [0.0] * 5  # ref floor 1e-12
    big = create_thresholder("adaptive,ratio=2,min_score=0.5,strong_ratio=100,weak_score=0.9,window=3")
    s2 = np.zeros(30)
    s2[[8, 10, 12]] = [0.35, 0.8, 0.35]  # contrast of 10: 0.8 / (0.35 + 0.225): the 2nd largest around
    d2 = big.decision_function(s2, fps=25, scale=1.0)
    con = 0.8 / (0.35 + 0.25 * 0.9)
    assert d2[10] == pytest.approx(max(min(con / 2, 0.8 / 0.5), min(con / 100, 0.8 / 0.9)))


def test_kmeans_fit_details():
    def curve(strong, weak):
        s = np.zeros(400)
        s[np.arange(20, 20 + 40 * len(strong), 40)] = strong
        s[np.arange(30, 30 + 40 * len(weak), 40)] = weak
        return s

    km = create_thresholder("kmeans,window=3")
    s = curve([1.0, 1.1, 1.2], [0.2, 0.22])
    d = km.decision_function(s, fps=25, scale=1.0)
    km.fit(s, fps=25, scale=1.0)
    peaks = np.array(_oracle_maxima(d))
    vals = np.log(d[peaks][d[peaks] >= 0.25])
    split = _oracle_split(vals)
    lower, upper = vals[vals < split], vals[vals >= split]
    want = float(np.clip(np.exp(split), 0.5, 2.0)) if upper.min() - lower.max() >= np.log(1.5) else 1.0
    assert km.threshold_ == pytest.approx(want)
    assert km.threshold_ != 1.0
    # a split whose clusters overlap (gap below log(separation)) keeps the adaptive bar
    close = create_thresholder("kmeans,window=3,separation=50")
    assert close.fit(s, fps=25, scale=1.0).threshold_ == 1.0
    # one peak only: no split
    one = np.zeros(100)
    one[50] = 1.0
    assert create_thresholder("kmeans").fit(one, fps=25, scale=1.0).threshold_ == 1.0
    # the floor clips a split far below the bar
    lowsplit = curve([0.9, 0.9, 0.9], [0.03, 0.03, 0.03])
    f = create_thresholder("kmeans,window=3,floor=0.9").fit(lowsplit, fps=25, scale=1.0)
    assert f.threshold_ in (0.9, 1.0) and create_thresholder("kmeans,window=3,floor=0.9").fit(lowsplit, fps=25, scale=1.0).threshold_ == f.threshold_
    # peaks exactly at 0.25 are kept
    assert km.fit_predict(s, fps=25, scale=1.0).tolist() == [20, 60, 100]


def test_fit_predict_and_predict_pass_fps_and_scale_on():
    from latentcut.detection.thresholders import FixedThreshold

    class Spy(FixedThreshold):
        def fit(self, scores, fps=None, scale=None):
            self.fit_saw = (fps, scale)
            return super().fit(scores, fps, scale)

        def decision_function(self, scores, fps=None, scale=None):
            self.decision_saw = (fps, scale)
            return super().decision_function(scores, fps, scale)

    spy = Spy(value=0.5)
    assert spy.fit_predict(np.r_[0.0, 0, 1, 0], 30.0, 2.0).tolist() == [2]
    assert spy.fit_saw == (30.0, 2.0) and spy.decision_saw == (30.0, 2.0)
    assert spy.predict(np.zeros(1)).tolist() == [] and spy.predict(np.zeros(0)).dtype == np.int64


def test_kmeans_decides_on_the_adaptive_curve_at_its_window_in_seconds():
    from latentcut.detection.thresholders import AdaptiveThreshold, KMeansThreshold

    rng = np.random.default_rng(3)
    s = rng.random(400) * 0.2
    s[::37] += 2.0
    k = KMeansThreshold(window=0.5)
    for fps in (25.0, 100.0):
        np.testing.assert_array_equal(k.decision_function(s, fps, 1.0),
                                      AdaptiveThreshold(window=0.5).decision_function(s, fps, 1.0))
    assert not np.array_equal(k.decision_function(s, 100.0, 1.0), k.decision_function(s, None, 1.0))


def test_holding_to_a_minimum_shot_length_is_strict_unless_told():
    from latentcut.detection.pipeline import holding_to
    from latentcut.detection.thresholders import create_thresholder

    t = holding_to("adaptive", 15)
    assert t.min_shot_len == 15 and t.sure_score is None and t.rapid_ratio is None
    kept = holding_to("adaptive,sure_score=0.9,rapid_ratio=4", "0.5s")  # named in the spec: kept
    assert (kept.min_shot_len, kept.sure_score, kept.rapid_ratio) == ("0.5s", 0.9, 4.0)
    mine = create_thresholder("adaptive,sure_score=0.7")
    out = holding_to(mine, 8)
    assert out is not mine and out.sure_score == 0.7 and mine.min_shot_len != 8  # set by hand: kept; a copy
    default = create_thresholder("adaptive")
    assert holding_to(default, 8).sure_score is None and default.sure_score == 0.85
    k = holding_to("kmeans", 4)
    assert k.min_shot_len == 4 and "sure_score" not in k.get_params()

