import csv
import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import LABELS, clip, colour_frames, needs_shared, write_video

from latentcut.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args, env=None):
    e = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, (env or {}).get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "latentcut.cli", *args], capture_output=True, text=True, env=e, timeout=300)


def test_detect_writes_json_csv_and_curve(cut_video, tmp_path, capsys):
    out = tmp_path / "o.json"
    assert main(["detect", cut_video, "-o", str(out), "--csv", str(tmp_path / "s.csv"), "--curve", str(tmp_path / "c.csv")]) == 0
    doc = json.loads(out.read_text())
    assert [c["frame"] for c in doc["cuts"]] == [24, 48]
    assert doc["cuts"][0]["time"] == pytest.approx(1.0)
    assert (tmp_path / "s.csv").read_text().count("\n") == 5
    assert "2 boundaries, 3 shots" in capsys.readouterr().out


def test_threshold_options(cut_video, tmp_path):
    out = tmp_path / "o.json"
    assert main(["detect", cut_video, "-q", "-o", str(out), "--n", "1"]) == 0
    assert len(json.loads(out.read_text())["cuts"]) == 1
    assert main(["detect", cut_video, "-q", "-o", str(out), "--thresholder", "fixed,value=0.12", "--distance", "l2", "--no-gradual"]) == 0
    assert [c["frame"] for c in json.loads(out.read_text())["cuts"]] == [24, 48]


@pytest.mark.parametrize(
    "args,message",
    [
        (["detect", "missing.mp4"], "missing.mp4: no such file"),
        (["detect", "{video}", "--encoder", "nope"], "unknown encoder 'nope'; known: "),
        (["detect", "{video}", "--thresholder", "bogus"], "unknown thresholder 'bogus'"),
        (["detect", "{video}", "--n", "500"], "asked for 500 cuts but the video has only 71 frame pairs"),
        (["detect", "{video}", "--encoder", "pixel,colour=1"], "bad parameters for encoder 'pixel'"),
        (["detect", "{text}"], "cannot read it as a video"),
    ],
)
def test_bad_input_gives_one_line_error_and_exit_2(args, message, cut_video, tmp_path):
    text = tmp_path / "fake.mp4"
    text.write_text("hello, I am not a video\n" * 100)
    r = run(*[a.format(video=cut_video, text=text) for a in args])
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_truncated_video_warns_and_still_answers(tmp_path):
    p = tmp_path / "full.mkv"
    write_video(p, colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], 40))
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(p.read_bytes()[: p.stat().st_size * 2 // 3])
    r = run("detect", str(cut), "-o", str(tmp_path / "o.json"))
    assert r.returncode == 0
    assert "latentcut: warning:" in r.stderr and "truncated" in r.stderr
    assert json.loads((tmp_path / "o.json").read_text())["truncated"] is True


@needs_shared
def test_eval_prints_scores(tmp_path, capsys):
    out = tmp_path / "bikes.json"
    assert main(["detect", clip("bikes.mp4"), "-q", "-o", str(out), "--curve", str(tmp_path / "c.csv")]) == 0
    capsys.readouterr()
    assert main(["eval", str(out), LABELS, "--curve", str(tmp_path / "c.csv")]) == 0
    text = capsys.readouterr().out
    assert "clips/bikes.mp4: 5 true boundaries, 5 predicted" in text
    assert "1.000   1.000  1.000" in text and "accuracy@N (N=5, the raw column): 1.000" in text
    assert main(["eval", str(out), LABELS, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][1]["f1"] == 1.0


@needs_shared
def test_eval_reads_scene_csvs_of_latentcut_and_pyscenedetect(tmp_path, capsys):
    ours = tmp_path / "bikes.scenes.csv"  # run.sh's name; the clip is found by it
    assert main(["detect", clip("bikes.mp4"), "-q", "-o", str(tmp_path / "b.json"), "--csv", str(ours)]) == 0
    capsys.readouterr()
    assert main(["eval", str(tmp_path / "b.json"), LABELS, "--json"]) == 0
    from_json = json.loads(capsys.readouterr().out)["results"]
    assert main(["eval", str(ours), LABELS, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"] == from_json
    # PySceneDetect's list-scenes file for the same clip: 1-based Start Frames, a Timecode List row
    starts = [1] + [int(r["start_frame"]) + 1 for r in json.load(open(tmp_path / "b.json"))["shots"][1:]]
    theirs = tmp_path / "bikes-Scenes.csv"
    theirs.write_text("Timecode List:,00:00:01.000\nScene Number,Start Frame,Start Timecode\n"
                      + "".join(f"{i},{f},x\n" for i, f in enumerate(starts, 1)))
    assert main(["eval", str(theirs), LABELS, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"] == from_json
    dropped = tmp_path / "other.csv"
    dropped.write_text("Scene Number,Start Frame\n" + "".join(f"{i},{f}\n" for i, f in enumerate(starts[:-1], 1)))
    assert main(["eval", str(dropped), LABELS, "--clip", "bikes.mp4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["fn"] == from_json[0]["fn"] + 1


@pytest.mark.parametrize("text, message", [
    ("Scene Number,End Frame\n1,10\n", "no 'Start Frame' column"),
    ("Scene Number,Start Frame\n1,x\n", "row 2 has no whole-number Start Frame"),
    ("Scene Number,Start Frame\n1,0\n", "Start Frame is 1-based"),
    ("Scene Number,Start Frame\n1,1\n2,30\n3,20\n", "not in increasing order"),
    ("Scene Number,Start Frame\n1,1\n", "which clip is it"),
])
def test_eval_scene_csv_errors(tmp_path, text, message):
    bad = tmp_path / "nothing-like-a-clip.csv"
    bad.write_text(text)
    labels = tmp_path / "labels.json"  # its own labels: the test needs no ../shared
    labels.write_text(json.dumps({"clips": [{"path": "clips/one.mp4", "cuts": [10]},
                                            {"path": "clips/two.mp4", "cuts": [20]}]}))
    r = run("eval", str(bad), str(labels))
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_eval_errors(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"nothing": 1}')
    r = run("eval", str(bad), str(bad))
    assert r.returncode == 2 and "expected latentcut JSON with a 'cuts' list" in r.stderr


def test_demo_makes_its_own_clip_and_finds_its_cuts(tmp_path, capsys):
    assert main(["demo", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "F1 1.00" in out
    assert (tmp_path / "demo.mp4").exists() and (tmp_path / "demo.json").exists()


def test_third_party_plugin_through_entry_points(tmp_path, cut_video):
    """A package registering an encoder in the latentcut.encoders group is usable by name."""
    site = tmp_path / "site"
    (site / "lc_plugin_demo-1.0.dist-info").mkdir(parents=True)
    (site / "lc_plugin_demo-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: lc-plugin-demo\nVersion: 1.0\n")
    (site / "lc_plugin_demo-1.0.dist-info" / "entry_points.txt").write_text(
        "[latentcut.encoders]\nmean-colour = lc_plugin_demo:MeanColour\n\n[latentcut.thresholders]\nnever = lc_plugin_demo:Never\n"
    )
    (site / "lc_plugin_demo.py").write_text(textwrap.dedent('''
        import numpy as np
        from latentcut import Embeddings, Encoder
        from latentcut.detection.thresholders import Thresholder

        class MeanColour(Encoder):
            name = "mean-colour"
            def __init__(self):
                self.frame_size = (8, 8)
            def transform(self, frames):
                return Embeddings(frames.reshape(len(frames), -1, frames.shape[-1]).mean(1) / 255.0)

        class Never(Thresholder):
            name = "never"
            metric_keys = ("headroom",)
            def fit(self, scores, fps=None, scale=None):
                self.threshold_ = float("inf")
                return self
            def frame_metrics(self, result):
                return {"headroom": result.curve.scores.max() - result.curve.scores}
    '''))
    r = run("plugins", env={"PYTHONPATH": str(site)})
    assert "mean-colour" in r.stdout and "never" in r.stdout
    out = tmp_path / "o.json"
    r = run("detect", cut_video, "--encoder", "mean-colour", "--no-gradual", "-o", str(out), env={"PYTHONPATH": str(site)})
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["settings"]["encoder"] == "mean-colour"
    assert [c["frame"] for c in doc["cuts"]] == [24, 48]
    curve = tmp_path / "c.csv"
    r = run("detect", cut_video, "--thresholder", "never", "-o", str(out), "--curve", str(curve), env={"PYTHONPATH": str(site)})
    assert r.returncode == 0 and json.loads(out.read_text())["cuts"] == []
    # the thresholder's declared per-frame metric is a column of the curve CSV
    rows = list(csv.DictReader(curve.open()))
    # the plugins' columns follow the built-in ones, in pipeline order (the fade finder's last)
    assert list(rows[0])[-2:] == ["headroom", "contrast"] and len(rows) == 72
    top = max(float(r["score"]) for r in rows)
    assert all(float(r["headroom"]) == pytest.approx(top - float(r["score"]), abs=1e-5) for r in rows)
