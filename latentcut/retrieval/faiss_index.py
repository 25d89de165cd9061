"""The FAISS index over a library's vectors: which kind for the size, and its files on disk.

``index.faiss`` is derived data, rebuilt from the database whenever it is missing, stale or
damaged; ``index.json`` ties it to the database generation it was built for and carries its
SHA-256, since a damaged file whose header still parses would otherwise give wrong scores.
"""
from __future__ import annotations

import json
import os

import numpy as np

from latentcut.extras import require

require("index", "the scene library")
import faiss  # noqa: E402 - after the check, so a lean install gets one line instead of a traceback

from latentcut.io.atomic import atomic_path, atomic_write
from latentcut.io.tensors import file_sha256

FLAT_BUDGET = 12_500_000  #: vectors x dimensions searched exactly


IVF_MAX_DIM = 512


def index_kind(n: int, d: int) -> str:
    """flat, ivf or hnsw, by the measurements in benchmarks/retrieval.py."""
    if n * d <= FLAT_BUDGET or n < 2000:
        return "flat"
    return "ivf" if d <= IVF_MAX_DIM else "hnsw"


def build_index(ids: np.ndarray, vecs: np.ndarray):
    """An inner-product index of the kind :func:`index_kind` picks, holding ``vecs`` under ``ids``."""
    d = vecs.shape[1]
    kind = index_kind(len(ids), d)
    if kind == "ivf":
        nlist = int(4 * np.sqrt(len(ids)))
        base = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        train = vecs[np.random.default_rng(0).choice(len(vecs), min(len(vecs), 40 * nlist), replace=False)]
        base.train(np.ascontiguousarray(train))
        # keyframes of one shot crowd together, so a query's neighbours spread over more lists than
        # one vector a shot did: at 10^6 keyframes nprobe 32 reached recall@10 0.87, nlist/16 0.98
        # (benchmarks/retrieval_quality.py --scale)
        base.nprobe = max(32, nlist // 16)
    elif kind == "hnsw":
        base = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efConstruction = 80
        base.hnsw.efSearch = 128
    else:
        base = faiss.IndexFlatIP(d)
    index = faiss.IndexIDMap2(base)
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vecs), ids)
    return index


def write_index(folder: str, index, generation: int):
    """``index.faiss`` and its ``index.json`` in ``folder``, each written atomically; returns ``index``."""
    with atomic_path(os.path.join(folder, "index.faiss")) as tmp:
        faiss.write_index(index, tmp)
        digest = file_sha256(tmp)
    n, d = int(index.ntotal), int(index.d)
    with atomic_write(os.path.join(folder, "index.json"), encoding="utf-8") as f:
        json.dump({"generation": generation, "count": n, "type": index_kind(n, d),
                   "dim": d if n else None, "sha256": digest}, f)
    return index


def read_index(folder: str, generation: int):
    """The index in ``folder`` if it was built for ``generation`` and is intact; ValueError or
    OSError otherwise (the caller rebuilds it)."""
    path = os.path.join(folder, "index.faiss")
    with open(os.path.join(folder, "index.json"), encoding="utf-8") as f:
        info = json.load(f)
    if not isinstance(info, dict) or info.get("generation") != generation:
        raise ValueError("stale")
    if info.get("sha256") != file_sha256(path):
        raise ValueError("index.faiss does not match its checksum")
    index = faiss.read_index(path)
    if index.ntotal != info.get("count"):
        raise ValueError("count mismatch")
    return index
