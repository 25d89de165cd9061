"""Nothing the user made is lost: outputs, caches, checkpoints, libraries. Runs without ../shared."""
import json
import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from conftest import colour_frames, write_video

import latentcut
from latentcut.cache import EmbeddingCache
from latentcut.cli import main
from latentcut.encoders.vae.training import train_vae
from latentcut.errors import CheckpointError
from latentcut.io.atomic import atomic_write
from latentcut.io.folders import commit_folder
from latentcut.retrieval.library import LibraryError, SceneLibrary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _train_child as child  # noqa: E402


@pytest.fixture
def video(tmp_path):
    return write_video(tmp_path / "in put ü.mp4", colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], 16, h=32, w=32))


# -- outputs ---------------------------------------------------------------------------------------


def test_output_through_a_symlink_replaces_the_target_and_keeps_the_link(video, tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert main(["detect", video, "-q", "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["cuts"][0]["frame"] == 16


def test_output_to_a_device_or_pipe_is_written_through(video, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    assert main(["detect", video, "-q", "--csv", str(fifo)]) == 0
    out = reader.communicate(timeout=30)[0].decode()
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a pipe, not replaced by a regular file
    assert "Scene Number" in out
    with atomic_write("/dev/null") as f:
        f.write("nothing")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_dash_is_standard_output_and_the_table_moves_to_stderr(video, capsys):
    assert main(["detect", video, "-o", "-"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["cuts"][0]["frame"] == 16
    assert "2 boundaries" in err
    assert main(["detect", video, "-q", "--csv", "-"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("Scene Number")


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    p = tmp_path / "o.json"
    p.write_text("precious")
    with pytest.raises(RuntimeError):
        with atomic_write(p) as f:
            f.write("half")
            raise RuntimeError("killed")
    assert p.read_text() == "precious" and os.listdir(tmp_path) == ["o.json"]


def test_commit_folder_swaps_whole_sets(tmp_path):
    def writer(text):
        def write(d):
            for n in ("a", "b"):
                open(os.path.join(d, n), "w").write(text)
        return write

    commit_folder(tmp_path / "set", writer("one"))
    commit_folder(tmp_path / "set", writer("two"))
    assert sorted(os.listdir(tmp_path)) == ["set"]
    assert {open(tmp_path / "set" / n).read() for n in ("a", "b")} == {"two"}
    with pytest.raises(ZeroDivisionError):
        commit_folder(tmp_path / "set", lambda d: 1 / 0)
    assert {open(tmp_path / "set" / n).read() for n in ("a", "b")} == {"two"} and os.listdir(tmp_path) == ["set"]


# -- the cache ----------------------------------------------------------------------------------------


def test_cache_clear_removes_only_what_latentcut_made(video, tmp_path, capsys):
    from safetensors.numpy import save_file

    root = tmp_path / "cache"
    det = latentcut.ShotDetector("pixel", cache=str(root), progress=False)
    det.detect(video)
    ours = os.listdir(root / "embeddings")
    assert len(ours) == 1
    save_file({"x": np.zeros(3, np.float32)}, str(root / "embeddings" / "mine.safetensors"))
    save_file({"x": np.zeros(3, np.float32)}, str(root / "embeddings" / ("0" * 32 + "-" + "0" * 16 + ".safetensors")))
    (root / "models" / "my-model").mkdir(parents=True)
    (root / "models" / "my-model" / "model.safetensors").write_bytes(b"user's")
    assert main(["cache", "clear", "--cache-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "removed 1 embedding entries" in out and f"removed {root / 'embeddings' / ours[0]}" in out
    assert sorted(os.listdir(root / "embeddings")) == ["0" * 32 + "-" + "0" * 16 + ".safetensors", "mine.safetensors"]
    assert (root / "models" / "my-model" / "model.safetensors").read_bytes() == b"user's"
    assert "did not make, untouched" in out


def test_embedding_cache_round_trip_and_tamper_detection(video, tmp_path):
    """Without ../shared: a synthetic clip, a hit equals a miss, tampered metadata is refused."""
    root = str(tmp_path / "c")
    det = latentcut.ShotDetector("pixel", cache=root, progress=False)
    first = det.detect(video)
    calls = []
    enc = det.encoder
    orig = enc.transform
    enc.transform = lambda f: calls.append(len(f)) or orig(f)
    again = det.detect(video)
    assert sum(calls) <= 16  # the reference pictures at most: no frame was embedded again
    assert again.cut_frames == first.cut_frames and again.frames == first.frames == 48
    np.testing.assert_array_equal(again.curve.scores, first.curve.scores)
    cache = EmbeddingCache(root)
    (path,) = cache.entries()
    from safetensors import safe_open
    from safetensors.numpy import save_file

    with safe_open(path, framework="np") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    meta["truncated"] = "True"  # metadata is inside the checksum
    save_file(tensors, path, metadata=meta)
    with pytest.warns(UserWarning, match="unusable"):
        assert cache.get(os.path.basename(path)[: -len(".safetensors")]) is None
    assert not os.path.exists(path)


def test_an_unwritable_cache_warns_and_goes_on(video, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    det = latentcut.ShotDetector("pixel", cache=str(blocker), progress=False)
    with pytest.warns(UserWarning, match="could not write the embedding cache"):
        r = det.detect(video)
    assert r.cut_frames == [16, 32]


# -- checkpoints ------------------------------------------------------------------------------------------


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(os.path.join(folder, "model.safetensors"))


KILL_STEPS = 36  #: two checkpoints' worth of file-system steps (70 for the whole 4-epoch run)


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("straight") / "m")
    train_vae(child.CFG, child.frames(), child.opts(), out_dir=out, progress=False)
    return _weights(out)


@pytest.mark.parametrize("every", [pytest.param(1, marks=pytest.mark.slow), 5])
def test_kill_at_any_step_of_a_checkpoint_then_resume_matches_an_uninterrupted_run(tmp_path, straight, every):
    """KILL_AT=k stops the child at the k-th file-system step (before or after each rename, exchange,
    fsync, rmtree) of its checkpoint writes: every step of the first two checkpoints is tried (every
    5th in the default run, every one with -m slow, as CI runs)."""
    frames = child.frames()
    total = None
    for k in range(1, 400, every):
        d = tmp_path / f"k{k}"
        r = subprocess.run([sys.executable, os.path.join(HERE, "_train_child.py"), str(d)],
                           env=dict(os.environ, KILL_AT=str(k)), timeout=120)
        if r.returncode == 0:
            total = k - 1
            break
        assert r.returncode == -signal.SIGKILL
        net, hist = train_vae(child.CFG, frames, child.opts(), out_dir=str(d), resume=True, progress=False)
        assert [h["epoch"] for h in hist] == [1, 2, 3, 4]
        got = _weights(str(d))
        for key, v in straight.items():
            assert torch.equal(got[key], v), (k, key)
        leftovers = [f for f in os.listdir(tmp_path) if f.startswith(f".k{k}.")]
        assert leftovers == [], (k, leftovers)
        if k >= KILL_STEPS:
            break
    assert total is None or total > 0


def test_random_kill_timings_then_resume(tmp_path, straight):
    rng = random.Random(5)
    for i in range(4):
        d = tmp_path / f"r{i}"
        p = subprocess.Popen([sys.executable, os.path.join(HERE, "_train_child.py"), str(d)])
        # torch's import dominates the child's start: spread kills over the training itself
        while not os.path.exists(d) and p.poll() is None:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.15))
        p.send_signal(signal.SIGKILL)
        p.wait()
        train_vae(child.CFG, child.frames(), child.opts(), out_dir=str(d), resume=True, progress=False)
        got = _weights(str(d))
        assert all(torch.equal(got[k], v) for k, v in straight.items()), i


def test_train_never_overwrites_a_model_it_cannot_continue(tmp_path):
    frames = child.frames()
    out = str(tmp_path / "m")
    train_vae(child.CFG, frames, child.opts(2), out_dir=out, progress=False)
    before = _weights(out)
    with pytest.raises(CheckpointError, match="already exists.*--resume"):
        train_vae(child.CFG, frames, child.opts(2), out_dir=out, progress=False)
    os.unlink(os.path.join(out, "manifest.json"))
    os.unlink(os.path.join(out, "training.json"))
    with pytest.raises(CheckpointError, match="no training state"):
        train_vae(child.CFG, frames, child.opts(3), out_dir=out, resume=True, progress=False)
    assert all(torch.equal(_weights(out)[k], v) for k, v in before.items())
    other = str(tmp_path / "o")
    train_vae(child.CFG, frames, child.opts(1), out_dir=other, progress=False)
    with pytest.raises(CheckpointError, match="settings it was trained with"):
        from latentcut.encoders.vae.training import TrainOptions

        train_vae(child.CFG, frames, TrainOptions(epochs=2, batch_size=8, seed=3), out_dir=other, resume=True, progress=False)
    with pytest.raises(CheckpointError, match="other frames"):
        train_vae(child.CFG, frames[::-1].copy(), child.opts(2), out_dir=other, resume=True, progress=False)
    with open(os.path.join(other, "training.json"), "w") as f:
        f.write("garbage")
    with pytest.raises(CheckpointError, match="damaged: training.json"):
        train_vae(child.CFG, frames, child.opts(2), out_dir=other, resume=True, progress=False)


# -- the scene library ----------------------------------------------------------------------------------


def test_a_bad_encoder_spec_is_never_stored(video, tmp_path):
    lib = tmp_path / "lib"
    with pytest.raises(latentcut.LatentcutError, match="size must be"):
        SceneLibrary(lib, encoder="pixel,size=abc")
    assert not (lib / "library.sqlite").exists()
    assert main(["index", "add", str(lib), video, "-q", "--encoder", "pixel,size=8"]) == 0


def test_library_refuses_a_retrained_model_and_another_query_encoder(video, tmp_path, capsys):
    from latentcut.encoders.vae import VAEEncoder

    frames = child.frames()
    model = str(tmp_path / "model")
    VAEEncoder(size=16, hidden="8/16", latent_dim=4, epochs=1, batch_size=16).fit(frames, progress=False).save(model)
    lib = SceneLibrary(tmp_path / "lib", encoder=f"repro-vae,model={model}")
    lib.add(video, progress=False)
    VAEEncoder(size=16, hidden="8/16", latent_dim=4, epochs=1, batch_size=16, seed=9).fit(frames, progress=False).save(model)
    again = SceneLibrary(tmp_path / "lib", create=False)
    with pytest.raises(LibraryError, match="not the one this library was built with"):
        again.add(write_video(tmp_path / "b.mp4", colour_frames([(9, 9, 9), (200, 200, 9)], 10, h=32, w=32)), progress=False)
    assert main(["index", "add", str(tmp_path / "p"), video, "-q", "--encoder", "pixel,size=16"]) == 0
    assert main(["index", "query", str(tmp_path / "p"), "--frame", f"{video}@3", "--encoder", "pixel,size=32"]) == 2
    assert "cannot be searched with" in capsys.readouterr().err


def test_damaged_index_and_database_are_healed_or_refused(video, tmp_path):
    lib = SceneLibrary(tmp_path / "lib", encoder="pixel,size=16")
    lib.add(video, progress=False)
    good = [h.shot for h in lib.query_ref(f"{video}@20")]
    raw = bytearray((tmp_path / "lib" / "index.faiss").read_bytes())
    for i in range(len(raw) - 64, len(raw) - 8):  # vector payload: the header still parses
        raw[i] ^= 0x5A
    (tmp_path / "lib" / "index.faiss").write_bytes(bytes(raw))
    fresh = SceneLibrary(tmp_path / "lib", create=False)
    hits = fresh.query_ref(f"{video}@20")
    assert [h.shot for h in hits] == good and all(h.score <= 1.0001 for h in hits)
    (tmp_path / "lib" / "index.json").write_text("[garbage")
    assert [h.shot for h in SceneLibrary(tmp_path / "lib", create=False).query_ref(f"{video}@20")] == good
    db = sqlite3.connect(tmp_path / "lib" / "library.sqlite")
    db.execute("DELETE FROM meta WHERE key = 'encoder'")
    db.commit()
    db.close()
    with pytest.raises(LibraryError, match="meta rows missing: encoder"):
        SceneLibrary(tmp_path / "lib", create=False)
    (tmp_path / "lib2").mkdir()
    (tmp_path / "lib2" / "library.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(8000))
    r = subprocess.run([sys.executable, "-m", "latentcut.cli", "index", "info", str(tmp_path / "lib2")],
                       capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 2 and r.stderr.startswith("latentcut: error: ") and "Traceback" not in r.stderr


# -- truncated video ------------------------------------------------------------------------------------


@pytest.mark.parametrize("ext,codec", [("mkv", "mpeg4"), ("webm", "libvpx")])
def test_a_video_cut_at_90_percent_says_it_is_truncated(tmp_path, ext, codec):
    full = write_video(tmp_path / f"full.{ext}", colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], 40), codec=codec)
    cut = tmp_path / f"cut.{ext}"
    data = open(full, "rb").read()
    cut.write_bytes(data[: int(len(data) * 0.9)])
    with pytest.warns(latentcut.TruncatedVideoWarning, match="looks truncated"):
        r = latentcut.detect(str(cut), progress=False)
    assert r.truncated and r.frames < 120
    with _no_warning():
        assert not latentcut.detect(full, progress=False).truncated


class _no_warning:
    def __enter__(self):
        import warnings

        self.w = warnings.catch_warnings(record=True)
        self.rec = self.w.__enter__()
        warnings.simplefilter("always")

    def __exit__(self, *a):
        self.w.__exit__(*a)
        assert not [w for w in self.rec if issubclass(w.category, latentcut.TruncatedVideoWarning)]


def test_an_mp4_without_its_index_says_so(tmp_path):
    full = write_video(tmp_path / "full.mp4", colour_frames([(200, 40, 40)], 30))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(open(full, "rb").read()[:-2000])
    r = subprocess.run([sys.executable, "-m", "latentcut.cli", "detect", str(cut)], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 2 and "moov atom" in r.stderr


def test_demo_never_replaces_a_video_it_did_not_make(tmp_path, capsys):
    mine = tmp_path / "demo.mp4"
    mine.write_bytes(b"the user's own video")
    assert main(["demo", "--dir", str(tmp_path)]) == 2
    assert mine.read_bytes() == b"the user's own video"
    assert "latentcut did not make it" in capsys.readouterr().err
    assert main(["demo", "--dir", str(tmp_path / "d")]) == 0
    assert main(["demo", "--dir", str(tmp_path / "d")]) == 0  # its own demo is made again


def test_a_faststart_mp4_cut_at_90_percent_says_it_is_truncated(tmp_path):
    """moov at the front (the usual download): the index survives the cut and promises more frames."""
    import av

    path = tmp_path / "fs.mp4"
    with av.open(str(path), "w", options={"movflags": "faststart"}) as out:
        s = out.add_stream("mpeg4", rate=24)
        s.width, s.height, s.pix_fmt, s.bit_rate = 64, 48, "yuv420p", 4_000_000
        for f in colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], 40):
            for p in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    data = path.read_bytes()
    assert data.find(b"moov") < 100
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.9)])
    with pytest.warns(latentcut.TruncatedVideoWarning, match="promises 120 frames"):
        r = latentcut.detect(str(cut), progress=False)
    assert r.truncated and r.frames < 120 and r.to_dict()["truncated"] is True


def test_a_type_error_inside_a_plugin_is_a_bug_not_bad_parameters():
    from latentcut.encoders import encoders

    class Buggy(latentcut.Encoder):
        name = "buggy"

        def __init__(self, size=8):
            self.size = size
            len(None)  # a bug in the plugin, not the user's mistake

        def transform(self, frames):
            raise AssertionError

    encoders.register("buggy-test", Buggy)
    try:
        with pytest.raises(TypeError, match="NoneType"):
            encoders.create("buggy-test,size=4")
        with pytest.raises(latentcut.LatentcutError, match="bad parameters for encoder 'buggy-test'"):
            encoders.create("buggy-test,colour=4")
    finally:
        encoders._items.pop("buggy-test")


def test_a_cache_hit_and_a_miss_give_the_same_result(tmp_path):
    """One sampling function for the yardstick: the cached path measures exactly what the
    decoding path measured (before, their scales differed by up to 2.4%)."""
    frames = colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200), (90, 90, 20)], 70, h=32, w=32)
    video = write_video(tmp_path / "long.mkv", frames)  # MKV: the header's frame count is an estimate
    det = latentcut.ShotDetector("pixel,size=16", cache=str(tmp_path / "c"), progress=False)
    miss = det.detect(video)
    hit = det.detect(video)
    assert os.listdir(tmp_path / "c" / "embeddings")
    assert hit.to_dict() == miss.to_dict()
    np.testing.assert_array_equal(hit.decision, miss.decision)
    scored = det.score(video)
    assert scored.info.path == video and len(scored.sample) <= 64 and scored.frames == miss.frames


def test_saving_a_model_never_replaces_a_folder_of_other_files(tmp_path):
    from latentcut.encoders.vae import VAEEncoder
    from latentcut.io.atomic import OutputError

    enc = VAEEncoder(size=16, hidden="8/16", latent_dim=4, epochs=1, batch_size=16).fit(child.frames(), progress=False)
    home = tmp_path / "models"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="holds files latentcut did not write \\(notes.txt\\)"):
        enc.save(str(home))
    assert (home / "notes.txt").read_text() == "mine" and sorted(os.listdir(home)) == ["notes.txt"]
    enc.save(str(home / "m"))
    enc.save(str(home / "m"))  # its own folder: replaced as a whole
    assert sorted(f for f in os.listdir(home / "m") if not f.startswith(".")) == ["config.json", "manifest.json", "model.safetensors"]
