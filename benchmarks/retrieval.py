#!/usr/bin/env python
"""Nearest-scene retrieval with FAISS: query latency and recall@10 against exact search, build
time and memory, per index type, for 10^4 .. 10^6 vectors of 10, 256 and 2048 dimensions; then
UMAP time for 10^4 frames and map + poster time for a 10-minute video.

    python benchmarks/retrieval.py [--sizes 10000 100000 1000000] [--dims 10 256 2048] [--maps]

Vectors are L2-normalised draws around 2,000 cluster centres (shots of a collection resemble each
other in groups), compared by inner product as the scene library does. Latency is one query at a
time (the interactive case), median over 200 queries, single process on this machine's cores.
A size x dimension whose float32 data would exceed --max-gb is skipped and said so.
"""
from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np


def data(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2000, d)).astype(np.float32)
    x = centres[rng.integers(0, 2000, n)] + 0.5 * rng.normal(size=(n, d)).astype(np.float32)
    q = centres[rng.integers(0, 2000, 200)] + 0.5 * rng.normal(size=(200, d)).astype(np.float32)
    for a in (x, q):
        a /= np.linalg.norm(a, axis=1, keepdims=True)
    return x, q


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_index(name, build, x, q, truth, k=10):
    import faiss

    t0 = time.perf_counter()
    index = build()
    index.add(x)
    build_s = time.perf_counter() - t0
    mem = faiss.serialize_index(index).nbytes / 1e6 if hasattr(faiss.serialize_index(index), "nbytes") else float("nan")
    lat = []
    found = np.zeros((len(q), k), np.int64)
    for i in range(len(q)):
        t = time.perf_counter()
        _, ids = index.search(q[i : i + 1], k)
        lat.append(time.perf_counter() - t)
        found[i] = ids[0]
    recall = np.mean([len(set(found[i]) & set(truth[i])) / k for i in range(len(q))])
    return name, build_s, mem, 1000 * float(np.median(lat)), 1000 * float(np.percentile(lat, 95)), recall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--dims", type=int, nargs="+", default=[10, 256, 2048])
    ap.add_argument("--max-gb", type=float, default=2.5, help="skip data larger than this (float32)")
    ap.add_argument("--maps", action="store_true", help="also time UMAP on 10^4 frames and map + poster of a 10-minute video")
    args = ap.parse_args()
    import faiss

    print(f"faiss {faiss.__version__}, {os.cpu_count()} CPU cores, {faiss.omp_get_max_threads()} threads")
    # Flat search uses a hand-written loop below distance_compute_blas_threshold queries, BLAS
    # above; and one query at a time pays OpenMP's start-up on every call. Both measured here.
    print(f"\n{'n':>9} {'dim':>5} {'index':<28} {'build s':>8} {'MB':>8} {'p50 ms':>8} {'p95 ms':>8} {'recall@10':>9}")
    for d in args.dims:
        for n in args.sizes:
            gb = n * d * 4 / 1e9
            if gb > args.max_gb:
                print(f"{n:>9} {d:>5} skipped: {gb:.1f} GB of float32 exceeds --max-gb {args.max_gb}")
                continue
            x, q = data(n, d)
            exact = faiss.IndexFlatIP(d)
            exact.add(x)
            _, truth = exact.search(q, 10)
            rows = []
            cores = faiss.omp_get_max_threads()
            for threads, thr in ((cores, 20), (1, 20), (1, 1)):
                faiss.omp_set_num_threads(threads)
                faiss.cvar.distance_compute_blas_threshold = thr
                rows.append(bench_index(f"flat ({threads} thr, blas_thr={thr})", lambda: faiss.IndexFlatIP(d), x, q, truth))
            faiss.cvar.distance_compute_blas_threshold = 20
            faiss.omp_set_num_threads(cores)

            def hnsw():
                ix = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
                ix.hnsw.efConstruction = 40
                ix.hnsw.efSearch = 128
                return ix

            if n <= 1_000_000 and d <= 256 or n <= 100_000:
                rows.append(bench_index("hnsw M=32 efC=40 efSearch=128", hnsw, x, q, truth))
            nlist = int(4 * np.sqrt(n))

            def ivf():
                quant = faiss.IndexFlatIP(d)
                ix = faiss.IndexIVFFlat(quant, d, nlist, faiss.METRIC_INNER_PRODUCT)
                ix.train(x[np.random.default_rng(1).choice(n, min(n, 40 * nlist), replace=False)])  # 40 per list
                ix.nprobe = 32
                return ix

            rows.append(bench_index(f"ivf-flat nlist={nlist} nprobe=32", ivf, x, q, truth))
            for name, b, mb, p50, p95, rec in rows:
                print(f"{n:>9} {d:>5} {name:<28} {b:>8.2f} {mb:>8.1f} {p50:>8.3f} {p95:>8.3f} {rec:>9.3f}", flush=True)
            del x
    print(f"\npeak resident memory of this process: {rss_mb():.0f} MB")

    if args.maps:
        from latentcut.maps.projection import frame_map

        x = np.random.default_rng(0).normal(size=(10_000, 64)).astype(np.float32)
        t0 = time.perf_counter()
        frame_map(x[:200], "umap")
        warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        frame_map(x, "umap")
        print(f"\nUMAP of 10^4 frames (64-d): {time.perf_counter() - t0:.1f} s (after a {warm:.1f} s first call that compiles numba)")
        t0 = time.perf_counter()
        frame_map(x, "pca")
        print(f"PCA map of 10^4 frames: {time.perf_counter() - t0:.2f} s")
        map_ten_minutes()


def map_ten_minutes() -> None:
    """`latentcut map --poster` on a 10-minute 24 fps video assembled from the shared clips."""
    import shutil
    import subprocess
    import sys
    import tempfile

    from _common import ROOT
    from train_speed import five_minute_video

    folder = tempfile.mkdtemp(prefix="latentcut-map-")
    try:
        video = five_minute_video(folder, seconds=600)
        env = dict(os.environ, PYTHONPATH=ROOT)
        for method in ("pca", "umap"):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "latentcut.cli", "map", video, "--method", method, "-q",
                            "-o", os.path.join(folder, "m.png"), "--poster", os.path.join(folder, "p.png")],
                           check=True, env=env, stdout=subprocess.DEVNULL)
            print(f"latentcut map --method {method} --poster, 10-minute 24 fps video (14,400 frames, 5,000 on the map): "
                  f"{time.perf_counter() - t0:.1f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
