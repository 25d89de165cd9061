"""The archive's index: FAISS IVF-PQ (optionally OPQ first), trained once on a sample of the
shards' vectors, built by adding the shards in parallel (threads here, Ray tasks on a cluster) and
merging the parts, and tied to exactly the shards it was built from.

Ids are ``shard number << 32 | row``: a hit names its shard and row, and the row's own vector
(read back from the shard) re-scores the candidates exactly, so PQ's approximation costs recall
only where a true neighbour falls out of the candidate list.

Layout under ``ARCHIVE/index/``: ``trained-*.faiss`` (the trained, empty index, with its
parameters in ``trained.json``), ``gen-N/`` (``index.faiss`` and ``manifest.json``: every shard's
name, number, rows, size and modification time, and the index file's SHA-256), and
``current.json`` naming the generation in use, replaced atomically after the generation is whole.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
from dataclasses import asdict, dataclass

import numpy as np

from latentcut.archive.shards import rows_in, vectors_of
from latentcut.errors import LatentcutError
from latentcut.extras import require
from latentcut.io.atomic import atomic_path, atomic_write
from latentcut.io.fd2 import stderr_to
from latentcut.io.folders import commit_folder, holds_only
from latentcut.io.tensors import file_sha256

require("archive", "the archive")
import faiss  # noqa: E402

ROW_BITS = 32


class ArchiveIndexError(LatentcutError):
    """The archive's index is missing, damaged, or no longer matches its shards."""


@dataclass(frozen=True)
class IndexParams:
    nlist: int = 0  #: inverted lists; 0: about 4 sqrt(n), a power of two
    m: int = 32  #: PQ sub-quantizers: bytes per vector at 8 bits
    nbits: int = 8
    opq: bool = False  #: rotate before PQ (OPQ), for vectors whose energy is uneven across dimensions
    nprobe: int = 0  #: lists searched; 0: max(16, nlist / 64)
    hnsw_quantizer: bool = True  #: find lists by an HNSW graph over the centroids (fast at large nlist)

    def resolved(self, n: int, dim: int) -> "IndexParams":
        nlist = self.nlist or int(2 ** max(4, round(np.log2(4 * np.sqrt(max(n, 1))))))
        m = self.m
        if dim % m:
            raise ArchiveIndexError(f"m={m} sub-quantizers must divide the {dim} dimensions")
        nprobe = self.nprobe or max(16, nlist // 64)
        return IndexParams(nlist, m, self.nbits, self.opq, min(nprobe, nlist), self.hnsw_quantizer)

    def factory(self, dim: int) -> str:
        quant = f"IVF{self.nlist}_HNSW32" if self.hnsw_quantizer else f"IVF{self.nlist}"
        pre = f"OPQ{self.m}," if self.opq else ""
        return f"{pre}{quant},PQ{self.m}x{self.nbits}"

    def training_size(self) -> int:
        """Vectors to train on: enough for the centroids and the PQ codebooks, no more."""
        return int(max(40 * self.nlist, 64 * 2 ** self.nbits))


def encode_ids(shard_no: int, rows: np.ndarray) -> np.ndarray:
    return (np.int64(shard_no) << ROW_BITS) | np.asarray(rows, np.int64)


def decode_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = np.asarray(ids, np.int64)
    return ids >> ROW_BITS, ids & ((1 << ROW_BITS) - 1)


def train(sample: np.ndarray, params: IndexParams) -> faiss.Index:
    """A trained, empty index for vectors like ``sample`` (inner product of unit vectors)."""
    least = max(params.nlist, 2 ** params.nbits, 256 if params.opq else 0)  # OPQ trains an 8-bit PQ inside
    if len(sample) < least:
        raise ArchiveIndexError(f"{len(sample)} vectors are too few to train IVF-PQ with {params.nlist} lists and "
                                f"{params.nbits}-bit codes (at least {least}); use fewer lists (--nlist), fewer bits "
                                "(--nbits 4), or the exact index (leave out --pq)")
    dim = sample.shape[1]
    index = faiss.index_factory(dim, params.factory(dim), faiss.METRIC_INNER_PRODUCT)
    with _faiss_chatter() as said:
        index.train(np.ascontiguousarray(sample, np.float32))
    if "WARNING clustering" in said():
        import warnings

        warnings.warn(f"IVF-PQ trained on {len(sample)} vectors, fewer than FAISS wants for {params.nlist} lists "
                      "and its codebooks: search recall may suffer (use fewer lists, --nlist, or add videos)",
                      stacklevel=2)
    return index


@contextlib.contextmanager
def _faiss_chatter():
    """FAISS's C++ prints its clustering warnings straight to file descriptor 2: caught here and
    turned into one line of ours (``said()`` is what it printed)."""
    import tempfile

    text = [""]
    with tempfile.TemporaryFile() as f:
        try:
            with stderr_to(f):
                yield lambda: text[0]
        finally:
            f.seek(0)
            text[0] = f.read().decode("utf-8", "replace")


def _set_nprobe(index: faiss.Index, nprobe: int) -> None:
    faiss.extract_index_ivf(index).nprobe = int(nprobe)


def add_part(trained: bytes, parts: list[tuple[int, str]]) -> bytes:
    """Shards (number, path) added to a copy of the trained index; its bytes (a Ray task's result)."""
    index = faiss.deserialize_index(np.frombuffer(trained, np.uint8))
    for no, path in parts:
        vec = vectors_of(path)
        index.add_with_ids(vec, encode_ids(no, np.arange(len(vec))))
    return faiss.serialize_index(index).tobytes()


def build(trained: faiss.Index, shards: list[tuple[int, str]], workers: int = 2, use_ray: bool = False,
          base: faiss.Index | None = None) -> faiss.Index:
    """Add ``shards`` (number, path) in parallel parts and merge them (into ``base`` when given:
    a generation grows from the one before)."""
    blob = faiss.serialize_index(trained).tobytes()
    groups = [shards[i::max(1, workers)] for i in range(max(1, workers))]
    groups = [g for g in groups if g]
    if use_ray and groups:
        import ray

        task = ray.remote(add_part)
        ref = ray.put(blob)
        parts = ray.get([task.remote(ref, g) for g in groups])
    else:
        with concurrent.futures.ThreadPoolExecutor(max(1, len(groups))) as pool:  # faiss adds without the GIL
            parts = list(pool.map(lambda g: add_part(blob, g), groups))
    index = base if base is not None else faiss.deserialize_index(np.frombuffer(blob, np.uint8))
    for part in parts:
        index.merge_from(faiss.deserialize_index(np.frombuffer(part, np.uint8)), 0)
    return index


# -- generations on disk ------------------------------------------------------------------------------


def shard_stamp(folder: str, name: str) -> dict:
    st = os.stat(os.path.join(folder, name))
    return {"name": name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def write_generation(root: str, gen: int, index: faiss.Index, manifest: dict) -> str:
    """``root/gen-N`` holding the index and its manifest, as one write; then ``current.json``."""
    folder = os.path.join(root, f"gen-{gen}")

    def write(tmp: str) -> None:
        faiss.write_index(index, os.path.join(tmp, "index.faiss"))
        body = dict(manifest, generation=gen, ntotal=int(index.ntotal),
                    sha256=file_sha256(os.path.join(tmp, "index.faiss")))
        with open(os.path.join(tmp, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(body, f, indent=1)

    commit_folder(folder, write, owned=holds_only("index.faiss", "manifest.json"))
    with atomic_write(os.path.join(root, "current.json"), encoding="utf-8") as f:
        json.dump({"generation": gen, "folder": f"gen-{gen}"}, f)
    return folder


def current(root: str) -> dict | None:
    """The manifest of the generation in use (with ``folder``), or None when no index was built."""
    path = os.path.join(root, "current.json")
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            cur = json.load(f)
        folder = os.path.join(root, cur["folder"])
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArchiveIndexError(f"{root}: the archive index is damaged ({exc}); rebuild it with `latentcut archive index`") from None
    manifest["folder"] = folder
    return manifest


def load(manifest: dict, shards_dir: str) -> faiss.Index:
    """The generation's index, after checking it is whole and its shards are the ones it was built from."""
    path = os.path.join(manifest["folder"], "index.faiss")
    for s in manifest["shards"]:
        try:
            now = shard_stamp(shards_dir, s["name"])
        except OSError:
            raise ArchiveIndexError(f"shard {s['name']} of the index is gone; rebuild the index "
                              "(`latentcut archive index ARCHIVE --rebuild`)") from None
        if (now["size"], now["mtime_ns"]) != (s["size"], s["mtime_ns"]):
            raise ArchiveIndexError(f"shard {s['name']} changed after the index was built; its row numbers would name "
                              "other rows: rebuild the index (`latentcut archive index ARCHIVE --rebuild`)")
    try:
        if file_sha256(path) != manifest["sha256"]:
            raise ArchiveIndexError(f"{path}: damaged (its SHA-256 is not the one recorded); rebuild the index")
        index = faiss.read_index(path)
    except (OSError, RuntimeError) as exc:
        raise ArchiveIndexError(f"{path}: cannot read the archive index ({exc}); rebuild it") from None
    if manifest.get("kind") != "flat":
        _set_nprobe(index, manifest["params"]["nprobe"])
    return index


def save_trained(root: str, index: faiss.Index, params: IndexParams, meta: dict) -> None:
    with atomic_path(os.path.join(root, "trained.faiss")) as tmp:
        faiss.write_index(index, tmp)
    with atomic_write(os.path.join(root, "trained.json"), encoding="utf-8") as f:
        json.dump(dict(meta, params=asdict(params)), f, indent=1)


def load_trained(root: str) -> tuple[faiss.Index, IndexParams, dict] | None:
    meta_path = os.path.join(root, "trained.json")
    if not os.path.exists(meta_path):
        return None
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
        index = faiss.read_index(os.path.join(root, "trained.faiss"))
        return index, IndexParams(**meta["params"]), meta
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        return None  # a damaged trained index is trained again, never trusted


def sample_vectors(shards: list[tuple[int, str]], want: int, seed: int = 0) -> np.ndarray:
    """About ``want`` vectors drawn evenly from every shard (each shard gives its share)."""
    total = sum(rows_in(p) for _, p in shards)
    rng = np.random.default_rng(seed)
    out = []
    for _, path in shards:
        vec = vectors_of(path)
        take = max(1, int(round(len(vec) * min(1.0, want / max(total, 1)))))
        out.append(vec[rng.choice(len(vec), min(take, len(vec)), replace=False)])
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)
