"""The archive's shards and index without Ray: fast, and in mutmut's selection."""
from __future__ import annotations

import json
import os
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")
pytest.importorskip("faiss")
import pyarrow as pa  # noqa: E402

from latentcut.archive import index as ix  # noqa: E402
from latentcut.archive import shards as sh  # noqa: E402

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process

# mutmut forks a child per mutant, and FAISS's training hangs in a forked child of a process that
# trained before (its OpenMP runtime does not survive the fork): under a mutant these tests skip,
# so the mutation run covers the shards, the ids and the parameters, and not train/build/load
@pytest.fixture
def _not_in_a_forked_mutant():
    # read when the test runs: mutmut imports this module before it forks and names the mutant after
    if os.environ.get("MUTANT_UNDER_TEST", "").startswith("latentcut."):
        pytest.skip("FAISS training hangs in mutmut's forked children")


trains = pytest.mark.usefixtures("_not_in_a_forked_mutant")


def _table(n: int, dim: int, seed: int, identity: str = "x") -> tuple[pa.Table, np.ndarray]:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    t = pa.table({"path": ["x.mp4"] * n, "identity": [identity] * n, "fps": [24.0] * n, "frames": [n] * n,
                  "duration": [1.0] * n, "shot": [i // 10 for i in range(n)], "shot_start_frame": [0] * n,
                  "shot_end_frame": [n] * n, "shot_start": [0.0] * n, "shot_end": [1.0] * n, "frame": list(range(n)),
                  "time": [i / 24 for i in range(n)], "vector": pa.FixedSizeListArray.from_arrays(pa.array(v.ravel()), dim),
                  "thumb": [None] * n, "fingerprint": ["f"] * n}, schema=sh.schema(dim))
    return t, v


@pytest.fixture
def shards(tmp_path):
    out = []
    for s, n in enumerate((400, 200, 300)):
        t, _ = _table(n, 16, s, identity=f"video-{s}")
        out.append((s, sh.write_shard(str(tmp_path), f"video-{s}", "f", t)))
    return out


# -- shards ---------------------------------------------------------------------------------------


def test_a_shard_is_named_by_its_video_identity_and_encoder():
    a = sh.shard_name("video-a", "f")
    assert a == sh.shard_name("video-a", "f") and a != sh.shard_name("video-b", "f")
    assert a != sh.shard_name("video-a", "g")  # two encoders' shards of one video never collide
    assert a.endswith(".parquet") and len(a) == 24 + len(".parquet")
    assert all(c in "0123456789abcdef" for c in a[:24])


def test_a_shard_reads_back_whole(tmp_path):
    t, v = _table(37, 8, 0)
    path = sh.write_shard(str(tmp_path), "id", "f", t)
    assert os.path.basename(path) == sh.shard_name("id", "f")
    assert sh.rows_in(path) == 37
    got = sh.vectors_of(path)
    assert got.dtype == np.float32 and got.shape == (37, 8) and np.array_equal(got, v)
    assert sh.vectors_of(sh.write_shard(str(tmp_path), "none", "f", _table(0, 8, 0)[0])).shape == (0, 8)
    cols = sh.read_columns(path, ["frame", "time"])
    assert cols.column_names == ["frame", "time"] and cols.column("frame").to_pylist() == list(range(37))
    made = [os.path.basename(path), sh.shard_name("none", "f")]
    assert sorted(os.listdir(tmp_path)) == sorted(made + [m + sh.STAMP for m in made])  # no temporary file


def test_a_shards_stamp_is_its_name_size_and_time(tmp_path):
    t, _ = _table(5, 4, 0)
    path = sh.write_shard(str(tmp_path), "id", "f", t)
    os.utime(path, ns=(1, 1_234_567_890_123))
    name = os.path.basename(path)
    assert ix.shard_stamp(str(tmp_path), name) == {"name": name, "size": os.path.getsize(path), "mtime_ns": 1_234_567_890_123}
    with pytest.raises(FileNotFoundError):
        ix.shard_stamp(str(tmp_path / "elsewhere"), name)


def test_shards_are_compressed_with_zstd(tmp_path):
    import pyarrow.parquet as pq

    t, _ = _table(50, 8, 0)
    meta = pq.ParquetFile(sh.write_shard(str(tmp_path), "id", "f", t)).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_a_shards_stamp_messages_name_the_shard_its_video_and_both_encoders(tmp_path):
    t, _ = _table(5, 4, 0)
    t = t.set_column(0, "path", __import__("pyarrow").array(["/v/clip.mp4"] * 5))
    path = sh.write_shard(str(tmp_path), "id", "f" * 20, t)
    name = os.path.basename(path)
    with pytest.raises(sh.ShardError) as e:
        sh.verify_shard(path, "g" * 20)
    assert str(e.value) == (f"shard {name} of /v/clip.mp4: made with another encoder (fingerprint {'f' * 12}, "
                            f"this archive's {'g' * 12})")
    one = sh.write_shard(str(tmp_path), "one", "f", t.slice(0, 1))  # a one-row shard names its video too
    assert sh.verify_shard(one, "f")["video"] == "/v/clip.mp4"
    assert sh.verify_shard(sh.write_shard(str(tmp_path), "none", "f", t.slice(0, 0)), "f")["video"] is None
    os.unlink(path)
    with pytest.raises(sh.ShardError) as e:
        sh.verify_shard(path, "f" * 20)  # the shard is gone, its stamp is there
    assert str(e.value) == (f"shard {name} of /v/clip.mp4: damaged (its size or SHA-256 is not the one its stamp "
                            "records)")


def test_a_shards_stamp_catches_damage_truncation_and_another_encoder(tmp_path):
    t, _ = _table(40, 8, 0)
    path = sh.write_shard(str(tmp_path), "id", "f", t)
    stamp = sh.verify_shard(path, "f")
    assert stamp["size"] == os.path.getsize(path) and stamp["rows"] == 40 and stamp["identity"] == "id"
    assert sh.shard_ok(path, "f") and not sh.shard_ok(path, "g")
    with pytest.raises(sh.ShardError, match="another encoder"):
        sh.verify_shard(path, "g")
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped
    open(path, "wb").write(bytes(data))
    with pytest.raises(sh.ShardError, match="damaged"):
        sh.verify_shard(path, "f")
    assert sh.verify_shard(path, "f", checksum=False)  # the size alone cannot see it
    open(path, "wb").write(bytes(data[:-10]))
    with pytest.raises(sh.ShardError, match="damaged"):
        sh.verify_shard(path, "f", checksum=False)
    os.unlink(sh.stamp_path(path))
    with pytest.raises(sh.ShardError, match="incomplete"):
        sh.verify_shard(path)
    for stamp in ('{"format": "other"}', "[1]", "{"):
        with open(sh.stamp_path(path), "w") as f:
            f.write(stamp)
        assert sh.read_stamp(path) is None
        with pytest.raises(sh.ShardError) as e:
            sh.verify_shard(path)
        assert str(e.value) == f"shard {os.path.basename(path)}: incomplete (no stamp: its write was interrupted)"
    sh.remove_shard(path)
    assert os.listdir(tmp_path) == []
    sh.remove_shard(path)  # nothing there: no error


def test_a_damaged_shard_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(sh.ShardError, match="bad.parquet: not a readable shard"):
        sh.rows_in(str(bad))
    with pytest.raises(sh.ShardError, match="not a readable shard"):
        sh.read_columns(str(bad), ["vector"])
    with pytest.raises(sh.ShardError, match="not a readable shard"):
        sh.rows_in(str(tmp_path / "missing.parquet"))


def test_only_whole_shards_are_listed(tmp_path):
    assert sh.list_shards(str(tmp_path / "nowhere")) == []
    for name in ("b.parquet", "a.parquet", ".a.parquet.tmp123", ".hidden.parquet", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert sh.list_shards(str(tmp_path)) == ["a.parquet", "b.parquet"]


def _tc(frame: int, fps: float = 24.0):
    return SimpleNamespace(frame=frame, seconds=frame / fps)


def test_table_of_writes_a_row_per_keyframe_and_a_thumbnail_per_shot():
    shots = [SimpleNamespace(number=1, start=_tc(0), end=_tc(10)), SimpleNamespace(number=2, start=_tc(10), end=_tc(30))]
    result = SimpleNamespace(shots=shots, video=SimpleNamespace(fps=24.0), frames=30, video_end=1.25)
    vectors = np.arange(12, dtype=np.float64).reshape(4, 3) / 7  # stored as float32 whatever comes in
    got = SimpleNamespace(result=result, frames=np.array([2, 5, 12, 20]), times=np.array([2, 5, 12, 20]) / 24,
                          shot_of=np.array([0, 0, 1, 1]), vectors=vectors, thumbs=[b"one", b"two"])
    t = sh.table_of("clip.mp4", "ident", got, "enc-1")
    assert t.schema == sh.schema(3) and t.num_rows == 4 and tuple(t.column_names) == sh.COLUMNS
    d = t.to_pydict()
    assert d["path"] == ["clip.mp4"] * 4 and d["identity"] == ["ident"] * 4 and d["fingerprint"] == ["enc-1"] * 4
    assert d["fps"] == [24.0] * 4 and d["frames"] == [30] * 4 and d["duration"] == [1.25] * 4
    assert d["shot"] == [1, 1, 2, 2]
    assert d["shot_start_frame"] == [0, 0, 10, 10] and d["shot_end_frame"] == [10, 10, 30, 30]
    assert d["shot_start"] == pytest.approx([0, 0, 10 / 24, 10 / 24]) and d["shot_end"] == pytest.approx([10 / 24] * 2 + [30 / 24] * 2)
    assert d["frame"] == [2, 5, 12, 20] and d["time"] == pytest.approx([2 / 24, 5 / 24, 12 / 24, 20 / 24])
    assert d["thumb"] == [b"one", None, b"two", None]
    assert t.column("vector").type.value_type == pa.float32()
    assert np.array_equal(np.array(d["vector"], np.float32), vectors.astype(np.float32))
    empty = SimpleNamespace(result=result, frames=np.zeros(0, int), times=np.zeros(0), shot_of=np.zeros(0, int),
                            vectors=np.zeros((0, 3), np.float32), thumbs=[])
    assert sh.table_of("clip.mp4", "ident", empty, "enc-1").num_rows == 0


# -- index parameters and ids ----------------------------------------------------------------------


@settings(max_examples=50)
@given(st.integers(0, 2**30), st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=20))
def test_ids_carry_shard_and_row(shard, rows):
    ids = ix.encode_ids(shard, np.asarray(rows))
    assert ids.dtype == np.int64 and (ids == (np.int64(shard) * 2**32 + np.asarray(rows, np.int64))).all()
    s, r = ix.decode_ids(ids)
    assert (s == shard).all() and r.tolist() == rows
    s, r = ix.decode_ids(ids.astype(np.uint64))  # whatever integer type comes in, int64 comes out
    assert s.dtype == r.dtype == np.int64 and (s == shard).all() and r.tolist() == rows


def test_row_numbers_as_floats_still_make_integer_ids():
    ids = ix.encode_ids(3, np.array([2.0, 7.0]))
    assert ids.dtype == np.int64 and ids.tolist() == [3 * 2**32 + 2, 3 * 2**32 + 7]


@pytest.mark.parametrize("n, nlist, nprobe", [(1, 16, 16), (100, 32, 16), (10**4, 512, 16), (10**6, 4096, 64),
                                              (10**7, 16384, 256), (10**9, 131072, 2048)])
def test_lists_and_probes_follow_the_size(n, nlist, nprobe):
    p = ix.IndexParams().resolved(n, 256)
    assert (p.nlist, p.nprobe, p.m, p.nbits, p.opq, p.hnsw_quantizer) == (nlist, nprobe, 32, 8, False, True)


def test_given_parameters_are_kept_and_probes_never_exceed_lists():
    p = ix.IndexParams(nlist=100, m=8, nbits=4, opq=True, nprobe=7, hnsw_quantizer=False).resolved(10**6, 64)
    assert (p.nlist, p.m, p.nbits, p.opq, p.nprobe, p.hnsw_quantizer) == (100, 8, 4, True, 7, False)
    assert ix.IndexParams(nlist=8).resolved(10**6, 64).nprobe == 8
    assert ix.IndexParams(nlist=8, nprobe=20).resolved(10**6, 64).nprobe == 8
    p = ix.IndexParams(nlist=2048).resolved(10, 64)
    assert p.nprobe == 32 and isinstance(p.nprobe, int) and isinstance(p.nlist, int)
    with pytest.raises(ix.ArchiveIndexError, match="m=48 sub-quantizers must divide the 256 dimensions"):
        ix.IndexParams(m=48).resolved(10, 256)


def test_factory_strings_and_training_size():
    assert ix.IndexParams(nlist=512, m=16).factory(256) == "IVF512_HNSW32,PQ16x8"
    assert ix.IndexParams().resolved(10**7, 256).factory(256) == "IVF16384_HNSW32,PQ32x8"
    assert ix.IndexParams(m=16, opq=True, hnsw_quantizer=False).resolved(10**4, 256).factory(256) == "OPQ16,IVF512,PQ16x8"
    assert ix.IndexParams(nlist=512, m=16, nbits=4, opq=True, hnsw_quantizer=False).factory(256) == "OPQ16,IVF512,PQ16x4"
    assert ix.IndexParams(nlist=1000, nbits=8).training_size() == 40000
    assert ix.IndexParams(nlist=10, nbits=8).training_size() == 64 * 256
    assert ix.IndexParams(nlist=10, nbits=4).training_size() == 1024


# -- training, building, sampling ------------------------------------------------------------------


@trains
def test_training_needs_enough_vectors():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(300, 16)).astype(np.float32)
    p = ix.IndexParams(nlist=8, m=4, nbits=6, hnsw_quantizer=False).resolved(300, 16)
    with pytest.raises(ix.ArchiveIndexError, match="63 vectors are too few .* 8 lists and 6-bit codes \\(at least 64\\)"):
        ix.train(v[:63], p)
    idx = ix.train(v[:64], p)
    assert idx.is_trained and idx.ntotal == 0 and idx.d == 16
    assert idx.metric_type == ix.faiss.METRIC_INNER_PRODUCT
    big = ix.IndexParams(nlist=100, m=4, nbits=4, hnsw_quantizer=False).resolved(300, 16)
    with pytest.raises(ix.ArchiveIndexError, match="at least 100"):
        ix.train(v[:99], big)
    opq = ix.IndexParams(nlist=8, m=4, nbits=6, opq=True).resolved(300, 16)
    with pytest.raises(ix.ArchiveIndexError, match="at least 256"):
        ix.train(v[:255], opq)
    assert ix.train(v[:256], opq).is_trained


def test_a_sample_takes_each_shards_share(shards):
    got = ix.sample_vectors(shards, 90, seed=3)
    assert got.shape == (90, 16) and got.dtype == np.float32
    everything = np.concatenate([ix.vectors_of(p) for _, p in shards])
    rows = {v.tobytes() for v in everything}
    assert all(v.tobytes() in rows for v in got)
    assert len({v.tobytes() for v in got}) == 90  # drawn without replacement
    by_shard = [sum(v.tobytes() in {w.tobytes() for w in ix.vectors_of(p)} for v in got) for _, p in shards]
    assert by_shard == [40, 20, 30]
    assert np.array_equal(got, ix.sample_vectors(shards, 90, seed=3))
    assert np.array_equal(ix.sample_vectors(shards, 90), ix.sample_vectors(shards, 90, seed=0))  # the default seed is 0
    assert not np.array_equal(got, ix.sample_vectors(shards, 90, seed=4))
    assert ix.sample_vectors(shards, 10**6).shape == (900, 16)
    assert ix.sample_vectors(shards, 1).shape == (3, 16)  # every shard gives at least one
    empty = ix.sample_vectors([], 10)
    assert empty.shape == (0, 0) and empty.dtype == np.float32


@trains
def test_built_in_parts_or_at_once_the_index_is_the_same(shards):
    p = ix.IndexParams(nlist=8, m=4, nbits=6, hnsw_quantizer=False).resolved(900, 16)
    trained = ix.train(ix.sample_vectors(shards, 900), p)
    one = ix.build(trained, shards, workers=1)
    three = ix.build(trained, shards, workers=3)
    many = ix.build(trained, shards, workers=8)
    assert trained.ntotal == 0  # the trained index is copied, never filled
    assert one.ntotal == three.ntotal == many.ntotal == 900
    q = ix.vectors_of(shards[2][1])[:6]
    ix._set_nprobe(one, 8)
    ix._set_nprobe(three, 8)
    assert (one.search(q, 4)[1] == three.search(q, 4)[1]).all()
    s, r = ix.decode_ids(one.search(q, 1)[1][:, 0])
    assert (s == 2).all() and (r == np.arange(6)).mean() >= 5 / 6
    grown = ix.build(trained, shards[:1], workers=2, base=ix.build(trained, shards[1:], workers=2))
    assert grown.ntotal == 900
    assert ix.faiss.extract_index_ivf(one).nprobe == 8


# -- generations on disk ---------------------------------------------------------------------------


def _generation(root, shards_dir, shards, kind="ivfpq"):
    p = ix.IndexParams(nlist=8, m=4, nbits=6, nprobe=5, hnsw_quantizer=False).resolved(900, 16)
    index = ix.build(ix.train(ix.sample_vectors(shards, 900), p), shards, workers=2)
    manifest = {"kind": kind, "dim": 16, "params": {"nprobe": p.nprobe},
                "shards": [dict(ix.shard_stamp(shards_dir, os.path.basename(path)), number=no) for no, path in shards]}
    return ix.write_generation(root, 3, index, manifest)


@trains
def test_a_generation_is_written_whole_and_loads_with_its_probes(shards, tmp_path):
    root, shards_dir = str(tmp_path / "index"), os.path.dirname(shards[0][1])
    assert ix.current(root) is None
    folder = _generation(root, shards_dir, shards)
    assert folder == os.path.join(root, "gen-3") and sorted(os.listdir(folder)) == [".latentcut-folder", "index.faiss", "manifest.json"]
    with open(os.path.join(root, "current.json")) as f:
        assert json.load(f) == {"generation": 3, "folder": "gen-3"}
    m = ix.current(root)
    assert m["folder"] == folder and m["generation"] == 3 and m["ntotal"] == 900 and m["dim"] == 16
    assert m["sha256"] == ix.file_sha256(os.path.join(folder, "index.faiss"))
    index = ix.load(m, shards_dir)
    assert index.ntotal == 900 and ix.faiss.extract_index_ivf(index).nprobe == 5


@trains
def test_a_flat_generation_keeps_no_probes(tmp_path, shards):
    root, shards_dir = str(tmp_path / "index"), os.path.dirname(shards[0][1])
    flat = ix.faiss.IndexIDMap2(ix.faiss.IndexFlatIP(16))
    v = ix.vectors_of(shards[0][1])
    flat.add_with_ids(v, ix.encode_ids(0, np.arange(len(v))))
    ix.write_generation(root, 1, flat, {"kind": "flat", "dim": 16, "params": {"nprobe": 0}, "shards": []})
    assert ix.load(ix.current(root), shards_dir).ntotal == 400


@trains
def test_a_generation_whose_shards_changed_is_refused(shards, tmp_path):
    root, shards_dir = str(tmp_path / "index"), os.path.dirname(shards[0][1])
    _generation(root, shards_dir, shards)
    m = ix.current(root)
    st = os.stat(shards[1][1])
    os.utime(shards[1][1], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with pytest.raises(ix.ArchiveIndexError, match=f"shard {os.path.basename(shards[1][1])} changed after the index"):
        ix.load(m, shards_dir)
    os.utime(shards[1][1], ns=(st.st_atime_ns, st.st_mtime_ns))
    assert ix.load(m, shards_dir).ntotal == 900
    with open(shards[1][1], "ab") as f:
        f.write(b"x")
    os.utime(shards[1][1], ns=(st.st_atime_ns, st.st_mtime_ns))  # same time, another size
    with pytest.raises(ix.ArchiveIndexError, match="changed after the index"):
        ix.load(m, shards_dir)
    os.remove(shards[1][1])
    with pytest.raises(ix.ArchiveIndexError, match="is gone; rebuild the index"):
        ix.load(m, shards_dir)


@trains
def test_a_damaged_generation_is_refused(shards, tmp_path):
    root, shards_dir = str(tmp_path / "index"), os.path.dirname(shards[0][1])
    folder = _generation(root, shards_dir, shards)
    path = os.path.join(folder, "index.faiss")
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))
    with pytest.raises(ix.ArchiveIndexError, match="damaged \\(its SHA-256 is not the one recorded\\)"):
        ix.load(ix.current(root), shards_dir)
    os.remove(path)
    with pytest.raises(ix.ArchiveIndexError, match="cannot read the archive index"):
        ix.load(ix.current(root), shards_dir)
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        f.write("{not json")
    with pytest.raises(ix.ArchiveIndexError, match="the archive index is damaged"):
        ix.current(root)
    with open(os.path.join(root, "current.json"), "w") as f:
        json.dump({"generation": 3}, f)
    with pytest.raises(ix.ArchiveIndexError, match="damaged"):
        ix.current(root)


@trains
def test_the_trained_index_is_kept_and_a_damaged_one_trained_again(shards, tmp_path):
    root = str(tmp_path)
    assert ix.load_trained(root) is None
    p = ix.IndexParams(nlist=8, m=4, nbits=6, hnsw_quantizer=False).resolved(900, 16)
    trained = ix.train(ix.sample_vectors(shards, 900), p)
    ix.save_trained(root, trained, p, {"fingerprint": "enc"})
    index, params, meta = ix.load_trained(root)
    assert params == p and meta["fingerprint"] == "enc" and index.is_trained and index.ntotal == 0
    assert ix.faiss.serialize_index(index).tobytes() == ix.faiss.serialize_index(trained).tobytes()
    with open(os.path.join(root, "trained.faiss"), "wb") as f:
        f.write(b"junk")
    assert ix.load_trained(root) is None
    ix.save_trained(root, trained, p, {})
    with open(os.path.join(root, "trained.json"), "w") as f:
        json.dump({"params": {"nlist": 8, "bogus": 1}}, f)
    assert ix.load_trained(root) is None
