"""Similar-scene search: border stripping, keyframe choice, keyframe-to-shot ranking, and the
default library (lite0 features, keyframes, mirror) on real clips."""
import json
import os
import sqlite3

import numpy as np
import pytest
from conftest import WEIGHTS, clip, needs_shared
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from latentcut.cli import main
from latentcut.retrieval.borders import border_box, prepare, strip_borders, work_size
from latentcut.retrieval.keyframes import pick_keyframes
from latentcut.retrieval.library import LibraryError, SceneLibrary
from latentcut.retrieval.search import merge_views, neighbours_wanted, rank_shots

LITE0 = os.path.join(WEIGHTS, "tf-efficientnet-lite0-imagenet.safetensors")
needs_lite0 = pytest.mark.skipif(not os.path.exists(LITE0), reason="../shared/weights is not available")


def textured(h, w, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


# -- borders --------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(h=st.integers(24, 90), w=st.integers(24, 90), t=st.integers(0, 12), b=st.integers(0, 12),
       l=st.integers(0, 12), r=st.integers(0, 12), colour=st.tuples(*[st.integers(0, 255)] * 3), seed=st.integers(0, 99))
def test_flat_bars_of_any_colour_are_stripped_to_within_a_line(h, w, t, b, l, r, colour, seed):
    pic = textured(h, w, seed)
    framed = np.empty((h + t + b, w + l + r, 3), np.uint8)
    framed[:] = colour
    framed[t : t + h, l : l + w] = pic
    got = border_box(framed)
    # the bar, and at most the one line more that is always taken where a bar was found
    for found, true in zip(got, (t, b, l, r)):
        assert found == (true + 1 if true else 0)
    inner = strip_borders(framed)
    assert inner.shape[0] == h - (t > 0) - (b > 0) and inner.shape[1] == w - (l > 0) - (r > 0)


def test_pictures_without_borders_and_flat_pictures_are_kept_whole():
    pic = textured(60, 80)
    assert border_box(pic) == (0, 0, 0, 0)
    assert strip_borders(pic) is not None and strip_borders(pic).shape == pic.shape
    black = np.zeros((60, 80, 3), np.uint8)
    assert border_box(black) == (0, 0, 0, 0)  # a black frame is not all border
    # a bar taller than the 40 % cap is only stripped to the cap
    tall = np.zeros((100, 80, 3), np.uint8)
    tall[60:] = textured(40, 80)
    assert border_box(tall)[0] == 41 and border_box(tall)[1] == 0
    # a flat band that drifts from the edge colour (a gradient sky, 4.2 levels a row) stops being
    # border where it is 10 levels away: rows 0-2, and the one line more
    ramp = np.repeat(np.linspace(0, 250, 60).astype(np.uint8)[:, None, None], 80, 1).repeat(3, 2)
    ramp[20:40] = textured(20, 80)
    assert border_box(ramp)[0] == 4


def test_prepare_gives_the_encoder_size_and_refuses_bad_pictures():
    pic = textured(300, 500)
    out = prepare(pic, (16, 24))
    assert out.shape == (16, 24, 3) and out.dtype == np.uint8
    assert prepare(pic[..., :1], (16, 16)).shape == (16, 16, 1)
    assert work_size(1080, 1920) == (72, 128) and work_size(1920, 1080) == (128, 72)
    with pytest.raises(ValueError):
        prepare(pic.astype(np.float32), (16, 16))
    with pytest.raises(ValueError):
        work_size(0, 10)
    # the same picture with and without a letterbox prepares to nearly the same pixels
    boxed = np.pad(pic, ((60, 60), (0, 0), (0, 0)))
    a, b = prepare(pic, (32, 32)).astype(int), prepare(boxed, (32, 32)).astype(int)
    assert np.abs(a - b).mean() < 25 and np.abs(prepare(boxed, (32, 32), strip=False).astype(int) - a).mean() > 30


# -- keyframes --------------------------------------------------------------------------------------

def test_a_still_shot_gets_a_keyframe_every_max_gap_and_a_change_gets_one_at_once():
    e = np.zeros((48, 4), np.float32)
    times = np.arange(48) / 24
    assert pick_keyframes(e, times, [(0, 48)], change=0.04, max_gap=0.5) == [0, 12, 24, 36]
    e[30:] = 1.0  # the picture changes at 30
    assert pick_keyframes(e, times, [(0, 48)], change=0.04, max_gap=0.5) == [0, 12, 24, 30, 42]
    # each shot starts with its own keyframe
    assert pick_keyframes(e, times, [(0, 10), (10, 48)], max_gap=10) == [0, 10, 30]
    # min_gap: a picture changing every frame gets one keyframe every min_gap frames
    moving = np.arange(20, dtype=np.float32)[:, None] * np.ones((1, 4), np.float32)
    assert pick_keyframes(moving, np.arange(20) / 24, [(0, 20)], min_gap=3) == list(range(0, 20, 3))
    assert pick_keyframes(e, times, [(5, 5), (40, 99)], max_gap=10) == [40]  # empty shot skipped, end clipped


@pytest.mark.parametrize("kw", [{"change": 0}, {"change": float("nan")}, {"max_gap": -1}, {"min_gap": 0}])
def test_bad_keyframe_settings_are_refused(kw):
    with pytest.raises(ValueError):
        pick_keyframes(np.zeros((3, 2)), np.arange(3.0), [(0, 3)], **kw)


def test_embeddings_and_times_must_agree():
    with pytest.raises(ValueError, match="3 embeddings but 2 times"):
        pick_keyframes(np.zeros((3, 2)), np.arange(2.0), [(0, 3)])


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 120), cuts=st.lists(st.integers(1, 119), max_size=6), seed=st.integers(0, 99),
       change=st.floats(0.01, 1.0), gap=st.floats(0.05, 2.0), min_gap=st.integers(1, 4))
def test_keyframes_stay_in_their_shots_and_keep_their_spacing(n, cuts, seed, change, gap, min_gap):
    rng = np.random.default_rng(seed)
    e = np.cumsum(rng.normal(0, 0.05, (n, 3)), axis=0).astype(np.float32)
    t = np.arange(n) / 24
    bounds = sorted({0, n, *[c for c in cuts if c < n]})
    shots = list(zip(bounds[:-1], bounds[1:]))
    keys = pick_keyframes(e, t, shots, change=change, max_gap=gap, min_gap=min_gap)
    assert keys == sorted(set(keys))
    for s, end in shots:
        mine = [k for k in keys if s <= k < end]
        assert mine[0] == s
        assert all(b - a >= min_gap for a, b in zip(mine, mine[1:]))
        # nothing is left uncovered for longer than max_gap (and the frames min_gap forces)
        follow = mine[1:] + [end]
        assert all(t[min(b, n - 1)] - t[a] <= gap + min_gap / 24 + 1e-9 or b == end for a, b in zip(mine, follow))


# -- from keyframe neighbours to shots ------------------------------------------------------------------

def test_views_merge_to_the_better_score_and_remember_which_view():
    scores = np.array([[[0.9, 0.5]], [[0.95, 0.2]]], np.float32)  # 2 views, 1 query, 2 neighbours
    ids = np.array([[[7, 3]], [[3, -1]]])
    merged = merge_views(scores, ids)[0]
    assert merged == {7: (pytest.approx(0.9), 0), 3: (pytest.approx(0.95), 1)}


def test_shots_rank_by_the_mean_of_their_best_keyframe_over_the_queries():
    shot_of = {1: 10, 2: 10, 3: 20, 4: 30}
    per_query = [{1: (0.9, 0), 2: (0.8, 1), 3: (0.7, 0)}, {3: (0.9, 0), 4: (0.5, 0)}]
    ranked = rank_shots(per_query, shot_of, k=10)
    assert [r[0] for r in ranked] == [20, 10, 30]
    assert ranked[0][1] == pytest.approx((0.7 + 0.9) / 2) and ranked[1][1] == pytest.approx(0.9 / 2)
    assert ranked[0][2] == 3 and ranked[1][2:] == (1, 0)  # best keyframe of the shot and its view
    assert [r[0] for r in rank_shots(per_query, shot_of, k=1)] == [20]
    assert [r[0] for r in rank_shots(per_query, shot_of, k=10, exclude=20)] == [10, 30]
    assert rank_shots([], shot_of, 5) == []
    assert rank_shots([{99: (1.0, 0)}], shot_of, 5) == []  # a keyframe removed meanwhile
    assert neighbours_wanted(10, 50) == 50 and neighbours_wanted(1, 10**6) == 64


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
        create_encoder("lite0")._ensure_model()
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
