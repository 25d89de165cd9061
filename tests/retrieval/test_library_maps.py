"""Scene library (FAISS + SQLite), shot grouping, maps, posters and plots."""
import json
import os
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
from conftest import clip, colour_frames, needs_shared, write_video
from PIL import Image

from latentcut.cli import main
from latentcut.maps.projection import autoencoder_map, frame_map
from latentcut.maps.render import poster
from latentcut.retrieval.library import LibraryError, SceneLibrary
from latentcut.scenes.grouping import group_shots

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: the library's mechanics are tested with raw pixels (fast, and these synthetic shots differ by
#: colour, which ImageNet features barely see); the default encoder meets real clips below
PIX = "pixel,size=16,center=false"


@pytest.fixture
def three_videos(tmp_path):
    cols = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40), (200, 40, 200), (40, 200, 200)]
    return [write_video(tmp_path / f"v{i}.mp4", colour_frames(cols[2 * i: 2 * i + 2], 24, seed=i)) for i in range(3)]


def test_a_frame_of_a_shot_finds_that_shot_first(tmp_path, three_videos):
    lib = SceneLibrary(tmp_path / "lib", encoder=PIX)
    assert [lib.add(v, progress=False) for v in three_videos] == [2, 2, 2]
    for v in three_videos:
        for t, shot in ((0.3, 1), (1.6, 2)):
            hit = lib.query_ref(f"{v}@{t}s", k=3)[0]
            assert (hit.video, hit.shot) == (os.path.abspath(v), shot)
            assert hit.score > 0.9
    assert lib.add(three_videos[0], progress=False) == 0  # the same content is not added twice


def test_reopen_remove_and_self_healing_index(tmp_path, three_videos):
    lib = SceneLibrary(tmp_path / "lib", encoder=PIX)
    for v in three_videos:
        lib.add(v, progress=False)
    lib.close()
    again = SceneLibrary(tmp_path / "lib", create=False)
    assert len(again) == 6 and len(again.videos()) == 3
    assert again.remove(three_videos[1]) == 2
    assert len(again) == 4
    assert all(h.video != os.path.abspath(three_videos[1]) for h in again.query_ref(f"{three_videos[1]}@0.3s", k=10))
    again.close()
    # a crash between the database commit and the index write, or a damaged index file: rebuilt, nothing lost
    (tmp_path / "lib" / "index.faiss").write_bytes(b"garbage")
    healed = SceneLibrary(tmp_path / "lib", create=False)
    assert len(healed) == 4 and healed.index().ntotal == healed.keyframe_count() == 4 * 3  # 1 s shots with a moving square: 3 keyframes each
    assert healed.query_ref(f"{three_videos[2]}@1.6s")[0].shot == 2
    with pytest.raises(LibraryError, match="not in the library"):
        healed.remove(three_videos[1])


def test_mismatched_encoder_and_corrupt_database_are_refused(tmp_path, three_videos):
    lib = SceneLibrary(tmp_path / "lib", encoder=PIX)
    lib.add(three_videos[0], progress=False)
    lib.close()
    with pytest.raises(LibraryError, match="built with encoder 'pixel,size=16,center=false' \\(768 dimensions\\)"):
        SceneLibrary(tmp_path / "lib", encoder="pixel,size=32")
    with pytest.raises(LibraryError, match="query has 5 dimensions"):
        SceneLibrary(tmp_path / "lib").search(np.ones(5))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "library.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryError, match="not a readable scene library"):
        SceneLibrary(bad)
    with pytest.raises(LibraryError, match="no scene library here"):
        SceneLibrary(tmp_path / "nothing", create=False)


def test_concurrent_adds_from_two_processes(tmp_path, three_videos):
    code = "import sys; from latentcut.retrieval.library import SceneLibrary; SceneLibrary(sys.argv[1]).add(sys.argv[2], progress=False)"
    env = dict(os.environ, PYTHONPATH=ROOT)
    lib_dir = str(tmp_path / "lib")
    SceneLibrary(lib_dir, encoder=PIX).close()
    procs = [subprocess.Popen([sys.executable, "-c", code, lib_dir, v], env=env, stderr=subprocess.PIPE, text=True)
             for v in three_videos]
    errs = [p.communicate(timeout=180)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errs
    lib = SceneLibrary(lib_dir)
    assert len(lib) == 6 and lib.index().ntotal == lib.keyframe_count() == 6 * 3
    assert sqlite3.connect(os.path.join(lib_dir, "library.sqlite")).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cli_index_add_query_json(tmp_path, three_videos, capsys):
    lib = str(tmp_path / "lib")
    assert main(["index", "add", lib, *three_videos, "-q", "--encoder", PIX]) == 0
    assert main(["index", "query", lib, "--frame", f"{three_videos[2]}@1.5s", "-k", "2", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert len(res) == 2 and set(res[0]) >= {"video", "shot", "start", "end", "score"}
    assert res[0]["video"].endswith("v2.mp4") and res[0]["shot"] == 2 and res[0]["start"] == pytest.approx(1.0)
    img = tmp_path / "q.png"
    Image.fromarray(colour_frames([(40, 200, 40)], 1)[0]).save(img)
    assert main(["index", "query", lib, "--image", str(img), "-k", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["video"].endswith("v0.mp4")
    assert main(["index", "query", lib, "--shot", "1", "-k", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["shot_id"] != 1
    assert main(["index", "query", lib, "--clip", three_videos[1], "-k", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["video"].endswith("v1.mp4")
    assert main(["index", "query", lib]) == 2


def test_grouping_keeps_shot_reverse_shot_together():
    a, b, c = np.eye(3)
    near = lambda v: (v + 0.05) / np.linalg.norm(v + 0.05)  # noqa: E731
    vectors = np.array([a, near(b), near(a), b, c, near(c)])
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert [g.shots for g in group_shots(vectors, threshold=0.2)] == [[1, 2, 3, 4], [5, 6]]
    counts = [len(group_shots(vectors, strictness=s)) for s in (0.0, 0.5, 1.0)]
    assert counts == sorted(counts) and counts[0] == 1


def test_map_methods_poster_and_plot_are_real_images(tmp_path, cut_video):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (40, 16)), rng.normal(6, 1, (40, 16))]).astype(np.float32)
    for method in ("pca", "autoencoder"):
        c = frame_map(x, method)
        assert c.shape == (80, 2) and np.isfinite(c).all()
    ae = autoencoder_map(x, steps=200)
    assert abs(ae[:40, 0].mean() - ae[40:, 0].mean()) + abs(ae[:40, 1].mean() - ae[40:, 1].mean()) > 0.3  # clusters apart
    thumbs = rng.integers(0, 255, (80, 18, 32, 3), dtype=np.uint8)
    poster(frame_map(x, "pca"), thumbs, str(tmp_path / "p.png"), (320, 180))
    assert Image.open(tmp_path / "p.png").size == (320, 180)
    assert main(["map", cut_video, "-o", str(tmp_path / "m.png"), "--method", "pca", "--size", "640x480",
                 "--poster", str(tmp_path / "poster.png"), "--poster-size", "512x288", "--csv", str(tmp_path / "c.csv")]) == 0
    assert Image.open(tmp_path / "m.png").size == (640, 480)
    assert Image.open(tmp_path / "poster.png").size == (512, 288)
    assert (tmp_path / "c.csv").read_text().count("\n") == 73
    assert main(["detect", cut_video, "-q", "--plot", str(tmp_path / "curve.png"), "--scenes", "-o", str(tmp_path / "o.json")]) == 0
    assert Image.open(tmp_path / "curve.png").size == (1600, 700)
    assert "scenes" in json.loads((tmp_path / "o.json").read_text())


@pytest.mark.slow
def test_umap_map(tmp_path):
    x = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)
    assert frame_map(x, "umap").shape == (60, 2)


@needs_shared
def test_real_clip_frames_find_their_shots(tmp_path):
    lib = SceneLibrary(tmp_path / "lib")
    for name in ("bikes.mp4", "anime-onepiece-crew.mp4", "cg-megamind.avi"):
        lib.add(clip(name), progress=False)
    for name, frame, shot in (("bikes.mp4", 100, 3), ("anime-onepiece-crew.mp4", 132, 7), ("cg-megamind.avi", 120, 3)):
        hit = lib.query_ref(f"{clip(name)}@{frame}")[0]
        assert (os.path.basename(hit.video), hit.shot) == (name, shot)


def test_index_kind_follows_the_measurements():
    from latentcut.retrieval.faiss_index import index_kind

    assert index_kind(1_000, 2048) == "flat"
    assert index_kind(40_000, 256) == "flat"
    assert index_kind(1_000_000, 256) == "ivf"
    assert index_kind(100_000, 2048) == "hnsw"


def test_large_library_index_types_search_correctly(tmp_path):
    from latentcut.retrieval import faiss_index

    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(6000, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    for budget, dim_max, kind in ((1, 512, "IndexIVFFlat"), (1, 8, "IndexHNSWFlat")):
        faiss_index.FLAT_BUDGET, faiss_index.IVF_MAX_DIM = budget, dim_max
        try:
            index = faiss_index.build_index(np.arange(6000), vecs)
        finally:
            faiss_index.FLAT_BUDGET, faiss_index.IVF_MAX_DIM = 12_500_000, 512
        import faiss

        assert type(faiss.downcast_index(index.index)).__name__ == kind
        _, ids = index.search(vecs[:20], 1)
        assert (ids[:, 0] == np.arange(20)).mean() >= 0.9
