"""Similar-scene search, the parts: border stripping, keyframe choice, keyframe-to-shot ranking
(fast; mutation testing runs these)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcut.retrieval.borders import border_box, prepare, strip_borders, work_size
from latentcut.retrieval.keyframes import pick_keyframes
from latentcut.retrieval.search import merge_views, neighbours_wanted, rank_shots

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process


def textured(h, w, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


# -- borders --------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(h=st.integers(24, 90), w=st.integers(24, 90), t=st.integers(0, 12), b=st.integers(0, 12),
       l=st.integers(0, 12), r=st.integers(0, 12), colour=st.tuples(*[st.integers(0, 255)] * 3), seed=st.integers(0, 99))
def test_flat_bars_of_any_colour_are_stripped_to_within_a_line(h, w, t, b, l, r, colour, seed):
    pic = textured(h, w, seed)
    framed = np.empty((h + t + b, w + l + r, 3), np.uint8)
    framed[:] = colour
    framed[t : t + h, l : l + w] = pic
    got = border_box(framed)
    # the bar, and at most the one line more that is always taken where a bar was found
    for found, true in zip(got, (t, b, l, r)):
        assert found == (true + 1 if true else 0)
    inner = strip_borders(framed)
    assert inner.shape[0] == h - (t > 0) - (b > 0) and inner.shape[1] == w - (l > 0) - (r > 0)


def test_pictures_without_borders_and_flat_pictures_are_kept_whole():
    pic = textured(60, 80)
    assert border_box(pic) == (0, 0, 0, 0)
    assert strip_borders(pic) is not None and strip_borders(pic).shape == pic.shape
    black = np.zeros((60, 80, 3), np.uint8)
    assert border_box(black) == (0, 0, 0, 0)  # a black frame is not all border
    # a bar taller than the 40 % cap is only stripped to the cap
    tall = np.zeros((100, 80, 3), np.uint8)
    tall[60:] = textured(40, 80)
    assert border_box(tall)[0] == 41 and border_box(tall)[1] == 0
    # a flat band that drifts from the edge colour (a gradient sky, 4.2 levels a row) stops being
    # border where it is 10 levels away: rows 0-2, and the one line more
    ramp = np.repeat(np.linspace(0, 250, 60).astype(np.uint8)[:, None, None], 80, 1).repeat(3, 2)
    ramp[20:40] = textured(20, 80)
    assert border_box(ramp)[0] == 4


def test_prepare_gives_the_encoder_size_and_refuses_bad_pictures():
    pic = textured(300, 500)
    out = prepare(pic, (16, 24))
    assert out.shape == (16, 24, 3) and out.dtype == np.uint8
    assert prepare(pic[..., :1], (16, 16)).shape == (16, 16, 1)
    assert work_size(1080, 1920) == (72, 128) and work_size(1920, 1080) == (128, 72)
    with pytest.raises(ValueError):
        prepare(pic.astype(np.float32), (16, 16))
    with pytest.raises(ValueError):
        work_size(0, 10)
    # the same picture with and without a letterbox prepares to nearly the same pixels
    boxed = np.pad(pic, ((60, 60), (0, 0), (0, 0)))
    a, b = prepare(pic, (32, 32)).astype(int), prepare(boxed, (32, 32)).astype(int)
    assert np.abs(a - b).mean() < 25 and np.abs(prepare(boxed, (32, 32), strip=False).astype(int) - a).mean() > 30


# -- keyframes --------------------------------------------------------------------------------------

def test_a_still_shot_gets_a_keyframe_every_max_gap_and_a_change_gets_one_at_once():
    e = np.zeros((48, 4), np.float32)
    times = np.arange(48) / 24
    assert pick_keyframes(e, times, [(0, 48)], change=0.04, max_gap=0.5) == [0, 12, 24, 36]
    e[30:] = 1.0  # the picture changes at 30
    assert pick_keyframes(e, times, [(0, 48)], change=0.04, max_gap=0.5) == [0, 12, 24, 30, 42]
    # each shot starts with its own keyframe
    assert pick_keyframes(e, times, [(0, 10), (10, 48)], max_gap=10) == [0, 10, 30]
    # min_gap: a picture changing every frame gets one keyframe every min_gap frames
    moving = np.arange(20, dtype=np.float32)[:, None] * np.ones((1, 4), np.float32)
    assert pick_keyframes(moving, np.arange(20) / 24, [(0, 20)], min_gap=3) == list(range(0, 20, 3))
    assert pick_keyframes(e, times, [(5, 5), (40, 99)], max_gap=10) == [40]  # empty shot skipped, end clipped


@pytest.mark.parametrize("kw", [{"change": 0}, {"change": float("nan")}, {"max_gap": -1}, {"min_gap": 0}])
def test_bad_keyframe_settings_are_refused(kw):
    with pytest.raises(ValueError):
        pick_keyframes(np.zeros((3, 2)), np.arange(3.0), [(0, 3)], **kw)


def test_embeddings_and_times_must_agree():
    with pytest.raises(ValueError, match="3 embeddings but 2 times"):
        pick_keyframes(np.zeros((3, 2)), np.arange(2.0), [(0, 3)])


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 120), cuts=st.lists(st.integers(1, 119), max_size=6), seed=st.integers(0, 99),
       change=st.floats(0.01, 1.0), gap=st.floats(0.05, 2.0), min_gap=st.integers(1, 4))
def test_keyframes_stay_in_their_shots_and_keep_their_spacing(n, cuts, seed, change, gap, min_gap):
    rng = np.random.default_rng(seed)
    e = np.cumsum(rng.normal(0, 0.05, (n, 3)), axis=0).astype(np.float32)
    t = np.arange(n) / 24
    bounds = sorted({0, n, *[c for c in cuts if c < n]})
    shots = list(zip(bounds[:-1], bounds[1:]))
    keys = pick_keyframes(e, t, shots, change=change, max_gap=gap, min_gap=min_gap)
    assert keys == sorted(set(keys))
    for s, end in shots:
        mine = [k for k in keys if s <= k < end]
        assert mine[0] == s
        assert all(b - a >= min_gap for a, b in zip(mine, mine[1:]))
        # nothing is left uncovered for longer than max_gap (and the frames min_gap forces)
        follow = mine[1:] + [end]
        assert all(t[min(b, n - 1)] - t[a] <= gap + min_gap / 24 + 1e-9 or b == end for a, b in zip(mine, follow))


# -- from keyframe neighbours to shots ------------------------------------------------------------------

def test_views_merge_to_the_better_score_and_remember_which_view():
    scores = np.array([[[0.9, 0.5]], [[0.95, 0.2]]], np.float32)  # 2 views, 1 query, 2 neighbours
    ids = np.array([[[7, 3]], [[3, -1]]])
    merged = merge_views(scores, ids)[0]
    assert merged == {7: (pytest.approx(0.9), 0), 3: (pytest.approx(0.95), 1)}


def test_shots_rank_by_the_mean_of_their_best_keyframe_over_the_queries():
    shot_of = {1: 10, 2: 10, 3: 20, 4: 30}
    per_query = [{1: (0.9, 0), 2: (0.8, 1), 3: (0.7, 0)}, {3: (0.9, 0), 4: (0.5, 0)}]
    ranked = rank_shots(per_query, shot_of, k=10)
    assert [r[0] for r in ranked] == [20, 10, 30]
    assert ranked[0][1] == pytest.approx((0.7 + 0.9) / 2) and ranked[1][1] == pytest.approx(0.9 / 2)
    assert ranked[0][2] == 3 and ranked[1][2:] == (1, 0)  # best keyframe of the shot and its view
    assert [r[0] for r in rank_shots(per_query, shot_of, k=1)] == [20]
    assert [r[0] for r in rank_shots(per_query, shot_of, k=10, exclude=20)] == [10, 30]
    assert rank_shots([], shot_of, 5) == []
    assert rank_shots([{99: (1.0, 0)}], shot_of, 5) == []  # a keyframe removed meanwhile
    assert neighbours_wanted(10, 50) == 50 and neighbours_wanted(1, 10**6) == 64


# -- the edges of the rules (each assertion here once let a wrong rule through) ----------------------

def test_work_size_keeps_tiny_and_extreme_pictures_usable():
    assert work_size(1, 200) == (8, 128) and work_size(200, 1) == (128, 8)
    assert work_size(10, 1000) == (8, 128) and work_size(1000, 10) == (128, 8)
    with pytest.raises(ValueError, match="positive size, not 10x0"):
        work_size(0, 10)


def test_bars_stop_where_the_colour_changes_even_at_the_same_brightness():
    pic = textured(40, 60)
    framed = np.concatenate([np.full((6, 60, 3), (200, 0, 0), np.uint8), np.full((6, 60, 3), (0, 200, 0), np.uint8), pic])
    assert border_box(framed)[0] == 7  # the red bar (and one line), not the green one under it
    grey = strip_borders(np.pad(textured(40, 60)[..., 0], ((5, 0), (0, 0))))  # (H, W) pictures too
    assert grey.shape == (39, 60)


def test_the_caps_hold_on_columns_and_at_exactly_what_must_be_left():
    wide = np.zeros((40, 100, 3), np.uint8)
    wide[:, 50:] = textured(40, 50)
    assert border_box(wide)[2:] == (41, 0)  # a half-width bar is cut to the 40 % cap, and one line
    # exactly 30 % left after the bars: still stripped (a picture must be flatter than that to be kept)
    tall = np.zeros((100, 40, 3), np.uint8)
    tall[34:66] = textured(32, 40)  # 34 flat rows a side, and the line taken after each
    assert border_box(tall)[:2] == (35, 35)
    side = np.zeros((40, 100, 3), np.uint8)
    side[:, 34:66] = textured(40, 32)
    assert border_box(side)[2:] == (35, 35)


def test_prepare_strips_at_the_working_size_and_resizes_by_box_filter():
    rng = np.random.default_rng(1)
    inner = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8).repeat(16, 0).repeat(16, 1)  # 256 px, 16 px blocks
    boxed = np.pad(inner, ((64, 64), (0, 0), (0, 0)))
    direct = prepare(inner, (16, 16), strip=False).astype(int)
    assert np.abs(direct - inner[::16, ::16].astype(int)).max() <= 1  # a box filter averages each block
    assert np.abs(prepare(boxed, (16, 16)).astype(int) - direct).mean() < 12
    assert prepare(np.zeros((1, 5, 3), np.uint8), (4, 4)).shape == (4, 4, 3)  # one row is a picture
    assert prepare(textured(30, 30)[..., 0], (8, 8)).shape == (8, 8, 1)
    with pytest.raises(ValueError, match="must be \\(H, W, C\\) uint8"):
        prepare(np.zeros((0, 5, 3), np.uint8), (4, 4))


def test_keyframe_rules_at_their_edges():
    times = np.arange(10) / 24
    # min_gap 1: the very next frame can be a keyframe
    e = np.zeros((10, 2), np.float32)
    e[1:] = 1.0
    assert pick_keyframes(e, times, [(0, 10)], change=0.5, max_gap=10, min_gap=1) == [0, 1]
    # a change of exactly the threshold is not enough
    e = np.zeros((10, 2), np.float32)
    e[5:] = 0.5
    assert pick_keyframes(e, times, [(0, 10)], change=0.5, max_gap=10) == [0]
    for kw, message in (({"change": -1}, "change must be a positive"), ({"max_gap": 0}, "max_gap must be a positive"),
                        ({"min_gap": 0}, "min_gap must be at least 1")):
        with pytest.raises(ValueError, match=message):
            pick_keyframes(e, times, [(0, 10)], **kw)


def test_merging_and_ranking_keep_the_best_and_the_first_of_equals():
    # id 0 is a keyframe like any other; -1 (no neighbour) is skipped, not the end of the list
    scores = np.array([[[0.5, 0.4, 0.3]], [[0.3, 0.4, 0.9]]], np.float32)
    ids = np.array([[[0, -1, 5]], [[0, 5, -1]]])
    merged = merge_views(scores, ids)[0]
    assert merged[0] == (pytest.approx(0.5), 0)  # the lower score of the second view does not replace it
    assert merged[5] == (pytest.approx(0.4), 1)
    tie = merge_views(np.array([[[0.7]], [[0.7]]], np.float32), np.array([[[3]], [[3]]]))[0]
    assert tie[3][1] == 0
    # within a shot the better keyframe wins whatever order it comes in; of equals, the first
    shot_of = {1: 10, 2: 10, 3: 10}
    ranked = rank_shots([{1: (0.2, 0), 2: (0.6, 1)}, {3: (0.5, 0), 1: (0.5, 1)}], shot_of, 5)
    assert ranked[0][0] == 10 and ranked[0][2:] == (2, 1) and ranked[0][1] == pytest.approx((0.6 + 0.5) / 2)
    assert rank_shots([{3: (0.5, 0), 1: (0.5, 1)}], shot_of, 5)[0][2] == 3


def test_a_hit_as_json():
    from latentcut.retrieval.search import Hit

    h = Hit(0.123456789, "a.mp4", 3, 1.23456, 2.5, 29, 60, 17, time=1.9876, frame=47, mirrored=True)
    assert h.to_dict() == {"video": "a.mp4", "shot": 3, "start": 1.235, "end": 2.5, "start_frame": 29, "end_frame": 60,
                           "score": 0.12346, "shot_id": 17, "time": 1.988, "frame": 47, "mirrored": True,
                           "inset": False}
    assert Hit(0.5, "a.mp4", 3, 1.0, 2.0, 24, 48, 17, time=1.5, frame=36, inset=True).to_dict()["inset"] is True
    bare = Hit(1.0, "b.mp4", 0, 0.0, 1.0, 0, 24, 1).to_dict()
    assert "time" not in bare and "mirrored" not in bare and "inset" not in bare and bare["score"] == 1.0


def test_the_best_keyframe_of_a_shot_over_several_queries_and_after_a_gap():
    from latentcut.retrieval.search import Hit

    assert Hit(1.0, "a", 0, 0.0, 2.12345, 0, 9, 1).to_dict()["end"] == 2.123
    # a keyframe after a missing neighbour (-1) in the same view is still read
    merged = merge_views(np.array([[[0.9, 0.8, 0.7]]], np.float32), np.array([[[4, -1, 6]]]))[0]
    assert set(merged) == {4, 6}
    shot_of = {1: 10, 2: 10}
    later_better = rank_shots([{1: (0.3, 0)}, {2: (0.8, 1)}], shot_of, 5)[0]
    assert later_better[2:] == (2, 1)
    tie = rank_shots([{1: (0.5, 0)}, {2: (0.5, 1)}], shot_of, 5)[0]
    assert tie[2:] == (1, 0)
