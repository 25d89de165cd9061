"""The pipeline: video -> frames -> embeddings -> score curves -> cuts -> scenes.

``detect(path)`` is the one call for the common case; :class:`SceneDetector` holds the choices
(encoder, distance, thresholder) and is reused across many videos.
"""
from __future__ import annotations

import os
import warnings
import numpy as np

from latentcut.cache import EmbeddingCache
from latentcut.component import describe
from latentcut.detection.fades import FadeFinder, create_fade_finder
from latentcut.detection import timing
from latentcut.detection.results import CURVE_COLUMNS, Cut, DetectionResult, Shot
from latentcut.detection.spacing import min_spacing_frames, spaced_from
from latentcut.detection.streaming import FrameScorer, ScoredVideo
from latentcut.detection.thresholders import Thresholder, create_thresholder
from latentcut.detection.transitions import find_span_boundaries
from latentcut.detection.verifiers import Verifier, create_verifier
from latentcut.encoders import Encoder, create_encoder
from latentcut.errors import LatentcutError
from latentcut.io.arguments import bool_arg, int_arg, length_arg, optional_bool, path_arg, position_arg
from latentcut.io.durations import DEFAULT_FPS, position_seconds
from latentcut.io.timecode import Timecode
from latentcut.io.video import VideoInfo, VideoReader
from latentcut.scoring.curves import CurveBuilder, ScoreCurve
from latentcut.scoring.distances import Distance, create_distance
from latentcut.scoring.yardstick import reference_scale, sample_every, scale_of, yardstick_sample
from latentcut.io.progress import bar as progress_bar
from latentcut.io.progress import showing
from latentcut.io.thumbnails import thumbnails

DEFAULT_ENCODER = "pixel"
DEFAULT_DISTANCE = "l1"
PROBABILISTIC_DISTANCE = "gaussian-kl"
DEFAULT_THRESHOLDER = "adaptive"


def _progress(total: int, enabled: bool | None, desc: str):
    return progress_bar(total, desc, "frame", enabled)


class SceneDetector:
    """Finds shot boundaries; reusable for many videos.

    encoder, distance, thresholder: registered names, spec strings (``"fixed,value=0.2"``) or
    instances. The distance defaults to ``gaussian-kl`` for encoders with a variance (the VAEs)
    and ``l1`` for the rest. ``span`` is the wider comparison span for gradual transitions, in frames (int) or
    seconds (``"0.5s"``); ``gradual=False`` reports hard cuts only. ``stride`` analyses every k-th
    frame (faster, coarser). ``progress`` shows a progress bar (default: when stderr is a terminal).
    ``verifier`` (e.g. ``"transnetv2"``) re-examines the weak candidates around which the
    thresholder was unsure (:mod:`latentcut.detection.verifiers`); off by default. ``fades`` finds
    fades to and from a flat frame on the frames' contrast (:mod:`latentcut.detection.fades`; a spec
    such as ``"fades,min_len=4"``, or None to turn it off); it runs with the other gradual steps.
    ``short_ends``: the first and last shot may be shorter than the thresholder's ``min_shot_len``
    (a video that opens on one black frame has a real cut at 1); False holds them to it too (the
    command line does so when ``--min-shot-len`` is given).
    """

    def __init__(
        self,
        encoder: str | Encoder = DEFAULT_ENCODER,
        distance: str | Distance | None = None,
        thresholder: str | Thresholder = DEFAULT_THRESHOLDER,
        span: int | str = "0.5s",
        gradual: bool = True,
        stride: int = 1,
        batch_size: int = 256,
        progress: bool | None = None,
        cache: bool | str | None = None,
        verifier: "str | Verifier | None" = None,
        fades: "str | FadeFinder | None" = "fades",
        drop_short: bool = False,
        merge_last: bool = False,
        short_ends: bool = True,
    ):
        self.encoder = create_encoder(encoder)
        if distance is None:
            distance = PROBABILISTIC_DISTANCE if self.encoder.probabilistic else DEFAULT_DISTANCE
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

    # -- the pipeline, one step per method, so each can be reused on its own ------------------

    def reader(self, path: str | os.PathLike, start=None, end=None, duration=None) -> VideoReader:
        """The video's frames as this detector's encoder wants them, within [start, end) when given:
        seconds, ``"12.5s"``, a timecode, or frames (``"300"``, at the nominal rate); ``duration``
        instead of ``end`` counts from ``start``."""
        if end is not None and duration is not None:
            raise LatentcutError("give an end or a duration, not both")
        reader = VideoReader(path, size=self.encoder.frame_size, color=self.encoder.color,
                             batch_size=self.batch_size, stride=self.stride)
        if start is None and end is None and duration is None:
            return reader
        fps = reader.info.fps
        try:
            s = position_seconds(start, fps, "start") if start is not None else None
            e = position_seconds(end, fps, "end") if end is not None else None
            if duration is not None:
                length = position_seconds(duration, fps, "duration")
                if length <= 0:
                    raise ValueError(f"duration must be longer than 0, not {duration!r}")
                e = (s or 0.0) + length
            return VideoReader(path, size=reader.size, color=reader.color, batch_size=self.batch_size,
                               stride=self.stride, start=s, end=e)
        except ValueError as exc:
            raise LatentcutError(str(exc)) from None

    def span_frames(self, fps: float) -> int:
        return max(2, min_spacing_frames(self.span, fps))

    def _embedding_cache(self):
        if self.cache is False or (self.cache is None and not getattr(self.encoder, "cacheable", False)):
            return None
        return EmbeddingCache(self.cache if isinstance(self.cache, str) else None)

    def score(self, path: str | os.PathLike, keep_embeddings: bool = False, start=None, end=None,
              duration=None) -> "ScoredVideo":
        """Decode and embed the video (or read its embeddings from the cache) and return its score
        curves with what the thresholds need (:class:`ScoredVideo`); with ``keep_embeddings``,
        every analysed frame's embedding too. ``start``/``end``/``duration``: see :meth:`reader`."""
        path = path_arg(path)
        keep_embeddings = bool_arg(keep_embeddings, "keep_embeddings")
        start, end, duration = (position_arg(v, n) for v, n in ((start, "start"), (end, "end"), (duration, "duration")))
        reader = self.reader(path, start, end, duration)
        info = reader.info
        fps = (info.fps or DEFAULT_FPS) / self.stride
        builder = CurveBuilder(self.distance, self.span_frames(fps))
        every = sample_every(info, self.stride)
        cache = self._embedding_cache()
        key = None
        if cache is not None:
            reader_cfg = {"size": list(reader.size), "color": reader.color, "stride": self.stride, "fast": reader.fast}
            if reader.start is not None or reader.end is not None:
                reader_cfg["range"] = [reader.start, reader.end]
            key = cache.key(reader.path, self.encoder.config(), reader_cfg)
            try:
                hit = cache.get(key, self.encoder.config())
            except OSError as exc:
                warnings.warn(f"could not read the embedding cache ({exc}); going on without it", stacklevel=2)
                hit = None
            if hit is not None and hit.contrast is None:
                hit = None  # written before fades were found: decode once more to measure the frames' contrast
            if hit is not None:
                for i in range(0, len(hit.indices), 4096):
                    builder.update(hit.embeddings[i : i + 4096], hit.indices[i : i + 4096], hit.times[i : i + 4096],
                                   hit.contrast[i : i + 4096])
                self.encoder.restore_cache_state(hit.extras or {})
                frames = int(hit.meta.get("frames", int(hit.indices[-1]) + 1 if len(hit.indices) else 0))
                return ScoredVideo(builder.finish(), info, frames, hit.meta.get("truncated") == "True", hit.reference,
                                   yardstick_sample(hit.embeddings, every),
                                   hit.embeddings if keep_embeddings else None)
        if self.encoder.requires_fit and not self.encoder.is_fitted():
            # encoders that learn on the video itself; a VAE caches what it learned under the same root
            with showing(self.progress):
                self.encoder.fit_video(reader, cache_dir=self.cache if isinstance(self.cache, str) else None)
        scorer = FrameScorer(self.encoder, builder, info, every, keep=cache is not None or keep_embeddings)
        bar = _progress(reader.expected_frames(), self.progress, os.path.basename(reader.path))
        try:
            for batch in reader:
                scorer.update(batch)
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        scored = scorer.finish(reader.frames_decoded, reader.truncated, keep_embeddings)
        everything = scorer.everything()
        if cache is not None and everything is not None:
            emb, indices, times, contrast = everything
            try:
                cache.put(key, emb, indices, times, self.encoder.config(),
                          {"frames": reader.frames_decoded, "truncated": reader.truncated}, reference=scored.reference,
                          extras=self.encoder.cache_state(), contrast=contrast)
            except (OSError, LatentcutError) as exc:  # read-only, full, or a file where the folder should be
                warnings.warn(f"could not write the embedding cache ({exc}); going on without it", stacklevel=2)
        return scored

    def detect(self, path: str | os.PathLike, keep_embeddings: bool = False, start=None, end=None, duration=None,
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
        result = self.detect_curve(scored.curve, scored.info, frames=scored.frames, truncated=scored.truncated,
                                   end_time=timing.end_time(scored.curve, scored.info), reference=scored.reference,
                                   sample=scored.sample)
        result.embeddings = scored.embeddings
        if self.verifier is not None and len(result.curve) > 2:
            result.cuts = self.verifier.verify(path, result)
            result.shots = timing.shots_of(result.cuts, result.curve, result.video, result.frames, result.end_time)
        result.shots = self.tidy_shots(result.shots, result.video.fps)
        if start is not None or end is not None or duration is not None:
            result.range = (float(result.curve.times[0]) if len(result.curve) else 0.0, result.end_time)
        if callback is not None and result.cuts:
            firsts = [c.frame.frame for c in result.cuts]
            w, h = result.video.display_size
            for cut, image in zip(result.cuts, thumbnails(path, firsts, (h, w))):
                callback(image, cut.frame)
        return result

    def tidy_shots(self, shots, fps: float | None):
        """``merge_last``: a last shot shorter than the minimum shot length joins the one before;
        ``drop_short``: shots shorter than it are left out (the list then has gaps)."""
        if not (self.drop_short or self.merge_last) or not shots:
            return shots
        least = min_spacing_frames(self.thresholder.min_shot_len, fps or DEFAULT_FPS)
        if self.merge_last and len(shots) > 1 and shots[-1].length_frames < least:
            shots = shots[:-2] + [Shot(shots[-2].number, shots[-2].start, shots[-1].end)]
        if self.drop_short:
            shots = [s for s in shots if s.length_frames >= least]
        return shots

    def detect_curve(
        self, curve: ScoreCurve, info: VideoInfo, frames: int | None = None, truncated: bool = False,
        end_time: float | None = None, reference=None, sample=None, scale: float | None = None,
    ) -> DetectionResult:
        """Cuts and scenes from score curves already computed (e.g. to try thresholders cheaply).

        The thresholds' yardstick is the larger of two "distances between unrelated pictures":
        the encoder's own (``reference``, default from the encoder: synthetic pictures, or the
        frames a VAE learned from) and that among ``sample``, embeddings of frames spread over
        this video. The first keeps a video with nothing in it from turning noise into cuts; the
        second matters for pretrained CNN features, to which synthetic pictures all look alike.
        ``scale`` gives the yardstick directly instead (curves made some other way, e.g. fused).
        """
        fps = timing.sampled_fps(curve, info)
        thr = self.thresholder
        if scale is None:
            scale = self.yardstick(reference, sample)
        pos = thr.fit_predict(curve, fps, scale) if len(curve) > 1 else np.zeros(0, np.int64)
        decision = thr.decision_function(curve, fps, scale) if len(curve) > 1 else np.zeros(len(curve))
        tc = lambda p: Timecode(int(curve.indices[p]), float(curve.times[p]), info.fps or None)  # noqa: E731
        cuts = [Cut(tc(p), float(curve.scores[p])) for p in pos]
        if self.gradual and len(curve) > curve.k:
            # A boundary found on the gap curve must move about as far as this video's cuts do.
            level = float(np.median(curve.scores[pos])) if len(pos) else scale
            spacing = min_spacing_frames(thr.min_shot_len, fps)
            taken = list(pos)
            covered = [(p, p) for p in pos]  # the curve positions each boundary taken so far spans

            def take(b) -> None:
                mid = b.start if b.kind == "cut" else (b.start + b.end + 1) // 2
                if not spaced_from(mid, taken, spacing):
                    return
                taken.append(mid)
                if b.kind == "cut":
                    covered.append((mid, mid))
                    cuts.append(Cut(tc(mid), float(curve.scores[mid])))
                else:
                    covered.append((b.start, b.end))
                    cuts.append(Cut(tc(mid), b.strength, kind="gradual", start=tc(b.start), end=tc(b.end)))

            for b in find_span_boundaries(curve, level, pos):
                take(b)
            if self.fades is not None and curve.contrast is not None:
                for b in self.fades.find(curve.contrast, stops=pos):
                    # a ramp that touches a boundary already taken (a dissolve the span step found, or
                    # a cut right where a fade begins or ends) is that boundary
                    if not any(lo <= b.end + 1 and b.start <= hi + 1 for lo, hi in covered):
                        take(b)
            cuts.sort(key=lambda c: c.frame.frame)
        if not self.short_ends and cuts:
            least = min_spacing_frames(thr.min_shot_len, fps)
            at = np.searchsorted(curve.indices, [c.frame.frame for c in cuts])  # curve positions: strides count
            cuts = [c for c, p in zip(cuts, at) if least <= p <= len(curve) - least]
        n_frames = frames if frames is not None else (int(curve.indices[-1]) + 1 if len(curve) else 0)
        end = end_time if end_time is not None else timing.end_time(curve, info)
        shots = timing.shots_of(cuts, curve, info, n_frames, end)
        result = DetectionResult(
            video=info,
            cuts=cuts,
            shots=shots,
            curve=curve,
            threshold=float(getattr(thr, "threshold_", np.nan)),
            decision=decision,
            settings=self.settings(),
            truncated=truncated,
            frames=n_frames,
            end_time=end,
        )
        result.metrics = self.frame_metrics(result)
        return result

    def yardstick(self, reference=None, sample=None) -> float:
        """The thresholds' scale (see :meth:`detect_curve`): the encoder's distance between unrelated
        pictures (from ``reference``, default the encoder's own), or that among ``sample`` if larger."""
        scale = scale_of(reference, self.distance) if reference is not None else reference_scale(self.encoder, self.distance)
        if sample is not None and len(sample) >= 2:
            scale = max(scale, scale_of(sample, self.distance))
        return scale

    def frame_metrics(self, result: DetectionResult) -> dict[str, np.ndarray]:
        """The per-frame values the encoder, distance and thresholder declare, checked: each key
        declared, not clashing with another component's or a built-in column, one value per curve row."""
        out: dict[str, np.ndarray] = {}
        for part in (self.encoder, self.distance, self.thresholder, self.fades):
            if part is None:
                continue
            declared = tuple(getattr(part, "metric_keys", ()))
            values = part.frame_metrics(result) if hasattr(part, "frame_metrics") else {}
            for key, value in values.items():
                if key not in declared:
                    raise LatentcutError(f"{part.name}: returned metric {key!r} it does not declare in metric_keys")
                if key in out or key in CURVE_COLUMNS:
                    raise LatentcutError(f"{part.name}: metric {key!r} is already a column of the curve CSV")
                arr = np.asarray(value, np.float64)
                if arr.shape != (len(result.curve),):
                    raise LatentcutError(f"{part.name}: metric {key!r} has shape {arr.shape}, "
                                         f"not one value per analysed frame ({len(result.curve)})")
                out[key] = arr
        return out

    def settings(self) -> dict:
        return {
            "encoder": describe(self.encoder),
            "distance": describe(self.distance),
            "thresholder": describe(self.thresholder),
            "span": self.span,
            "gradual": self.gradual,
            "stride": self.stride,
            "fades": describe(self.fades) if self.fades is not None else None,
            **({"drop_short": True} if self.drop_short else {}),
            **({"merge_last": True} if self.merge_last else {}),
            **({"short_ends": False} if not self.short_ends else {}),
            **({"verifier": describe(self.verifier)} if self.verifier is not None else {}),
        }


def detect(
    path: str | os.PathLike,
    encoder: str | Encoder = DEFAULT_ENCODER,
    distance: str | Distance | None = None,
    thresholder: str | Thresholder = DEFAULT_THRESHOLDER,
    start_time=None,
    end_time=None,
    duration=None,
    callback=None,
    **kwargs,
) -> DetectionResult:
    """Detect shot boundaries in one video.

    ``start_time``, ``end_time`` and ``duration`` (PySceneDetect's names) limit the work to part
    of the video; ``callback(image, timecode)`` is PySceneDetect's ``on_new_scene`` (see
    :meth:`SceneDetector.detect`). Other keywords go to :class:`SceneDetector`.

    >>> result = latentcut.detect("film.mp4")
    >>> [(c.frame.frame, str(c.frame)) for c in result.cuts]
    [(30, '00:00:01.200'), ...]
    """
    return SceneDetector(encoder, distance, thresholder, **kwargs).detect(
        path, start=start_time, end=end_time, duration=duration, callback=callback)
