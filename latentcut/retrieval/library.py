"""A scene library: shots of many videos, searchable by similarity.

Layout of a library folder:
- ``library.sqlite``: the source of truth. Videos, shots (number, frames, times, a thumbnail)
  and each shot's vector (the mean of its frames' embeddings, L2-normalised), plus the
  encoder the library was built with. Every add or remove is one transaction.
- ``index.faiss`` + ``index.json``: the FAISS index, derived from the database and tagged with
  the database's generation number. It is written to a temporary file and renamed into place;
  when it is missing, stale (a crash between the database commit and the index write) or
  unreadable, it is rebuilt from the database, so nothing already added is ever lost.
- ``.lock``: writers hold an exclusive lock on it while they change the database and the
  index, so two processes adding at once take turns instead of corrupting anything.

Similarity is the cosine between shot vectors (inner product of normalised vectors). The index
is exact (flat) while vectors x dimensions stays under ``FLAT_BUDGET``, where one exact query
takes about 5 ms on 2 cores; beyond, IVF-Flat (nlist 4 sqrt(n), nprobe 32) for up to 512
dimensions, HNSW above (benchmarks/retrieval.py: at 10^6 x 256, IVF answers in 1.8 ms at
recall@10 1.000 where HNSW's recall fell to 0.90; at 2048 dimensions IVF's recall fell instead).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from dataclasses import dataclass

import numpy as np

from latentcut.cache import encoder_fingerprint
from latentcut.detection.pipeline import SceneDetector
from latentcut.encoders import create_encoder
from latentcut.errors import LatentcutError
from latentcut.io.identity import video_identity
from latentcut.io.images import read_frame
from latentcut.io.thumbnails import jpeg_thumbnails
from latentcut.retrieval.faiss_index import build_index, read_index, write_index
from latentcut.scenes.grouping import shot_vectors

FORMAT = 1
DEFAULT_ENCODER = "pixel,size=16,center=false"


class LibraryError(LatentcutError):
    """A library folder is missing, corrupt, or was built with another encoder."""


@dataclass
class Hit:
    score: float
    video: str
    shot: int
    start: float
    end: float
    start_frame: int
    end_frame: int
    shot_id: int

    def to_dict(self) -> dict:
        return {"video": self.video, "shot": self.shot, "start": round(self.start, 3), "end": round(self.end, 3),
                "start_frame": self.start_frame, "end_frame": self.end_frame, "score": round(float(self.score), 5),
                "shot_id": self.shot_id}


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS videos (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, identity TEXT NOT NULL UNIQUE,
    fps REAL, frames INTEGER, duration REAL, added REAL);
CREATE TABLE IF NOT EXISTS shots (
    id INTEGER PRIMARY KEY, video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    number INTEGER NOT NULL, start_frame INTEGER, end_frame INTEGER, start_time REAL, end_time REAL,
    vector BLOB NOT NULL, thumb BLOB);
CREATE INDEX IF NOT EXISTS shots_video ON shots(video_id);
"""


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def _db_errors(method):
    """A damaged database page shows up on use, not on open: one clear error, never a traceback."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"{os.path.join(self.folder, 'library.sqlite')}: damaged library database ({exc})") from None

    return wrapper


class SceneLibrary:
    """Open (or create) a library folder. ``encoder`` is needed to create one; an existing library
    remembers its own and refuses another."""

    def __init__(self, folder: str | os.PathLike, encoder: str | None = None, create: bool = True):
        self.folder = os.fspath(folder)
        db = os.path.join(self.folder, "library.sqlite")
        if os.path.exists(self.folder) and not os.path.isdir(self.folder):
            raise LibraryError(f"{self.folder}: is a file, not a library folder")
        fingerprint = None
        if not os.path.exists(db):
            if not create:
                raise LibraryError(f"{self.folder}: no scene library here (no library.sqlite)")
            # Build the encoder before anything is stored: a typo in the spec must not become
            # the library's encoder for good.
            self._encoder = create_encoder(encoder or DEFAULT_ENCODER)
            fingerprint = encoder_fingerprint(self._encoder)
            try:
                os.makedirs(self.folder, exist_ok=True)
            except OSError as exc:
                raise LibraryError(f"{self.folder}: cannot create the library folder ({exc.strerror})") from None
        try:
            self.db = sqlite3.connect(db, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            with self._lock():
                self.db.executescript(_SCHEMA)
                meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
                if not meta:
                    if fingerprint is None:  # the database file existed but was empty
                        self._encoder = create_encoder(encoder or DEFAULT_ENCODER)
                        fingerprint = encoder_fingerprint(self._encoder)
                    self._init_meta(encoder or DEFAULT_ENCODER, fingerprint)
                    meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"{db}: not a readable scene library database ({exc})") from None
        except OSError as exc:
            raise LibraryError(f"{self.folder}: cannot open the library ({exc.strerror})") from None
        missing = [k for k in ("format", "encoder", "dim", "generation") if k not in meta]
        if missing:
            raise LibraryError(f"{db}: damaged library database (meta rows missing: {', '.join(missing)})")
        try:
            fmt = int(meta["format"])
            self.dim = int(meta["dim"]) if meta["dim"] else None
            int(meta["generation"])
        except ValueError:
            raise LibraryError(f"{db}: damaged library database (meta rows hold {meta!r})") from None
        if fmt != FORMAT:
            raise LibraryError(f"{self.folder}: library format {meta.get('format')} is not supported (expected {FORMAT})")
        self.encoder_spec = meta["encoder"]
        self.fingerprint = meta.get("fingerprint")
        if encoder is not None and encoder != self.encoder_spec:
            raise LibraryError(f"{self.folder}: the library was built with encoder {self.encoder_spec!r}"
                               f"{f' ({self.dim} dimensions)' if self.dim else ''}; it cannot take {encoder!r}")
        self._index = None
        self._index_gen = None

    # -- plumbing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self):
        with open(os.path.join(self.folder, ".lock"), "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _init_meta(self, encoder: str, fingerprint: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)",
                            [("format", str(FORMAT)), ("encoder", encoder), ("dim", ""), ("generation", "0"),
                             ("fingerprint", fingerprint)])
        self.db.execute("COMMIT")

    def _meta(self, key: str) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    def encoder(self):
        """The library's encoder, checked against the fingerprint stored when the library was
        made: a model retrained in place, or other weights under the same path, are refused."""
        if not hasattr(self, "_encoder"):
            self._encoder = create_encoder(self.encoder_spec)
        if not getattr(self, "_fingerprint_checked", False):
            now = encoder_fingerprint(self._encoder)
            if self.fingerprint and now != self.fingerprint:
                raise LibraryError(
                    f"{self.folder}: the encoder {self.encoder_spec!r} is not the one this library was built with "
                    f"(its model or weights changed: fingerprint {now[:12]}, library {self.fingerprint[:12]}); "
                    "vectors of two models cannot be compared: build a new library")
            if not self.fingerprint:  # a library from before fingerprints: adopt the current one
                with self._lock():
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (now,))
                self.fingerprint = now
            self._fingerprint_checked = True
        return self._encoder

    def detector(self, **kwargs):
        return SceneDetector(self.encoder(), progress=kwargs.pop("progress", None), **kwargs)

    # -- writing ---------------------------------------------------------------------------------

    @_db_errors
    def add(self, video: str | os.PathLike, progress: bool | None = None, replace: bool = False) -> int:
        """Detect the video's shots, embed each and add them. Returns the number of shots added
        (0 when the same video content is already in the library and ``replace`` is False)."""
        path = os.path.abspath(os.fspath(video))
        identity = video_identity(path)
        if not replace and self.db.execute("SELECT 1 FROM videos WHERE identity = ?", (identity,)).fetchone():
            return 0
        result = self.detector(progress=progress).detect(path, keep_embeddings=True)
        emb = result.embeddings.mean
        shots = list(zip(result.shots, shot_vectors(result).astype(np.float32)))
        thumbs = jpeg_thumbnails(path, [(s.start.frame + s.end.frame - 1) // 2 for s, _ in shots])
        dim = emb.shape[1]
        with self._lock():
            stored = self._meta("dim")
            if stored and int(stored) != dim:
                raise LibraryError(f"{self.folder}: the library holds {stored}-dimensional vectors; "
                                   f"this encoder gives {dim}")
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if replace:
                    self.db.execute("DELETE FROM videos WHERE identity = ?", (identity,))
                elif self.db.execute("SELECT 1 FROM videos WHERE identity = ?", (identity,)).fetchone():
                    self.db.execute("ROLLBACK")  # another process added it meanwhile
                    return 0
                cur = self.db.execute("INSERT INTO videos (path, identity, fps, frames, duration, added) VALUES (?,?,?,?,?,?)",
                                      (path, identity, result.video.fps, result.frames, result.end_time, time.time()))
                vid = cur.lastrowid
                self.db.executemany(
                    "INSERT INTO shots (video_id, number, start_frame, end_frame, start_time, end_time, vector, thumb) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    [(vid, sc.number, sc.start.frame, sc.end.frame, sc.start.seconds, sc.end.seconds, vec.tobytes(), th)
                     for (sc, vec), th in zip(shots, thumbs)])
                self.db.execute("UPDATE meta SET value = ? WHERE key = 'dim'", (str(dim),))
                self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
                self.db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
                raise
            self.dim = dim
            self._write_index()
        return len(shots)

    @_db_errors
    def remove(self, video: str | os.PathLike) -> int:
        """Remove a video (by path or by content); returns how many shots went with it."""
        path = os.path.abspath(os.fspath(video))
        with self._lock():
            self.db.execute("BEGIN IMMEDIATE")
            rows = self.db.execute("SELECT id FROM videos WHERE path = ?", (path,)).fetchall()
            if not rows and os.path.exists(path):
                        rows = self.db.execute("SELECT id FROM videos WHERE identity = ?", (video_identity(path),)).fetchall()
            if not rows:
                self.db.execute("ROLLBACK")
                raise LibraryError(f"{video}: not in the library {self.folder}")
            n = 0
            for (vid,) in rows:
                n += self.db.execute("SELECT COUNT(*) FROM shots WHERE video_id = ?", (vid,)).fetchone()[0]
                self.db.execute("DELETE FROM videos WHERE id = ?", (vid,))
            self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
            self.db.execute("COMMIT")
            self._write_index()
        return n

    # -- the index -------------------------------------------------------------------------------

    def _vectors(self) -> tuple[np.ndarray, np.ndarray]:
        rows = self.db.execute("SELECT id, vector FROM shots ORDER BY id").fetchall()
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, self.dim or 1), np.float32)
        ids = np.array([r[0] for r in rows], np.int64)
        vecs = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), -1)
        return ids, vecs

    def _write_index(self) -> None:
        ids, vecs = self._vectors()
        gen = int(self._meta("generation") or 0)
        self._index = write_index(self.folder, build_index(ids, vecs), gen)
        self._index_gen = gen

    @_db_errors
    def index(self):
        """The FAISS index, loaded, or rebuilt if it is missing, stale or unreadable."""
        gen = int(self._meta("generation") or 0)
        if self._index is not None and self._index_gen == gen:
            return self._index
        try:
            self._index, self._index_gen = read_index(self.folder, gen), gen
        except (OSError, ValueError, RuntimeError, UnicodeDecodeError, TypeError):
            with self._lock():
                self._write_index()  # derived data: rebuild from the database
        return self._index

    # -- reading ---------------------------------------------------------------------------------

    @_db_errors
    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM shots").fetchone()[0]

    @_db_errors
    def videos(self) -> list[tuple[int, str, int]]:
        return self.db.execute(
            "SELECT v.id, v.path, COUNT(s.id) FROM videos v LEFT JOIN shots s ON s.video_id = v.id GROUP BY v.id ORDER BY v.id"
        ).fetchall()

    @_db_errors
    def search(self, vector: np.ndarray, k: int = 10, exclude: int | None = None) -> list[Hit]:
        q = _normalise(np.asarray(vector, np.float32).reshape(1, -1))
        if self.dim is None or len(self) == 0:
            return []
        if q.shape[1] != self.dim:
            raise LibraryError(f"query has {q.shape[1]} dimensions; the library's vectors have {self.dim}")
        index = self.index()
        scores, ids = index.search(q, min(k + (1 if exclude is not None else 0), index.ntotal))
        hits = []
        for score, sid in zip(scores[0], ids[0]):
            if sid < 0 or sid == exclude:
                continue
            row = self.db.execute(
                "SELECT v.path, s.number, s.start_time, s.end_time, s.start_frame, s.end_frame FROM shots s "
                "JOIN videos v ON v.id = s.video_id WHERE s.id = ?", (int(sid),)).fetchone()
            if row:
                hits.append(Hit(float(score), row[0], row[1], row[2], row[3], row[4], row[5], int(sid)))
        return hits[:k]

    def query_frames(self, frames: np.ndarray, k: int = 10) -> list[Hit]:
        """Frames (N, H, W, C) at the encoder's size; their mean embedding is the query."""
        return self.search(self.encoder().transform(frames).mean.mean(axis=0), k)

    def query_ref(self, ref: str, k: int = 10) -> list[Hit]:
        """An image file, or a frame of a video as ``video.mp4@12.5s`` / ``video.mp4@120``."""
        frame, _ = read_frame(ref, self.encoder().frame_size, self.encoder().color)
        return self.query_frames(frame[None], k)

    def query_clip(self, video: str, k: int = 10) -> list[Hit]:
        """A whole clip: the mean of all its frames' embeddings."""
        scored = self.detector(progress=False).score(video, keep_embeddings=True)
        return self.search(scored.embeddings.mean.mean(axis=0), k)

    @_db_errors
    def query_shot(self, shot_id: int, k: int = 10) -> list[Hit]:
        row = self.db.execute("SELECT vector FROM shots WHERE id = ?", (int(shot_id),)).fetchone()
        if not row:
            raise LibraryError(f"no shot with id {shot_id} in {self.folder}")
        return self.search(np.frombuffer(row[0], np.float32), k, exclude=int(shot_id))

    @_db_errors
    def thumbnail(self, shot_id: int) -> bytes | None:
        row = self.db.execute("SELECT thumb FROM shots WHERE id = ?", (int(shot_id),)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self.db.close()
