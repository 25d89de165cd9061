#!/usr/bin/env python
"""Archive scale: embedding throughput on Ray against the single-process library build, and
IVF-PQ at 10^7 vectors (memory, build time, query latency, recall@10 against exact search).

    python benchmarks/archive.py throughput [--clips 8] [--workers 1 2]      # needs LATENTCUT_WEIGHTS_DIR
    python benchmarks/archive.py ivfpq [--vectors 10000000] [--codes 16 32 64] [--nlist 4096]

throughput: the first --clips clips of ../shared/data/unlabelled (by name) through
`SceneLibrary.add` in this process (the single-machine build, every core for torch), then through
`Archive.add` on Ray in local mode with 1 worker (holding both cores) and with 2 workers (one core
each), each into a fresh folder, the same encoder (lite0) and keyframes. frames/s counts decoded
video frames; Ray's start-up is timed apart and included in the end-to-end figure.

ivfpq: synthetic unit vectors of 256 dimensions drawn around 20,000 centres (keyframes of a
collection come in groups, as in benchmarks/retrieval.py), made once and kept as float16 on disk
(they are the data set, so nothing is lost), with 200 queries that are noisy copies of database
vectors ("a screenshot of a keyframe"). Exact top-10 by inner product over every vector is the
truth. For each code size one IVF-PQ index (the archive's: an HNSW graph over the trained centroids
finds lists, which is what makes adding 10^7 vectors affordable on two cores) shares the
trained coarse quantizer; memory is the index's own size in bytes (codes, ids, lists), build time
is PQ training plus adding, latency is one query at a time. recall@10 counts the true top 10 among
the 10 returned; R10@100 among the top 100 candidates, what the archive's exact re-scoring (from the
shards' vectors) recovers. source@1 and source@10: the database vector a query was copied from
comes first / among the first 10 (the question "which keyframe is this screenshot of").
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "data")
CHUNK = 1_000_000


def _say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- throughput ---------------------------------------------------------------------------------------


def throughput(args) -> None:
    from latentcut.archive.archive import Archive
    from latentcut.io.video import probe
    from latentcut.retrieval.library import SceneLibrary

    folder = os.path.join(SHARED, "unlabelled")
    clips = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith((".mp4", ".mkv", ".webm")))[: args.clips]
    frames = sum(probe(c).frame_count for c in clips)
    print(f"{len(clips)} clips of ../shared/data/unlabelled, {frames} frames, encoder lite0, {os.cpu_count()} cores")
    work = tempfile.mkdtemp(prefix="latentcut-archive-bench-")
    rows = []
    try:
        _say("single-process library build")
        lib = SceneLibrary(os.path.join(work, "lib"), encoder="lite0")
        t0 = time.perf_counter()
        for c in clips:
            lib.add(c, progress=False)
        base = time.perf_counter() - t0
        rows.append(("library, 1 process", base, 0.0))
        for w in args.workers:
            import ray

            _say(f"archive, {w} worker(s)")
            t0 = time.perf_counter()
            cpus = max(1, (os.cpu_count() or 2) // w)
            ray.init(address="local", num_cpus=w * cpus, include_dashboard=False, log_to_driver=False)
            start = time.perf_counter() - t0
            arc = Archive(os.path.join(work, f"arc{w}"), encoder="lite0")
            res = arc.add(clips, workers=w, cpus_per_worker=cpus)
            total = time.perf_counter() - t0
            ray.shutdown()
            bad = [r for r in res if r["error"]]
            if bad:
                print(f"  {len(bad)} clips failed: {bad[0]['error']}")
            rows.append((f"archive on Ray, {w} worker{'s' if w > 1 else ''} x {cpus} core{'s' if cpus > 1 else ''}",
                         total, start))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'run':<36} {'seconds':>8} {'frames/s':>9} {'vs library':>10} {'ray start':>9}")
    for name, secs, start in rows:
        print(f"{name:<36} {secs:8.1f} {frames / secs:9.1f} {base / secs:9.2f}x {start:8.1f}s")


# -- IVF-PQ at scale ----------------------------------------------------------------------------------------


def make_data(path: str, n: int, d: int, seed: int = 0) -> np.memmap:
    if os.path.exists(path) and os.path.getsize(path) == n * d * 2:
        return np.memmap(path, np.float16, "r", shape=(n, d))
    _say(f"making {n} vectors of {d} dimensions in {path}")
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20_000, d)).astype(np.float32)
    out = np.memmap(path + ".tmp", np.float16, "w+", shape=(n, d))
    for a in range(0, n, CHUNK):
        b = min(n, a + CHUNK)
        x = centres[rng.integers(0, len(centres), b - a)] + 0.6 * rng.normal(size=(b - a, d)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[a:b] = x.astype(np.float16)
    out.flush()
    del out
    os.replace(path + ".tmp", path)
    return np.memmap(path, np.float16, "r", shape=(n, d))


def chunk(x: np.memmap, a: int) -> np.ndarray:
    v = np.asarray(x[a : a + CHUNK], np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)  # float16 rounding off the unit sphere


def exact_top(x: np.memmap, q: np.ndarray, k: int) -> np.ndarray:
    best_s = np.full((len(q), k), -np.inf, np.float32)
    best_i = np.zeros((len(q), k), np.int64)
    for a in range(0, len(x), CHUNK):
        s = q @ chunk(x, a).T
        top = np.argpartition(-s, k, axis=1)[:, :k]
        cand_s = np.concatenate([best_s, np.take_along_axis(s, top, 1)], 1)
        cand_i = np.concatenate([best_i, top + a], 1)
        order = np.argsort(-cand_s, 1)[:, :k]
        best_s, best_i = np.take_along_axis(cand_s, order, 1), np.take_along_axis(cand_i, order, 1)
    return best_i


def ivfpq(args) -> None:
    import faiss

    n, d, k = args.vectors, 256, 10
    path = os.path.join(args.data_dir, f"archive-bench-{n}x{d}.f16")
    os.makedirs(args.data_dir, exist_ok=True)
    x = make_data(path, n, d)
    rng = np.random.default_rng(1)
    qi = np.sort(rng.choice(n, args.queries, replace=False))
    q = np.asarray(x[qi], np.float32) + 0.02 * rng.normal(size=(args.queries, d)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    _say("exact search for the truth")
    t0 = time.perf_counter()
    truth = exact_top(x, q, k)
    exact_s = time.perf_counter() - t0
    train_n = min(n, max(40 * args.nlist, 65_536))
    sample = np.asarray(x[np.sort(rng.choice(n, train_n, replace=False))], np.float32)
    sample /= np.linalg.norm(sample, axis=1, keepdims=True)
    _say(f"training {args.nlist} centroids on {train_n} vectors")
    t0 = time.perf_counter()
    km = faiss.Kmeans(d, args.nlist, niter=10, spherical=True, seed=1)
    km.train(sample)
    quantizer = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
    quantizer.add(km.centroids)
    coarse_s = time.perf_counter() - t0
    print(f"{n} vectors x {d} dims (float32 would be {n * d * 4 / 2**30:.1f} GiB); {args.queries} queries; "
          f"exact search {exact_s / args.queries * 1000:.0f} ms a query on {os.cpu_count()} cores (chunked, all queries at once)")
    print(f"coarse quantizer: {args.nlist} lists, k-means on {train_n} vectors + HNSW32 over the centroids: {coarse_s:.0f} s")
    print(f"{'code':>6} {'index MiB':>10} {'B/vector':>9} {'train s':>8} {'add s':>7} {'nprobe':>6} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'recall@10':>9} {'R10@100':>8} {'source@1':>8} {'source@10':>9}")
    for m in args.codes:
        index = faiss.IndexIVFPQ(quantizer, d, args.nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
        index.own_fields = False
        _say(f"PQ{m}: training")
        t0 = time.perf_counter()
        index.train(sample)
        train_s = time.perf_counter() - t0
        _say(f"PQ{m}: adding")
        t0 = time.perf_counter()
        for a in range(0, n, CHUNK):
            v = chunk(x, a)
            index.add_with_ids(v, np.arange(a, a + len(v), dtype=np.int64))
        add_s = time.perf_counter() - t0
        size = len(faiss.serialize_index(index))
        for nprobe in args.nprobe:
            index.nprobe = nprobe
            quantizer.hnsw.efSearch = max(64, nprobe * 2)
            lat = []
            got = np.zeros((len(q), 100), np.int64)
            for i in range(len(q)):
                t = time.perf_counter()
                _, ids = index.search(q[i : i + 1], 100)
                lat.append(time.perf_counter() - t)
                got[i] = ids[0]
            r10 = np.mean([len(set(truth[i]) & set(got[i, :10])) / k for i in range(len(q))])
            r100 = np.mean([len(set(truth[i]) & set(got[i])) / k for i in range(len(q))])
            s1 = np.mean(got[:, 0] == qi)
            s10 = np.mean([qi[i] in got[i, :10] for i in range(len(q))])
            print(f"{'PQ' + str(m):>6} {size / 2**20:10.0f} {size / n:9.1f} {train_s:8.0f} {add_s:7.0f} {nprobe:6d} "
                  f"{np.percentile(lat, 50) * 1000:7.2f} {np.percentile(lat, 95) * 1000:7.2f} {r10:9.3f} {r100:8.3f} "
                  f"{s1:8.3f} {s10:9.3f}",
                  flush=True)
        del index
    print(f"peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GiB "
          "(the float16 data set is memory-mapped and counts where read)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--clips", type=int, default=8)
    t.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    v = sub.add_parser("ivfpq")
    v.add_argument("--vectors", type=int, default=10_000_000)
    v.add_argument("--codes", type=int, nargs="+", default=[16, 32, 64])
    v.add_argument("--nlist", type=int, default=4096)
    v.add_argument("--nprobe", type=int, nargs="+", default=[32, 128])
    v.add_argument("--queries", type=int, default=200)
    v.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "latentcut-bench"))
    args = p.parse_args()
    throughput(args) if args.what == "throughput" else ivfpq(args)


if __name__ == "__main__":
    main()
