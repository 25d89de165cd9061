"""An archive folder: Parquet shards (one per video) made on Ray, an IVF-PQ index over them, and
the same queries and result type (:class:`latentcut.retrieval.search.Hit`) as a scene library.

    ARCHIVE/archive.json    format, encoder spec and fingerprint, keyframe and border settings
    ARCHIVE/shards/*.parquet  one per video (:mod:`latentcut.archive.shards`)
    ARCHIVE/failed.json     videos that failed, with the reason, until a later run embeds them
    ARCHIVE/index/          the index generations (:mod:`latentcut.archive.index`)
"""
from __future__ import annotations

import json
import os
from collections import OrderedDict

from latentcut.archive import index as ix
from latentcut.archive.pipeline import embed_all
from latentcut.archive.queries import ArchiveError, ArchiveQueries
from latentcut.archive.shards import (
    ShardError,
    list_shards,
    read_columns,
    remove_shard,
    rows_in,
    shard_name,
    shard_ok,
    verify_shard,
)
from latentcut.cache import encoder_fingerprint
from latentcut.encoders import create_encoder
from latentcut.io.arguments import store_args
from latentcut.io.atomic import atomic_write
from latentcut.io.identity import video_identity
from latentcut.retrieval.library import LIBRARY_ENCODER, build_settings

FORMAT = 2  #: 2: shards named by video and encoder fingerprint, each with a stamp
FLAT_BELOW = 20_000  #: vectors under which the index is exact (IVF-PQ needs enough to train on)


class Archive(ArchiveQueries):
    """Open (or create, with ``encoder``) an archive folder."""

    def __init__(self, folder: str | os.PathLike, encoder: str | None = None, create: bool = True,
                 keyframes: dict | None = None, strip: bool = True):
        self.folder = store_args(folder, encoder, create, keyframes, strip)
        self.shards_dir = os.path.join(self.folder, "shards")
        self.index_dir = os.path.join(self.folder, "index")
        meta_path = os.path.join(self.folder, "archive.json")
        if os.path.exists(self.folder) and not os.path.isdir(self.folder):
            raise ArchiveError(f"{self.folder}: is a file, not an archive folder")
        if not os.path.exists(meta_path):
            if not create:
                raise ArchiveError(f"{self.folder}: no archive here (no archive.json)")
            spec = encoder or LIBRARY_ENCODER
            enc = create_encoder(spec)
            enc.prepare()  # an encoder that cannot run makes no archive
            meta = {"format": FORMAT, "encoder": spec, "fingerprint": encoder_fingerprint(enc),
                    "settings": build_settings(keyframes, strip)}
            os.makedirs(self.shards_dir, exist_ok=True)
            with atomic_write(meta_path, encoding="utf-8") as f:
                json.dump(meta, f, indent=1)
            self._encoder = enc
        try:
            with open(meta_path, encoding="utf-8") as f:
                meta = json.load(f)
            self.encoder_spec, self.fingerprint = meta["encoder"], meta["fingerprint"]
            self.keyframes, self.strip = dict(meta["settings"]["keyframes"]), bool(meta["settings"]["strip"])
            if meta["format"] != FORMAT:
                raise ArchiveError(f"{self.folder}: archive format {meta['format']} is not supported (expected {FORMAT}; "
                                   "an archive made by latentcut 0.1 is rebuilt by adding its videos to a new one)")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ArchiveError(f"{meta_path}: damaged archive description ({type(exc).__name__}: {exc})") from None
        if encoder is not None and encoder != self.encoder_spec:
            raise ArchiveError(f"{self.folder}: the archive was built with encoder {self.encoder_spec!r}; "
                               f"it cannot take {encoder!r}")
        os.makedirs(self.shards_dir, exist_ok=True)
        self._index = None
        self._manifest = None
        self._rows: OrderedDict = OrderedDict()

    # -- the encoder ------------------------------------------------------------------------------

    def encoder(self):
        if not hasattr(self, "_encoder"):
            self._encoder = create_encoder(self.encoder_spec)
        now = encoder_fingerprint(self._encoder)
        if now != self.fingerprint:
            raise ArchiveError(f"{self.folder}: the encoder {self.encoder_spec!r} is not the one this archive was "
                               f"built with (fingerprint {now[:12]}, archive {self.fingerprint[:12]})")
        return self._encoder

    # -- adding videos ----------------------------------------------------------------------------

    def add(self, videos: list[str], workers: int = 2, address: str = "local", gpus_per_worker: float = 0.0,
            on_result=None, **pipeline) -> list[dict]:
        """Embed the videos not in the archive yet, on Ray; returns each video's result. A video that
        fails is recorded in ``failed.json`` with its reason; a later run retries it."""
        self.encoder()  # the fingerprint check, before any worker starts
        missing = [v for v in videos if not os.path.isfile(v)]
        if missing:
            raise ArchiveError(f"{missing[0]}: no such video file")
        todo, results = [], []
        for v in videos:
            done = os.path.join(self.shards_dir, shard_name(video_identity(v), self.fingerprint))
            if shard_ok(done, self.fingerprint):
                results.append({"path": os.path.abspath(v), "shard": os.path.basename(done), "rows": -1, "error": ""})
            else:
                remove_shard(done)  # damaged or incomplete (latentcut's own file): made again
                todo.append(v)
        if todo:
            results += embed_all(todo, self.encoder_spec, self.fingerprint, self.keyframes, self.strip, self.shards_dir,
                                 workers, gpus_per_worker, address, on_result, **pipeline)
        self._record_failures(results)
        return results

    def failures(self) -> dict:
        path = os.path.join(self.folder, "failed.json")
        if not os.path.exists(path):
            return {}
        try:
            with open(path, encoding="utf-8") as f:
                return dict(json.load(f))
        except (OSError, ValueError, TypeError):
            return {}  # a damaged failure list is only a list of videos to retry

    def _record_failures(self, results: list[dict]) -> None:
        failed = self.failures()
        for r in results:
            if r.get("error"):
                failed[r["path"]] = r["error"]
            else:
                failed.pop(r["path"], None)
        with atomic_write(os.path.join(self.folder, "failed.json"), encoding="utf-8") as f:
            json.dump(failed, f, indent=1)

    # -- the index --------------------------------------------------------------------------------

    def shards(self) -> list[str]:
        return list_shards(self.shards_dir)

    def build_index(self, params: ix.IndexParams | None = None, workers: int = 2, rebuild: bool = False,
                    use_ray: bool = False) -> dict:
        """Index every shard: a new generation grows from the current one when its shards are
        unchanged (only new shards are added), else (or with ``rebuild``) it is built anew."""
        names = self.shards()
        if not names:
            raise ArchiveError(f"{self.folder}: no shards to index; add videos first")
        self.check_shards(names)
        os.makedirs(self.index_dir, exist_ok=True)
        old = None
        if not rebuild:
            try:
                old = ix.current(self.index_dir)
                base = ix.load(old, self.shards_dir) if old else None
            except ix.ArchiveIndexError:
                old, base = None, None
        else:
            base = None
        numbered = {s["name"]: s["number"] for s in old["shards"]} if old else {}
        if old and set(numbered) - set(names):
            old, base, numbered = None, None, {}
        nxt = max(numbered.values(), default=-1) + 1
        for name in names:
            if name not in numbered:
                numbered[name] = nxt
                nxt += 1
        total = sum(rows_in(os.path.join(self.shards_dir, n)) for n in names)
        dim = int(read_columns(os.path.join(self.shards_dir, names[0]), ["vector"]).column("vector").type.list_size)
        params = params or ix.IndexParams()
        flat = total < FLAT_BELOW and params == ix.IndexParams()
        new = [(numbered[n], os.path.join(self.shards_dir, n)) for n in names if not (old and n in {s["name"] for s in old["shards"]})]
        if flat:
            import faiss

            trained, resolved, kind = faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), None, "flat"
            base = base if old and old.get("kind") == "flat" else None
        else:
            resolved = params.resolved(total, dim)
            saved = ix.load_trained(self.index_dir)
            if saved is not None and saved[1] == resolved and saved[0].d == dim:
                trained = saved[0]
            else:
                sample = ix.sample_vectors([(numbered[n], os.path.join(self.shards_dir, n)) for n in names],
                                           resolved.training_size())
                trained = ix.train(sample, resolved)
                ix.save_trained(self.index_dir, trained, resolved, {"trained_on": len(sample)})
                base = None  # a new training makes old codes incomparable
            kind = "ivfpq"
            if old and old.get("kind") != "ivfpq":
                base = None
        if base is None:
            new = [(numbered[n], os.path.join(self.shards_dir, n)) for n in names]
        index = ix.build(trained, new, workers, use_ray, base=base)
        gen = (old["generation"] + 1) if old else self._next_generation()
        manifest = {"kind": kind, "dim": dim, "fingerprint": self.fingerprint,
                    "params": {"nprobe": (resolved.nprobe if resolved else 0),
                               **({"factory": resolved.factory(dim), "nlist": resolved.nlist, "m": resolved.m,
                                   "nbits": resolved.nbits, "opq": resolved.opq} if resolved else {})},
                    "shards": [dict(ix.shard_stamp(self.shards_dir, n), number=numbered[n],
                                    rows=rows_in(os.path.join(self.shards_dir, n))) for n in names]}
        if kind == "flat":
            manifest["params"]["nprobe"] = 0
        ix.write_generation(self.index_dir, gen, index, manifest)
        self._index, self._manifest = None, None
        return ix.current(self.index_dir)

    def check_shards(self, names: list[str] | None = None) -> None:
        """Every shard whole, undamaged and made by this archive's encoder; else one line naming the
        first bad one and how to remake it."""
        for name in names if names is not None else self.shards():
            try:
                verify_shard(os.path.join(self.shards_dir, name), self.fingerprint)
            except ShardError as exc:
                raise ArchiveError(f"{self.folder}: {exc}; `latentcut archive add` with its video remakes a damaged "
                                   "shard, and a shard of another encoder belongs in another archive") from None

    def _next_generation(self) -> int:
        gens = [int(f[4:]) for f in os.listdir(self.index_dir) if f.startswith("gen-") and f[4:].isdigit()]
        return max(gens, default=0) + 1

    def index(self):
        """(index, manifest) of the generation in use; shards added since are not searched yet."""
        if self._index is None:
            manifest = ix.current(self.index_dir)
            if manifest is None:
                raise ArchiveError(f"{self.folder}: no index yet; build it with `latentcut archive index {self.folder}`")
            if manifest.get("fingerprint") != self.fingerprint:
                raise ArchiveError(f"{self.folder}: the index was built for another encoder; rebuild it")
            self._index = ix.load(manifest, self.shards_dir)
            self._manifest = manifest
        return self._index, self._manifest

    def unindexed(self) -> list[str]:
        _, manifest = self.index()
        known = {s["name"] for s in manifest["shards"]}
        return [n for n in self.shards() if n not in known]
