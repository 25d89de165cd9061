"""A scene library: shots of many videos, searchable by similarity.

Layout of a library folder:
- ``library.sqlite``: the source of truth. Videos, shots (number, frames, times, a thumbnail,
  the mean of its keyframes' vectors) and keyframes (frame, time, unit vector; chosen by content,
  :mod:`latentcut.retrieval.keyframes`), plus the encoder and the keyframe and border settings
  the library was built with. Every add or remove is one transaction.
- ``index.faiss`` + ``index.json``: the FAISS index, derived from the database and tagged with
  the database's generation number. It is written to a temporary file and renamed into place;
  when it is missing, stale (a crash between the database commit and the index write) or
  unreadable, it is rebuilt from the database, so nothing already added is ever lost.
- ``.lock``: writers hold an exclusive lock on it while they change the database and the
  index, so two processes adding at once take turns instead of corrupting anything.

The index holds keyframes, so a hit names the video, the shot and the time within it
(:mod:`latentcut.retrieval.search` turns keyframe neighbours into shots). Pictures lose their
bars and flat borders before they are embedded, library and query alike
(:mod:`latentcut.retrieval.borders`), and a picture query is also tried mirrored.
Similarity is the cosine between vectors (inner product of normalised vectors). The index
is exact (flat) while vectors x dimensions stays under ``FLAT_BUDGET``, where one exact query
takes about 5 ms on 2 cores; beyond, IVF-Flat (nlist 4 sqrt(n), nprobe max(32, nlist / 16)) for up to 512
dimensions, HNSW above (benchmarks/retrieval.py: at 10^6 x 256, IVF answers in 1.8 ms at
recall@10 1.000 where HNSW's recall fell to 0.90; at 2048 dimensions IVF's recall fell instead).
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time

import filelock
import numpy as np

from latentcut.cache import encoder_fingerprint
from latentcut.detection.pipeline import ShotDetector
from latentcut.encoders import create_encoder, encoders
from latentcut.io.arguments import store_args
from latentcut.io.identity import video_identity
from latentcut.io.progress import bar as progress_bar
from latentcut.io.progress import status, wanted
from latentcut.retrieval.embedding import embed_video, normalise
from latentcut.retrieval.faiss_index import build_index, read_index, write_index
from latentcut.retrieval.keyframes import CHANGE, MAX_GAP, MIN_GAP, pick_keyframes
from latentcut.registry import parse_spec
from latentcut.retrieval.queries import LibraryError, LibraryQueries, db_error_message, db_errors

FORMAT = 2
LIBRARY_ENCODER = "lite0"  #: the scene library's encoder unless told; benchmarks/retrieval_quality.py chose it
DEFAULT_KEYFRAMES = {"change": CHANGE, "max_gap": MAX_GAP, "min_gap": MIN_GAP}
#: A best hit scoring below this is probably from a video the library does not hold, per encoder (at its
#: default settings). benchmarks/no_match.py chose 0.723 and 0.750 on two folds of whole collections; held
#: out, 0.913 of in-library screenshots stay answered right (0.971 with no threshold) and 0.931 of others are refused
NO_MATCH_BELOW = {"lite0": 0.736}


def no_match_below(encoder_spec: str) -> float | None:
    """The calibrated "not in the library" score of a library's encoder, when one was measured for
    its settings (where its weights come from does not change them)."""
    if not encoder_spec:
        return None
    name, args, kwargs = parse_spec(encoder_spec)
    return None if args or set(kwargs) - {"weights"} else NO_MATCH_BELOW.get(name)


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
CREATE TABLE IF NOT EXISTS keyframes (
    id INTEGER PRIMARY KEY, shot_id INTEGER NOT NULL REFERENCES shots(id) ON DELETE CASCADE,
    frame INTEGER NOT NULL, time REAL NOT NULL, vector BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS keyframes_shot ON keyframes(shot_id);
"""


class SceneLibrary(LibraryQueries):
    """Open (or create) a library folder. ``encoder`` is needed to create one; an existing library
    remembers its own and refuses another."""

    def __init__(self, folder: str | os.PathLike, encoder: str | None = None, create: bool = True,
                 keyframes: dict | None = None, strip: bool = True):
        self.folder = store_args(folder, encoder, create, keyframes, strip)
        db = os.path.join(self.folder, "library.sqlite")
        if os.path.exists(self.folder) and not os.path.isdir(self.folder):
            raise LibraryError(f"{self.folder}: is a file, not a library folder")
        fingerprint = None
        if not os.path.exists(db):
            if not create:
                raise LibraryError(f"{self.folder}: no scene library here (no library.sqlite)")
            # Build the encoder before anything is stored: a typo in the spec must not become
            # the library's encoder for good.
            self._encoder = _ready_encoder(encoder or LIBRARY_ENCODER)
            fingerprint = encoder_fingerprint(self._encoder)
            settings = build_settings(keyframes, strip)
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
                        self._encoder = _ready_encoder(encoder or LIBRARY_ENCODER)
                        fingerprint = encoder_fingerprint(self._encoder)
                        settings = build_settings(keyframes, strip)
                    self._init_meta(encoder or LIBRARY_ENCODER, fingerprint, settings)
                    meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise LibraryError(db_error_message(db, exc, "not a readable scene library database")) from None
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
        if fmt == 1:
            raise LibraryError(f"{self.folder}: a library of format 1 (one vector per shot, from latentcut 0.2) cannot be "
                               "searched by keyframe; build a new one with `latentcut index add NEW_LIB VIDEOS...` "
                               "(its videos: `latentcut index info` lists them)")
        if fmt != FORMAT:
            raise LibraryError(f"{self.folder}: library format {meta.get('format')} is not supported (expected {FORMAT})")
        try:
            built = json.loads(meta.get("settings") or "")
            self.keyframes, self.strip = dict(built["keyframes"]), bool(built["strip"])
        except (ValueError, KeyError, TypeError):
            raise LibraryError(f"{db}: damaged library database (its keyframe settings row is missing or unreadable)") from None
        self.encoder_spec = meta["encoder"]
        self.fingerprint = meta.get("fingerprint")
        if encoder is not None and encoder != self.encoder_spec:
            raise LibraryError(f"{self.folder}: the library was built with encoder {self.encoder_spec!r}"
                               f"{f' ({self.dim} dimensions)' if self.dim else ''}; it cannot take {encoder!r}")
        self._index = None
        self._index_gen = None

    # -- plumbing -----------------------------------------------------------------------------

    def _lock(self):
        """The writers' lock on ``.lock`` (filelock: an OS lock on POSIX and on Windows)."""
        if getattr(self, "_filelock", None) is None:
            self._filelock = filelock.FileLock(os.path.join(self.folder, ".lock"))
        return self._filelock

    def _init_meta(self, encoder: str, fingerprint: str, settings: dict) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)",
                            [("format", str(FORMAT)), ("encoder", encoder), ("dim", ""), ("generation", "0"),
                             ("fingerprint", fingerprint), ("settings", json.dumps(settings))])
        self.db.execute("COMMIT")

    def _meta(self, key: str) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    def encoder(self):
        """The library's encoder, checked against the fingerprint stored when the library was
        made: a model retrained in place, or other weights under the same path, are refused."""
        if not hasattr(self, "_encoder"):
            self._encoder = _ready_encoder(self.encoder_spec)
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

    def detector(self, progress: bool | None = None):
        """Shots are found by the default detector whatever the library's encoder: its small pixel
        frames also pick the keyframes, and a CNN then embeds only those."""
        return ShotDetector(progress=progress)

    # -- writing ---------------------------------------------------------------------------------

    @db_errors
    def add(self, video: str | os.PathLike, progress: bool | None = None, replace: bool = False) -> int:
        """Detect the video's shots, embed each and add them. Returns the number of shots added
        (0 when the same video content is already in the library and ``replace`` is False)."""
        path = os.path.abspath(os.fspath(video))
        identity = video_identity(path)
        if not replace and self.db.execute("SELECT 1 FROM videos WHERE identity = ?", (identity,)).fetchone():
            return 0
        got = embed_video(path, self.detector(progress), self.encoder(), self.keyframes, self.strip,
                          progress=_status(progress, os.path.basename(path)))
        result = got.result
        if not len(got.vectors):
            raise LibraryError(f"{path}: no frame to add")
        shots = [(sc.number, sc.start.frame, sc.end.frame, sc.start.seconds, sc.end.seconds, got.thumbs[n])
                 for n, sc in enumerate(result.shots)]
        return self.add_rows(path, identity, (result.video.fps, result.frames, result.video_end), shots,
                             got.shot_of, got.frames, got.times, got.vectors, replace)

    @db_errors
    def add_rows(self, path: str, identity: str, video: tuple, shots: list[tuple], shot_of: np.ndarray,
                 frames: np.ndarray, times: np.ndarray, vectors: np.ndarray, replace: bool = False) -> int:
        """Store one video's shots and keyframes, embedded already (by :meth:`add`, or by an
        archive's workers): ``video`` is (fps, frames, duration); ``shots`` are (number, start
        frame, end frame, start, end, thumbnail); per keyframe its shot's place in ``shots``, its
        frame, time and unit vector. Returns the shots added (0: the video is there already)."""
        dim = vectors.shape[1]
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
                                      (path, identity, *video, time.time()))
                vid = cur.lastrowid
                shot_ids = []
                for n, (number, f0, f1, t0, t1, thumb) in enumerate(shots):
                    mine = shot_of == n
                    vec = normalise(vectors[mine].mean(axis=0)) if mine.any() else np.zeros(dim, np.float32)
                    shot_ids.append(self.db.execute(
                        "INSERT INTO shots (video_id, number, start_frame, end_frame, start_time, end_time, vector, thumb) "
                        "VALUES (?,?,?,?,?,?,?,?)",
                        (vid, int(number), int(f0), int(f1), float(t0), float(t1), vec.astype(np.float32).tobytes(),
                         thumb)).lastrowid)
                self.db.executemany(
                    "INSERT INTO keyframes (shot_id, frame, time, vector) VALUES (?,?,?,?)",
                    [(shot_ids[int(n)], int(f), float(t), np.asarray(v, np.float32).tobytes())
                     for n, f, t, v in zip(shot_of, frames, times, vectors)])
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

    @db_errors
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
        rows = self.db.execute("SELECT id, vector FROM keyframes ORDER BY id").fetchall()
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

    @db_errors
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

    @db_errors
    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM shots").fetchone()[0]

    @db_errors
    def keyframe_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM keyframes").fetchone()[0]

    @db_errors
    def videos(self) -> list[tuple[int, str, int]]:
        return self.db.execute(
            "SELECT v.id, v.path, COUNT(s.id) FROM videos v LEFT JOIN shots s ON s.video_id = v.id GROUP BY v.id ORDER BY v.id"
        ).fetchall()

    @db_errors
    def thumbnail(self, shot_id: int) -> bytes | None:
        row = self.db.execute("SELECT thumb FROM shots WHERE id = ?", (int(shot_id),)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self.db.close()


def build_settings(keyframes: dict | None, strip: bool) -> dict:
    """The keyframe and border settings a new library keeps for good, checked before it exists."""
    kf = {**DEFAULT_KEYFRAMES, **(keyframes or {})}
    unknown = set(kf) - set(DEFAULT_KEYFRAMES)
    if unknown:
        raise LibraryError(f"unknown keyframe settings: {', '.join(sorted(unknown))} (known: change, max_gap, min_gap)")
    try:
        pick_keyframes(np.zeros((1, 1)), np.zeros(1), [(0, 1)], **kf)
    except (ValueError, TypeError) as exc:
        raise LibraryError(f"keyframe settings: {exc}") from None
    return {"keyframes": kf, "strip": bool(strip)}


def _ready_encoder(spec: str):
    """The encoder, with its weights loaded now: a library must not be made for an encoder that
    cannot run (its fingerprint would name weights it never had)."""
    enc = create_encoder(spec)
    name = parse_spec(spec)[0]
    if name in encoders and encoders.metadata(name).get("extra"):
        # an encoder on an extra imports torch and reads its weights, which takes seconds: say so, or the
        # first bar seems late
        status(f"loading the {name} encoder (torch and its weights: several seconds)")
    enc.prepare()
    return enc


def _status(enabled: bool | None, name: str):
    """``progress(done, total)`` for the keyframe pass, as the detection pass before it shows its
    own. The bar starts at the pass's first report: made earlier, its clock (and so its rate and
    time left) would count the detection pass too."""
    state: dict = {}

    def show(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = progress_bar(total, f"{name}: keyframes", "frame", enabled)
        bar = state["bar"]
        if bar is None:
            return
        bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return None if wanted(enabled) is False else show
