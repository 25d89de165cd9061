"""What an archive answers: shots for pictures, frames and clips, as a scene library answers them.

The index gives candidate keyframes (shard, row); their rows are read back from the shards (a
small cache keeps recently read shards) and re-scored with their exact vectors, then ranked into
shots the library's way (:mod:`latentcut.retrieval.search`).
"""
from __future__ import annotations

import os

import numpy as np

from latentcut.archive import index as ix
from latentcut.archive.shards import read_columns
from latentcut.detection.pipeline import ShotDetector
from latentcut.errors import LatentcutError
from latentcut.io.arguments import bool_arg, int_arg, path_arg, pictures_arg, strings_arg, vectors_arg
from latentcut.io.images import read_picture
from latentcut.retrieval.embedding import embed_video, normalise, query_views
from latentcut.retrieval.search import VIEWS, Hit, merge_views, neighbours_wanted, rank_shots

#: Candidates the PQ codes propose, re-scored with their exact vectors from the shards: at least RESCORED,
#: and one per RESCORED_PER vectors beyond. On real keyframe vectors (benchmarks/archive_real.py), PQ32 agreed
#: with exact search on the first shot for 0.949 of screenshots with 208 candidates at 10^6 and 0.980 with
#: 1,000 (no more with 3,000); at 10^7, 0.946 with 1,000, 0.953 with 2,000 and 0.967 with 4,000, whose right@1
#: was 0.010 under exact search's (2,000: 0.017) for 7 ms a query. Beyond 2.5 x 10^7 vectors it is not
#: measured, and the count stops growing at RESCORED_MAX (docs/retrieval.md: shard the index instead)
RESCORED = 1000
RESCORED_PER = 2500
RESCORED_MAX = 10_000


def rescored(total: int) -> int:
    """Candidates to re-score in an index of ``total`` vectors (the codes' ranking errs more as it grows)."""
    return min(RESCORED_MAX, max(RESCORED, int(total) // RESCORED_PER))

SHOT_BITS = 20  #: a hit's shot_id is shard number << 20 | shot number
CACHED_SHARDS = 64
META = ["path", "shot", "shot_start_frame", "shot_end_frame", "shot_start", "shot_end", "frame", "time"]


class ArchiveError(LatentcutError):
    """An archive folder that is missing, damaged or of another encoder."""


class ArchiveQueries:
    """The reading half of an :class:`~latentcut.archive.archive.Archive` (needs ``index()``,
    ``encoder()``, ``shards_dir``, ``keyframes``, ``strip`` and ``_rows``)."""

    def _shard(self, number: int) -> dict:
        """One shard's rows (metadata and vectors), through a small cache (by file and its stamp,
        so a generation that numbers shards anew never reads another shard's rows)."""
        _, manifest = self.index()
        stamp = next((s for s in manifest["shards"] if s["number"] == number), None)
        if stamp is None:
            raise ArchiveError(f"the index names shard {number}, which its manifest does not list; rebuild the index")
        name = stamp["name"]
        key = (name, stamp["size"], stamp["mtime_ns"])
        if key in self._rows:
            self._rows.move_to_end(key)
            return self._rows[key]
        table = read_columns(os.path.join(self.shards_dir, name), META + ["vector"])
        vec = table.column("vector").combine_chunks()
        rows = {c: table.column(c).to_numpy(zero_copy_only=False) for c in META}
        rows["vector"] = np.asarray(vec.values.to_numpy(zero_copy_only=False), np.float32).reshape(len(table), -1)
        self._rows[key] = rows
        if len(self._rows) > CACHED_SHARDS:
            self._rows.popitem(last=False)
        return rows

    def _neighbours(self, queries: np.ndarray, k: int) -> list[dict]:
        """Per query vector of (N, D) or (views, N, D): candidate keyframes from the index,
        re-scored exactly, merged over the views."""
        index, manifest = self.index()
        q = np.asarray(queries, np.float32)
        q = q[None] if q.ndim == 2 else q
        if index.ntotal == 0 or q.shape[1] == 0:
            return []
        if q.shape[-1] != manifest["dim"]:
            raise ArchiveError(f"query has {q.shape[-1]} dimensions; the archive's vectors have {manifest['dim']}")
        views, m, d = q.shape
        flat = np.ascontiguousarray(normalise(q).reshape(views * m, d))
        n = min(index.ntotal, max(rescored(index.ntotal), neighbours_wanted(k, index.ntotal)))
        _, ids = index.search(flat, n)
        scores = np.full(ids.shape, -np.inf, np.float32)
        shard_no, row = ix.decode_ids(ids)
        for s in np.unique(shard_no[ids >= 0]):
            sel = (shard_no == s) & (ids >= 0)
            qi = np.nonzero(sel)[0]  # which query each selected candidate answers
            scores[sel] = np.einsum("ij,ij->i", self._shard(int(s))["vector"][row[sel]], flat[qi])
        order = np.argsort(-scores, axis=1)  # exact scores decide the order
        ids = np.take_along_axis(np.where(ids >= 0, ids, -1), order, 1)
        scores = np.take_along_axis(scores, order, 1)
        return merge_views(scores.reshape(views, m, n), ids.reshape(views, m, n))

    def _shot_hits(self, per_query: list[dict], k: int, exclude: int | None = None,
                   kinds=VIEWS) -> list[Hit]:
        shot_of, where = {}, {}
        for kid in {i for hits in per_query for i in hits}:
            s, r = ix.decode_ids(np.asarray([kid]))
            s, r = int(s[0]), int(r[0])
            rows = self._shard(s)
            shot_of[kid] = (s << SHOT_BITS) | int(rows["shot"][r])
            where[kid] = (s, r)
        hits = []
        for shot, score, kid, view in rank_shots(per_query, shot_of, k, exclude):
            s, r = where[kid]
            rows = self._shard(s)
            hits.append(Hit(float(score), str(rows["path"][r]), int(rows["shot"][r]), float(rows["shot_start"][r]),
                            float(rows["shot_end"][r]), int(rows["shot_start_frame"][r]), int(rows["shot_end_frame"][r]),
                            int(shot), time=float(rows["time"][r]), frame=int(rows["frame"][r]),
                            mirrored=kinds[view][0], inset=kinds[view][1]))
        return hits

    def search_many(self, queries: np.ndarray, k: int = 10, exclude: int | None = None) -> list[Hit]:
        queries, k = vectors_arg(queries), int_arg(k, "k", 1)
        exclude = None if exclude is None else int_arg(exclude, "exclude")
        per_query = self._neighbours(queries, k)
        return self._shot_hits(per_query, k, exclude) if per_query else []

    def query_pictures(self, pictures, k: int = 10, mirror: bool = True, insets: bool = True) -> list[list[Hit]]:
        """As the scene library's: the picture, its mirror image and a corner inset as views."""
        pictures, k, mirror = pictures_arg(pictures), int_arg(k, "k", 1), bool_arg(mirror, "mirror")
        insets = bool_arg(insets, "insets")
        if not len(pictures):
            return []
        vecs, kinds = query_views(self.encoder(), pictures, self.strip, mirror, insets)
        per_picture = self._neighbours(vecs, k)
        return [self._shot_hits([p], k, kinds=kinds) for p in per_picture] if per_picture else [[] for _ in pictures]

    def query_refs(self, refs: list[str], k: int = 10, mirror: bool = True, insets: bool = True) -> list[list[Hit]]:
        refs, k, mirror = strings_arg(refs, "refs"), int_arg(k, "k", 1), bool_arg(mirror, "mirror")
        return self.query_pictures([read_picture(r)[0] for r in refs], k, mirror, insets)

    def query_shot(self, shot_id: int, k: int = 10) -> list[Hit]:
        """Shots like one in the archive (its ``shot_id`` from a hit), its keyframes as one query."""
        shot_id, k = int_arg(shot_id, "shot_id", 0), int_arg(k, "k", 1)
        shard, number = int(shot_id) >> SHOT_BITS, int(shot_id) & ((1 << SHOT_BITS) - 1)
        _, manifest = self.index()
        if not any(s["number"] == shard for s in manifest["shards"]):
            raise ArchiveError(f"no shot with id {shot_id} in the archive's index")
        rows = self._shard(shard)
        mine = rows["shot"] == number
        if not mine.any():
            raise ArchiveError(f"no shot with id {shot_id} in the archive's index")
        return self.search_many(rows["vector"][mine], k, exclude=int(shot_id))

    def query_clip(self, video: str, k: int = 10) -> list[Hit]:
        video, k = path_arg(video, "video"), int_arg(k, "k", 1)
        got = embed_video(video, ShotDetector(progress=False), self.encoder(), self.keyframes, self.strip)
        return self.search_many(got.vectors, k)
