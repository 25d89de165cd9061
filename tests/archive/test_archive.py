"""Archive scale in Ray's local mode: shards, resumption, failures, a worker killed mid-run, the
IVF-PQ index and its generations, queries, and the way to and from a scene library."""
import json
import os
import shutil

import numpy as np
import pytest
from conftest import colour_frames, write_video

pytest.importorskip("ray")
import ray  # noqa: E402

from latentcut.archive import index as ix  # noqa: E402
from latentcut.archive.archive import Archive  # noqa: E402
from latentcut.archive.shards import rows_in  # noqa: E402
from latentcut.cli import main  # noqa: E402

ENC = "pixel,size=16,center=false"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/


@pytest.fixture(scope="module")
def ray_local():
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [HERE, os.path.dirname(HERE), os.environ.get("PYTHONPATH")]))
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    d = tmp_path_factory.mktemp("v")
    colours = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40)]
    a = write_video(d / "a.mp4", colour_frames(colours[:3], 24))
    b = write_video(d / "b.mp4", colour_frames(colours[1:], 24, seed=5))
    c = write_video(d / "c.mp4", colour_frames([colours[3], colours[0]], 30, seed=9))
    bad = d / "bad.mp4"
    bad.write_text("not a video")
    return {"a": a, "b": b, "c": c, "bad": str(bad)}


def test_add_writes_a_shard_per_video_records_failures_and_resumes(ray_local, videos, tmp_path):
    arc = Archive(tmp_path / "arc", encoder=ENC)
    results = arc.add([videos["a"], videos["b"], videos["bad"]], workers=2)
    by = {os.path.basename(r["path"]): r for r in results}
    assert by["a.mp4"]["shots"] == 3 and by["b.mp4"]["shots"] == 3 and by["a.mp4"]["rows"] >= 3
    assert "cannot read it as a video" in by["bad.mp4"]["error"]
    assert len(arc.shards()) == 2
    assert sum(rows_in(os.path.join(arc.shards_dir, s)) for s in arc.shards()) == by["a.mp4"]["rows"] + by["b.mp4"]["rows"]
    assert list(arc.failures()) == [videos["bad"]]
    stamps = {s: os.stat(os.path.join(arc.shards_dir, s)).st_mtime_ns for s in arc.shards()}
    again = arc.add([videos["a"], videos["b"]], workers=1)  # a re-run skips what is done
    assert [r["rows"] for r in again] == [-1, -1]
    assert stamps == {s: os.stat(os.path.join(arc.shards_dir, s)).st_mtime_ns for s in arc.shards()}
    shutil.copy(videos["c"], videos["bad"] + ".fixed.mp4")
    arc.add([videos["bad"] + ".fixed.mp4"], workers=1)
    assert len(arc.shards()) == 3 and list(arc.failures()) == [videos["bad"]]  # that one still fails until it is fixed


def test_a_worker_killed_mid_video_is_retried_with_no_duplicate_rows(ray_local, videos, tmp_path):
    from _archive_faults import DiesOnce

    die = tmp_path / "die.mp4"
    shutil.copy(videos["a"], die)
    arc = Archive(tmp_path / "arc", encoder=ENC)
    results = arc.add([str(die), videos["b"]], workers=1, embedder=DiesOnce)
    assert (tmp_path / "arc" / "died").exists()  # the worker did die once
    assert all(not r["error"] for r in results) and len(results) == 2
    assert len(arc.shards()) == 2
    solo = Archive(tmp_path / "solo", encoder=ENC)
    solo.add([videos["a"]], workers=1)
    assert rows_in(os.path.join(solo.shards_dir, solo.shards()[0])) in [
        rows_in(os.path.join(arc.shards_dir, s)) for s in arc.shards()]
    assert not [f for f in os.listdir(arc.shards_dir) if not f.endswith((".parquet", ".parquet.stamp.json"))]  # no half-written leftovers


@pytest.fixture(scope="module")
def built(ray_local, videos, tmp_path_factory):
    arc = Archive(tmp_path_factory.mktemp("arc") / "arc", encoder=ENC)
    arc.add([videos["a"], videos["b"]], workers=2)
    return arc


def _frame(path, i):
    from latentcut.io.video import VideoReader

    return VideoReader(path, size=(48, 64)).read_all().frames[i]


@pytest.mark.parametrize("params", [None, ix.IndexParams(nlist=4, m=8, nbits=4, hnsw_quantizer=False),
                                    ix.IndexParams(nlist=4, m=8, nbits=4)])
def test_index_and_query_find_the_shot(built, videos, params):
    m = built.build_index(params, rebuild=True)
    assert m["kind"] == ("flat" if params is None else "ivfpq")
    assert m["ntotal"] == sum(s["rows"] for s in m["shards"])
    hits = built.query_pictures([_frame(videos["a"], 30)], k=3)[0]
    assert os.path.basename(hits[0].video) == "a.mp4" and hits[0].shot == 2
    assert hits[0].start_frame == 24 and hits[0].end_frame == 48 and 24 <= hits[0].frame < 48
    assert hits[0].score == pytest.approx(1.0, abs=0.02)  # exact re-scoring of the frame's own keyframe


def test_generations_grow_and_are_tied_to_their_shards(built, videos):
    first = built.build_index(rebuild=True)
    built.add([videos["c"]], workers=1)
    assert len(built.unindexed()) == 1
    second = built.build_index()
    assert second["generation"] == first["generation"] + 1
    old = {s["name"]: s["number"] for s in first["shards"]}
    assert {s["name"]: s["number"] for s in second["shards"] if s["name"] in old} == old  # numbers kept
    assert built.unindexed() == []
    hits = built.query_pictures([_frame(videos["c"], 40)], k=1)[0]
    assert os.path.basename(hits[0].video) == "c.mp4" and hits[0].shot == 2
    # a shard rewritten after the index was built would make its row numbers name other rows
    shard = os.path.join(built.shards_dir, second["shards"][0]["name"])
    os.utime(shard, ns=(1, 1))
    fresh = Archive(built.folder, create=False)
    with pytest.raises(ix.ArchiveIndexError, match="changed after the index was built"):
        fresh.index()
    assert fresh.build_index(rebuild=True)["generation"] == second["generation"] + 1


def test_a_damaged_index_is_refused(built):
    m = built.build_index(rebuild=True)
    path = os.path.join(m["folder"], "index.faiss")
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))
    with pytest.raises(ix.ArchiveIndexError, match="SHA-256"):
        Archive(built.folder, create=False).index()
    with open(os.path.join(built.index_dir, "current.json"), "w") as f:
        f.write("{broken")
    with pytest.raises(ix.ArchiveIndexError, match="damaged"):
        Archive(built.folder, create=False).index()
    built.build_index(rebuild=True)


def test_library_and_archive_exchange_videos(built, videos, tmp_path):
    from latentcut.archive.bridge import archive_takes_library, library_takes_archive
    from latentcut.retrieval.library import SceneLibrary

    built.build_index(rebuild=True)
    lib = SceneLibrary(tmp_path / "lib", encoder=ENC)
    v, shots = library_takes_archive(lib, built)
    assert v == len(built.shards()) and len(lib) == shots
    assert library_takes_archive(lib, built) == (0, 0)  # already there
    q = [_frame(videos["b"], 60)]
    a_hit, l_hit = built.query_pictures(q, k=1)[0][0], lib.query_pictures(q, k=1)[0][0]
    assert (a_hit.video, a_hit.shot, a_hit.frame) == (l_hit.video, l_hit.shot, l_hit.frame)
    assert a_hit.score == pytest.approx(l_hit.score, abs=1e-5)
    other = Archive(tmp_path / "arc2", encoder=ENC)
    v, rows = archive_takes_library(other, lib)
    assert v == len(lib.videos()) and rows == lib.keyframe_count()
    other.build_index()
    assert other.query_pictures(q, k=1)[0][0].shot == l_hit.shot
    wrong = SceneLibrary(tmp_path / "lib3", encoder="pixel,size=8,center=false")
    with pytest.raises(Exception, match="different encoders"):
        library_takes_archive(wrong, built)


def test_cli_round_trip(ray_local, videos, tmp_path, capsys):
    arc = str(tmp_path / "c")
    assert main(["archive", "add", arc, videos["a"], videos["bad"], "--encoder", ENC, "--workers", "1"]) == 2
    got = capsys.readouterr()
    assert "a.mp4: 3 shots" in got.out and "1 failed" in got.out
    assert f"latentcut: error: {videos['bad']}: " in got.err and "1 of 2 videos failed" in got.err
    assert main(["archive", "index", arc]) == 0
    assert "index generation 1 (flat)" in capsys.readouterr().out
    img = tmp_path / "q.png"
    from PIL import Image

    Image.fromarray(_frame(videos["a"], 10)).save(img)
    assert main(["archive", "query", arc, "--image", str(img), "-k", "2", "--json"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert row["hits"][0]["shot"] == 1 and row["hits"][0]["video"].endswith("a.mp4")
    assert main(["archive", "info", arc]) == 0
    info = capsys.readouterr().out
    assert "1 videos, encoder pixel" in info and "failed: " in info
    assert main(["archive", "query", arc, "--shot", str(row["hits"][0]["shot_id"]), "--json"]) == 0
    shot_hits = json.loads(capsys.readouterr().out)["hits"]
    assert all(h["shot_id"] != row["hits"][0]["shot_id"] for h in shot_hits)  # the shot itself is left out
    assert main(["archive", "query", arc, "--shot", "999999999"]) == 2
    assert "no shot with id" in capsys.readouterr().err
    assert main(["archive", "query", arc]) == 2
    assert "takes pictures" in capsys.readouterr().err
    assert main(["archive", "info", str(tmp_path / "nothing")]) == 2
    assert "no archive here" in capsys.readouterr().err


def test_parts_built_in_threads_and_on_ray_are_the_same(ray_local, tmp_path):
    from latentcut.archive.shards import schema, write_shard
    import pyarrow as pa

    rng = np.random.default_rng(0)
    shards = []
    for s in range(3):
        v = rng.normal(size=(400, 16)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        n = len(v)
        t = pa.table({"path": ["x"] * n, "identity": [str(s)] * n, "fps": [24.0] * n, "frames": [n] * n,
                      "duration": [1.0] * n, "shot": [1] * n, "shot_start_frame": [0] * n, "shot_end_frame": [n] * n,
                      "shot_start": [0.0] * n, "shot_end": [1.0] * n, "frame": list(range(n)), "time": [0.0] * n,
                      "vector": pa.FixedSizeListArray.from_arrays(pa.array(v.ravel()), 16), "thumb": [None] * n,
                      "fingerprint": ["f"] * n}, schema=schema(16))
        shards.append((s, write_shard(str(tmp_path), str(s), "f", t)))
    params = ix.IndexParams(nlist=8, m=4, nbits=6).resolved(1200, 16)
    trained = ix.train(ix.sample_vectors(shards, params.training_size()), params)
    a = ix.build(trained, shards, workers=2)
    b = ix.build(trained, shards, workers=3, use_ray=True)
    assert a.ntotal == b.ntotal == 1200
    q = ix.vectors_of(shards[1][1])[:5]
    assert (a.search(q, 5)[1] == b.search(q, 5)[1]).all()
    s, r = ix.decode_ids(a.search(q, 1)[1][:, 0])
    assert (s == 1).all() and r.tolist() == list(range(5))
    opq = ix.IndexParams(nlist=8, m=4, nbits=6, opq=True).resolved(1200, 16)
    c = ix.build(ix.train(ix.sample_vectors(shards, 1200), opq), shards, workers=2)
    assert c.ntotal == 1200 and "OPQ" in opq.factory(16)
    assert (ix.decode_ids(c.search(q, 1)[1][:, 0])[1] == np.arange(5)).mean() >= 0.8
    with pytest.raises(ix.ArchiveIndexError, match="too few"):
        ix.train(ix.sample_vectors(shards, 200)[:200], opq)


def test_a_damaged_shard_is_named_then_remade_and_a_foreign_one_is_named(ray_local, videos, tmp_path, capsys):
    from latentcut.archive.shards import STAMP

    arc = Archive(tmp_path / "d", encoder=ENC)
    arc.add([videos["a"], videos["b"]], workers=1)
    names = arc.shards()
    shard = os.path.join(arc.shards_dir, names[0])
    data = bytearray(open(shard, "rb").read())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: the size alone cannot tell
    open(shard, "wb").write(bytes(data))
    assert main(["archive", "info", arc.folder]) == 0
    assert f"shard {names[0]}" in capsys.readouterr().out
    assert main(["archive", "index", arc.folder]) == 2
    err = capsys.readouterr().err
    assert f"shard {names[0]} of " in err and "damaged" in err and "archive add" in err
    again = arc.add([videos["a"], videos["b"]], workers=1)  # remade, not skipped because the file exists
    assert sorted(r["rows"] > 0 for r in again) == [False, True] and arc.shards() == names
    assert main(["archive", "index", arc.folder, "--pq"]) == 0
    assert "an exact index, not IVF-PQ" in capsys.readouterr().out
    # another encoder's shard of the same video: its own name, and named if it is put here
    other = Archive(tmp_path / "o", encoder="pixel,size=8,center=false")
    other.add([videos["a"]], workers=1)
    foreign = other.shards()[0]
    assert foreign not in names
    for suffix in ("", STAMP):
        shutil.copy(os.path.join(other.shards_dir, foreign + suffix), arc.shards_dir)
    assert main(["archive", "index", arc.folder, "--rebuild"]) == 2
    assert "made with another encoder" in capsys.readouterr().err


def _args(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return " " + f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


@pytest.mark.slow
def test_sigterm_shuts_down_the_ray_that_archive_add_started(videos, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    def rays():  # Ray's servers and the agents and workers they start ("ray::DashboardAgent", ...)
        out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
        return {int(line.split()[0]) for line in out.splitlines()[1:]
                if any(w in line for w in ("raylet", "gcs_server", " ray::", "[ray::"))}

    before = rays()
    many = []
    for i in range(12):  # enough work that the run is still going when the signal comes
        many.append(str(tmp_path / f"v{i}.mp4"))
        shutil.copy(videos["abc"[i % 3]], many[-1])
        with open(many[-1], "ab") as f:
            f.write(bytes([i]))  # another identity each, so none is skipped as done
    proc = subprocess.Popen([sys.executable, "-m", "latentcut.cli", "archive", "add", str(tmp_path / "t"), *many,
                             "--encoder", ENC, "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 90
    while time.time() < deadline and not any(" ray::MapWorker" in _args(p) for p in rays() - before) and proc.poll() is None:
        time.sleep(0.3)
    started = rays() - before
    if proc.poll() is not None:
        pytest.skip("the run finished before Ray could be seen")
    assert started, "no Ray process appeared"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130  # an interruption, cleaned up, not a kill
    deadline = time.time() + 15
    while time.time() < deadline and (rays() & started):
        time.sleep(0.5)
    assert not (rays() & started), "Ray outlived the command"


def test_the_archive_query_api_names_a_wrong_argument(built, videos):
    built.build_index()
    pic = _frame(videos["a"], 10)
    for call, exc, message in (
        (lambda: built.query_pictures("a.png"), TypeError, "pictures must be a list"),
        (lambda: built.query_pictures([pic], k=0), ValueError, "k must be >= 1"),
        (lambda: built.query_pictures([pic], k=2.0), TypeError, "k must be a whole number"),
        (lambda: built.query_pictures([pic], mirror="no"), TypeError, "mirror must be True or False"),
        (lambda: built.query_pictures([pic[:, :, :2]]), ValueError, r"pictures\[0\] must be an \(H, W, 3\) picture"),
        (lambda: built.query_refs("a.png"), TypeError, "refs must be a list of strings"),
        (lambda: built.query_shot("1"), TypeError, "shot_id must be a whole number"),
        (lambda: built.query_clip(None), TypeError, "video must be a video file's path"),
        (lambda: built.search_many([1.0, 2.0]), ValueError, "queries must have 2 or 3 dimensions"),
        (lambda: Archive(videos["a"] + ".x", encoder=3), TypeError, "encoder must be an encoder spec string"),
    ):
        with pytest.raises(exc, match=message):
            call()
    assert built.query_pictures([pic], k=np.int64(1))[0][0].shot == 1


def test_the_candidates_rescored_grow_with_the_index():
    from latentcut.archive.queries import RESCORED, rescored

    assert rescored(0) == rescored(10**6) == RESCORED == 1000
    assert rescored(10**7) == 4000 and rescored(5 * 10**6) == 2000  # measured: benchmarks/archive_real.py
    assert rescored(10**9) == 10_000  # unmeasured beyond: it stops growing
