"""Between the two scales: a scene library takes an archive's shards, and an archive takes a
library's videos. Both sides must hold vectors of the same encoder (the same fingerprint)."""
from __future__ import annotations

import os

import numpy as np

from latentcut.archive.archive import Archive, ArchiveError
from latentcut.archive.shards import read_columns, remove_shard, schema, shard_name, shard_ok, write_shard
from latentcut.retrieval.library import SceneLibrary

import pyarrow as pa  # noqa: E402,I001 - archive.py checked the extra


def _same_encoder(archive: Archive, library: SceneLibrary) -> None:
    library.encoder()  # the library's own fingerprint check
    if library.fingerprint != archive.fingerprint or library.encoder_spec != archive.encoder_spec:
        raise ArchiveError(f"{library.folder} (encoder {library.encoder_spec!r}) and {archive.folder} (encoder "
                           f"{archive.encoder_spec!r}) hold vectors of different encoders; they cannot be mixed")
    if (library.keyframes, library.strip) != (archive.keyframes, archive.strip):
        raise ArchiveError("the library and the archive pick keyframes or strip borders differently")


def library_takes_archive(library: SceneLibrary, archive: Archive) -> tuple[int, int]:
    """Every shard's video into the library (ones already there are skipped). Returns (videos, shots) added."""
    _same_encoder(archive, library)
    videos = shots = 0
    for name in archive.shards():
        t = read_columns(os.path.join(archive.shards_dir, name), None)
        col = lambda c: t.column(c).to_numpy(zero_copy_only=False)  # noqa: E731
        shot = col("shot")
        numbers, first = np.unique(shot, return_index=True)
        thumbs = t.column("thumb").to_pylist()
        rows = [(int(n), int(col("shot_start_frame")[i]), int(col("shot_end_frame")[i]), float(col("shot_start")[i]),
                 float(col("shot_end")[i]), thumbs[i] or b"") for n, i in zip(numbers, first)]
        vec = t.column("vector").combine_chunks()
        vectors = np.asarray(vec.values.to_numpy(zero_copy_only=False), np.float32).reshape(len(t), -1)
        added = library.add_rows(str(col("path")[0]), str(col("identity")[0]),
                                 (float(col("fps")[0]), int(col("frames")[0]), float(col("duration")[0])), rows,
                                 np.searchsorted(numbers, shot), col("frame"), col("time"), vectors)
        videos += bool(added)
        shots += added
    return videos, shots


def archive_takes_library(archive: Archive, library: SceneLibrary) -> tuple[int, int]:
    """Every library video as a shard (ones already in the archive are skipped). Returns (videos, keyframes)."""
    _same_encoder(archive, library)
    db = library.db
    videos = keyframes = 0
    for vid, path, identity, fps, frames, duration in db.execute(
            "SELECT id, path, identity, fps, frames, duration FROM videos ORDER BY id").fetchall():
        done = os.path.join(archive.shards_dir, shard_name(identity, archive.fingerprint))
        if shard_ok(done, archive.fingerprint):
            continue
        remove_shard(done)
        rows = db.execute(
            "SELECT s.number, s.start_frame, s.end_frame, s.start_time, s.end_time, s.thumb, k.frame, k.time, k.vector "
            "FROM keyframes k JOIN shots s ON s.id = k.shot_id WHERE s.video_id = ? ORDER BY s.number, k.frame",
            (vid,)).fetchall()
        if not rows:
            continue
        vectors = np.frombuffer(b"".join(r[8] for r in rows), np.float32).reshape(len(rows), -1)
        first = [i == 0 or rows[i][0] != rows[i - 1][0] for i in range(len(rows))]
        n = len(rows)
        table = pa.table({
            "path": [path] * n, "identity": [identity] * n, "fps": [float(fps or 0)] * n, "frames": [int(frames or 0)] * n,
            "duration": [float(duration or 0)] * n, "shot": [r[0] for r in rows], "shot_start_frame": [r[1] for r in rows],
            "shot_end_frame": [r[2] for r in rows], "shot_start": [r[3] for r in rows], "shot_end": [r[4] for r in rows],
            "frame": [r[6] for r in rows], "time": [r[7] for r in rows],
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel(), pa.float32()), vectors.shape[1]),
            "thumb": [r[5] if f else None for r, f in zip(rows, first)], "fingerprint": [archive.fingerprint] * n,
        }, schema=schema(vectors.shape[1]))
        write_shard(archive.shards_dir, identity, archive.fingerprint, table)
        videos += 1
        keyframes += n
    return videos, keyframes
