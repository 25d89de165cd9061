"""What a library answers: shots for vectors, pictures, frames, clips and shots of its own.

Kept apart from :mod:`latentcut.retrieval.library` (which owns the database, the index and
writing) so each stays small; :class:`~latentcut.retrieval.library.SceneLibrary` has both.
"""
from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sqlite3

import numpy as np

from latentcut.errors import LatentcutError
from latentcut.io.arguments import bool_arg, int_arg, path_arg, pictures_arg, strings_arg, vectors_arg
from latentcut.io.images import read_picture
from latentcut.retrieval.embedding import embed_pictures, query_views, embed_video, normalise
from latentcut.retrieval.search import VIEWS, Hit, merge_views, neighbours_wanted, rank_shots


class LibraryError(LatentcutError):
    """A library folder is missing, corrupt, or was built with another encoder."""


def db_error_message(db: str, exc: sqlite3.Error, damaged: str) -> str:
    """What went wrong with the database ``db``: a full disk, a read-only folder or a failing
    device (sqlite rolled the write back, the library is whole), else ``damaged``."""
    text = str(exc).lower()
    if "full" in text:
        why = "the disk is full"
    elif "readonly" in text or "read-only" in text:
        why = "the folder or file is read-only"
    elif "disk i/o" in text:  # what sqlite often says of a full disk while it writes its journal
        free = None
        with contextlib.suppress(OSError):
            free = shutil.disk_usage(os.path.dirname(os.path.abspath(db))).free
        why = "the disk is full" if free is not None and free < 1 << 20 else "the disk reported an I/O error"
    else:
        return f"{db}: {damaged} ({exc})"
    return f"{db}: cannot write the scene library ({why}; the library itself is unchanged: sqlite rolls back)"


def db_errors(method):
    """A damaged database page, or a full disk, shows up on use, not on open: one clear error
    saying which, never a traceback."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            db = os.path.join(self.folder, "library.sqlite")
            raise LibraryError(db_error_message(db, exc, "damaged library database")) from None

    return wrapper


class LibraryQueries:
    """The reading half of a scene library (needs ``db``, ``dim``, ``index()``, ``encoder()``,
    ``detector()``, ``keyframes``, ``strip`` and ``__len__`` from the library)."""

    def _check_dim(self, d: int) -> None:
        if d != self.dim:
            raise LibraryError(f"query has {d} dimensions; the library's vectors have {self.dim}")

    @db_errors
    def search_many(self, queries: np.ndarray, k: int = 10, exclude: int | None = None) -> list[Hit]:
        """Shots for a query of several vectors (N, D) or (views, N, D), ranked by the mean over
        the N vectors of each shot's best keyframe score (:func:`~latentcut.retrieval.search.rank_shots`)."""
        queries, k = vectors_arg(queries), int_arg(k, "k", 1)
        exclude = None if exclude is None else int_arg(exclude, "exclude")
        per_query = self._neighbours(queries, k)
        return self._shot_hits(per_query, k, exclude) if per_query else []

    def _neighbours(self, queries: np.ndarray, k: int) -> list[dict]:
        """One FAISS search for every vector of (N, D) or (views, N, D): per vector, its keyframe
        neighbours merged over the views (:func:`~latentcut.retrieval.search.merge_views`)."""
        q = np.asarray(queries, np.float32)
        q = q[None] if q.ndim == 2 else q
        if self.dim is None or len(self) == 0 or q.shape[1] == 0:
            return []
        self._check_dim(q.shape[-1])
        index = self.index()
        n = neighbours_wanted(k, index.ntotal)
        views, m, d = q.shape
        scores, ids = index.search(np.ascontiguousarray(normalise(q).reshape(views * m, d)), n)
        return merge_views(scores.reshape(views, m, n), ids.reshape(views, m, n))

    def _shot_hits(self, per_query: list[dict], k: int, exclude: int | None = None,
                   kinds=VIEWS) -> list[Hit]:
        """The shots that ``per_query`` (the neighbours of one query's vectors) reach, ranked;
        ``kinds``: per view, (mirrored, inset)."""
        info = self._keyframe_rows(sorted({i for hits in per_query for i in hits}))
        shot_of = {kid: row[0] for kid, row in info.items()}
        hits = []
        for shot, score, kid, view in rank_shots(per_query, shot_of, k, exclude):
            row = self.db.execute(
                "SELECT v.path, s.number, s.start_time, s.end_time, s.start_frame, s.end_frame FROM shots s "
                "JOIN videos v ON v.id = s.video_id WHERE s.id = ?", (int(shot),)).fetchone()
            if row:
                hits.append(Hit(float(score), row[0], row[1], row[2], row[3], row[4], row[5], int(shot),
                                time=info[kid][2], frame=info[kid][1],
                                mirrored=kinds[view][0], inset=kinds[view][1]))
        return hits

    def _keyframe_rows(self, ids: list[int]) -> dict[int, tuple[int, int, float]]:
        out = {}
        for i in range(0, len(ids), 500):  # SQLite's parameter limit
            part = ids[i : i + 500]
            rows = self.db.execute(f"SELECT id, shot_id, frame, time FROM keyframes WHERE id IN ({','.join('?' * len(part))})",
                                   part).fetchall()
            out.update({r[0]: (r[1], r[2], r[3]) for r in rows})
        return out

    def search(self, vector: np.ndarray, k: int = 10, exclude: int | None = None) -> list[Hit]:
        """Shots for one query vector."""
        return self.search_many(vectors_arg(vector, "vector", (1,)).reshape(1, -1), k, exclude)

    @db_errors
    def query_pictures(self, pictures, k: int = 10, mirror: bool = True, insets: bool = True) -> list[list[Hit]]:
        """One result list per picture (H, W, 3 uint8, any size): each stripped of its borders
        like the library's keyframes, also tried mirrored unless ``mirror`` is False, and a corner
        inset (picture-in-picture) searched as a picture of its own unless ``insets`` is False."""
        pictures, k, mirror = pictures_arg(pictures), int_arg(k, "k", 1), bool_arg(mirror, "mirror")
        insets = bool_arg(insets, "insets")
        if not len(pictures):
            return []
        vecs, kinds = query_views(self.encoder(), pictures, self.strip, mirror, insets)
        per_picture = self._neighbours(vecs, k)  # one search for the batch
        if not per_picture:
            return [[] for _ in pictures]
        return [self._shot_hits([neighbours], k, kinds=kinds) for neighbours in per_picture]

    def query_frames(self, frames: np.ndarray, k: int = 10, mirror: bool = True) -> list[Hit]:
        """Pictures (N, H, W, 3) taken together as one query (the shots that match all of them)."""
        frames, mirror = pictures_arg(frames, "frames"), bool_arg(mirror, "mirror")
        if not frames:
            raise ValueError("frames is empty; give at least one picture")
        vecs = embed_pictures(self.encoder(), frames, self.strip, mirror=mirror)
        return self.search_many(vecs if mirror else vecs[None], k)

    def query_ref(self, ref: str, k: int = 10, mirror: bool = True, insets: bool = True) -> list[Hit]:
        """An image file, or a frame of a video as ``video.mp4@12.5s`` / ``video.mp4@120``."""
        return self.query_refs([path_arg(ref, "ref")], k, mirror, insets)[0]

    def query_refs(self, refs: list[str], k: int = 10, mirror: bool = True, insets: bool = True) -> list[list[Hit]]:
        """Many images or video frames in one call (one encoder batch); a result list for each."""
        refs, k, mirror = strings_arg(refs, "refs"), int_arg(k, "k", 1), bool_arg(mirror, "mirror")
        return self.query_pictures([read_picture(r)[0] for r in refs], k, mirror, insets)

    def query_clip(self, video: str, k: int = 10) -> list[Hit]:
        """A whole clip: its keyframes, found the library's way, together as one query."""
        video, k = path_arg(video, "video"), int_arg(k, "k", 1)
        got = embed_video(video, self.detector(False), self.encoder(), self.keyframes, self.strip)
        return self.search_many(got.vectors, k)

    @db_errors
    def query_shot(self, shot_id: int, k: int = 10) -> list[Hit]:
        """Shots like one already in the library (its keyframes together as one query)."""
        shot_id, k = int_arg(shot_id, "shot_id"), int_arg(k, "k", 1)
        if not self.db.execute("SELECT 1 FROM shots WHERE id = ?", (int(shot_id),)).fetchone():
            raise LibraryError(f"no shot with id {shot_id} in {self.folder}")
        rows = self.db.execute("SELECT vector FROM keyframes WHERE shot_id = ?", (int(shot_id),)).fetchall()
        vecs = np.frombuffer(b"".join(r[0] for r in rows), np.float32).reshape(len(rows), -1)
        return self.search_many(vecs, k, exclude=int(shot_id))

