"""Frames pushed in batches -> score curves: the part of the pipeline that sees every frame.

:meth:`ShotDetector.score` pulls batches from a video file through it; the PySceneDetect adapter
pushes the frames ``SceneManager`` hands it, one at a time. Both end with the same
:class:`ScoredVideo`, so what follows (thresholds, transitions, shots) is one code path.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentcut.detection.fades import frame_colour, frame_contrast
from latentcut.embeddings import Embeddings
from latentcut.io.video import FrameBatch, VideoInfo
from latentcut.scoring.curves import CurveBuilder, ScoreCurve
from latentcut.scoring.yardstick import reference_embeddings, sample_rows, video_sample


@dataclass
class ScoredVideo:
    """What :meth:`ShotDetector.score` returns: the curves and what the thresholds need."""

    curve: ScoreCurve
    info: VideoInfo
    frames: int  #: frames decoded
    truncated: bool
    reference: Embeddings | None  #: the encoder's yardstick embeddings
    sample: Embeddings | None  #: frames spread over this video, for its own yardstick
    embeddings: Embeddings | None = None  #: every analysed frame's, when asked for


class FrameScorer:
    """Embeds each pushed :class:`FrameBatch` and extends the score curves; ``keep`` holds every
    embedding (with indices, times, contrast and colour) for a cache or the caller."""

    def __init__(self, encoder, builder: CurveBuilder, info: VideoInfo, every: int, keep: bool = False):
        self.encoder, self.builder, self.info, self.every, self.keep = encoder, builder, info, every, keep
        self.kept: list = []
        self.sample: list = []
        self.seen = 0

    def update(self, batch: FrameBatch) -> None:
        emb = self.encoder.transform(batch.frames)
        contrast, colour = frame_contrast(batch.frames), frame_colour(batch.frames)
        self.builder.update(emb, batch.indices, batch.times, contrast, colour)
        rows = sample_rows(self.seen, len(emb), self.every)
        if len(rows):
            self.sample.append(emb[rows])
        self.seen += len(emb)
        if self.keep:
            self.kept.append((emb, batch.indices, batch.times, contrast, colour))

    def everything(self) -> tuple | None:
        """(embeddings, indices, times, contrast, colour) of every frame, when kept."""
        if not self.kept:
            return None
        if len(self.kept) > 1:  # joined once: finish() and the cache both ask for them
            self.kept = [(Embeddings.concat([k[0] for k in self.kept]),
                          *(np.concatenate([k[i] for k in self.kept]) for i in range(1, 5)))]
        return self.kept[0]

    def finish(self, frames: int, truncated: bool, keep_embeddings: bool = False) -> ScoredVideo:
        every = self.everything()
        return ScoredVideo(self.builder.finish(), self.info, frames, truncated, reference_embeddings(self.encoder),
                           video_sample(Embeddings.concat(self.sample)) if self.sample else None,
                           every[0] if keep_embeddings and every is not None else None)
