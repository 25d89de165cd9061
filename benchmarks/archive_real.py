#!/usr/bin/env python
"""Archive-scale screenshot search on real vectors: the keyframes of the footage in ../shared,
padded with distractors drawn from a model fitted to them, searched with real screenshots.

    LATENTCUT_WEIGHTS_DIR=../../shared/weights python benchmarks/archive_real.py --library LIB [--build]
        [--vectors 1000000] [--codes 16 32 64] [--opq] [--nlist 4096] [--nprobe 32 128] [--rerank 0 100]
        [--queries 300] [--components 512] [--specs 'OPQ48_192,IVF{nlist}_HNSW32,PQ48' ...]

The population: every keyframe vector of a scene library (``--build`` makes it, lite0, from
../shared/data/clips and data/unlabelled). Distractors: a Gaussian mixture of ``--components``
diagonal components fitted to those vectors (scikit-learn), sampled to ``--vectors`` in all and
put on the unit sphere, as the library's vectors are. Real vectors keep their ids; screenshots are
frames of the labelled clips under one of ``retrieval_quality.py``'s changes each, embedded as
``index query`` embeds them (borders stripped, not mirrored). Exact search over the same padded set
is the reference: "recall@1 vs exact" counts screenshots whose first hit lies in the shot of
exact search's first hit; "right@1" counts first hits in the shot the screenshot came from.
Each index is the archive's kind (IVF over an HNSW graph of the centroids, PQ codes, OPQ with
``--opq``); ``--rerank R`` re-scores the first R candidates with their exact vectors (the archive
keeps them in its shards, on disk). Memory per vector is the index's own serialized size over the
vectors; latency is one query at a time on this machine's cores.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import tempfile
import time

import numpy as np
from _common import DEFAULT_LABELS, ROOT, clip_paths
from retrieval_quality import CHANGES, FLAT, QUERY_WIDTH

from latentcut import VideoReader
from latentcut.retrieval.embedding import embed_pictures
from latentcut.retrieval.library import SceneLibrary

CHUNK = 100_000


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def build(folder: str) -> None:
    shared = os.path.join(ROOT, "..", "shared", "data")
    videos = sorted(glob.glob(os.path.join(shared, "clips", "*"))) + sorted(glob.glob(os.path.join(shared, "unlabelled", "*")))
    lib = SceneLibrary(folder, encoder="lite0")
    for i, v in enumerate(videos):
        try:
            lib.add(v, progress=False)
        except Exception as exc:  # a file that is not a video: the rest go on
            say(f"{v}: {exc}")
        say(f"library: {i + 1}/{len(videos)} videos")
    lib.close()


def population(lib: SceneLibrary):
    rows = lib.db.execute("SELECT k.id, k.shot_id, k.vector, s.video_id FROM keyframes k JOIN shots s ON s.id = k.shot_id "
                          "ORDER BY k.id").fetchall()
    x = np.frombuffer(b"".join(r[2] for r in rows), np.float32).reshape(len(rows), -1)
    shot = np.asarray([r[1] for r in rows])
    return x / np.linalg.norm(x, axis=1, keepdims=True), shot


def distractors(real: np.ndarray, n: int, components: int, path: str, seed: int = 0) -> np.memmap:
    from sklearn.mixture import GaussianMixture

    d = real.shape[1]
    out = np.memmap(path, np.float16, "w+", shape=(n, d))
    out[: len(real)] = real.astype(np.float16)
    if n > len(real):
        say(f"fitting a {components}-component mixture to {len(real)} real vectors")
        gm = GaussianMixture(components, covariance_type="diag", random_state=seed, max_iter=50).fit(real)
        rng_seed = seed
        for a in range(len(real), n, CHUNK):
            b = min(n, a + CHUNK)
            gm.random_state = rng_seed = rng_seed + 1
            v, _ = gm.sample(b - a)
            v = v[np.random.default_rng(rng_seed).permutation(len(v))]  # sample() groups by component
            out[a:b] = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float16)
    out.flush()
    return out


def chunk(x, a: int) -> np.ndarray:
    v = np.asarray(x[a : a + CHUNK], np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact_first(x, q: np.ndarray) -> np.ndarray:
    best_s = np.full(len(q), -np.inf, np.float32)
    best_i = np.zeros(len(q), np.int64)
    for a in range(0, len(x), CHUNK):
        s = q @ chunk(x, a).T
        i = s.argmax(1)
        top = s[np.arange(len(q)), i]
        better = top > best_s
        best_s[better], best_i[better] = top[better], i[better] + a
    return best_i


def screenshots(lib: SceneLibrary, n: int, seed: int):
    """Query vectors and the shot each came from (the library's shot id), from the labelled clips."""
    rng = np.random.default_rng(seed)
    vids = {os.path.realpath(p): vid for vid, p, _ in lib.videos()}
    clips = [p for p, _ in clip_paths(DEFAULT_LABELS) if os.path.realpath(p) in vids]
    pictures, shots = [], []
    per = max(1, n // len(clips) + 1)
    for c in clips:
        info = VideoReader(c).info
        w = min(QUERY_WIDTH, info.width)
        h = max(8, int(round(info.height * w / info.width / 2)) * 2)
        want = set(rng.integers(0, max(info.frame_count, 1), per).tolist())
        for batch in VideoReader(c, size=(h, w)).batches():
            for f, idx in zip(batch.frames, batch.indices):
                if int(idx) in want and f.std() >= FLAT:
                    row = lib.db.execute("SELECT id FROM shots WHERE video_id = ? AND start_frame <= ? AND end_frame > ?",
                                         (vids[os.path.realpath(c)], int(idx), int(idx))).fetchone()
                    if row:
                        change = list(CHANGES.values())[int(rng.integers(len(CHANGES)))]
                        pictures.append(np.ascontiguousarray(change(f, rng)))
                        shots.append(row[0])
    order = rng.permutation(len(pictures))[:n]
    q = embed_pictures(lib.encoder(), [pictures[i] for i in order], lib.strip, mirror=False)
    q = np.asarray(q, np.float32).reshape(len(order), -1)
    return q / np.linalg.norm(q, axis=1, keepdims=True), np.asarray(shots)[order]


def main() -> None:
    import faiss

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", required=True)
    ap.add_argument("--build", action="store_true")
    ap.add_argument("--vectors", type=int, default=1_000_000)
    ap.add_argument("--codes", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--opq", action="store_true", help="also each code size with OPQ")
    ap.add_argument("--specs", nargs="+", help="FAISS factory strings instead of --codes/--opq, with {nlist} for "
                    "--nlist (e.g. OPQ48_192,IVF{nlist}_HNSW32,PQ48)")
    ap.add_argument("--nlist", type=int, default=4096)
    ap.add_argument("--nprobe", type=int, nargs="+", default=[32, 128])
    ap.add_argument("--rerank", type=int, nargs="+", default=[0, 100])
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--components", type=int, default=512)
    ap.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "latentcut-bench"))
    args = ap.parse_args()
    if args.build:
        build(args.library)
    lib = SceneLibrary(args.library, create=False)
    real, real_shot = population(lib)
    n, d = max(args.vectors, len(real)), real.shape[1]
    say(f"{len(real)} real keyframes of {d} dimensions; screenshots")
    q, q_shot = screenshots(lib, args.queries, seed=1)
    lib.close()
    os.makedirs(args.data_dir, exist_ok=True)
    x = distractors(real, n, args.components, os.path.join(args.data_dir, f"real-{n}x{d}.f16"))
    shot_of = lambda ids: np.where(ids < len(real), real_shot[np.minimum(ids, len(real) - 1)], -1)  # noqa: E731
    say("exact search")
    t0 = time.perf_counter()
    ex = exact_first(x, q)
    exact_ms = (time.perf_counter() - t0) / len(q) * 1000
    ex_shot = shot_of(ex)
    print(f"\n{len(real)} real keyframes (lite0, {d} dims) + {n - len(real)} distractors = {n} vectors; {len(q)} real "
          f"screenshots; exact search: right@1 {np.mean(ex_shot == q_shot):.3f}, its first hit a distractor "
          f"{np.mean(ex >= len(real)):.3f}; {exact_ms:.0f} ms a query (all at once, chunked)")
    rng = np.random.default_rng(2)
    picks = np.sort(rng.choice(n, min(n, max(40 * args.nlist, 100_000)), replace=False))
    sample = np.asarray(x[picks], np.float32)
    sample /= np.linalg.norm(sample, axis=1, keepdims=True)
    print("| index | bytes/vector | train + add s | nprobe | re-rank | p50 ms | p95 ms | recall@1 vs exact | right@1 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    specs = [s.replace("{nlist}", str(args.nlist)) for s in args.specs] if args.specs else [
        f"{'OPQ' + str(m) + ',' if opq else ''}IVF{args.nlist}_HNSW32,PQ{m}"
        for m in args.codes for opq in ([False, True] if args.opq else [False])]
    for spec in specs:
        say(f"{spec}: training and adding")
        t0 = time.perf_counter()
        index = faiss.index_factory(d, spec, faiss.METRIC_INNER_PRODUCT)
        index.train(sample)
        for a in range(0, n, CHUNK):
            index.add(chunk(x, a))
        built = time.perf_counter() - t0
        size = len(faiss.serialize_index(index))
        ivf = faiss.extract_index_ivf(index)
        for nprobe in args.nprobe:
            ivf.nprobe = nprobe
            faiss.downcast_index(ivf.quantizer).hnsw.efSearch = max(64, 2 * nprobe)
            for rr in args.rerank:
                lat, first = [], np.zeros(len(q), np.int64)
                for i in range(len(q)):
                    t = time.perf_counter()
                    _, ids = index.search(q[i : i + 1], max(rr, 1))
                    ids = ids[0][ids[0] >= 0]
                    if rr and len(ids):
                        cand = np.sort(ids)
                        v = np.asarray(x[cand], np.float32)
                        first[i] = cand[int(np.argmax(v @ q[i] / np.linalg.norm(v, axis=1)))]
                    else:
                        first[i] = ids[0] if len(ids) else -1
                    lat.append(time.perf_counter() - t)
                got = shot_of(first)
                print(f"| {spec} | {size / n:.1f} | {built:.0f} | {nprobe} | {rr or 'none'} | "
                      f"{np.percentile(lat, 50) * 1000:.2f} | {np.percentile(lat, 95) * 1000:.2f} | "
                      f"{np.mean(got == ex_shot):.3f} | {np.mean(got == q_shot):.3f} |", flush=True)
        del index


if __name__ == "__main__":
    main()
