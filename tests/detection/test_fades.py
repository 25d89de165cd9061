"""Fades to and from a flat frame, found on the frames' contrast."""
import numpy as np
import pytest
from conftest import colour_frames, write_video
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcut import ShotDetector
from latentcut.cache import EmbeddingCache
from latentcut.detection.fades import FadeFinder, create_fade_finder, frame_contrast
from latentcut.embeddings import Embeddings
from latentcut.errors import EmbeddingError, PluginError
from latentcut.scoring.curves import CurveBuilder, score_curve
from latentcut.scoring.distances import create_distance

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process


def _picture(rng, h=48, w=64):
    """A textured picture: blocks of colour, so its contrast is well above flat."""
    small = rng.integers(0, 256, (6, 8, 3))
    return np.kron(small, np.ones((h // 6, w // 8, 1))).astype(np.uint8)


def test_frame_contrast_is_the_luma_standard_deviation():
    flat = np.full((2, 4, 4, 3), 77, np.uint8)
    half = np.zeros((1, 4, 4, 3), np.uint8)
    half[0, :2] = 255
    assert frame_contrast(flat).tolist() == [0.0, 0.0]
    assert frame_contrast(half)[0] == pytest.approx(0.5, abs=1e-3)
    gray = half[..., :1]
    assert frame_contrast(gray)[0] == pytest.approx(0.5, abs=1e-3)
    assert frame_contrast(np.zeros((0, 4, 4, 3), np.uint8)).shape == (0,)


def test_a_fade_out_and_a_fade_in_are_found_from_ramp_top_to_the_flat_frame():
    c = np.r_[np.full(10, 0.24), np.linspace(0.24, 0.0, 9)[1:], np.zeros(6), np.linspace(0.0, 0.24, 7)[1:],
              np.full(5, 0.24)]
    found = FadeFinder().find(c)
    assert [(b.start, b.end, b.kind) for b in found] == [(9, 17, "gradual"), (23, 29, "gradual")]
    assert found[0].strength == pytest.approx(0.24)


@pytest.mark.parametrize("name, c", [
    ("a pop-in over two frames (text appearing on black)", np.r_[np.zeros(5), 0.03, 0.06, np.full(8, 0.06)]),
    ("single flat frames (strobes)", np.tile([0.2, 0.2, 0.0], 6)),
    ("a watermark fading on a black tail: every frame flat", np.linspace(0.02, 0.0, 20)),
    ("a picture too faint to be a shot", np.r_[np.zeros(4), np.linspace(0, 0.035, 8)]),
    ("contrast that drops and comes back without reaching flat", np.r_[np.full(4, 0.2), np.linspace(0.2, 0.03, 6),
                                                                        np.linspace(0.03, 0.2, 6)]),
])
def test_what_is_not_a_fade(name, c):
    assert FadeFinder().find(c) == [], name


def test_a_ramp_does_not_run_across_a_cut():
    c = np.r_[np.full(5, 0.3), np.linspace(0.3, 0.0, 11)]  # 5..15 falls to flat at 15
    assert [(b.start, b.end) for b in FadeFinder().find(c)] == [(5, 15)]
    assert [(b.start, b.end) for b in FadeFinder().find(c, stops=[10])] == [(10, 15)]
    assert FadeFinder().find(c, stops=[13]) == []  # what is left after the cut is too short


def test_held_frames_stall_but_do_not_end_a_ramp():
    # animation on twos: the contrast falls every other frame
    steps = np.repeat(np.linspace(0.2, 0.0, 6), 2)
    c = np.r_[np.full(3, 0.2), steps[2:]]
    assert [(b.start, b.end) for b in FadeFinder().find(c)] == [(2, 11)]
    assert FadeFinder().find(np.r_[np.full(3, 0.2), np.repeat(np.linspace(0.2, 0.0, 4), 4)]) == []  # stalls of 3


def test_parameters_change_what_counts():
    c = np.r_[np.full(3, 0.05), np.linspace(0.05, 0.0, 6)[1:], np.zeros(3)]  # .04 .03 .02 .01 0 from frame 3
    assert [(b.start, b.end) for b in FadeFinder().find(c)] == [(2, 5)]
    assert [(b.start, b.end) for b in FadeFinder(flat=0.001).find(c)] == [(2, 7)]
    assert FadeFinder(min_len=4).find(c) == []
    assert FadeFinder(high=0.06).find(c) == []


@pytest.mark.parametrize("spec, message", [
    ("fades,min_len=0", "min_len must be >= 1"),
    ("fades,high=0.01", "must be above flat"),
    ("fades,flat=-1", "flat must be >= 0"),
    ("fades,high=nan", "high must be a number"),
    ("nofades", "unknown fade finder"),
])
def test_bad_specs_are_refused_with_the_reason(spec, message):
    with pytest.raises(PluginError, match=message):
        create_fade_finder(spec)


def test_off_switches():
    assert create_fade_finder(None) is None and create_fade_finder(False) is None
    assert create_fade_finder("none") is None and create_fade_finder("OFF") is None
    assert isinstance(create_fade_finder(True), FadeFinder)
    assert repr(create_fade_finder("fades,min_len=4")) == "fades,min_len=4"


def test_contrast_with_nan_is_refused():
    with pytest.raises(ValueError, match="finite"):
        FadeFinder().find(np.array([0.1, np.nan, 0.0]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 0.5), min_size=0, max_size=60), st.lists(st.integers(0, 59), max_size=4),
       st.integers(1, 6))
def test_every_fade_found_has_the_shape_asked_for(values, stops, min_len):
    c = np.asarray(values)
    finder = FadeFinder(min_len=min_len)
    for b in finder.find(c, stops=stops):
        assert 0 <= b.start < b.end < len(c)
        assert b.end - b.start >= min_len
        fade_out = c[b.end] <= finder.flat
        flat_end, top = (b.end, b.start) if fade_out else (b.start, b.end)
        assert c[flat_end] <= finder.flat and c[top] >= finder.high
        # a stop s starts a shot: a ramp may begin on it but never runs across it
        if fade_out:
            assert not any(top < s < flat_end for s in stops)
        else:
            assert not any(flat_end + 1 < s <= top for s in stops)


def test_curves_carry_the_contrast_only_when_every_batch_has_it():
    d = create_distance("l1")
    emb = Embeddings(np.random.default_rng(0).normal(size=(20, 4)))
    c = np.linspace(0, 0.3, 20)
    assert np.allclose(score_curve(emb, d, 4, contrast=c).contrast, c)
    assert score_curve(emb, d, 4).contrast is None
    b = CurveBuilder(d, 4)
    b.update(emb[:10], np.arange(10), np.arange(10.0), c[:10])
    b.update(emb[10:], np.arange(10, 20), np.arange(10.0, 20.0))
    assert b.finish().contrast is None
    with pytest.raises(EmbeddingError, match="contrast values"):
        CurveBuilder(d, 4).update(emb, np.arange(20), np.arange(20.0), c[:5])


@pytest.fixture(scope="module")
def fade_video(tmp_path_factory):
    """3 black frames fading in over 10 to a dim picture (the span curve sees too small a change, as
    it does in low-key anime openings), a fade to black over 12, 10 black frames, a hard cut from black."""
    rng = np.random.default_rng(3)
    a, d = _picture(rng) // 3, _picture(rng)
    frames = [np.zeros_like(a)] * 3
    frames += [(a * t).astype(np.uint8) for t in np.linspace(0, 1, 11)[1:]]  # 3..12, full at 12
    frames += [a] * 30  # 13..42
    frames += [(a * (1 - t)).astype(np.uint8) for t in np.linspace(0, 1, 13)[1:]]  # 43..54, black at 54
    frames += [np.zeros_like(a)] * 10 + [d] * 30  # black 55..64, the cut at 65
    path = tmp_path_factory.mktemp("fades") / "fade in, fade out, cut.mp4"
    return write_video(path, np.stack(frames), codec="libx264")


def test_detect_reports_both_fades_as_gradual_and_the_cut(fade_video):
    r = ShotDetector(progress=False).detect(fade_video)
    assert [c.kind for c in r.cuts] == ["gradual", "gradual", "cut"]
    fade_in, fade_out, cut = (c.interval() for c in r.cuts)
    assert 1 <= fade_in.lo <= 9 and 11 <= fade_in.hi <= 14  # frames of contrast under flat count as flat
    assert 41 <= fade_out.lo <= 44 and 50 <= fade_out.hi <= 56
    assert cut.lo == 65
    assert r.settings["fades"] == "fades"
    plain = ShotDetector(progress=False, fades=None).detect(fade_video)
    assert plain.settings["fades"] is None and [c.interval().lo for c in plain.cuts] == [65]
    assert [c.kind for c in ShotDetector(progress=False, gradual=False).detect(fade_video).cuts] == ["cut"]


def test_the_embedding_cache_keeps_the_contrast_and_refreshes_entries_without_it(fade_video, tmp_path):
    det = ShotDetector(progress=False, cache=str(tmp_path))
    first = det.detect(fade_video)
    cache = EmbeddingCache(str(tmp_path))
    (entry,) = cache.entries()
    key = entry.rsplit("/", 1)[-1].removesuffix(".safetensors")
    hit = cache.get(key)
    assert hit.contrast is not None and len(hit.contrast) == len(first.curve)
    again = det.detect(fade_video)
    assert [c.interval() for c in again.cuts] == [c.interval() for c in first.cuts]
    # an entry written before fades were found has no contrast: it is recomputed, not trusted as is
    cache.put(key, hit.embeddings, hit.indices, hit.times, det.encoder.config(),
              {k: v for k, v in hit.meta.items() if k not in ("format", "encoder")}, hit.reference, hit.extras)
    assert cache.get(key).contrast is None
    third = det.detect(fade_video)
    assert [c.interval() for c in third.cuts] == [c.interval() for c in first.cuts]
    assert cache.get(key).contrast is not None


def test_contrast_is_of_the_luma_not_of_one_channel():
    green = np.zeros((1, 4, 4, 3), np.uint8)
    green[0, :2, :, 1] = 255  # red channel flat, luma half 0.587
    got = frame_contrast(green)
    assert got.dtype == np.float32 and got[0] == pytest.approx(0.587 / 2, abs=1e-3)
    assert frame_contrast(np.zeros((0, 4, 4, 3), np.uint8)).dtype == np.float32


@pytest.mark.parametrize("params, message", [
    ({"flat": 0.6}, "flat must be <= 0.5"), ({"high": 0.6}, "high must be <= 0.5"),
    ({"high": -0.1}, "high must be >= 0"), ({"min_len": 2.5}, "min_len must be a whole number"),
    ({"flat": 0.04, "high": 0.04}, "must be above flat"),
])
def test_parameter_bounds(params, message):
    with pytest.raises(ValueError, match=message):
        FadeFinder(**params).check_params()


def test_contrast_must_be_one_row_of_finite_numbers():
    with pytest.raises(ValueError, match="^contrast must be a 1-D array of finite numbers$"):
        FadeFinder().find(np.zeros((2, 3)))


def test_the_edges_of_each_rule():
    f1 = FadeFinder(min_len=1)
    assert [(b.start, b.end) for b in f1.find([0.3, 0.0])] == [(0, 1)]  # a fade out into frame 1
    assert [(b.start, b.end) for b in f1.find([0.0, 0.3])] == [(0, 1)]  # a fade in from frame 0
    exact = FadeFinder(flat=0.025, high=0.1, min_len=2)
    # a frame of exactly `flat` is flat, a top of exactly `high` is high enough, a ramp of exactly min_len is long enough
    assert [(b.start, b.end) for b in exact.find([0.1, 0.06, 0.025])] == [(0, 2)]
    assert [(b.start, b.end) for b in exact.find([0.025, 0.06, 0.1])] == [(0, 2)]
    (fade_in,) = FadeFinder().find([0.01, 0.01, 0.1, 0.2, 0.3])
    assert (fade_in.start, fade_in.end) == (1, 4) and fade_in.strength == pytest.approx(0.29)


def test_stalls_of_two_frames_are_allowed_and_three_end_the_ramp():
    two = np.array([0.3, 0.25, 0.2, 0.2, 0.2, 0.15, 0.1, 0.05, 0.0])
    assert [(b.start, b.end) for b in FadeFinder().find(two)] == [(0, 8)]
    three = np.array([0.3, 0.25, 0.2, 0.2, 0.2, 0.2, 0.15, 0.1, 0.05, 0.0])
    assert [(b.start, b.end) for b in FadeFinder().find(three)] == [(5, 9)]
    one = np.array([0.3, 0.2, 0.2, 0.1, 0.0])  # a rise right after a stall starts the count again
    assert [(b.start, b.end) for b in FadeFinder().find(np.r_[0.4, 0.35, 0.35, 0.35, one[1:]])] == [(0, 7)]


def test_a_small_dip_on_a_held_frame_is_tolerated():
    # 0.178 is within 10 % and about half a grey level of 0.2
    c = np.array([0.0, 0.05, 0.1, 0.2, 0.178, 0.25, 0.3])
    assert [(b.start, b.end) for b in FadeFinder().find(c)] == [(0, 6)]
    assert [(b.start, b.end) for b in FadeFinder().find(np.r_[c[:4], 0.17, c[5:]])] == [(0, 3)]


def test_a_fade_in_stops_on_the_frame_before_a_cut():
    c = np.r_[np.zeros(3), np.linspace(0.05, 0.4, 8)]  # the ramp 3..10
    assert [(b.start, b.end) for b in FadeFinder().find(c)] == [(2, 10)]
    assert [(b.start, b.end) for b in FadeFinder().find(c, stops=[8])] == [(2, 7)]
    # a cut on the ramp's first frame leaves it whole: the pipeline then takes the cut for the boundary
    assert [(b.start, b.end) for b in FadeFinder().find(c, stops=[3])] == [(2, 10)]


def test_a_slow_dimming_before_the_fade_is_not_part_of_it():
    drift = 0.30 - 0.0065 * np.arange(6)  # 0.300 .. 0.268, about 1.7 grey levels a frame
    c = np.r_[drift, np.linspace(0.26, 0.0, 10)]  # then the fade proper, about 7.4 grey levels a frame
    (fade,) = FadeFinder().find(c)
    assert (fade.start, fade.end) == (5, 15)
    # with no pace to compare with, each of those small steps would still count as a rise
    from latentcut.detection.fades import _RISE, _walk
    assert _walk(c, 15, -1, set(), _RISE) == 0


def test_stalls_right_at_the_flat_frame_count_from_zero():
    assert [(b.start, b.end) for b in FadeFinder().find([0.3, 0.2, 0.1, 0.1, 0.1, 0.0])] == [(0, 5)]


def test_strength_is_the_contrast_the_fade_takes_away_or_brings():
    (out,) = FadeFinder().find([0.3, 0.2, 0.1, 0.02, 0.02])
    assert out.strength == pytest.approx(0.28)


def test_the_contrast_is_a_column_of_the_curve_csv(fade_video, tmp_path):
    from latentcut.exports.tables import write_curve_csv

    r = ShotDetector(progress=False).detect(fade_video)
    assert np.allclose(r.metrics["contrast"], r.curve.contrast)
    write_curve_csv(r, tmp_path / "c.csv")
    header, first = (tmp_path / "c.csv").read_text().splitlines()[:2]
    assert header.endswith(",cut,contrast") and first.endswith(",0")
    assert "contrast" not in ShotDetector(progress=False, fades=None).detect(fade_video).metrics


def test_curves_made_without_frames_have_no_contrast_column_and_no_fades():
    from latentcut.io.video import VideoInfo

    emb = Embeddings(np.r_[np.zeros((20, 4)), np.ones((20, 4))].astype(np.float32))
    info = VideoInfo(path="x.mp4", width=32, height=32, fps=24.0, frame_count=40, duration=40 / 24, rotation=0,
                     codec="h264")
    r = ShotDetector(progress=False).detect_embeddings(emb, np.arange(40) / 24, info=info)
    assert "contrast" not in r.metrics and [c.frame.frame for c in r.cuts] == [20]


def _flat(colour, n, h=48, w=64):
    return [np.full((h, w, 3), colour, np.uint8) for _ in range(n)]


def test_a_cut_between_two_flat_cards_is_found(tmp_path):
    """Red frames then blue ones: the pixel encoder takes out the mean colour, so the card rule must see it."""
    from latentcut import ShotDetector

    video = write_video(tmp_path / "cards.mp4", _flat((200, 40, 40), 24) + _flat((40, 40, 200), 24))
    r = ShotDetector(progress=False).detect(video)
    assert [(c.frame.frame, c.kind) for c in r.cuts] == [(24, "cut")]
    assert ShotDetector(progress=False, fades=None).detect(video).cuts == []  # the rule belongs to the fade finder


def test_a_strobe_of_flat_frames_is_no_card_cut():
    """Colour flips every frame or two inside a shot are not cards: each card must hold card_len frames."""
    from latentcut.detection.fades import FadeFinder, frame_colour, frame_contrast

    frames = np.stack(_flat((250, 250, 250), 1) + _flat((0, 0, 0), 2) + _flat((250, 250, 250), 2)
                      + _flat((0, 0, 0), 1) + _flat((250, 250, 250), 2))
    assert FadeFinder().cards(frame_contrast(frames), frame_colour(frames)) == []
    held = np.stack(_flat((250, 250, 250), 3) + _flat((0, 0, 0), 3))
    found = FadeFinder().cards(frame_contrast(held), frame_colour(held))
    assert [(b.start, b.kind) for b in found] == [(3, "cut")] and found[0].strength == pytest.approx(250 / 255, abs=1e-3)
    assert FadeFinder(card_len=4).cards(frame_contrast(held), frame_colour(held)) == []
    assert FadeFinder(card_step=0.99).cards(frame_contrast(held), frame_colour(held)) == []


def test_a_cut_between_two_shots_of_one_palette_is_found(tmp_path):
    from latentcut import ShotDetector

    a = colour_frames([(120, 60, 60)], 24, seed=1)
    b = colour_frames([(120, 60, 60)], 24, seed=2)  # the same colours, another picture
    r = ShotDetector(progress=False).detect(write_video(tmp_path / "palette.mp4", a + b))
    assert [c.frame.frame for c in r.cuts] == [24]


def _oracle_cards(contrast, colour, flat, k, step_bar):
    n = len(contrast)
    steps = [0.0] + [float(np.abs(np.asarray(colour[i]) - np.asarray(colour[i - 1])).mean()) for i in range(1, n)]
    found = []
    for p in range(1, n):
        if p < k or p + k > n or steps[p] < step_bar:
            continue
        if all(contrast[j] <= flat for j in range(p - k, p + k)) and \
                all(steps[j] < 0.1 * step_bar for j in list(range(p - k + 1, p)) + list(range(p + 1, p + k))):
            found.append((p, steps[p]))
    return found


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 0.02, 0.025, 0.03, 0.2]),
                          st.sampled_from([(0.0, 0.0, 0.0), (0.005, 0.0, 0.0), (1.0, 1.0, 1.0), (0.5, 0.2, 0.1),
                                           (0.55, 0.2, 0.1), (0.52, 0.2, 0.1)])), max_size=18),
       st.integers(1, 4), st.sampled_from([0.1, 0.05, 0.3]))
def test_card_cuts_equal_brute_force(frames, k, step_bar):
    from latentcut.detection.fades import FadeFinder

    contrast = np.array([c for c, _ in frames], np.float64)
    colour = np.array([col for _, col in frames], np.float64).reshape(len(frames), 3)
    got = FadeFinder(card_len=k, card_step=step_bar).cards(contrast, colour)
    want = _oracle_cards(contrast, colour, 0.025, k, step_bar)
    assert [(b.start, b.end, b.kind) for b in got] == [(p, p, "cut") for p, _ in want]
    assert [b.strength for b in got] == pytest.approx([s for _, s in want])


def test_frame_colour_exactly():
    from latentcut.detection.fades import frame_colour

    f = np.zeros((2, 2, 2, 3), np.uint8)
    f[0, 0, 0] = (255, 0, 51)
    f[1] = (255, 255, 255)
    got = frame_colour(f)
    assert got.dtype == np.float32 and got.shape == (2, 3)
    np.testing.assert_allclose(got, [[0.25, 0.0, 0.05], [1.0, 1.0, 1.0]], atol=1e-6)
    one = frame_colour(f[:1, ..., :1])  # grey frames: one channel
    assert one.shape == (1, 1) and one[0, 0] == pytest.approx(0.25)
    for empty, shape in ((np.zeros((0, 4, 4, 3), np.uint8), (0, 3)), (np.zeros((0, 4, 4, 1), np.uint8), (0, 1)),
                         (np.zeros((3, 4, 4), np.uint8), (3, 3))):
        out = frame_colour(empty)
        assert out.shape == shape and out.dtype == np.float32 and not out.any()


@pytest.mark.parametrize("params,ok", [
    ({"card_len": 1}, True), ({"card_len": 0}, False), ({"card_len": 1.5}, False), ({"card_step": 1.0}, True),
    ({"card_step": 0.0}, False), ({"card_step": 1.01}, False), ({"card_step": 1e-9}, True),
    ({"flat": 0.0, "high": 0.01}, True), ({"flat": 0.5, "high": 0.5}, False), ({"flat": -0.01}, False),
    ({"high": 0.51}, False), ({"min_len": 1}, True), ({"min_len": 0}, False), ({"min_len": 2.5}, False),
])
def test_fade_finder_parameter_bounds(params, ok):
    from latentcut.detection.fades import FadeFinder

    finder = FadeFinder(**params)
    if ok:
        finder.check_params()
    else:
        with pytest.raises(ValueError, match=next(iter(params)) if "high" not in params or len(params) == 1 else "high"):
            finder.check_params()
