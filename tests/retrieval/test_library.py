"""Similar-scene search as a user meets it: the default library (lite0 features, keyframes,
border stripping, mirror) on real clips, batch queries on the command line, and bad input."""
import json
import os
import sqlite3

import numpy as np
import pytest
from conftest import WEIGHTS, clip, needs_shared
from PIL import Image

from latentcut.cli import main
from latentcut.retrieval.library import LibraryError, SceneLibrary

LITE0 = os.path.join(WEIGHTS, "tf-efficientnet-lite0-imagenet.safetensors")
needs_lite0 = pytest.mark.skipif(not os.path.exists(LITE0), reason="../shared/weights is not available")


# -- the library on real clips ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_library(tmp_path_factory):
    if not os.path.exists(LITE0) or not os.path.exists(clip("anime-onepiece-crew.mp4")):
        pytest.skip("../shared is not available")
    folder = tmp_path_factory.mktemp("lib") / "lib with space ü"
    lib = SceneLibrary(folder)
    for name in ("anime-onepiece-crew.mp4", "anime-jjkhover-yuji.mp4", "anime-issue236.mkv"):
        assert lib.add(clip(name), progress=False) > 0
    return lib


def frame_at(path, index):
    from latentcut import VideoReader

    for batch in VideoReader(path, size=(180, 320)).batches(prefetch=False):
        for f, i, t in zip(batch.frames, batch.indices, batch.times):
            if i == index:
                return f.copy(), float(t)
    raise AssertionError("no such frame")


@needs_shared
@needs_lite0
def test_a_changed_screenshot_names_its_video_shot_and_time(real_library):
    lib = real_library
    assert lib.encoder_spec == "lite0" and lib.dim == 256
    kf = lib.keyframe_count()
    assert len(lib) < kf < 700  # several keyframes a shot, far fewer than the 680 frames
    path = clip("anime-onepiece-crew.mp4")
    pic, t = frame_at(path, 150)
    boxed = np.pad(pic[:, ::-1], ((40, 40), (0, 0), (0, 0)))  # mirrored and letterboxed
    framed = np.pad(pic, ((20, 60), (16, 16), (0, 0)), constant_values=90)  # a grey player round it
    plain, mirrored, bordered = lib.query_pictures([pic, boxed, framed], k=5)
    for hits in (plain, mirrored, bordered):
        assert hits[0].video == path and hits[0].start_frame <= 150 < hits[0].end_frame
        assert abs(hits[0].time - t) <= 0.5
    assert mirrored[0].mirrored and not plain[0].mirrored
    assert plain[0].score > 0.9
    off = lib.query_pictures([boxed], k=5, mirror=False)[0]
    assert not any(h.mirrored for h in off) and off[0].score < mirrored[0].score
    assert {"time", "frame", "mirrored"} <= set(plain[0].to_dict())


@needs_shared
@needs_lite0
def test_a_clip_and_a_shot_query_find_their_own_video(real_library):
    lib = real_library
    hits = lib.query_clip(clip("anime-jjkhover-yuji.mp4"), k=3)
    # a shot scores its best match to each of the clip's keyframes, averaged over the clip:
    # the clip's own shots come first, each by the share of the clip it holds
    assert all(h.video == clip("anime-jjkhover-yuji.mp4") for h in hits)
    assert hits[0].score > hits[1].score > hits[2].score > 0.1
    some = lib.db.execute("SELECT id FROM shots LIMIT 1").fetchone()[0]
    assert all(h.shot_id != some for h in lib.query_shot(some, k=5))


@needs_shared
@needs_lite0
def test_cli_batch_queries_give_json_lines(real_library, tmp_path, capsys):
    folder = tmp_path / "shots"
    folder.mkdir()
    path = clip("anime-jjkhover-yuji.mp4")
    for n in (30, 200):
        Image.fromarray(frame_at(path, n)[0]).save(folder / f"f{n}.jpg", quality=60)
    (folder / "notes.txt").write_text("not an image")
    listing = tmp_path / "list.txt"
    listing.write_text(f"# frames\n{path}@100\n\n{folder / 'f30.jpg'}\n")
    lib = str(real_library.folder)
    assert main(["index", "query", lib, "--image", str(folder), "--list", str(listing), "-k", "2", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [os.path.basename(x["query"]) for x in lines] == ["f200.jpg", "f30.jpg", "anime-jjkhover-yuji.mp4@100", "f30.jpg"]
    assert all(x["hits"][0]["video"] == path and len(x["hits"]) == 2 for x in lines)
    assert lines[1]["hits"] == lines[3]["hits"]
    assert main(["index", "query", lib, "--image", str(folder / "f30.jpg"), "--frame", f"{path}@100"]) == 0
    out = capsys.readouterr().out
    assert out.count("rank") == 2 and "shot_id" in out
    assert main(["index", "info", lib]) == 0 and "keyframes" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--image", "{d}/empty"], "no images in this folder"),
    (["--list", "{d}/nolist.txt"], "cannot read the list"),
    (["--list", "{d}/blank.txt"], "names no picture"),
    (["--image", "{d}/bad.png"], "cannot read it as an image"),
    (["--image", "{d}/x.png", "--shot", "1"], "pictures (--image, --frame, --list) or one --clip or one --shot"),
])
def test_cli_bad_batch_queries_are_one_line(tmp_path, capsys, argv, message):
    from conftest import colour_frames, write_video

    d = str(tmp_path)
    os.mkdir(tmp_path / "empty")
    (tmp_path / "blank.txt").write_text("\n# nothing\n")
    (tmp_path / "bad.png").write_bytes(b"not a png")
    Image.fromarray(colour_frames([(90, 20, 20)], 1)[0]).save(tmp_path / "x.png")
    video = write_video(tmp_path / "v.mp4", colour_frames([(200, 40, 40)], 12))
    assert main(["index", "add", f"{d}/lib", video, "-q", "--encoder", "pixel,size=8"]) == 0
    capsys.readouterr()
    assert main(["index", "query", f"{d}/lib", *[a.format(d=d) for a in argv]]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_keyframe_settings_are_checked_before_a_library_exists(tmp_path, capsys):
    with pytest.raises(LibraryError, match="min_gap"):
        SceneLibrary(tmp_path / "a", encoder="pixel,size=8", keyframes={"min_gap": 0})
    with pytest.raises(LibraryError, match="unknown keyframe settings: every"):
        SceneLibrary(tmp_path / "a", encoder="pixel,size=8", keyframes={"every": 3})
    assert not (tmp_path / "a").exists()
    assert main(["index", "add", str(tmp_path / "b"), str(tmp_path / "none.mp4"), "--keyframes", "change=x"]) == 2
    lib = SceneLibrary(tmp_path / "c", encoder="pixel,size=8", keyframes={"max_gap": 2.0}, strip=False)
    lib.close()
    again = SceneLibrary(tmp_path / "c", create=False)
    assert again.keyframes["max_gap"] == 2.0 and again.strip is False


def test_an_old_format_library_and_damaged_settings_are_refused(tmp_path):
    lib = SceneLibrary(tmp_path / "lib", encoder="pixel,size=8")
    lib.close()
    db = sqlite3.connect(tmp_path / "lib" / "library.sqlite")
    db.execute("UPDATE meta SET value = 'not json' WHERE key = 'settings'")
    db.commit()
    with pytest.raises(LibraryError, match="keyframe settings row"):
        SceneLibrary(tmp_path / "lib", create=False)
    db.execute("UPDATE meta SET value = '1' WHERE key = 'format'")
    db.commit()
    with pytest.raises(LibraryError, match="format 1 .*build a new one"):
        SceneLibrary(tmp_path / "lib", create=False)


def test_weights_are_found_in_the_weights_folder_and_a_missing_hub_fails_fast(tmp_path, monkeypatch):
    import time

    from latentcut.encoders import create_encoder
    from latentcut.encoders.timm_features import WeightsError

    monkeypatch.setenv("LATENTCUT_WEIGHTS_DIR", str(tmp_path))  # a folder without the file
    monkeypatch.setattr("latentcut.encoders.timm_features._hub_reachable", lambda *a, **k: False)
    t0 = time.monotonic()
    with pytest.raises(WeightsError, match="cannot be reached.*LATENTCUT_WEIGHTS_DIR"):
        create_encoder("lite0").prepare()
    assert time.monotonic() - t0 < 20
    with pytest.raises(WeightsError):
        SceneLibrary(tmp_path / "lib")  # the default encoder cannot run: no library is made for it
    assert not (tmp_path / "lib" / "library.sqlite").exists()
    if os.path.exists(LITE0):
        monkeypatch.setenv("LATENTCUT_WEIGHTS_DIR", WEIGHTS)
        enc = create_encoder("lite0")
        assert "sha256" in enc.config()["weights"] and "lite0-pca256" in enc.config()["pca"]
        out = enc.transform(np.zeros((2, 128, 128, 3), np.uint8)).mean
        assert out.shape == (2, 256) and np.isfinite(out).all()


def test_the_cache_root_is_the_platforms_and_the_library_lock_is_portable(tmp_path, monkeypatch):
    import filelock
    import platformdirs

    from latentcut.cache import cache_root

    monkeypatch.delenv("LATENTCUT_CACHE_DIR", raising=False)
    assert cache_root() == platformdirs.user_cache_dir("latentcut", appauthor=False)
    monkeypatch.setenv("LATENTCUT_CACHE_DIR", str(tmp_path / "c"))
    assert cache_root() == str(tmp_path / "c") and cache_root(str(tmp_path / "d")) == str(tmp_path / "d")
    lib = SceneLibrary(tmp_path / "lib", encoder="pixel,size=8")
    other = filelock.FileLock(str(tmp_path / "lib" / ".lock"))
    with lib._lock():
        with pytest.raises(filelock.Timeout):  # another writer waits while one holds the lock
            other.acquire(timeout=0.2)
    other.acquire(timeout=1)
    other.release()
