"""The per-video job: shots, keyframes and their vectors, as one shard. A Ray actor holds one
:class:`VideoEmbedder`, so the encoder loads once per worker, not once per video."""
from __future__ import annotations

import os
import time

import numpy as np

from latentcut.archive.shards import remove_shard, shard_name, shard_ok, table_of, write_shard
from latentcut.detection.pipeline import ShotDetector
from latentcut.encoders import create_encoder
from latentcut.io.identity import video_identity
from latentcut.retrieval.embedding import embed_video

#: what each video's job reports back to the driver
RESULT_FIELDS = ("path", "identity", "shard", "rows", "shots", "frames", "seconds", "error")


class VideoEmbedder:
    """Callable on a batch ``{"path": [...]}``: embeds each video into its shard under ``shards``.
    A video that fails is reported with its reason (one line) and the others go on."""

    def __init__(self, encoder: str, fingerprint: str, keyframes: dict, strip: bool, shards: str,
                 device: str | None = None):
        self.spec, self.fingerprint, self.keyframes, self.strip, self.shards = encoder, fingerprint, keyframes, strip, shards
        self.encoder = create_encoder(encoder)
        if device and "device" in self.encoder.get_params():  # a GPU worker runs a torch encoder there
            self.encoder.set_params(device=device)
        self.encoder.prepare()
        self.detector = ShotDetector(progress=False)

    def one(self, path: str) -> dict:
        t0 = time.perf_counter()
        out = dict.fromkeys(RESULT_FIELDS, None)
        out.update(path=path, error="")
        try:
            identity = video_identity(path)
            out["identity"] = identity
            done = os.path.join(self.shards, shard_name(identity, self.fingerprint))
            if shard_ok(done, self.fingerprint):  # written whole by an earlier run, or by a try Ray retried
                out.update(shard=os.path.basename(done), rows=-1, shots=-1, frames=0)
                return out
            remove_shard(done)  # damaged or incomplete: made again
            got = embed_video(path, self.detector, self.encoder, self.keyframes, self.strip)
            if not len(got.frames):
                raise ValueError("no keyframe: the video decoded to nothing to index")
            written = write_shard(self.shards, identity, self.fingerprint,
                                  table_of(os.path.abspath(path), identity, got, self.fingerprint))
            out.update(shard=os.path.basename(written), rows=len(got.frames), shots=len(got.result.shots),
                       frames=got.result.frames)
        except Exception as exc:  # noqa: BLE001 - one video's failure is recorded, the run goes on
            out["error"] = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
        out["seconds"] = time.perf_counter() - t0
        return out

    def __call__(self, batch: dict) -> dict:
        results = [self.one(str(p)) for p in batch["path"]]
        return {k: np.asarray([r[k] if r[k] is not None else ("" if k in ("identity", "shard", "error") else 0)
                               for r in results]) for k in RESULT_FIELDS}
