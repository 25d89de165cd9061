import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from latentcut.errors import LabelsError
from latentcut.evaluation import ClipLabels, Interval, accuracy_at_n, evaluate, find_clip, load_labels, match

from latentcut.evaluation import BoundaryScores
from latentcut.evaluation.labels import clip_from_dict

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process

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


# -- exact values (each added for a mutant that survived `mutmut run`) --


def test_scores_arithmetic():
    s = BoundaryScores(3, 1, 2)
    assert s.precision == 0.75 and s.recall == 0.6 and s.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert BoundaryScores(0, 0, 0).precision == 1.0 and BoundaryScores(0, 0, 0).recall == 1.0 and BoundaryScores(0, 1, 1).f1 == 0.0
    assert (BoundaryScores(1, 2, 3) + BoundaryScores(4, 5, 6)) == BoundaryScores(5, 7, 9)
    assert BoundaryScores(1, 0, 1).as_dict() == {"tp": 1, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3)}


def test_interval_gap_and_matching_exactly():
    assert Interval(5, 5).distance_to(Interval(7, 7)) == 2 and Interval(7, 7).distance_to(Interval(5, 5)) == 2
    assert Interval(5, 9).distance_to(Interval(9, 12)) == 0 and Interval(5, 9).distance_to(Interval(11, 12)) == 2
    assert match([Interval(10, 10)], [Interval(12, 12)], 1) == []
    assert match([Interval(10, 10)], [Interval(12, 12)], 2) == [(0, 0)]
    # closest pairs first: 11 goes to 11, not 10
    assert sorted(match([Interval(11, 11)], [Interval(10, 10), Interval(11, 11)], 2)) == [(0, 1)]
    # equal gaps: the closer centre wins
    assert match([Interval(10, 10)], [Interval(8, 12), Interval(10, 20)], 0) == [(0, 0)]


def test_evaluate_and_uncertain_frames():
    lab = ClipLabels("x", [Interval(10, 10), Interval(30, 35, "gradual")], uncertain=[50])
    assert evaluate([Interval(10, 10), Interval(33, 33)], lab) == BoundaryScores(2, 0, 0)
    assert evaluate([Interval(11, 11)], lab, 0) == BoundaryScores(0, 1, 2)
    assert evaluate([Interval(51, 51)], lab, 1) == BoundaryScores(0, 0, 2)  # near an uncertain frame: neutral
    assert evaluate([Interval(52, 52)], lab, 1) == BoundaryScores(0, 1, 2)


def test_accuracy_at_n_exactly():
    lab = ClipLabels("x", [Interval(3, 3), Interval(7, 7)])
    s = np.array([9, 0, 0, 5, 0, 0, 0, 1, 4, 0.0])  # frame 0 is never a change
    assert accuracy_at_n(s, lab) == 0.5  # top 2: 3 and 8
    assert accuracy_at_n(s, lab, tolerance=1) == 1.0
    assert np.isnan(accuracy_at_n(s, ClipLabels("x", [])))


def test_labels_shapes():
    c = clip_from_dict({"path": "p.mp4", "cuts": [5, {"frame": 9}, {"start": 12, "end": 14, "kind": "dissolve"}],
                        "gradual": [{"start": 20, "end": 22}], "uncertain": [3, {"frame": 4}, {"start": 6, "end": 7}],
                        "frames": 30, "group": "anime"}, "t")
    assert [(b.lo, b.hi, b.kind) for b in c.boundaries] == [(5, 5, "cut"), (9, 9, "cut"), (12, 15, "gradual"),
                                                           (20, 23, "gradual")]
    assert c.uncertain == [3, 4, 6, 7] and c.frames == 30 and c.group == "anime" and c.path == "p.mp4"
    from latentcut.errors import LabelsError

    with pytest.raises(LabelsError, match="ends before it starts"):
        clip_from_dict({"cuts": [{"start": 5, "end": 2, "kind": "fade"}]}, "t")
    with pytest.raises(LabelsError, match="cannot read an uncertain"):
        clip_from_dict({"cuts": [], "uncertain": ["x"]}, "t")


def test_matching_rules_exactly():
    # defaults: tolerance 0
    assert match([Interval(10, 10)], [Interval(11, 11)]) == []
    lab = ClipLabels("x", [Interval(10, 10)])
    assert evaluate([Interval(11, 11)], lab) == BoundaryScores(0, 1, 1)
    # centre distance breaks ties between equal gaps, by |(p.lo + p.hi) - (t.lo + t.hi)|
    assert match([Interval(10, 10)], [Interval(9, 11), Interval(10, 30)], 0) == [(0, 0)]
    assert match([Interval(4, 6)], [Interval(0, 5), Interval(5, 9)], 0) == [(0, 1)]
    assert match([Interval(10, 10), Interval(11, 11)], [Interval(10, 10), Interval(30, 30), Interval(11, 11)], 0) == [
        (0, 0), (1, 2)]
    assert sorted(match([Interval(5, 5), Interval(6, 6)], [Interval(6, 6)], 1)) == [(1, 0)]
    # every unmatched prediction is counted, not only the first
    assert evaluate([Interval(1, 1), Interval(2, 2), Interval(3, 3)], ClipLabels("x", [])) == BoundaryScores(0, 3, 0)
    assert evaluate([Interval(1, 1), Interval(40, 40)], ClipLabels("x", [], uncertain=[1])) == BoundaryScores(0, 1, 0)


def test_predictions_and_accuracy_at_n_details():
    from latentcut.evaluation import predictions_from_json

    assert predictions_from_json({"cuts": [{"frame": 3}, {"frame": 9, "kind": "gradual", "start": 7, "end": 10}]}) == [
        Interval(3, 3), Interval(7, 11, "gradual")]
    assert predictions_from_json([4, {"frame": 2}]) == [Interval(4, 4), Interval(2, 2)]
    from latentcut.errors import LabelsError

    with pytest.raises(LabelsError, match="predictions: cannot read a boundary"):
        predictions_from_json({"cuts": ["x"]})
    lab = ClipLabels("x", [Interval(2, 2), Interval(3, 3)])
    assert accuracy_at_n(np.array([9, 1, 1, 1, 0]), lab) == 0.5  # ties broken stably: 1, 2, 3 -> top 2 = 1, 2
    many = np.zeros(40)
    many[[5, 17, 30]] = 1.0  # ties among 39 frames: a stable sort keeps the earliest
    assert accuracy_at_n(many, ClipLabels("x", [Interval(5, 5), Interval(17, 17), Interval(30, 30)])) == 1.0
    flat = np.ones(40)
    assert accuracy_at_n(flat, ClipLabels("x", [Interval(1, 1), Interval(2, 2)])) == 1.0
    assert accuracy_at_n(np.array([0, 1, 1, 1, 0]), ClipLabels("x", [Interval(1, 1), Interval(2, 2)])) == 1.0
    assert accuracy_at_n(np.array([5, 0, 0, 0]), ClipLabels("x", [Interval(0, 0)])) == 0.0  # frame 0 never counts
    assert accuracy_at_n(np.array([1, 2, 3], np.int64), ClipLabels("x", [Interval(2, 2)])) == 1.0
    assert str(accuracy_at_n(np.zeros(3), ClipLabels("x", []))) == "nan"


def test_interval_reading_exactly():
    from latentcut.errors import LabelsError
    from latentcut.evaluation.labels import interval_from

    assert interval_from(7, "w") == Interval(7, 7, "cut") and interval_from(7.0, "w") == Interval(7, 7)
    assert interval_from({"frame": 4}, "w") == Interval(4, 4, "cut")
    assert interval_from({"frame": 4, "start": 2, "end": 6}, "w") == Interval(4, 4, "cut")  # kind cut: the frame
    assert interval_from({"start": 2, "end": 6}, "w") == Interval(2, 7, "gradual")  # no kind, no frame
    assert interval_from({"start": 2, "end": 6, "kind": "fade"}, "w") == Interval(2, 7, "gradual")
    assert interval_from({"start": 2, "end": 2, "kind": "fade"}, "w") == Interval(2, 3, "gradual")
    for bad in ({"start": 2}, {"end": 2}, {"start": 2, "kind": "cut"}, "x", True, None):
        with pytest.raises(LabelsError, match=r"^w: cannot read a boundary from"):
            interval_from(bad, "w")
    with pytest.raises(LabelsError, match=r"^w: transition ends before it starts \(5..2\)$"):
        interval_from({"start": 5, "end": 2, "kind": "fade"}, "w")
    assert Interval(3, 8).distance_to(Interval(4, 5)) == 0  # inside: 0, never negative


def test_clip_labels_defaults_and_errors(tmp_path):
    import json

    from latentcut.errors import LabelsError
    from latentcut.evaluation.labels import find_clip, load_json, load_labels

    c = clip_from_dict({"video": "v.mp4", "cuts": [9, 2], "gradual": None, "uncertain": None}, "w")
    assert c.path == "v.mp4" and [b.lo for b in c.boundaries] == [2, 9] and c.uncertain == [] and c.group == ""
    assert c.frames is None
    assert clip_from_dict({"cuts": []}, "w").path == ""
    for bad in ({"cuts": 3}, {"nocuts": []}, [1]):
        with pytest.raises(LabelsError, match=r"^w: no 'cuts' list$"):
            clip_from_dict(bad, "w")
    with pytest.raises(LabelsError, match=r"^w: cannot read a boundary from 'x'$"):
        clip_from_dict({"cuts": ["x"]}, "w")
    p = tmp_path / "l.json"
    p.write_text(json.dumps({"clips": [{"path": "a/x.mp4", "cuts": [1]}, {"path": "b/y.mp4", "cuts": [2]}]}), encoding="utf-8")
    clips = load_labels(p)
    assert [c.path for c in clips] == ["a/x.mp4", "b/y.mp4"]
    assert find_clip(clips, "/any/where/y.mp4").path == "b/y.mp4"
    with pytest.raises(LabelsError, match=r"^no labels for 'z.mp4'; the labels file has: x.mp4, y.mp4$"):
        find_clip(clips, "z.mp4")
    one = [ClipLabels("", [Interval(1, 1)])]
    assert find_clip(one, "anything.mp4") is one[0]
    two = [ClipLabels("", []), ClipLabels("q.mp4", [])]
    with pytest.raises(LabelsError):
        find_clip(two, "anything.mp4")
    assert find_clip([ClipLabels("q.mp4", [])], "q.mp4").path == "q.mp4"
    p.write_text(json.dumps({"clips": [{"path": "x.mp4", "cuts": [{"frame": "a"}]}]}), encoding="utf-8")
    with pytest.raises(LabelsError, match=r"l.json: not a labels file latentcut can read \(ValueError: "):
        load_labels(p)
    p.write_text(json.dumps({"clips": [{"path": "x.mp4", "cuts": [{"nope": 1}]}]}), encoding="utf-8")
    with pytest.raises(LabelsError, match=r"l.json: clip x.mp4: cannot read a boundary"):
        load_labels(p)
    p.write_text(json.dumps({"clips": [5]}), encoding="utf-8")
    with pytest.raises(LabelsError, match=r"l.json: clip 0: no 'cuts' list"):
        load_labels(p)
    p.write_text(json.dumps({"cuts": [3]}), encoding="utf-8")
    assert load_labels(p)[0].boundaries == [Interval(3, 3)] and load_labels(p)[0].path == ""
    for text in ('{"clips": 3}', "[]", '{"x": 1}'):
        p.write_text(text, encoding="utf-8")
        with pytest.raises(LabelsError, match=r"l.json: expected a 'clips' list or a 'cuts' list$"):
            load_labels(p)
    p.write_text('{"cuts": [], "path": "é.mp4"}', encoding="utf-8")
    assert load_json(p)["path"] == "é.mp4"
    with pytest.raises(LabelsError, match=r"is a directory, not a JSON file$"):
        load_json(tmp_path)
    with pytest.raises(LabelsError, match=r"missing.json: no such file$"):
        load_json(tmp_path / "missing.json")
    p.write_bytes(b"\xff\xfe{")
    with pytest.raises(LabelsError, match=r"not valid JSON"):
        load_json(p)


def test_matching_ties_accuracy_ties_and_label_messages(tmp_path):
    from latentcut.errors import LabelsError
    from latentcut.evaluation.labels import load_json, load_labels

    # matching: the centre tie-break uses the sum of each interval's ends
    assert match([Interval(10, 10)], [Interval(5, 15), Interval(10, 11)], 0) == [(0, 0)]
    # a pair skipped for a used truth does not end the matching
    assert match([Interval(10, 10), Interval(11, 11)], [Interval(10, 10), Interval(13, 13)], 2) == [(0, 0), (1, 1)]
    # ties in accuracy@N: the earlier frames, for any length
    flat = np.ones(500)
    assert accuracy_at_n(flat, ClipLabels("x", [Interval(1, 1), Interval(2, 2), Interval(3, 3)])) == 1.0
    # labels: messages name the file and clip
    p = tmp_path / "l.json"
    p.write_text('{"clips": [{"cuts": ["x"]}]}')
    with pytest.raises(LabelsError, match=r"l.json: clip 0: cannot read a boundary"):
        load_labels(p)
    p.write_text('{"cuts": ["x"]}')
    with pytest.raises(LabelsError, match=r"^" + str(p).replace(".", r"\.") + r": cannot read a boundary"):
        load_labels(p)
    (tmp_path / "f").write_text("x")
    with pytest.raises(LabelsError, match=r"f/x.json: cannot read it \(Not a directory\)$"):
        load_json(tmp_path / "f" / "x.json")
