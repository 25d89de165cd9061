"""Nothing the user made is lost, and no command ends in a traceback (issue 22): folders swapped
whole only when latentcut made them, one run's outputs as one write, batches that go on past a
bad file, and the newer commands' awkward inputs."""
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from conftest import colour_frames, write_video

from latentcut.cli import main
from latentcut.io import atomic
from latentcut.io import folders
from latentcut.io.atomic import OutputError, check_outputs
from latentcut.io.folders import MARKER, commit_folder, output_set


@pytest.fixture
def video(tmp_path):
    return write_video(tmp_path / "a.mp4", colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], 16))


def _tree(folder):
    """Every file under ``folder`` with its SHA-256: what the user would lose."""
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            out[os.path.relpath(p, folder)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


# -- folders swapped whole -------------------------------------------------------------------------


def _write(names):
    def write(tmp):
        for n in names:
            with open(os.path.join(tmp, n), "w") as f:
                f.write(n)
    return write


def test_commit_folder_never_replaces_a_folder_of_the_users(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("years of work")
    with pytest.raises(OutputError, match="thesis.txt.*never replaces or empties"):
        commit_folder(mine, _write(["a.png"]))
    assert _tree(mine) == {"thesis.txt": hashlib.sha256(b"years of work").hexdigest()}
    assert sorted(os.listdir(tmp_path)) == ["mine"]  # no leftover temporary folder

    empty = tmp_path / "empty"
    empty.mkdir()
    commit_folder(empty, _write(["a.png"]))  # an empty folder holds nothing to lose
    assert sorted(os.listdir(empty)) == [MARKER, "a.png"]
    assert json.load(open(empty / MARKER))["files"] == ["a.png"]
    commit_folder(empty, _write(["b.png"]))  # latentcut's own: replaced whole
    assert sorted(os.listdir(empty)) == [MARKER, "b.png"]

    (empty / "added-by-the-user.txt").write_text("x")  # the user put a file into latentcut's folder
    with pytest.raises(OutputError, match="added-by-the-user.txt"):
        commit_folder(empty, _write(["c.png"]))
    assert sorted(os.listdir(empty)) == [MARKER, "added-by-the-user.txt", "b.png"]

    legacy = tmp_path / "legacy"  # written before markers: the caller recognises it
    legacy.mkdir()
    (legacy / "config.json").write_text("{}")
    commit_folder(legacy, _write(["config.json"]), owned=folders.holds_only("config.json"))
    (legacy / "notes.txt").write_text("mine")
    os.unlink(legacy / MARKER)
    with pytest.raises(OutputError):
        commit_folder(legacy, _write(["config.json"]), owned=folders.holds_only("config.json"))


def test_a_damaged_marker_protects_the_folder(tmp_path):
    f = tmp_path / "f"
    commit_folder(f, _write(["a"]))
    (f / MARKER).write_text("not json")
    with pytest.raises(OutputError):
        commit_folder(f, _write(["b"]))
    assert (f / "a").read_text() == "a"


def test_html_assets_never_empties_a_folder_and_is_checked_before_any_work(video, tmp_path, monkeypatch, capsys):
    videos = os.path.dirname(video)
    (tmp_path / "note.txt").write_text("keep me")
    before = _tree(videos)
    monkeypatch.chdir(tmp_path)
    from latentcut.detection.pipeline import ShotDetector

    calls = []
    real = ShotDetector.detect
    monkeypatch.setattr(ShotDetector, "detect", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    for assets in (videos, ".", str(tmp_path / "sub" / ".."), os.path.join(videos, "..")):
        assert main(["detect", video, "--html", str(tmp_path / "r.html"), "--html-assets", assets, "-q"]) == 2
        assert "latentcut: error: --html-assets" in capsys.readouterr().err
    assert calls == []  # refused before any detection
    assert _tree(videos) == before and (tmp_path / "note.txt").read_text() == "keep me"
    assert not (tmp_path / "r.html").exists()

    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"\xff\xd8")
    assert main(["detect", video, "--html", "r.html", "--html-assets", str(other), "-q"]) == 2
    assert "cat.jpg" in capsys.readouterr().err and calls == [] and (other / "cat.jpg").exists()

    assert main(["detect", video, "--html", "r.html", "--html-assets", "pics", "-q"]) == 0
    first = sorted(os.listdir("pics"))
    assert MARKER in first and "curve.png" in first
    assert main(["detect", video, "--html", "r.html", "--html-assets", "pics", "-q"]) == 0  # its own: replaced
    assert sorted(os.listdir("pics")) == first


def test_an_interrupted_detect_leaves_the_last_runs_outputs_as_a_set(video, tmp_path, monkeypatch):
    outs = {"-o": tmp_path / "a.json", "--csv": tmp_path / "a.csv", "--edl": tmp_path / "a.edl"}
    argv = ["detect", video, "-q"] + [str(x) for kv in outs.items() for x in kv]
    assert main(argv) == 0
    before = {k: p.read_bytes() for k, p in outs.items()}
    for p in outs.values():
        p.write_bytes(b"the last run's " + p.name.encode())  # outputs of an earlier run, told apart
    marked = {k: p.read_bytes() for k, p in outs.items()}
    import latentcut.exports.edl as edl

    def killed(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(edl, "write_edl", killed)  # the run dies at its third output
    assert main(argv) == 130
    assert {k: p.read_bytes() for k, p in outs.items()} == marked  # none replaced, not the first two either
    assert sorted(os.listdir(tmp_path)) == sorted(["a.mp4"] + [p.name for p in outs.values()])  # no temporary files
    monkeypatch.undo()
    assert main(argv) == 0
    assert {k: p.read_bytes() for k, p in outs.items()} == before  # all replaced together


def test_output_set_commits_all_or_none_and_a_killed_runs_temporary_files_go(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")
    b.write_text("old b")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".a.txt.latentcut-{int(dead.stdout)}-abc123.tmp"  # a run killed mid-write left this
    stale.write_text("half")
    other = tmp_path / f".z.png.latentcut-{int(dead.stdout)}-def456.tmp"  # beside another of its outputs
    other.write_text("half")
    alive = tmp_path / f".a.txt.latentcut-{os.getpid()}-xyz.tmp"  # a write of a live process: kept
    alive.write_text("busy")
    mine = tmp_path / ".notes.tmp"  # the user's own dot file: not latentcut's
    mine.write_text("mine")
    with pytest.raises(RuntimeError):
        with output_set():
            with atomic.atomic_write(a) as f:
                f.write("new a")
            assert a.read_text() == "old a"  # staged, not yet in place
            raise RuntimeError
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert not stale.exists() and not other.exists() and alive.exists() and mine.exists()
    with output_set():
        with atomic.atomic_write(a) as f:
            f.write("new a")
        with atomic.atomic_path(b) as tmp:
            open(tmp, "w").write("new b")
    assert (a.read_text(), b.read_text()) == ("new a", "new b")


def test_a_full_disk_names_the_path(tmp_path, monkeypatch):
    import errno

    target = tmp_path / "r.html"

    class Full:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, k):
            return getattr(self.f, k)

    with pytest.raises(OutputError, match=r"r\.html: cannot write \(No space left on device\)"):
        with atomic.atomic_write(target) as f:
            Full(f).write("x")
    assert not target.exists() and os.listdir(tmp_path) == []
    with pytest.raises(OutputError, match="pics: cannot write"):
        def write(tmp):
            raise OSError(errno.ENOSPC, "No space left on device")
        commit_folder(tmp_path / "pics", write)
    assert os.listdir(tmp_path) == []


def test_a_full_disk_in_the_scene_library_is_not_called_damage(tmp_path):
    from latentcut.retrieval.queries import LibraryError, db_error_message, db_errors

    def said(exc):
        return db_error_message("lib/library.sqlite", exc, "not a readable scene library database")

    assert "the disk is full" in said(sqlite3.OperationalError("database or disk is full"))
    assert "I/O error" in said(sqlite3.OperationalError("disk I/O error"))
    assert "not a readable" in said(sqlite3.DatabaseError("file is not a database"))

    class Library:  # a full disk in the middle of a library's write (add, remove, the index)
        folder = str(tmp_path)

        @db_errors
        def add(self):
            raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(LibraryError) as e:
        Library().add()
    assert str(e.value).startswith(f"{tmp_path / 'library.sqlite'}: cannot write the scene library (the disk is full")


def test_an_output_that_is_an_input_is_named_plainly(tmp_path):
    v = tmp_path / "v.mp4"
    v.write_bytes(b"x")
    with pytest.raises(OutputError) as e:
        check_outputs({"video 1": str(v)}, {"-o": str(v)})
    assert "is an input (video 1: " in str(e.value) and "input input" not in str(e.value)


# -- batches ----------------------------------------------------------------------------------------


def test_a_batch_goes_on_past_a_bad_file_and_says_so(video, tmp_path, capsys):
    folder = os.path.dirname(video)
    (tmp_path / "b-broken.mp4").write_text("not a video")
    import av

    with av.open(str(tmp_path / "c-audio-only.mkv"), "w") as out:  # a file with sound and no picture
        s = out.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for p in s.encode(frame):
            out.mux(p)
        for p in s.encode():
            out.mux(p)
    out = str(tmp_path / "out") + "/"
    code = main(["detect", folder, "-o", out, "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert os.path.exists(os.path.join(out, "a.json"))  # the good one is done
    lines = [l for l in err.splitlines() if l.startswith("latentcut: ")]
    assert any("b-broken.mp4" in l for l in lines) and any("c-audio-only.mkv" in l for l in lines)
    assert "2 of 3 videos failed" in err and "Traceback" not in err


def test_split_video_goes_on_past_a_bad_file_and_a_rerun_continues(video, tmp_path, capsys):
    folder = os.path.dirname(video)
    write_video(tmp_path / "z.mp4", colour_frames([(40, 40, 200), (200, 200, 40)], 16))
    (tmp_path / "m-bad.mp4").write_text("not a video")
    out = tmp_path / "shots"
    assert main(["split-video", folder, "-o", str(out), "-q"]) == 2
    made = sorted(os.listdir(out))
    assert any(f.startswith("a-Shot") for f in made) and any(f.startswith("z-Shot") for f in made)
    assert "1 of 3 videos failed" in capsys.readouterr().err
    # a re-run (as after an interruption) continues over latentcut's own files
    assert main(["split-video", folder, "-o", str(out), "-q"]) == 2
    assert "already exists" not in capsys.readouterr().err
    user = out / sorted(f for f in made if f.endswith(".mp4"))[0]
    user.write_bytes(b"the user edited this")  # no longer latentcut's
    assert main(["split-video", video, "-o", str(out), "-q"]) == 2
    assert "already exists" in capsys.readouterr().err and user.read_bytes() == b"the user edited this"


def test_split_video_and_save_images_check_their_folder_before_detecting(video, tmp_path, monkeypatch, capsys):
    from latentcut.detection.pipeline import ShotDetector

    monkeypatch.setattr(ShotDetector, "detect", lambda *a, **k: pytest.fail("detected before checking -o"))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for cmd in ("split-video", "save-images"):
        assert main([cmd, video, "-o", str(blocker / "sub"), "-q"]) == 2
        assert "latentcut: error: -o" in capsys.readouterr().err


def test_split_video_on_a_gif_reencodes_it(tmp_path, capsys):
    from PIL import Image

    frames = colour_frames([(200, 40, 40), (40, 200, 40)], 10, h=32, w=32)
    gif = tmp_path / "anim.gif"
    Image.fromarray(frames[0]).save(gif, save_all=True, append_images=[Image.fromarray(f) for f in frames[1:]],
                                    duration=40, loop=0)
    out = tmp_path / "shots"
    assert main(["split-video", str(gif), "-o", str(out), "--min-shot-len", "2"]) == 0
    text = capsys.readouterr().out
    files = sorted(f for f in os.listdir(out) if not f.startswith("."))
    assert files and all(f.endswith(".mp4") for f in files)
    assert "re-encoded" in text
    import av

    with av.open(str(out / files[0])) as c:
        assert c.streams.video[0].codec_context.name == "h264" or c.streams.video[0].frames > 0


# -- in-betweening ----------------------------------------------------------------------------------


SHIPPED_VAE = os.path.join(os.path.dirname(atomic.__file__), "..", "encoders", "vae", "models", "repro-vae-v1")


def test_inbetween_never_overwrites_a_users_file_and_never_mixes_two_runs(tmp_path, capsys):
    pytest.importorskip("torch")
    from PIL import Image

    a, b = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(np.full((64, 64, 3), 30, np.uint8)).save(a)
    Image.fromarray(np.full((64, 64, 3), 220, np.uint8)).save(b)
    out = tmp_path / "frames"
    out.mkdir()
    (out / "inbetween_000.png").write_bytes(b"the user's picture")
    argv = ["inbetween", str(a), str(b), "--model", SHIPPED_VAE, "-o", str(out), "--scale", "1"]
    assert main(argv + ["--steps", "3"]) == 2
    assert "inbetween_000.png: already exists" in capsys.readouterr().err
    assert (out / "inbetween_000.png").read_bytes() == b"the user's picture"
    os.unlink(out / "inbetween_000.png")
    assert main(argv + ["--steps", "5"]) == 0
    assert sorted(f for f in os.listdir(out) if not f.startswith(".")) == [f"inbetween_{i:03d}.png" for i in range(5)]
    assert main(argv + ["--steps", "2"]) == 0  # its own frames: replaced, and the longer run's extra ones gone
    assert sorted(f for f in os.listdir(out) if not f.startswith(".")) == [f"inbetween_{i:03d}.png" for i in range(2)]
    (out / "inbetween_001.png").write_bytes(b"edited")
    assert main(argv + ["--steps", "2"]) == 2
    assert main(argv + ["--steps", "2", "--overwrite"]) == 0
    assert (out / "inbetween_001.png").read_bytes()[:4] == b"\x89PNG"


def test_train_inbetween_refuses_a_trained_model_before_searching_the_videos(video, tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    import latentcut.inbetween.data as data

    model = tmp_path / "model"
    model.mkdir()
    (model / "training.json").write_text('{"step": 3}')
    (model / "config.json").write_text("{}")
    monkeypatch.setattr(data, "clips_of", lambda *a, **k: pytest.fail("searched stretches before refusing"))
    assert main(["train-inbetween", video, "-o", str(model), "--steps", "1"]) == 2
    assert "already exists and is not empty; --resume" in capsys.readouterr().err
    assert (model / "training.json").read_text() == '{"step": 3}'


# -- awkward inputs -----------------------------------------------------------------------------------


def test_fcpxml_of_a_file_whose_name_has_quotes(tmp_path, capsys):
    pytest.importorskip("opentimelineio")
    v = write_video(tmp_path / "it's \"quoted\" [1].mp4", colour_frames([(200, 40, 40), (40, 200, 40)], 16))
    fcp, otio_, js = tmp_path / "x.fcpxml", tmp_path / "x.otio", tmp_path / "x.json"
    assert main(["detect", v, "--fcpxml", str(fcp), "--otio", str(otio_), "-o", str(js), "-q"]) == 0
    root = ET.parse(fcp).getroot()
    names = {el.get("name") for el in root.iter() if el.get("name")}
    assert any(n.startswith("it's \"quoted\" [1].mp4 shot") for n in names)
    assert not any("LATENTCUT-" in n for n in names)
    assert otio_.exists() and js.exists()


def test_a_video_read_from_a_pipe(tmp_path):
    v = write_video(tmp_path / "v.mkv", colour_frames([(200, 40, 40), (40, 200, 40)], 16))
    run = subprocess.run([sys.executable, "-m", "latentcut.cli", "detect", "/dev/stdin", "-o", "-"],
                         input=open(v, "rb").read(), capture_output=True)
    assert run.returncode == 0, run.stderr
    assert [c["frame"] for c in json.loads(run.stdout)["cuts"]] == [16]
    run = subprocess.run([sys.executable, "-m", "latentcut.cli", "detect", "/dev/stdin"], input=b"", capture_output=True)
    assert run.returncode == 2 and b"nothing came through" in run.stderr


def test_help_and_version_work_with_a_broken_config(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("detect = [")
    monkeypatch.setenv("LATENTCUT_CONFIG", str(bad))
    assert main(["--help"]) == 0
    assert main(["detect", "--help"]) == 0
    assert main(["--version"]) == 0
    assert "not a valid TOML" in capsys.readouterr().err
    assert main(["plugins"]) == 2  # real work still refuses it


def test_truncation_is_judged_by_time_when_the_container_states_a_duration():
    from latentcut.io.video import VideoInfo, VideoReader

    def judged(duration, frame_count, decoded, last_time, exact=True):
        r = VideoReader.__new__(VideoReader)
        r.path, r.truncated, r.truncation_message = "v.mp4", False, ""
        r.info = VideoInfo("v.mp4", 64, 64, 0, 30.0, duration, frame_count, "h264", exact)
        r._check_complete(decoded, last_time, 1 / 30)
        return r.truncated

    # a 52.03 s clip whose header counts 1579 frames, 1561 of which decode to the full duration
    assert not judged(52.03, 1579, 1561, 52.03 - 1 / 30)
    assert judged(52.03, 1579, 1400, 46.6)  # really cut short
    assert judged(0.0, 100, 90, 3.0)  # no duration: the container's own count decides
    assert not judged(0.0, 100, 98, 3.3)
    assert not judged(0.0, 100, 50, 1.6, exact=False)  # an estimate is never evidence


def test_an_unexpected_exception_is_one_line_not_a_traceback(video, monkeypatch, capsys):
    from latentcut.detection.pipeline import ShotDetector

    def bug(*a, **k):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(ShotDetector, "detect", bug)
    assert main(["detect", video]) == 1
    err = capsys.readouterr().err
    assert err.startswith("latentcut: error: internal error (ZeroDivisionError: oops)") and "Traceback" not in err


def test_a_min_shot_len_the_user_gives_holds_for_the_first_and_last_shot(tmp_path, capsys):
    frames = (colour_frames([(200, 40, 40)], 4) + colour_frames([(40, 200, 40)], 20, seed=1)
              + colour_frames([(40, 40, 200)], 4, seed=2))
    v = write_video(tmp_path / "short.mp4", frames)
    out = tmp_path / "o.json"
    assert main(["detect", v, "-o", str(out), "-q"]) == 0  # the default lets the ends be short
    assert [c["frame"] for c in json.loads(out.read_text())["cuts"]] == [4, 24]
    assert main(["detect", v, "-o", str(out), "-q", "--min-shot-len", "5"]) == 0
    doc = json.loads(out.read_text())
    assert doc["cuts"] == [] and all(s["end_frame"] - s["start_frame"] >= 5 for s in doc["shots"])
    assert main(["detect", v, "-o", str(out), "-q", "--min-shot-len", "4"]) == 0  # exactly 4: both kept
    assert [c["frame"] for c in json.loads(out.read_text())["cuts"]] == [4, 24]
    import latentcut

    r = latentcut.detect(v, thresholder="adaptive,min_shot_len=5", short_ends=False, progress=False)
    assert r.cut_frames == [] and r.settings["short_ends"] is False


def test_quiet_means_no_font_warnings_for_a_cjk_file_name(tmp_path, capsys):
    v = write_video(tmp_path / "名前のある動画.mp4", colour_frames([(200, 40, 40), (40, 200, 40)], 16))
    assert main(["detect", v, "--plot", str(tmp_path / "c.png"), "-q"]) == 0
    got = capsys.readouterr()
    assert got.err == "" and got.out == ""
    assert (tmp_path / "c.png").exists()


def test_archive_index_pq_on_a_small_archive_says_why_it_is_exact_and_faiss_is_quiet(tmp_path, capfd):
    pytest.importorskip("faiss")
    import warnings

    from latentcut.archive import index as ix

    rng = np.random.default_rng(0)
    v = rng.normal(size=(300, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        ix.train(v, ix.IndexParams(nlist=16, m=4, nbits=6).resolved(300, 16))  # FAISS wants 39 x 64 points
    printed = capfd.readouterr()
    assert "WARNING clustering" not in printed.err + printed.out  # FAISS's own chatter is caught
    assert [str(w.message) for w in said if "fewer than FAISS wants" in str(w.message)]
