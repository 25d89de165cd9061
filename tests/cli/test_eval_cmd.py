"""`latentcut eval` over many clips: folders, curves matched by name, the paper's accuracy@N column and N."""
import json

import numpy as np
import pytest
from conftest import LABELS, clip, needs_shared

from latentcut.cli import main
from latentcut.evaluation import ClipLabels, Interval, accuracy_at_n


def _curve(path, frames, raw, score):
    rows = ["frame,time,score,raw,span_score,straightness,decision,cut"]
    rows += [f"{f},{f / 24:.6f},{s},{r},0,0,0,0" for f, r, s in zip(frames, raw, score)]
    path.write_text("\n".join(rows) + "\n")


@pytest.fixture
def world(tmp_path):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"clips": [{"path": "clips/one.mp4", "cuts": [10, 20]},
                                            {"path": "clips/two.mp4", "cuts": [5]}]}))
    out = tmp_path / "results"
    out.mkdir()
    (out / "one.cuts.json").write_text(json.dumps({"video": "clips/one.mp4", "cuts": [{"frame": 10}, {"frame": 30}]}))
    (out / "two.cuts.json").write_text(json.dumps({"video": "clips/two.mp4", "cuts": [{"frame": 5}]}))
    raw, score = np.zeros(40), np.zeros(40)
    raw[[10, 20]] = [2.0, 1.5]  # the paper's column ranks both true boundaries first
    score[[10, 30]] = [2.0, 1.5]  # the robust score ranks a false one second
    _curve(out / "one.curve.csv", range(40), raw, score)
    return tmp_path, labels, out


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_a_folder_of_results_is_scored_per_clip_and_summed(world, capsys):
    _, labels, out = world
    doc = _json(capsys, ["eval", str(out), str(labels), "--json"])
    assert doc["clip_count"] == 2 and [c["clip"] for c in doc["clips"]] == ["clips/one.mp4", "clips/two.mp4"]
    t0 = doc["total"]["results"][0]
    assert (t0["tp"], t0["fp"], t0["fn"]) == (2, 1, 1)
    assert doc["clips"][0]["accuracy_at_n"] == 1.0 and doc["clips"][1]["accuracy_at_n"] is None
    assert doc["total"]["accuracy_at_n"] == 1.0 and doc["total"]["clips_with_curves"] == 1
    # the detector's score column is not the paper's measure: it ranks the false frame 30 second
    doc = _json(capsys, ["eval", str(out), str(labels), "--json", "--curve-column", "score"])
    assert doc["total"]["accuracy_at_n"] == 0.5
    doc = _json(capsys, ["eval", str(out), str(labels), "--json", "--curve-column", "score", "--n", "1"])
    assert doc["clips"][0]["accuracy_at_n"] == 1.0 and doc["clips"][0]["n"] == 1
    # files named one by one score the same as their folder
    files = [str(out / "one.cuts.json"), str(out / "two.cuts.json")]
    doc2 = _json(capsys, ["eval", *files, str(labels), "--json", "--curve", str(out / "one.curve.csv")])
    assert doc2["total"]["results"] == _json(capsys, ["eval", str(out), str(labels), "--json"])["total"]["results"]


def test_the_table_names_every_clip_and_the_total(world, capsys):
    _, labels, out = world
    assert main(["eval", str(out), str(labels)]) == 0
    text = capsys.readouterr().out
    assert "one.mp4" in text and "two.mp4" in text and "all 2 clips, summed (micro-averaged)" in text
    assert "accuracy@N over the 1 clips with a curve (raw column; hits / sum of N): 1.000" in text


@pytest.mark.parametrize("extra, message", [
    (["--n", "0"], "--n: must be at least 1"),
    (["--n", "many"], "--n: expected from-labels or a whole number"),
    (["--clip", "one.mp4"], "--clip names the clip of one prediction"),
])
def test_many_clip_errors(world, capsys, extra, message):
    _, labels, out = world
    r = _run(["eval", str(out), str(labels), *extra])
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def _run(argv):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "latentcut.cli", *argv], capture_output=True, text=True)


def test_curves_and_duplicates_that_do_not_fit_are_one_clear_error(world):
    tmp, labels, out = world
    stray = tmp / "three.curve.csv"
    _curve(stray, range(3), [0, 1, 0], [0, 1, 0])
    r = _run(["eval", str(out / "one.cuts.json"), str(out / "two.cuts.json"), str(labels), "--curve", str(stray)])
    assert r.returncode == 2 and "matches none of the clips" in r.stderr
    r = _run(["eval", str(out / "one.cuts.json"), str(out / "one.cuts.json"), str(labels)])
    assert r.returncode == 2 and "two predictions for the same clip: one.mp4" in r.stderr
    empty = tmp / "empty"
    empty.mkdir()
    r = _run(["eval", str(empty), str(labels)])
    assert r.returncode == 2 and "no predictions here" in r.stderr
    backwards = tmp / "one.curve.csv"
    _curve(backwards, [0, 2, 1], [0, 1, 0], [0, 1, 0])
    r = _run(["eval", str(out / "one.cuts.json"), str(labels), "--curve", str(backwards)])
    assert r.returncode == 2 and "not increasing" in r.stderr


def test_accuracy_at_n_takes_a_fixed_n_and_skips_unscored_frames():
    lab = ClipLabels("x", [Interval(3, 3), Interval(8, 8)])
    s = np.array([0, 0, 0, 5, 0, 0, 0, 0, 4, 0], float)
    assert accuracy_at_n(s, lab, n=1) == 1.0 and accuracy_at_n(s, lab, n=4) == 0.5
    sparse = np.full(10, -np.inf)
    sparse[3] = 1.0  # with --stride only some frames are scored; the others never enter the top N
    assert accuracy_at_n(sparse, lab) == 0.5
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="n must be"):
            accuracy_at_n(s, lab, n=bad)


@needs_shared
def test_eval_of_two_real_clips_matches_each_alone(tmp_path, capsys):
    for name in ("bikes.mp4", "testvideo.mp4"):
        stem = name.split(".")[0]
        assert main(["detect", clip(name), "-q", "-o", str(tmp_path / f"{stem}.cuts.json"),
                     "--curve", str(tmp_path / f"{stem}.curve.csv")]) == 0
    capsys.readouterr()
    both = _json(capsys, ["eval", str(tmp_path), LABELS, "--json"])
    alone = [_json(capsys, ["eval", str(tmp_path / f"{s}.cuts.json"), LABELS, "--json", "--curve",
                            str(tmp_path / f"{s}.curve.csv")]) for s in ("bikes", "testvideo")]
    assert [c["results"] for c in both["clips"]] == [a["results"] for a in alone]
    assert [c["accuracy_at_n"] for c in both["clips"]] == [a["accuracy_at_n"] for a in alone]
