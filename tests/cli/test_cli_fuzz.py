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
    from PIL import Image

    frames = colour_frames([(200, 40, 40), (40, 200, 40)], 8, h=32, w=32)
    Image.fromarray(frames[0]).save(d / "ok.png")
    Image.fromarray(frames[0]).save(d / "anim.gif", save_all=True, duration=40,
                                    append_images=[Image.fromarray(f) for f in frames[1:]])
    (d / "it's \"odd\" 名前.mp4").write_bytes(data)
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
    for opt, v in (("--encoder", encoder), ("--thresholder", threshold), ("--distance", distance), ("--stride", stride),
                   ("--min-shot-len", msl), ("--span", gap), ("--n", n)):
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


OUT_DIRS = st.sampled_from(["shots", "shots", "shots/", "good.mp4", "dir.mp4", "/proc/nope", "missing/deeper"])


def rarely(strategy):
    """Mostly left out, so that most runs get past the options to the work itself."""
    return st.one_of(st.none(), st.none(), st.none(), strategy)


def _out(world, name):
    return name if name.startswith("/") else str(world / "out" / name if name.startswith(("shots", "missing")) else world / name)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(video=st.sampled_from(VIDEOS + ["anim.gif", "good.mp4", "anim.gif"]), out=OUT_DIRS, template=rarely(st.one_of(
    junk, st.sampled_from(["$VIDEO_NAME-$SHOT_NUMBER", "$NOPE", "a/b", "$START_TIME", "", "x$"]))),
       copy=st.booleans(), overwrite=st.booleans(), crf=rarely(junk),
       cuts=rarely(st.sampled_from(["pred.json", "bad.json", "good.mp4", "missing.json"])))
def test_split_video_fuzz(world, video, out, template, copy, overwrite, crf, cuts):
    argv = ["split-video", str(world / video), "-o", _out(world, out), "-q"]
    if template is not None:
        argv += ["--template", template]
    if copy:
        argv.append("--copy")
    if overwrite:
        argv.append("--overwrite")
    if crf is not None:
        argv += ["--crf", crf]
    if cuts:
        argv += ["--cuts", str(world / cuts)]
    _check(world, argv)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(video=st.sampled_from(VIDEOS + ["anim.gif", "good.mp4", "anim.gif"]), out=OUT_DIRS, n=rarely(junk),
       fmt=st.sampled_from([None, "jpeg", "png", "webp", "bmp"]), quality=rarely(junk), scale=rarely(junk),
       width=rarely(junk), height=rarely(junk), margin=rarely(junk))
def test_save_images_fuzz(world, video, out, n, fmt, quality, scale, width, height, margin):
    argv = ["save-images", str(world / video), "-o", _out(world, out), "-q"]
    for opt, v in (("-n", n), ("--format", fmt), ("--quality", quality), ("--scale", scale), ("--width", width),
                   ("--height", height), ("--frame-margin", margin)):
        if v is not None:
            argv += [opt, v]
    _check(world, argv)


EXPORTS = ["--edl", "--otio", "--fcpxml", "--html", "--plot", "--curve", "--csv", "-o"]


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(video=st.sampled_from(["good.mp4", "it's \"odd\" 名前.mp4", "text.mp4", "anim.gif"]),
       flags=st.lists(st.sampled_from(EXPORTS), min_size=1, max_size=4, unique=True),
       target=st.sampled_from(["x", "-", "good.mp4", "dir.mp4", "/proc/nope/x", "out/y"]),
       assets=st.sampled_from([None, "pics", ".", "out", "dir.mp4", "good.mp4"]),
       labels=st.sampled_from([None, "labels.json", "bad.json"]))
def test_export_flags_fuzz(world, video, flags, target, assets, labels):
    argv = ["detect", str(world / video), "-q"]
    for i, flag in enumerate(flags):
        if target == "-":
            argv += [flag, "-" if i == 0 else str(world / "out" / f"e{i}{flag.strip('-')}")]
        elif target.startswith("/"):
            argv += [flag, target + flag.strip("-")]
        else:
            argv += [flag, str(world / target) if target in ("good.mp4", "dir.mp4") else str(world / "out" / f"{target}{i}.{flag.strip('-')}")]
    if assets:
        argv += ["--html-assets", str(world / assets)]
    if labels:
        argv += ["--labels", str(world / labels)]
    _check(world, argv)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(action=st.sampled_from(["add", "index", "query", "info", "import", "export", "bogus"]),
       video=st.sampled_from(VIDEOS), arc=st.sampled_from(["arc", "good.mp4", "dir.mp4", "missing/arc"]),
       extra=st.lists(st.sampled_from(["--pq", "--rebuild", "--nlist", "0", "-k", "x", "--shot", "-1", "--image",
                                       "image.png", "--clip", "text.mp4", "--library", "good.mp4", "--workers", "0"]),
                      max_size=4))
def test_archive_fuzz(world, action, video, arc, extra):
    pytest.importorskip("ray")
    argv = ["archive", action, str(world / arc)]
    if action == "add":
        argv += [str(world / video), "--encoder", "pixel,size=16", "--workers", "1"]
    argv += [str(world / e) if e in ("image.png", "text.mp4", "good.mp4") else e for e in extra]
    _check(world, argv)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(a=st.sampled_from(["image.png", "good.mp4@3", "good.mp4@999", "good.mp4@x", "missing.png", "text.mp4@1", "ok.png"]),
       b=st.sampled_from(["ok.png", "good.mp4@0.2s", "dir.mp4"]), steps=rarely(junk),
       model=st.sampled_from(["vae", "good.mp4", "dir.mp4", "missing"]), method=st.sampled_from([None, "latent", "3dconv", "x"]),
       out=st.sampled_from(["ib", "ib", "good.mp4", "image.png"]), scale=rarely(junk))
def test_inbetween_fuzz(world, a, b, steps, model, method, out, scale):
    pytest.importorskip("torch")
    from test_no_loss import SHIPPED_VAE

    argv = ["inbetween", str(world / a), str(world / b), "--model", SHIPPED_VAE if model == "vae" else str(world / model),
            "-o", str(world / "out" / out if out == "ib" else world / out)]
    for opt, v in (("--steps", steps), ("--method", method), ("--scale", scale)):
        if v is not None:
            argv += [opt, v]
    _check(world, argv)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(video=st.sampled_from(["good.mp4", "text.mp4", "missing.mp4", "dir.mp4"]),
       opt=st.sampled_from(["--steps", "--size", "--frames", "--batch", "--lr", "--channels", "--fusion", "--device"]),
       value=junk, out=st.sampled_from(["ib-model", "good.mp4", "dir.mp4"]), resume=st.booleans())
def test_train_inbetween_fuzz(world, video, opt, value, out, resume):
    pytest.importorskip("torch")
    argv = ["train-inbetween", str(world / video), "-o", str(world / "out" / out if out == "ib-model" else world / out),
            "--steps", "1", "--size", "32", "--frames", "4", "--batch", "2", opt, value] + (["--resume"] if resume else [])
    _check(world, argv)


CONFIG_VALUES = st.one_of(st.integers(-3, 10).map(str), st.sampled_from(['"pixel"', '"nope"', '"0.5s"', "true", "[1, 2]",
                                                                          '"fixed,value=0.2"', "{ a = 1 }", '"-"', "1.5"]))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(table=st.sampled_from(["detect", "split-video", "index", "nope", "detect.sub"]),
       key=st.sampled_from(["encoder", "stride", "threshold", "min_shot_len", "min-shot-len", "output", "csv", "bogus",
                            "span", "quiet", "html_assets"]),
       value=CONFIG_VALUES, broken=st.booleans(), command=st.sampled_from(["detect", "--help", "--version", "plugins"]))
def test_config_file_fuzz(world, table, key, value, broken, command):
    cfg = world / "out" / "c.toml"
    cfg.parent.mkdir(exist_ok=True)
    cfg.write_text(f"[{table}]\n{key} = {value}\n" + ("[[[\n" if broken else ""))
    argv = ["--config", str(cfg)] + ([command, str(world / "good.mp4"), "-q"] if command == "detect" else [command])
    code, err = _run(argv)
    if command in ("--help", "--version"):
        assert code == 0, err  # help and the version work whatever the file holds
        return
    _check(world, argv)
