import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from latentcut.errors import LabelsError
from latentcut.evaluation import ClipLabels, Interval, accuracy_at_n, evaluate, find_clip, load_labels, match

cut_sets = st.lists(st.integers(1, 500), unique=True, max_size=20).map(sorted)


def labels(cuts, gradual=(), uncertain=()):
    b = [Interval(c, c) for c in cuts] + [Interval(s, e + 1, "gradual") for s, e in gradual]
    return ClipLabels("x.mp4", b, list(uncertain))


@given(cut_sets, st.integers(0, 5))
def test_perfect_prediction_scores_one(cuts, tol):
    s = evaluate([Interval(c, c) for c in cuts], labels(cuts), tol)
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)


@given(cut_sets, cut_sets, st.integers(0, 3))
def test_f1_symmetric_when_roles_swap(a, b, tol):
    ab = evaluate([Interval(c, c) for c in a], labels(b), tol)
    ba = evaluate([Interval(c, c) for c in b], labels(a), tol)
    assert ab.tp == ba.tp
    assert ab.f1 == pytest.approx(ba.f1)
    assert ab.precision == pytest.approx(ba.recall)


def test_matching_is_one_to_one_and_tolerant():
    truth = labels([10, 12])
    s = evaluate([Interval(11, 11)], truth, 1)
    assert (s.tp, s.fp, s.fn) == (1, 0, 1)
    s = evaluate([Interval(10, 10), Interval(13, 13)], truth, 1)
    assert (s.tp, s.fp, s.fn) == (2, 0, 0)
    s = evaluate([Interval(15, 15)], truth, 2)
    assert (s.tp, s.fp, s.fn) == (0, 1, 2)


def test_gradual_matched_by_interval_and_uncertain_is_neutral():
    truth = labels([100], gradual=[(200, 228)], uncertain=[300])
    # a cut inside the dissolve, a predicted transition overlapping the true cut, one at an uncertain frame
    pred = [Interval(215, 215), Interval(95, 101, "gradual"), Interval(300, 300)]
    s = evaluate(pred, truth, 0)
    assert (s.tp, s.fp, s.fn) == (2, 0, 0)
    # the boundary of frames 200..228 may be placed anywhere in [200, 229]
    assert evaluate([Interval(229, 229)], labels([], gradual=[(200, 228)]), 0).tp == 1
    assert evaluate([Interval(230, 230)], labels([], gradual=[(200, 228)]), 0).tp == 0


def test_accuracy_at_n_is_the_papers_measure():
    scores = np.zeros(50)
    scores[[10, 20, 30]] = [5.0, 4.0, 3.0]
    scores[25] = 4.5
    assert accuracy_at_n(scores, labels([10, 20, 30])) == pytest.approx(2 / 3)
    assert np.isnan(accuracy_at_n(scores, labels([])))


def test_greedy_prefers_closest_pairs():
    pairs = match([Interval(10, 10), Interval(12, 12)], [Interval(12, 12)], 2)
    assert pairs == [(1, 0)]


def test_labels_file_formats_and_errors(tmp_path):
    p = tmp_path / "l.json"
    p.write_text(json.dumps({"clips": [{"path": "clips/a.mp4", "cuts": [5], "gradual": [{"start": 8, "end": 9}]}]}))
    clips = load_labels(p)
    assert find_clip(clips, "/x/a.mp4").boundaries == [Interval(5, 5), Interval(8, 10, "gradual")]
    with pytest.raises(LabelsError, match="no labels for 'b.mp4'"):
        find_clip(clips, "b.mp4")
    p.write_text("{not json")
    with pytest.raises(LabelsError, match="not valid JSON"):
        load_labels(p)
    with pytest.raises(LabelsError, match="no such file"):
        load_labels(tmp_path / "missing.json")


def test_why_not_names_the_nearest_hard_negative_within_reach():
    lab = ClipLabels("x", [], hard_negatives=[(10, "flash"), (14, "pan"), (30, "zoom")])
    assert lab.why_not(11) == "flash" and lab.why_not(13) == "pan" and lab.why_not(12) == "flash"
    assert lab.why_not(20) == "" and lab.why_not(32) == "zoom" and lab.why_not(33) == ""
    assert lab.why_not(33, within=3) == "zoom" and ClipLabels("y", []).why_not(5) == ""


def test_the_nearest_reason_wins_and_hard_negatives_are_read_from_labels():
    from latentcut.evaluation.labels import clip_from_dict

    lab = ClipLabels("x", [], hard_negatives=[(9, "a-first"), (11, "z-near")])
    assert lab.why_not(11) == "z-near" and lab.why_not(9) == "a-first"
    c = clip_from_dict({"path": "c.mp4", "cuts": [5], "group": "anime", "frames": 40,
                        "hard_negatives": [{"frame": 12, "why": "flash"}, {"frame": 20.0}, {"frame": True, "why": "x"},
                                           {"why": "no frame"}, 7, {"frame": 30, "why": 3}]}, "test")
    assert c.hard_negatives == [(12, "flash"), (20, ""), (30, "3")]
    assert (c.group, c.frames, c.boundaries) == ("anime", 40, [Interval(5, 5)])
    assert clip_from_dict({"cuts": []}, "t").hard_negatives == []
