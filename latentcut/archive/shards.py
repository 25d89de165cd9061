"""Parquet shards: one file per video, every keyframe a row, written whole or not at all.

A shard is named by the video's content identity and the encoder's fingerprint, so a re-run (or
a worker Ray retried after it was killed) rewrites the same file with the same rows: there are
never two copies of a video, and two encoders' shards of one video never collide. Beside each
shard its stamp (``NAME.stamp.json``, written after the shard) records its size, SHA-256, encoder
fingerprint and video: a shard whose stamp is missing or does not match is incomplete or damaged,
and is remade (``add``) or named (``index``), never trusted. Rows carry the video, the shot (number, frames,
times, and on the shot's first row a JPEG thumbnail), the keyframe (frame, time, unit vector)
and the encoder fingerprint the vector was made with.
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib

import numpy as np

from latentcut.errors import LatentcutError
from latentcut.extras import require
from latentcut.io.atomic import atomic_path, atomic_write
from latentcut.io.tensors import file_sha256

require("archive", "the archive")
import pyarrow as pa  # noqa: E402 - after the check, so a missing extra is one line
import pyarrow.parquet as pq  # noqa: E402

SUFFIX = ".parquet"
STAMP = ".stamp.json"  #: the stamp beside each shard: NAME.parquet.stamp.json
STAMP_FORMAT = "latentcut.shard/1"
COLUMNS = ("path", "identity", "fps", "frames", "duration", "shot", "shot_start_frame", "shot_end_frame",
           "shot_start", "shot_end", "frame", "time", "vector", "thumb", "fingerprint")


class ShardError(LatentcutError):
    """A shard that cannot be read, or that another encoder wrote."""


def shard_name(identity: str, fingerprint: str) -> str:
    return hashlib.sha256(f"{identity}\0{fingerprint}".encode()).hexdigest()[:24] + SUFFIX


def stamp_path(path: str) -> str:
    return path + STAMP


def read_stamp(path: str) -> dict | None:
    try:
        stamp = json.loads(pathlib.Path(stamp_path(path)).read_bytes())
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) and stamp.get("format") == STAMP_FORMAT else None


def verify_shard(path: str, fingerprint: str | None = None, checksum: bool = True) -> dict:
    """The shard's stamp, after checking the shard against it (size, SHA-256 unless not
    ``checksum``) and, given ``fingerprint``, that this encoder made it; else ShardError saying which."""
    name = os.path.basename(path)
    stamp = read_stamp(path)
    if stamp is None:
        raise ShardError(f"shard {name}: incomplete (no stamp: its write was interrupted)")
    damaged = ShardError(f"shard {name} of {stamp.get('video')}: damaged (its size or SHA-256 is not the one its "
                         "stamp records)")
    try:
        same = os.path.getsize(path) == stamp.get("size") and (not checksum or file_sha256(path) == stamp.get("sha256"))
    except OSError:  # gone since the stamp was written
        raise damaged from None
    if not same:
        raise damaged
    if fingerprint is not None and stamp.get("fingerprint") != fingerprint:
        raise ShardError(f"shard {name} of {stamp.get('video')}: made with another encoder (fingerprint "
                         f"{str(stamp.get('fingerprint'))[:12]}, this archive's {fingerprint[:12]})")
    return stamp


def shard_ok(path: str, fingerprint: str) -> bool:
    """Whether a whole, undamaged shard of this encoder is there (a video that is done)."""
    try:
        verify_shard(path, fingerprint)
        return True
    except ShardError:
        return False


def remove_shard(path: str) -> None:
    """Remove a damaged or incomplete shard and its stamp (files latentcut wrote)."""
    for p in (stamp_path(path), path):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass


def schema(dim: int) -> pa.Schema:
    return pa.schema([
        ("path", pa.string()), ("identity", pa.string()), ("fps", pa.float64()), ("frames", pa.int64()),
        ("duration", pa.float64()), ("shot", pa.int32()), ("shot_start_frame", pa.int64()),
        ("shot_end_frame", pa.int64()), ("shot_start", pa.float64()), ("shot_end", pa.float64()),
        ("frame", pa.int64()), ("time", pa.float64()), ("vector", pa.list_(pa.float32(), dim)),
        ("thumb", pa.binary()), ("fingerprint", pa.string()),
    ])


def table_of(path: str, identity: str, got, fingerprint: str) -> pa.Table:
    """The rows of one video from :func:`latentcut.retrieval.embedding.embed_video`'s result."""
    r = got.result
    n = len(got.frames)
    shots = [r.shots[int(s)] for s in got.shot_of]
    first = np.r_[True, got.shot_of[1:] != got.shot_of[:-1]][:n]  # a shot's first keyframe carries its thumbnail
    dim = got.vectors.shape[1]
    flat = pa.array(np.ravel(got.vectors))  # float32 by the schema
    cols = {  # typed by the schema, which pa.table casts every column to
        "path": [path] * n, "identity": [identity] * n, "fps": [r.video.fps] * n, "frames": [r.frames] * n,
        "duration": [r.video_end] * n, "shot": [s.number for s in shots],
        "shot_start_frame": [s.start.frame for s in shots], "shot_end_frame": [s.end.frame for s in shots],
        "shot_start": [s.start.seconds for s in shots], "shot_end": [s.end.seconds for s in shots],
        "frame": got.frames, "time": got.times, "vector": pa.FixedSizeListArray.from_arrays(flat, dim),
        "thumb": [got.thumbs[int(s)] if f else None for s, f in zip(got.shot_of, first)],
        "fingerprint": [fingerprint] * n,
    }
    return pa.table(cols, schema=schema(dim))


def write_shard(folder: str, identity: str, fingerprint: str, table: pa.Table) -> str:
    """Write the shard atomically (a temporary file beside it, renamed into place), then its stamp."""
    path = os.path.join(folder, shard_name(identity, fingerprint))
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
        stamp = {"format": STAMP_FORMAT, "size": os.path.getsize(tmp), "sha256": file_sha256(tmp),
                 "fingerprint": fingerprint, "identity": identity, "rows": table.num_rows,
                 "video": table.column("path")[0].as_py() if table.num_rows else None}
    with atomic_write(stamp_path(path), "wb") as f:
        f.write(json.dumps(stamp).encode())
    return path


def rows_in(path: str) -> int:
    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (OSError, pa.ArrowException) as exc:
        raise ShardError(f"{path}: not a readable shard ({exc})") from None


def read_columns(path: str, columns: list[str]) -> pa.Table:
    try:
        return pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowException) as exc:
        raise ShardError(f"{path}: not a readable shard ({exc})") from None


def vectors_of(path: str) -> np.ndarray:
    """(rows, dim) float32 unit vectors of a shard."""
    col = read_columns(path, ["vector"]).column("vector").combine_chunks()
    return col.values.to_numpy().reshape(len(col), col.type.list_size)  # float32 by the schema, no nulls: no copy


def list_shards(folder: str) -> list[str]:
    """The shard files (whole ones: temporary files of an interrupted write are not shards)."""
    if not os.path.isdir(folder):
        return []
    return sorted(f for f in os.listdir(folder) if f.endswith(SUFFIX) and not f.startswith("."))
