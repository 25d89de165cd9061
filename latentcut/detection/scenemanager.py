"""latentcut's pipeline as a detector inside PySceneDetect's ``SceneManager``.

    from scenedetect import SceneManager, open_video
    from latentcut.detection.scenemanager import LatentcutDetector

    manager = SceneManager()
    manager.add_detector(LatentcutDetector(encoder="pixel", thresholder="adaptive"))
    manager.detect_scenes(open_video("film.mp4"))
    scenes = manager.get_scene_list()

PySceneDetect hands over one BGR frame at a time; each is scaled to the encoder's size and
embedded in batches as it comes, so memory stays that of the small frames' embeddings.
``result_.cuts`` count frames in the order they came (latentcut's decoded indices); the cuts
returned to ``SceneManager`` are the positions PySceneDetect gave those frames, which number
frames from their timestamps and so may differ by one where timestamps are irregular. latentcut
decides on the whole score curve, so every cut is reported when the video ends (``post_process``),
not frame by frame: a ``SceneManager`` callback sees none of them, and ``result_`` holds the full
:class:`DetectionResult` (transitions, scores, curves) afterwards.
"""
from __future__ import annotations

import numpy as np

from latentcut.detection.pipeline import ShotDetector
from latentcut.detection.streaming import FrameScorer
from latentcut.extras import require
from latentcut.io.durations import DEFAULT_FPS
from latentcut.io.video import FrameBatch, VideoInfo
from latentcut.scoring.curves import CurveBuilder

require("pyscenedetect", "the PySceneDetect adapter")
from scenedetect.detector import SceneDetector as _PySceneDetector  # noqa: E402 - after the check: one line, no traceback

BATCH = 256


class LatentcutDetector(_PySceneDetector):
    """A PySceneDetect detector running latentcut: pass a :class:`latentcut.ShotDetector`, or its
    keyword arguments (``encoder``, ``distance``, ``thresholder``, ...)."""

    def __init__(self, detector: ShotDetector | None = None, **kwargs):
        super().__init__()
        self.detector = detector if detector is not None else ShotDetector(**kwargs)
        self.result_ = None
        self._reset()

    def _reset(self) -> None:
        self._scorer = None
        self._frames: list[np.ndarray] = []
        self._indices: list[int] = []
        self._times: list[float] = []
        self._fps = None
        self._count = 0
        self._positions: list = []

    def get_metrics(self) -> list[str]:
        return []

    @property
    def event_buffer_length(self) -> int:
        return 0

    def _start(self, timecode, frame_img: np.ndarray) -> None:
        fps = float(getattr(timecode, "frame_rate", None) or getattr(timecode, "framerate", None) or DEFAULT_FPS)
        h, w = frame_img.shape[:2]
        det = self.detector
        self._info = VideoInfo(path="<scenedetect>", width=w, height=h, rotation=0, fps=fps, duration=0.0,
                               frame_count=0, codec="")
        builder = CurveBuilder(det.distance, det.span_frames(fps))
        self._scorer = FrameScorer(det.encoder, builder, self._info, every=1)
        self._fps = fps

    def process_frame(self, timecode, frame_img: np.ndarray) -> list:
        if self._scorer is None:
            self._start(timecode, frame_img)
        from PIL import Image

        eh, ew = self.detector.encoder.frame_size
        rgb = np.ascontiguousarray(frame_img[..., ::-1]) if frame_img.ndim == 3 else frame_img
        img = Image.fromarray(rgb)
        if self.detector.encoder.color == "gray":
            img = img.convert("L")
        small = np.asarray(img.resize((ew, eh), Image.Resampling.BOX), np.uint8)
        self._frames.append(small if small.ndim == 3 else small[..., None])
        # PySceneDetect numbers a frame from its timestamp (two frames can share a number); the
        # curve counts frames as they come, and each cut goes back out as PySceneDetect's position
        self._indices.append(self._count)
        self._positions.append(timecode)
        self._times.append(float(timecode.seconds if hasattr(timecode, "seconds") else timecode.get_seconds()))
        self._count += 1
        if len(self._frames) >= BATCH:
            self._flush()
        return []

    def _flush(self) -> None:
        if self._frames:
            self._scorer.update(FrameBatch(np.stack(self._frames), np.asarray(self._indices, np.int64),
                                           np.asarray(self._times, np.float64)))
            self._frames, self._indices, self._times = [], [], []

    def post_process(self, timecode) -> list:
        if self._scorer is None:
            return []
        self._flush()
        scored = self._scorer.finish(self._count, False)
        det = self.detector
        result = det.detect_scored(scored)
        self.result_ = result
        positions = self._positions
        self._reset()
        return [positions[c.frame.frame] for c in result.cuts]
