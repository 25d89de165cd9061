"""The pipeline: video -> frames -> embeddings -> score curves -> cuts -> shots.

``detect(path)`` is the one call for the common case; :class:`ShotDetector` holds the choices
(encoder, distance, thresholder) and is reused across many videos. Each step is a method, so a
caller can start from any point of the path: a video (:meth:`~ShotDetector.detect`), embeddings
(:meth:`~ShotDetector.detect_embeddings`) or score curves (:meth:`~ShotDetector.detect_scored`).
"""
from __future__ import annotations

import os

import numpy as np

from latentcut.component import describe
from latentcut.detection import merge, scan, timing
from latentcut.detection.fades import FadeFinder, create_fade_finder
from latentcut.detection.results import DetectionResult
from latentcut.detection.spacing import min_spacing_frames
from latentcut.detection.streaming import ScoredVideo
from latentcut.detection.thresholders import Thresholder, create_thresholder
from latentcut.detection.verifiers import Verifier, create_verifier
from latentcut.encoders import Encoder, create_encoder
from latentcut.io.arguments import bool_arg, int_arg, length_arg, optional_bool, path_arg, position_arg
from latentcut.registry import parse_spec
from latentcut.io.durations import DEFAULT_FPS
from latentcut.io.thumbnails import thumbnails
from latentcut.scoring.distances import Distance, create_distance
from latentcut.scoring.yardstick import yardstick


class ShotDetector:
    """Finds shot boundaries; reusable for many videos.

    encoder, distance, thresholder: registered names, spec strings (``"fixed,value=0.2"``) or
    instances. The distance defaults to ``gaussian-kl`` for encoders with a variance (the VAEs)
    and ``l1`` for the rest. ``span`` is the wider comparison span for gradual transitions, in frames (int) or
    seconds (``"0.5s"``); ``gradual=False`` reports hard cuts only. ``stride`` analyses every k-th
    frame (faster, coarser). ``progress`` shows a progress bar (default: when stderr is a terminal).
    ``cache``: the embedding cache (None: for the slow encoders, in the default root; True; False; a folder).
    ``verifier`` (e.g. ``"transnetv2"``) re-examines the weak candidates around which the
    thresholder was unsure (:mod:`latentcut.detection.verifiers`); off by default. ``fades`` finds
    fades to and from a flat frame on the frames' contrast (:mod:`latentcut.detection.fades`; a spec
    such as ``"fades,min_len=4"``, or None to turn it off). ``drop_short`` leaves out, and
    ``merge_last`` merges a last, shot shorter than the thresholder's ``min_shot_len``; ``short_ends=False``
    holds the first and last shot to it too (a video that opens on one black frame has a real cut at 1).
    """

    def __init__(self, encoder: str | Encoder = "pixel", distance: str | Distance | None = None,
                 thresholder: str | Thresholder = "adaptive", span: int | str = "0.5s", gradual: bool = True,
                 stride: int = 1, batch_size: int = 256, progress: bool | None = None,
                 cache: bool | str | os.PathLike | None = None, verifier: str | Verifier | None = None,
                 fades: str | FadeFinder | None = "fades", drop_short: bool = False, merge_last: bool = False,
                 short_ends: bool = True):
        self.encoder = create_encoder(encoder)
        if distance is None:
            distance = "gaussian-kl" if self.encoder.probabilistic else "l1"
        self.distance = create_distance(distance)
        self.thresholder = create_thresholder(thresholder)
        self.span = length_arg(span, "span")
        self.gradual = bool_arg(gradual, "gradual")
        self.stride = int_arg(stride, "stride", 1)
        self.batch_size = int_arg(batch_size, "batch_size", 1)
        self.progress = optional_bool(progress, "progress")
        if not (cache is None or isinstance(cache, (bool, str, os.PathLike))):
            raise TypeError(f"cache must be None, True, False or a folder path, not {type(cache).__name__}")
        self.cache = cache
        self.verifier = None if verifier is None else create_verifier(verifier)
        self.fades = create_fade_finder(fades)
        self.drop_short = bool_arg(drop_short, "drop_short")
        self.merge_last = bool_arg(merge_last, "merge_last")
        self.short_ends = bool_arg(short_ends, "short_ends")

    def reader(self, path, start=None, end=None, duration=None):
        """The video's frames as this detector's encoder wants them (:func:`latentcut.detection.scan.open_range`)."""
        return scan.open_range(path, self.encoder, self.batch_size, self.stride, start, end, duration)

    def span_frames(self, fps: float) -> int:
        """The span in analysed frames at ``fps`` analysed frames a second."""
        return max(2, min_spacing_frames(self.span, fps))

    def score(self, path, keep_embeddings: bool = False, start=None, end=None, duration=None) -> ScoredVideo:
        """The video's score curves and what the thresholds need, from its frames or the embedding cache; with
        ``keep_embeddings``, every analysed frame's embedding too. ``start``/``end``/``duration``: part of it."""
        path, keep = path_arg(path), bool_arg(keep_embeddings, "keep_embeddings")
        start, end, duration = (position_arg(v, n) for v, n in ((start, "start"), (end, "end"), (duration, "duration")))
        return scan.score_video(self.reader(path, start, end, duration), self.encoder, self.distance,
                                self.span_frames, progress=self.progress, cache=self.cache, keep_embeddings=keep)

    def score_embeddings(self, embeddings, times, indices=None, contrast=None, info=None, colour=None) -> ScoredVideo:
        """:meth:`score` from embeddings already made (:func:`latentcut.detection.scan.score_embeddings`)."""
        return scan.score_embeddings(embeddings, times, self.encoder, self.distance, self.span_frames,
                                     indices=indices, contrast=contrast, colour=colour, info=info)

    def detect(self, path, keep_embeddings: bool = False, start=None, end=None, duration=None,
               callback=None) -> DetectionResult:
        """Shots of one video. With ``keep_embeddings`` the result's ``embeddings`` holds every
        analysed frame's embedding (for retrieval and maps). ``start``, ``end`` or ``duration``
        limit the work to part of the video (seconds, ``"12.5s"``, a timecode or frames; frame
        numbers and times stay the whole video's). ``callback(image, timecode)``, as
        PySceneDetect's ``on_new_scene``, is called for each boundary in order with the new shot's
        first frame (RGB, display size) and its :class:`Timecode` (``int()`` gives the frame)."""
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be a function of (image, timecode), not {type(callback).__name__}")
        path = path_arg(path)
        scored = self.score(path, keep_embeddings, start, end, duration)
        result = self.detect_scored(scored, verify=path)
        if start is not None or end is not None or duration is not None:
            result.range = (float(result.curve.times[0]) if len(result.curve) else 0.0, result.video_end)
        if callback is not None and result.cuts:
            w, h = result.video.display_size
            for cut, image in zip(result.cuts, thumbnails(path, [c.frame.frame for c in result.cuts], (h, w))):
                callback(image, cut.frame)
        return result

    def detect_embeddings(self, embeddings, times, indices=None, contrast=None, info=None,
                          colour=None) -> DetectionResult:
        """Shots from every analysed frame's embeddings and times, as :meth:`detect` finds them from the video:
        ``indices`` (default 0, 1, ...) number the frames, ``contrast`` and ``colour`` (``frame_contrast`` and
        ``frame_colour`` of :mod:`latentcut.detection.fades`) let fades and cuts between flat cards be found,
        ``info`` (:func:`latentcut.probe`) gives the nominal rate."""
        return self.detect_scored(self.score_embeddings(embeddings, times, indices, contrast, info, colour))

    def detect_scored(self, scored: ScoredVideo, scale: float | None = None, verify=None) -> DetectionResult:
        """Cuts and shots from score curves (:meth:`score`, :meth:`score_embeddings`), e.g. to try thresholders
        cheaply. ``scale`` gives the thresholds' yardstick directly (curves made some other way, e.g. fused);
        ``verify``: the video the verifier, if any, re-examines."""
        curve, info = scored.curve, scored.info
        fps, thr = timing.sampled_fps(curve, info), self.thresholder
        if scale is None:
            scale = self.yardstick(scored.reference, scored.sample)
        pos = thr.fit_predict(curve, fps, scale) if len(curve) > 1 else np.zeros(0, np.int64)
        decision = thr.decision_function(curve, fps, scale) if len(curve) > 1 else np.zeros(len(curve))
        cuts = merge.merge_boundaries(curve, pos, fps, info.fps, scale=scale, min_shot_len=thr.min_shot_len,
                                      gradual=self.gradual, fades=self.fades, short_ends=self.short_ends)
        result = DetectionResult(video=info, cuts=cuts, shots=[], curve=curve,
                                 threshold=float(getattr(thr, "threshold_", np.nan)), decision=decision,
                                 settings=self.settings(), truncated=scored.truncated, frames=scored.frames,
                                 video_end=timing.video_end(curve, info), embeddings=scored.embeddings)
        if self.verifier is not None and verify is not None and len(curve) > 2:
            result.cuts = self.verifier.verify(verify, result)
        result.shots = timing.shots_of(result.cuts, curve, info, result.frames, result.video_end)
        if self.drop_short or self.merge_last:
            least = min_spacing_frames(thr.min_shot_len, info.fps or DEFAULT_FPS)
            result.shots = merge.tidy_shots(result.shots, least, self.drop_short, self.merge_last)
        result.metrics = merge.component_metrics((self.encoder, self.distance, thr, self.fades), result)
        return result

    def yardstick(self, reference=None, sample=None) -> float:
        """The thresholds' scale: the larger of two "distances between unrelated pictures", the encoder's own
        (from ``reference``, default the encoder's: synthetic pictures, or the frames a VAE learned from; it keeps
        a video with nothing in it from turning noise into cuts) and that among ``sample``, frames spread over
        this video (it matters for pretrained CNN features, to which synthetic pictures all look alike)."""
        return yardstick(self.encoder, self.distance, reference, sample)

    def settings(self) -> dict:
        parts = {"encoder": self.encoder, "distance": self.distance, "thresholder": self.thresholder}
        return {**{k: describe(v) for k, v in parts.items()}, "span": self.span, "gradual": self.gradual,
                "stride": self.stride, "fades": describe(self.fades) if self.fades is not None else None,
                **({"drop_short": True} if self.drop_short else {}), **({"merge_last": True} if self.merge_last else {}),
                **({"short_ends": False} if not self.short_ends else {}),
                **({"verifier": describe(self.verifier)} if self.verifier is not None else {})}


def detect(path, encoder: str | Encoder | None = None, *, start_time=None, end_time=None, duration=None, callback=None,
           min_shot_len=None, min_scene_len=None, **detector) -> DetectionResult:
    """Detect shot boundaries in one video.

    ``start_time``, ``end_time`` and ``duration`` (PySceneDetect's names) limit the work to part
    of the video; ``callback(image, timecode)`` is PySceneDetect's ``on_new_scene`` (see
    :meth:`ShotDetector.detect`). ``min_shot_len`` (or PySceneDetect's ``min_scene_len``: frames,
    ``"0.5s"`` or a timecode) holds every shot to that length, the first and last too, as
    ``--min-shot-len`` does (:func:`holding_to`). ``encoder`` (second, as PySceneDetect's ``detect(path, detector)``) and
    the other keywords (``thresholder``, ...) go to :class:`ShotDetector`, whose signature holds the defaults.

    >>> result = latentcut.detect("film.mp4")
    >>> [(c.frame.frame, str(c.frame)) for c in result.cuts]
    [(30, '00:00:01.200'), ...]
    """
    if encoder is not None:
        detector["encoder"] = encoder
    if min_scene_len is not None:
        if min_shot_len is not None:
            raise TypeError("give min_shot_len or min_scene_len (PySceneDetect's name for it), not both")
        min_shot_len = min_scene_len
    if min_shot_len is not None:
        detector["thresholder"] = holding_to(detector.get("thresholder", "adaptive"), min_shot_len)
        detector.setdefault("short_ends", False)
    return ShotDetector(**detector).detect(path, start=start_time, end=end_time, duration=duration, callback=callback)


def holding_to(thresholder: "str | Thresholder", min_shot_len) -> Thresholder:
    """A copy of ``thresholder`` that holds every shot to ``min_shot_len``, as PySceneDetect's
    ``min_scene_len`` does: the adaptive thresholder's sure-jump and rapid-run exceptions, which let
    fan edits cut 2 frames apart, are turned off unless the spec or instance sets them itself."""
    import inspect

    given = create_thresholder(thresholder)
    thr = type(given)(**given.get_params())  # the caller's instance stays as it was
    thr.set_params(min_shot_len=min_shot_len)
    params = thr.get_params()
    named = set(parse_spec(thresholder)[2]) if isinstance(thresholder, str) else set()
    defaults = {k: p.default for k, p in inspect.signature(type(thr).__init__).parameters.items()}
    strict = {k: None for k in ("sure_score", "rapid_ratio")
              if k in params and k not in named and params[k] is not None and params[k] == defaults.get(k)}
    return thr.set_params(**strict) if strict else thr
