"""Every bad input the hostile-tester review listed: one line ``latentcut: error: ...`` naming the
option or file, exit 2, no traceback, and the inputs untouched."""
import hashlib
import json
import os
import subprocess
import sys

import pytest
from conftest import colour_frames, write_video

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args, stdin=None, timeout=300):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "latentcut.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, input=stdin)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    video = write_video(d / "v.mp4", colour_frames([(200, 40, 40), (40, 200, 40)], 12, h=32, w=32))
    one = write_video(d / "one.mp4", colour_frames([(200, 40, 40)], 1, h=32, w=32))
    (d / "a dir").mkdir()
    (d / "labels-list.json").write_text("[1, 2, 3]")
    (d / "labels-odd.json").write_text(json.dumps({"clips": [{"path": "v.mp4", "cuts": ["abc"]}]}))
    (d / "pred.json").write_text(json.dumps({"video": "v.mp4", "cuts": [{"frame": 12}]}))
    (d / "labels.json").write_text(json.dumps({"path": "v.mp4", "cuts": [12]}))
    (d / "curve.txt").write_text("this is not a csv\x00\x01 at all\n")
    (d / "file").write_text("a file where a folder is wanted\n")
    model = d / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"x")
    (model / "training.json").write_text("garbage{")
    return d, video, one


CASES = [
    (["detect", "{v}", "--encoder", "pixel,size=abc"], "size must be"),
    (["detect", "{v}", "--encoder", "pixel,size=-1"], "size must be"),
    (["detect", "{v}", "--encoder", "pixel,size=0"], "size must be"),
    (["detect", "{v}", "--encoder", "pixel,size=100000"], "size must be"),
    (["detect", "{v}", "--thresholder", "fixed,value=abc"], "value must be a number"),
    (["detect", "{v}", "--thresholder", "fixed,value=nan"], "value must be a number"),
    (["detect", "{v}", "--thresholder", "fixed,value=inf"], "value must be a number"),
    (["detect", "{v}", "--stride", "0"], "--stride"),
    (["detect", "{v}", "--stride", "-1"], "--stride"),
    (["detect", "{v}", "--min-shot-len", "abc"], "--min-shot-len"),
    (["detect", "{v}", "--min-shot-len", "-1s"], "--min-shot-len"),
    (["detect", "{v}", "--span", "abc"], "--span"),
    (["detect", "{v}", "--span", "-1s"], "--span"),
    (["detect", "{v}", "--span", "-5"], "--span"),
    (["detect", "{v}", "--strictness", "5"], "--strictness"),
    (["detect", "{v}", "--encoder", "pixel,color=maybe"], "color must be true or false"),
    (["detect", "{v}", "-o", "/proc/x.json"], "/proc/x.json"),
    (["detect", "{v}", "-o", "{d}/a dir"], "is a directory"),
    (["detect", "{v}", "-o", "{v}"], "never writes over an input"),
    (["detect", "{v}", "--csv", "{v}"], "never writes over an input"),
    (["detect", "{v}", "--curve", "{v}"], "never writes over an input"),
    (["detect", "{v}", "--plot", "{v}"], "never writes over an input"),
    (["detect", "{v}", "-o", "{d}/same.json", "--csv", "{d}/same.json"], "name the same file"),
    (["eval", "{d}/a dir", "{d}/labels.json"], "no predictions here"),  # a folder of predictions is valid; this one is empty
    (["eval", "{d}/pred.json", "{d}/a dir"], "is a directory"),
    (["eval", "{d}/pred.json", "{d}/labels-list.json"], "expected a 'clips' list"),
    (["eval", "{d}/pred.json", "{d}/labels-odd.json"], "labels-odd.json"),
    (["eval", "{d}/pred.json", "{d}/labels.json", "--curve", "{d}/missing.csv"], "--curve"),
    (["eval", "{d}/pred.json", "{d}/labels.json", "--curve", "{d}/curve.txt"], "--curve"),
    (["eval", "{d}/pred.json", "{d}/labels.json", "--tolerance", "-3"], "--tolerance"),
    (["train", "{one}", "-o", "{d}/m1", "--epochs", "1"], "at least 2 frames"),
    (["train", "{v}", "-o", "{d}/m2", "--size", "30"], "size 30 must be a multiple of 16"),
    (["train", "{v}", "-o", "{d}/m3", "--batch-size", "0"], "--batch-size"),
    (["train", "{v}", "-o", "{d}/m4", "--device", "tpu"], "device must be"),
    (["train", "{v}", "-o", "{d}/file"], "is a file"),
    (["train", "{v}", "-o", "{d}/model"], "already exists"),
    (["train", "{v}", "-o", "{d}/model", "--resume", "--size", "16", "--epochs", "1"], "model"),
    (["index", "add", "{d}/lib", "{d}/missing.mp4"], "missing.mp4: no such file"),
    (["index", "query", "{d}/lib", "--frame", "{v}@1", "-k", "0"], "-k"),
    (["index", "query", "{d}/lib", "--frame", "{v}@1", "-k", "-1"], "-k"),
    (["map", "{v}", "-o", "{d}/map.png", "--size", "100"], "--size"),
    (["detect", "{d}/file"], "cannot read it as a video"),
    (["detect", "{v}", "--encoder", "repro-vae,tau=abc"], "tau must be a number"),
    (["detect", "{v}", "--thresholder", "top-n,n=1.5"], "n must be a whole number"),
    (["detect", "{v}", "--encoder", "pixel", "--thresholder", "adaptive,window=0"], "window must be"),
]


def _digest(folder):
    out = {}
    for base, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(base, n)
            out[p] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


@pytest.mark.parametrize("args,message", CASES, ids=[" ".join(a[:4]) for a, _ in CASES])
def test_bad_input_is_one_clear_line(files, args, message):
    d, video, one = files
    before = _digest(d)
    r = run(*[a.format(v=video, d=d, one=one) for a in args])
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if not ln.startswith("latentcut: warning:")]
    assert len(lines) == 1 and lines[0].startswith("latentcut: error: "), r.stderr
    assert message in lines[0], lines[0]
    assert "Traceback" not in r.stderr
    assert {k: v for k, v in _digest(d).items() if k in before} == before  # no input changed


def test_frame_past_the_end_is_an_error(files, tmp_path):
    d, video, _ = files
    assert run("index", "add", str(tmp_path / "lib"), video, "-q", "--encoder", "pixel,size=16").returncode == 0
    r = run("index", "query", str(tmp_path / "lib"), "--frame", f"{video}@999s")
    assert r.returncode == 2 and "past the end of the video" in r.stderr and "Traceback" not in r.stderr


def test_a_closed_pipe_ends_quietly(files):
    d, video, _ = files
    p = subprocess.Popen(f"{sys.executable} -m latentcut.cli detect '{video}' --curve - | head -c 10 > /dev/null",
                         shell=True, stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    _, err = p.communicate(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_help_and_usage_errors_exit_as_they_should():
    assert run("--help").returncode == 0
    r = run("detect")
    assert r.returncode == 2 and r.stderr.startswith("latentcut: error: detect: ") and len(r.stderr.splitlines()) == 1


def test_lengths_as_timecodes_are_accepted(files, tmp_path):
    d, video, _ = files
    r = run("detect", video, "--min-shot-len", "00:00:01.000", "--span", "00:00.250", "-o", str(tmp_path / "o.json"))
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "o.json").read_text())["settings"]["thresholder"] == \
        "adaptive,min_shot_len=00:00:01.000,sure_score=None"  # held by every shot
