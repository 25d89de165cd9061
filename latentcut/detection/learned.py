"""A boundary detector learned without human labels: a small 1-D convolution over score curves.

It reads the curves any encoder and distance make (the step, the flash-robust score, the span
curve and its straightness, each as a ratio to the yardstick and to its neighbourhood), so it
works with pixels, the VAEs and CNN features alike, and gives each analysed frame the
probability that a new shot starts there. It was trained on synthetic transitions spliced from
unlabelled footage (:mod:`latentcut.synthetic.transitions`; ``latentcut train-detector``
reproduces the shipped model). Inference is NumPy only, far faster than decoding.

A model folder holds ``config.json`` (architecture, layer shapes, the encoder it was trained on,
the feature recipe version) and ``model.safetensors`` (the weights, never a pickle).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from importlib import resources

import numpy as np

from latentcut.detection.spacing import min_spacing_frames, select_spaced
from latentcut.detection.thresholders import (
    AdaptiveThreshold,
    Thresholder,
    check_scores,
    local_contrast,
    running_median,
)
from latentcut.detection.transitions import runs
from latentcut.errors import CheckpointError, ThresholdError
from latentcut.io.durations import DEFAULT_FPS
from latentcut.io.folders import commit_folder, holds_only
from latentcut.registry import check_number

ARCHITECTURE = "latentcut.boundary-conv1d"
FEATURES_VERSION = 1
FEATURE_NAMES = ("step", "robust", "span", "straightness", "robust_contrast", "step_contrast", "step_over_median",
                 "held", "adaptive")
#: The model that ships with latentcut (package data), trained on the pixel encoder's curves.
SHIPPED = "pixel-v1"


def curve_features(curve, scale: float | None, fps: float | None) -> np.ndarray:
    """(n, len(FEATURE_NAMES)) float32 features of a ScoreCurve (or a bare score array).

    Every distance enters as a ratio, to the yardstick (``scale``) or to the curve's own
    neighbourhood, so one model serves every encoder and distance.
    """
    if isinstance(curve, np.ndarray) or not hasattr(curve, "raw"):
        s = check_scores(curve)
        raw, robust, span, straight = s, s, s, np.zeros_like(s)
    else:
        raw, robust, span = (np.asarray(a, np.float64) for a in (curve.raw, curve.scores, curve.span_scores))
        straight = np.asarray(curve.straightness, np.float64)
    n = len(robust)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)), np.float32)
    if not (np.isfinite(raw).all() and np.isfinite(robust).all() and np.isfinite(span).all()):
        raise ThresholdError("score curves contain NaN or infinite values")
    ref = float(scale) if scale and np.isfinite(scale) and scale > 0 else max(float(np.percentile(robust, 99.5)), 1e-12)
    w = max(3, int(round(0.25 * (fps or DEFAULT_FPS))))
    floor = 0.025 * ref
    med = running_median(raw, w) + floor
    out = np.stack([
        np.log1p(4.0 * raw / ref),
        np.log1p(4.0 * robust / ref),
        np.log1p(4.0 * span / ref),
        straight,
        np.log1p(local_contrast(robust, w, floor=floor)),
        np.log1p(local_contrast(raw, w, floor=floor)),
        np.log1p(raw / med),
        (raw < 0.02 * ref).astype(np.float64),
        np.log1p(AdaptiveThreshold().decision_function(robust, fps, ref)),
    ], axis=1)
    out[0] = 0.0
    return out.astype(np.float32)


@dataclass
class BoundaryModelConfig:
    """The network's shape: 1-D convolutions over frames, ReLU between, a 1x1 head to a logit."""

    in_channels: int = len(FEATURE_NAMES)
    hidden: int = 32
    kernel: int = 5
    dilations: tuple[int, ...] = (1, 2, 4, 8)
    encoder: str = "pixel"  #: the encoder whose curves it was trained on
    distance: str = "l1"
    features_version: int = FEATURES_VERSION
    architecture: str = ARCHITECTURE
    training: dict = field(default_factory=dict)  #: how it was made (data, steps, seed), for the record

    def layer_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes, c = {}, self.in_channels
        for i, _ in enumerate(self.dilations):
            shapes[f"conv{i}.weight"] = (self.hidden, c, self.kernel)
            shapes[f"conv{i}.bias"] = (self.hidden,)
            c = self.hidden
        shapes["head.weight"] = (1, c, 1)
        shapes["head.bias"] = (1,)
        return shapes


class BoundaryModel:
    """NumPy inference of the boundary network; weights as a dict of arrays named as in torch."""

    def __init__(self, config: BoundaryModelConfig, weights: dict[str, np.ndarray]):
        self.config = config
        self.weights = weights

    def logits(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, np.float32).T  # (C, n)
        n = x.shape[1]
        if n == 0:
            return np.zeros(0, np.float32)
        k = self.config.kernel
        for i, d in enumerate(self.config.dilations):
            w, b = self.weights[f"conv{i}.weight"], self.weights[f"conv{i}.bias"]
            half = d * (k - 1) // 2
            xp = np.pad(x, ((0, 0), (half, half)), mode="edge")
            y = np.tensordot(w[:, :, 0], xp[:, 0:n], axes=(1, 0))
            for t in range(1, k):
                y += np.tensordot(w[:, :, t], xp[:, t * d : t * d + n], axes=(1, 0))
            x = np.maximum(y + b[:, None], 0.0)
        out = np.tensordot(self.weights["head.weight"][:, :, 0], x, axes=(1, 0))[0] + self.weights["head.bias"][0]
        return out.astype(np.float32)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(features), -60, 60)))

    # -- the model folder ------------------------------------------------------------------------

    def save(self, folder: str | os.PathLike) -> None:
        from safetensors.numpy import save_file

        cfg = asdict(self.config)
        cfg["dilations"] = list(cfg["dilations"])

        def write(tmp):
            with open(os.path.join(tmp, "config.json"), "w", encoding="utf-8") as f:
                json.dump(cfg, f, indent=2)
            save_file({k: np.ascontiguousarray(v, np.float32) for k, v in self.weights.items()},
                      os.path.join(tmp, "model.safetensors"))

        commit_folder(os.fspath(folder), write, owned=holds_only("config.json", "model.safetensors"))

    @classmethod
    def load(cls, folder: str | os.PathLike) -> "BoundaryModel":
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        folder = os.fspath(folder)
        try:
            with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
                raw = json.load(f)
        except FileNotFoundError:
            raise CheckpointError(f"{folder}: no boundary model here (no config.json)") from None
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"{folder}: config.json is not readable JSON ({exc})") from None
        if not isinstance(raw, dict) or raw.get("architecture") != ARCHITECTURE:
            got = raw.get("architecture") if isinstance(raw, dict) else None
            raise CheckpointError(f"{folder}: not a boundary model (architecture {got!r}, expected {ARCHITECTURE!r})")
        if raw.get("features_version") != FEATURES_VERSION:
            raise CheckpointError(f"{folder}: made for feature recipe {raw.get('features_version')}, "
                                  f"this latentcut computes {FEATURES_VERSION}")
        try:
            raw["dilations"] = tuple(int(d) for d in raw["dilations"])
            config = BoundaryModelConfig(**raw)
        except (TypeError, ValueError, KeyError) as exc:
            raise CheckpointError(f"{folder}: config.json does not describe a boundary model ({exc})") from None
        try:
            weights = load_file(os.path.join(folder, "model.safetensors"))
        except FileNotFoundError:
            raise CheckpointError(f"{folder}: model.safetensors is missing") from None
        except (SafetensorError, OSError, ValueError) as exc:
            raise CheckpointError(f"{folder}: model.safetensors is not readable (corrupt or truncated?): {exc}") from None
        expected = config.layer_shapes()
        got = {k: tuple(v.shape) for k, v in weights.items()}
        if got != expected:
            diff = sorted(set(expected.items()) ^ set(got.items()))[:3]
            raise CheckpointError(f"{folder}: weights do not fit the config (first differences: {diff})")
        if not all(np.isfinite(v).all() for v in weights.values()):
            raise CheckpointError(f"{folder}: weights contain NaN or infinite values")
        return cls(config, weights)


def shipped_model_dir(name: str = SHIPPED) -> str:
    return str(resources.files("latentcut.detection") / "models" / name)


_LOADED: dict[str, BoundaryModel] = {}


def load_model(path: str | None) -> BoundaryModel:
    key = os.path.abspath(path) if path else shipped_model_dir()
    if key not in _LOADED:
        _LOADED[key] = BoundaryModel.load(key)
    return _LOADED[key]


class LearnedThreshold(Thresholder):
    """Cuts where the learned boundary network is confident: its probability at least
    ``threshold`` and a peak. ``model`` is a model folder (``latentcut train-detector``) or None
    for the one that ships with latentcut. Shots may be as short as ``min_shot_len`` (default one
    frame: fan edits cut every 1-3 frames); two boundaries on neighbouring frames are kept only if
    each stands on its own (a dip between them, or both far above the threshold)."""

    name = "learned"

    def __init__(self, threshold: float = 0.5, model: str | None = None, min_shot_len: int | float | str | None = 1):
        super().__init__(min_shot_len)
        self.threshold = threshold
        self.model = model

    def check_params(self) -> None:
        super().check_params()
        check_number("threshold", self.threshold, 0.0, 1.0, lo_open=True)
        if self.threshold >= 1.0:
            raise ValueError(f"threshold must be < 1, not {self.threshold!r}")
        if self.model is not None and not isinstance(self.model, str):
            raise ValueError(f"model must be a folder path, not {self.model!r}")

    def decision_function(self, scores, fps=None, scale=None) -> np.ndarray:
        feats = curve_features(scores, scale, fps)
        if len(feats) < 2:
            return np.zeros(len(feats))
        p = load_model(self.model).predict_proba(feats).astype(np.float64)
        p[0] = 0.0
        return p

    def fit(self, scores, fps=None, scale=None):
        self.check_params()
        check_scores(scores)
        load_model(self.model)
        self.threshold_ = float(self.threshold)
        return self

    def predict(self, scores, fps=None, scale=None) -> np.ndarray:
        if not hasattr(self, "threshold_"):
            raise ThresholdError(f"{self.name}: call fit() before predict()")
        p = self.decision_function(scores, fps, scale)
        if len(p) < 2:
            return np.zeros(0, np.int64)
        return peaks(p, self.threshold_, min_spacing_frames(self.min_shot_len, fps))


def peaks(p: np.ndarray, threshold: float, spacing: int = 1) -> np.ndarray:
    """One boundary per run of frames at or above ``threshold``, at the run's most confident frame
    (a dissolve lights up all its mixed frames). A run of two frames that are both far above the
    threshold is two boundaries: a one-frame shot, common in fan edits. Boundaries are at least
    ``spacing`` frames apart, stronger first."""
    p = np.asarray(p, np.float64)
    on = p >= threshold
    on[:1] = False
    strong = 0.5 * (1.0 + threshold)
    cand = []
    for a, b in runs(on):  # inclusive ends
        if b - a == 1 and p[a] >= strong and p[b] >= strong:
            cand += [a, b]
        else:
            cand.append(a + int(np.argmax(p[a : b + 1])))
    return select_spaced(np.asarray(cand, np.int64), p, max(1, spacing))
