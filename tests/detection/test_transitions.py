"""Gradual transitions found on the span scores: scenarios at a scale other than 1, so * and / differ. Each exact assertion was added for a mutant that survived ``mutmut run``
(docs/testing.md).
"""
import numpy as np
import pytest

from latentcut import Embeddings, create_distance
from latentcut.detection.transitions import Boundary, _merge, runs, find_span_boundaries
from latentcut.evaluation import Interval
from latentcut.scoring.curves import score_curve

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process


def E(*rows, lv=None):
    return Embeddings(np.array(rows, np.float32), None if lv is None else np.array(lv, np.float32))


def test_runs_and_merge():
    assert runs(np.array([0, 1, 1, 0, 1, 0, 0, 1], bool)) == [(1, 2), (4, 4), (7, 7)]
    assert runs(np.zeros(3, bool)) == []
    merged = _merge([Boundary(10, 14, 1.0, "gradual"), Boundary(15, 20, 2.0, "gradual"), Boundary(30, 30, 1.0, "cut")])
    assert merged == [Boundary(10, 20, 2.0, "gradual"), Boundary(30, 30, 1.0, "cut")]
    assert _merge([Boundary(5, 8, 3.0, "cut"), Boundary(7, 9, 1.0, "gradual")]) == [Boundary(5, 8, 3.0, "cut")]
    assert _merge([Boundary(5, 8, 1.0, "gradual"), Boundary(7, 7, 3.0, "cut")]) == [Boundary(7, 7, 3.0, "cut")]
    assert _merge([Boundary(5, 8, 2.0, "gradual"), Boundary(7, 7, 2.0, "cut")]) == [Boundary(5, 8, 2.0, "gradual")]
    assert _merge([Boundary(5, 8, 1.0, "gradual"), Boundary(10, 12, 1.0, "gradual")]) == [
        Boundary(5, 8, 1.0, "gradual"), Boundary(10, 12, 1.0, "gradual")]


def _dissolve(n_before=30, n_mix=12, n_after=30, dim=8):
    a, b = np.zeros(dim, np.float32), np.ones(dim, np.float32)
    mix = [a + (b - a) * t / (n_mix + 1) for t in range(1, n_mix + 1)]
    return np.stack([a] * n_before + mix + [b] * n_after)


def test_find_persistent_reports_the_dissolve_extent():
    c = score_curve(Embeddings(_dissolve()), create_distance("l1"), 6)
    found = find_span_boundaries(c, 1.0, np.zeros(0, np.int64))
    assert len(found) == 1 and found[0].kind == "gradual"
    assert (found[0].start, found[0].end) == (30, 41)
    assert found[0].strength == pytest.approx(1.0, rel=0.01)
    assert find_span_boundaries(c, 1.0, np.array([35])) == []  # overlaps a hard cut already found
    assert find_span_boundaries(c, 3.0, np.zeros(0, np.int64)) == []  # too small against the level
    assert find_span_boundaries(c, float("nan"), np.zeros(0, np.int64)) == []
    assert find_span_boundaries(c, 0.0, np.zeros(0, np.int64)) == []


def test_find_persistent_calls_a_dominant_step_a_cut():
    x = _dissolve(n_mix=0)  # a plain cut, with the shots moving slightly in a straight line
    x = x + np.linspace(0, 0.02, len(x))[:, None].astype(np.float32)
    c = score_curve(Embeddings(x), create_distance("l1"), 6)
    found = find_span_boundaries(c, 1.0, np.zeros(0, np.int64))
    assert [(b.kind, b.start, b.end) for b in found] == [("cut", 30, 30)]


def _curve(rows, k=6, dim=8):
    return score_curve(Embeddings(np.asarray(rows, np.float32).reshape(len(rows), -1)), create_distance("l1"), k)


def _mix(a, b, n):
    return [a + (b - a) * t / (n + 1) for t in range(1, n + 1)]


def _shots(*parts):
    return np.concatenate([np.asarray(p, np.float32).reshape(len(p), -1) for p in parts])


A, B, C = np.zeros(8, np.float32), np.full(8, 3.0, np.float32), np.full(8, -3.0, np.float32)


def test_transition_scenarios_exactly():
    c = _curve(_shots([A] * 30, _mix(A, B, 11), [B] * 30))
    (d,) = find_span_boundaries(c, 3.0, np.zeros(0, np.int64))
    assert (d.kind, d.start, d.end) == ("gradual", 30, 40) and d.strength == pytest.approx(3.0, rel=1e-5)
    assert find_span_boundaries(c, 3.0, np.zeros(0, np.int64), min_fraction=0.99)[0].start == 30
    assert find_span_boundaries(c, 3.0, np.zeros(0, np.int64), min_fraction=1.01) == []
    assert find_span_boundaries(c, 6.1, np.zeros(0, np.int64)) == []  # 3.0 < 0.5 x 6.1
    assert len(find_span_boundaries(c, 5.9, np.zeros(0, np.int64))) == 1
    assert len(find_span_boundaries(c, 3.0, np.zeros(0, np.int64), straightness=1.0)) == 1  # exactly straight
    # a hard cut inside [start - 1, end + 2] hides it; one further out does not
    for cut, hidden in ((29, True), (42, True), (28, False), (43, False)):
        assert (find_span_boundaries(c, 3.0, np.array([cut])) == []) is hidden, cut
    # a straight change below 0.2 x level is no candidate at all
    small = _curve(_shots([A] * 30, _mix(A, B / 10, 11), [B / 10] * 30))
    assert find_span_boundaries(small, 3.0, np.zeros(0, np.int64)) == []
    assert len(find_span_boundaries(small, 0.3, np.zeros(0, np.int64))) == 1


def test_a_first_run_that_fails_does_not_stop_the_search():
    rows = _shots([A] * 20, _mix(A, B / 3, 8), [B / 3] * 20, _mix(B / 3, C, 11), [C] * 30)
    c = _curve(rows)
    assert c.span_scores[25:35].max() >= 0.6  # the first change is a candidate (0.2 x level) but moves too little
    found = find_span_boundaries(c, 3.0, np.zeros(0, np.int64))
    assert [(b.kind, b.start) for b in found] == [("gradual", 48)]
    rows = _shots([A] * 20, _mix(A, B, 8), [B] * 20, _mix(B, C, 11), [C] * 30)
    c = _curve(rows)
    found = find_span_boundaries(c, 3.0, np.array([21]))  # the first dissolve sits on a hard cut: skipped
    assert [(b.kind, b.start, b.end) for b in found] == [("gradual", 48, 58)]


def test_wandering_motion_is_no_transition():
    rng = np.random.default_rng(0)
    walk = [A + rng.normal(size=8).astype(np.float32) * 1.5 for _ in range(60)]
    assert find_span_boundaries(_curve(walk), 3.0, np.zeros(0, np.int64)) == []


def test_a_dominant_step_is_a_cut_at_that_step():
    drift = np.linspace(0, 0.3, 25)[:, None].astype(np.float32)
    rows = _shots(A + drift, B + 0.3 + drift)
    (b,) = find_span_boundaries(_curve(rows), 3.0, np.zeros(0, np.int64))
    assert (b.kind, b.start, b.end) == ("cut", 25, 25)
    assert b.strength == pytest.approx(3.125, rel=1e-6)  # raw steps x median straightness, above gap.max() 3.0625
    found = find_span_boundaries(_curve(rows), 3.0, np.zeros(0, np.int64), step_share=0.99)
    assert [f.kind for f in found] == ["gradual"]


def test_transition_at_the_start_of_a_video():
    rows = _shots(_mix(A, B, 5), [B] * 30)
    # windows end at k or later; steps before that still count towards the run's extent
    assert find_span_boundaries(_curve(rows, k=6), 3.0, np.zeros(0, np.int64)) == [Boundary(1, 4, 2.5, "gradual")]
    assert find_span_boundaries(_curve(rows, k=6), float("inf"), np.zeros(0, np.int64)) == []


def test_an_eased_dissolve_is_pinned():
    """A dissolve whose steps grow then shrink (ease in, ease out): its extent comes from the
    steps above 0.3 x the median of the larger half, its strength from the steps' sum."""
    w = np.array([0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.6, 0.4, 0.2, 0.1, 0.05, 0.02])
    pos = np.cumsum(w) / w.sum()
    rows = _shots([A] * 30, [A + (B - A) * p for p in pos[:-1]], [B] * 30)
    c = _curve(rows)
    (d,) = find_span_boundaries(c, 3.0, np.zeros(0, np.int64))
    assert (d.kind, d.start, d.end) == EASED[:3]
    assert d.strength == pytest.approx(EASED[3], rel=1e-6)
    (e,) = find_span_boundaries(c, 3.0, np.zeros(0, np.int64), step_share=0.15)
    assert (e.kind, e.start, e.end) == ("cut", 36, 36)


EASED = ("gradual", 33, 38, 2.7118644416332245)


def test_cut_interval_follows_the_labels_convention():
    from latentcut.detection.results import Cut
    from latentcut.io.timecode import Timecode

    hard = Cut(Timecode(9, 0.3), 1.0)
    assert hard.interval() == Interval(9, 9, "cut")
    assert hard.start == hard.end == hard.frame and hard.mixed_frames == 0  # a hard cut mixes nothing
    # a mix over frames 7-11: end is the first frame after it, as Shot.end and the JSON's end
    g = Cut(Timecode(9, 0.3), 1.0, "gradual", Timecode(7, 0.2), Timecode(12, 0.44))
    assert g.interval() == Interval(7, 12, "gradual") and g.mixed_frames == 5
    assert g.to_dict()["end"] == 12 and g.to_dict()["end_time"] == 0.44
