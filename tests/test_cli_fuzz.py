"""CLI fuzzing with hypothesis: generated option values, spec strings and damaged files for every
subcommand. Whatever comes in, the command ends with status 0 or 2, an error is one line
``latentcut: error: ...``, nothing escapes as an exception, and no input changes."""
import contextlib
import hashlib
import io
import json
import os

import pytest
from conftest import colour_frames, write_video
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from latentcut.cli import main

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    good = write_video(d / "good.mp4", colour_frames([(200, 40, 40), (40, 200, 40)], 12, h=32, w=32))
    data = open(good, "rb").read()
    mkv = write_video(d / "good.mkv", colour_frames([(200, 40, 40), (40, 40, 200)], 12, h=32, w=32))
    mk = open(mkv, "rb").read()
    (d / "half.mkv").write_bytes(mk[: len(mk) // 2])
    flipped = bytearray(mk)
    for i in range(200, len(flipped), 97):
        flipped[i] ^= 0xFF
    (d / "flipped.mkv").write_bytes(bytes(flipped))
    (d / "cut.mp4").write_bytes(data[: len(data) * 9 // 10])
    (d / "text.mp4").write_text("not a video\n" * 50)
    (d / "empty.mp4").write_bytes(b"")
    (d / "dir.mp4").mkdir()
    (d / "pred.json").write_text(json.dumps({"video": "good.mp4", "cuts": [{"frame": 12}]}))
    (d / "bad.json").write_text('{"cuts": [{"frame": "x"}, 3]')
    (d / "labels.json").write_text(json.dumps({"path": "good.mp4", "cuts": [12], "uncertain": [{"frame": 3}]}))
    (d / "weird.json").write_text(json.dumps({"clips": [{"path": "good.mp4", "cuts": [{"start": 5, "end": 2, "kind": "fade"}]}]}))
    (d / "curve.csv").write_text("frame,time,score\n0,0,0\n1,0.04,nan\n")
    (d / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(100))
    return d


def _snapshot(d):
    return {p: hashlib.sha256(open(os.path.join(d, p), "rb").read()).hexdigest()
            for p in os.listdir(d) if os.path.isfile(os.path.join(d, p))}


def _run(argv):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


def _check(world, argv):
    before = _snapshot(world)
    code, err = _run(argv)
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    errors = [ln for ln in err.splitlines() if ln.startswith("latentcut: error")]
    # errors, warnings and status lines (long work off a terminal) all say who is talking
    others = [ln for ln in err.splitlines() if not ln.startswith("latentcut: ")]
    if code == 2:
        assert len(errors) == 1, (argv, err)
    assert not others, (argv, err)
    after = _snapshot(world)
    assert {k: after.get(k) for k in before} == before, argv  # inputs untouched


VIDEOS = ["good.mp4", "good.mkv", "half.mkv", "flipped.mkv", "cut.mp4", "text.mp4", "empty.mp4", "dir.mp4", "missing.mp4"]
junk = st.one_of(st.integers(-5, 300).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                 st.sampled_from(["", "abc", "-1s", "0", "00:00:01.000", "1:2:3", "0.5s", "nan", "true", "1e9", "x,y", "1/2"]),
                 st.text(alphabet="az09.,:=-s ", max_size=8))
names = st.sampled_from(["pixel", "nope", "pixel", "fixed", "top-n", "adaptive", "kmeans", "l1", "cosine", ""])
keys = st.sampled_from(["size", "color", "center", "value", "n", "min_shot_len", "window", "ratio", "floor", "bogus", "min-shot-len"])
specs = st.builds(lambda n, kv: ",".join([n] + [f"{k}={v}" for k, v in kv]), names,
                  st.lists(st.tuples(keys, junk.filter(lambda t: "," not in t)), max_size=3))


@SETTINGS
@given(video=st.sampled_from(VIDEOS), encoder=st.one_of(st.none(), specs), threshold=st.one_of(st.none(), specs),
       distance=st.one_of(st.none(), st.sampled_from(["l1", "l2", "cosine", "gaussian-kl", "nope"])),
       stride=st.one_of(st.none(), junk), msl=st.one_of(st.none(), junk), gap=st.one_of(st.none(), junk),
       out=st.sampled_from([None, "o.json", "-", "good.mp4", "dir.mp4", "/proc/x.json"]),
       csv=st.sampled_from([None, "s.csv", "good.mp4", "-"]), n=st.one_of(st.none(), junk), gradual=st.booleans())
def test_detect_fuzz(world, video, encoder, threshold, distance, stride, msl, gap, out, csv, n, gradual):
    argv = ["detect", str(world / video), "-q"]
    for opt, v in (("--encoder", encoder), ("--threshold", threshold), ("--distance", distance), ("--stride", stride),
                   ("--min-shot-len", msl), ("--gap", gap), ("--n", n)):
        if v is not None:
            argv += [opt, v]
    if out:
        argv += ["-o", out if out in ("-",) or out.startswith("/") else str(world / "out" / out if out == "o.json" else world / out)]
    if csv:
        argv += ["--csv", csv if csv == "-" else str(world / "out" / csv if csv == "s.csv" else world / csv)]
    if not gradual:
        argv.append("--no-gradual")
    _check(world, argv)


@SETTINGS
@given(pred=st.sampled_from(["pred.json", "bad.json", "labels.json", "good.mp4", "dir.mp4", "missing.json"]),
       labels=st.sampled_from(["labels.json", "weird.json", "pred.json", "good.mp4", "dir.mp4"]),
       tol=st.lists(junk, max_size=2), curve=st.sampled_from([None, "curve.csv", "good.mp4", "pred.json"]),
       clip=st.one_of(st.none(), st.sampled_from(["good.mp4", "other.mp4"])), as_json=st.booleans())
def test_eval_fuzz(world, pred, labels, tol, curve, clip, as_json):
    argv = ["eval", str(world / pred), str(world / labels)]
    if tol:
        argv += ["--tolerance", *tol]
    if curve:
        argv += ["--curve", str(world / curve)]
    if clip:
        argv += ["--clip", clip]
    if as_json:
        argv.append("--json")
    _check(world, argv)


@SETTINGS
@given(action=st.sampled_from(["add", "query", "info", "remove"]), video=st.sampled_from(VIDEOS),
       k=st.one_of(st.none(), junk), encoder=st.one_of(st.none(), specs),
       query=st.sampled_from(["--frame good.mp4@3", "--frame good.mp4@999s", "--frame good.mp4@-1", "--frame good.mp4@x",
                              "--image image.png", "--image missing.png", "--clip good.mp4", "--clip text.mp4",
                              "--shot 1", "--shot 99999", ""]))
def test_index_fuzz(world, action, video, k, encoder, query):
    lib = world / "lib"
    argv = ["index", action, str(lib)]
    if action in ("add", "remove"):
        argv.append(str(world / video))
    if action == "query" and query:
        opt, val = query.split(" ")
        argv += [opt, val if opt == "--shot" else str(world / val)]
    if k is not None:
        argv += ["-k", k]
    if encoder is not None and action != "info":
        argv += ["--encoder", encoder]
    argv.append("--json") if action == "query" else None
    _check(world, argv)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(video=st.sampled_from(VIDEOS), size=st.one_of(st.none(), junk, st.sampled_from(["100", "640x480", "0x0", "64x"])),
       method=st.sampled_from(["pca", "umap-not", "pca"]), points=st.one_of(st.none(), junk),
       out=st.sampled_from(["map.png", "good.mp4", "-"]))
def test_map_fuzz(world, video, size, method, points, out):
    argv = ["map", str(world / video), "--method", method, "-o", out if out == "-" else str(world / "out" / out if out == "map.png" else world / out)]
    if size is not None:
        argv += ["--size", size]
    if points is not None:
        argv += ["--max-points", points]
    _check(world, argv)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(video=st.sampled_from(["good.mp4", "half.mkv", "text.mp4", "missing.mp4"]),
       opt=st.sampled_from(["--size", "--batch-size", "--epochs", "--device", "--lr", "--latent-dim", "--max-frames", "--beta"]),
       value=junk, out=st.sampled_from(["m", "good.mp4", "labels.json", "dir.mp4"]), resume=st.booleans())
def test_train_fuzz(world, video, opt, value, out, resume):
    argv = ["train", str(world / video), "-o", str(world / "models" / out if out == "m" else world / out), "--size", "16",
            "--epochs", "1", "--batch-size", "16", opt, value] + (["--resume"] if resume else [])
    _check(world, argv)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(action=st.sampled_from(["info", "clear", "wipe"]), root=st.sampled_from(["cache", "good.mp4", "dir.mp4", "missing/x"]))
def test_cache_fuzz(world, action, root):
    _check(world, ["cache", action, "--cache-dir", str(world / root)])
