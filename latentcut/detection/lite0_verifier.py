"""The ``lite0`` verifier: a logistic regression over what a window of frames around each candidate shows.

The adaptive rule proposes; this verifier re-examines every hard cut it accepted and every weak
peak it passed over (decision in [``low``, 1)). For each it decodes the ten frames around the
candidate (by seeking; the cost follows the candidates, not the video) and measures what a
pixel distance misses:

- EfficientNet-Lite0 features (ImageNet, 128x128, pooled): how far the frames before are from
  the frames after at their *nearest* pair (motion blur and a smear leave one pair close; an edit
  leaves none), against the change within each side; whether the frame before comes back within
  five frames (a flash, an impact frame); and *what* changed between the last frame before and
  the first after (their feature difference, projected on its 8 principal directions over the
  training candidates: a zoom or a flash changes other features than an edit does);
- the palette (joint colour histograms) before and after, and whether it comes back;
- the curve's own shape: the decision, the jump against the video's typical step, the motion
  around, the straightness, the mean-colour jump.

The model (``models/lite0-verifier``: ``config.json`` with the feature list and both decision
thresholds, ``model.safetensors`` with the projection, the scaler and the weights) is fitted on the labelled clips by
``benchmarks/verifier_cv.py --lite0 WEIGHTS --save DIR``, which also reports its
leave-one-collection-out figure. Lite0's weights are not shipped: give ``weights`` (a safetensors
file) or ``$LATENTCUT_WEIGHTS_DIR``; installed with ``pip install 'latentcut[timm]'``.
"""
from __future__ import annotations

import json
import os

import numpy as np

from latentcut.detection.verifiers import Verifier
from latentcut.encoders.lite0 import Lite0Encoder
from latentcut.encoders.timm_features import WeightsError
from latentcut.errors import CheckpointError, LatentcutError
from latentcut.io.folders import commit_folder, holds_only

FEATURES = ("decision", "score", "raw", "straightness", "weak", "colour_jump", "palette", "contrast_ratio", "motion",
            "hist_change", "hist_step", "hist_return", "hist_within",
            "cnn_step", "cnn_across", "cnn_within", "cnn_ratio", "cnn_return", "cnn_far", "cnn_far_ratio")
WINDOW = tuple(range(-4, 6))  #: frames looked at, relative to the candidate (the new shot's first frame at 0)
SIZE = 128  #: Lite0's input side
ARCHITECTURE = "lite0-verifier-logistic-2"
DIM = 1280  #: Lite0's pooled feature width
SHIPPED = os.path.join(os.path.dirname(__file__), "models", "lite0-verifier")
_EPS = 1e-6


def colour_histograms(frames: np.ndarray, levels: int = 4) -> np.ndarray:
    """Per frame, its joint RGB histogram over ``levels``^3 bins summing to 1: the palette, blind to where."""
    if not len(frames):
        return np.zeros((0, levels ** 3))
    q = frames[..., :3].astype(np.int64) * levels // 256
    code = ((q[..., 0] * levels + q[..., 1]) * levels + q[..., 2]).reshape(len(frames), -1)
    h = np.stack([np.bincount(c, minlength=levels ** 3) for c in code]).astype(np.float64)
    return h / h.sum(axis=1, keepdims=True)


def window_positions(positions, n: int) -> np.ndarray:
    """The sorted, distinct curve positions the windows of ``positions`` cover, clamped to [0, n)."""
    if not len(positions):
        return np.zeros(0, np.int64)
    return np.unique(np.clip(np.add.outer(np.asarray(positions, np.int64), WINDOW), 0, n - 1))


def curve_features(curve, decision: np.ndarray, positions, weak) -> np.ndarray:
    """The curve's shape at each of ``positions`` (``weak``: per position, a weak peak rather than
    an accepted cut): (len(positions), 9), the first nine of :data:`FEATURES`."""
    n = len(curve)
    raw = np.asarray(curve.raw, np.float64)
    scale = float(np.median(raw)) + _EPS  # the video's typical step: the jump is judged against it
    straightness = np.nan_to_num(curve.straightness)  # the whole curve's, once, not once a candidate
    col = curve.colour if curve.colour is not None else np.zeros((n, 3))
    con = curve.contrast if curve.contrast is not None else np.ones(n)
    w = 6
    rows = []
    for p, is_weak in zip(np.asarray(positions, np.int64).tolist(), np.asarray(weak, bool).tolist()):
        a, b = col[max(0, p - w):p], col[p:p + w]
        jump = float(np.abs(col[p] - col[max(p - 1, 0)]).mean())
        palette = float(np.abs(a.mean(0) - b.mean(0)).mean() / (a.std(0).mean() + b.std(0).mean() + 0.01)) \
            if len(a) and len(b) else 0.0
        ratio = float(np.log((con[p:p + w].mean() + 0.01) / (con[max(0, p - w):p].mean() + 0.01))) if p > 0 else 0.0
        around = np.r_[raw[max(0, p - 12):max(0, p - 1)], raw[p + 2:p + 13]]
        motion = float(np.median(around) / scale) if len(around) else 0.0
        rows.append([float(np.log(decision[p] + _EPS)), float(np.log(curve.scores[p] / scale + _EPS)),
                     float(np.log(raw[p] / scale + _EPS)), float(straightness[p]), float(is_weak), jump,
                     float(np.log(palette + _EPS)), ratio, motion])
    return np.asarray(rows, np.float64).reshape(-1, 9)


def window_features(hist: np.ndarray, cnn: np.ndarray) -> list[float]:
    """What the window's frames show: ``hist`` their colour histograms and ``cnn`` their unit-length
    Lite0 features, both in :data:`WINDOW` order. The last eleven of :data:`FEATURES`."""
    at = {k: i for i, k in enumerate(WINDOW)}
    l1 = lambda x, y: float(np.abs(x - y).sum() / 2)  # noqa: E731
    h = lambda k: hist[at[k]]  # noqa: E731
    before, after = [h(k) for k in (-4, -3, -2, -1)], [h(k) for k in (0, 1, 2, 3)]
    change = l1(np.mean(before, 0), np.mean(after, 0))
    step = l1(h(-1), h(0))
    back = min(l1(h(-1), h(k)) for k in range(1, 6)) / (step + 0.01)  # small: the palette comes back (a flash)
    within = float(np.mean([l1(x[j], x[j + 1]) for x in (before, after) for j in range(3)]))
    d = lambda i, j: float(1.0 - cnn[at[i]] @ cnn[at[j]])  # noqa: E731
    eps = 1e-3
    cstep = d(-1, 0)
    across = min(d(i, j) for i in (-3, -2, -1) for j in (0, 1, 2))  # blur leaves one pair close; a cut none
    cwithin = float(np.mean([d(-3, -2), d(-2, -1), d(0, 1), d(1, 2)]))
    creturn = min(d(-1, k) for k in range(1, 6))
    far = d(-4, 5)
    return [change, step, float(np.log(back + _EPS)), within,
            cstep, across, cwithin, float(np.log((across + eps) / (cwithin + eps))),
            float(np.log((creturn + eps) / (cstep + eps))), far, float(np.log((far + eps) / (cwithin + eps)))]


class VerifierModel:
    """The fitted model: the pair difference's ``components`` (K, 1280) about ``centre``, then a
    logistic regression (standardising ``mean``/``scale``, ``coef``, ``intercept``) over the
    :data:`FEATURES` and those K projections, and the probabilities at which a cut is kept
    (``keep``) and a weak peak added (``add``). Its input is :meth:`Lite0Verifier.features`'
    (the features, then the 1280 differences)."""

    def __init__(self, components, centre, mean, scale, coef, intercept: float, keep: float, add: float,
                 info: dict | None = None):
        self.components = np.asarray(components, np.float64).reshape(-1, DIM)
        self.centre = np.asarray(centre, np.float64)
        self.mean = np.asarray(mean, np.float64)
        self.scale = np.asarray(scale, np.float64)
        self.coef = np.asarray(coef, np.float64)
        self.intercept = float(intercept)
        self.keep, self.add = float(keep), float(add)
        self.info = dict(info or {})
        width = len(FEATURES) + len(self.components)
        if not (self.mean.shape == self.scale.shape == self.coef.shape == (width,)) or self.centre.shape != (DIM,):
            raise CheckpointError(f"a lite0 verifier model with {len(self.components)} projections has {width} "
                                  f"weights and a {DIM}-wide centre, not {self.coef.shape} and {self.centre.shape}")

    def inputs(self, x: np.ndarray) -> np.ndarray:
        """The logistic regression's inputs from :meth:`Lite0Verifier.features`' rows."""
        x = np.asarray(x, np.float64)
        k = len(FEATURES)
        return np.c_[x[:, :k], (x[:, k:] - self.centre) @ self.components.T]

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = (self.inputs(x) - self.mean) / self.scale @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))

    def save(self, folder: str | os.PathLike) -> None:
        from safetensors.numpy import save_file

        cfg = {"architecture": ARCHITECTURE, "features": list(FEATURES), "window": list(WINDOW), "size": SIZE,
               "intercept": self.intercept, "keep": self.keep, "add": self.add, **self.info}

        def write(tmp):
            with open(os.path.join(tmp, "config.json"), "w", encoding="utf-8") as f:
                json.dump(cfg, f, indent=2)
            save_file({"components": self.components, "centre": self.centre, "mean": self.mean, "scale": self.scale,
                       "coef": self.coef}, os.path.join(tmp, "model.safetensors"))

        commit_folder(os.fspath(folder), write, owned=holds_only("config.json", "model.safetensors"))

    @classmethod
    def load(cls, folder: str | os.PathLike) -> "VerifierModel":
        from safetensors.numpy import load_file

        folder = os.fspath(folder)
        try:
            with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
                cfg = json.load(f)
            arrays = load_file(os.path.join(folder, "model.safetensors"))
        except FileNotFoundError as exc:
            raise CheckpointError(f"{folder}: not a lite0 verifier model ({os.path.basename(exc.filename or '')} missing)") from None
        except Exception as exc:  # unreadable JSON, a damaged tensor file
            raise CheckpointError(f"{folder}: not a lite0 verifier model latentcut can read ({type(exc).__name__})") from None
        if not isinstance(cfg, dict) or cfg.get("architecture") != ARCHITECTURE or cfg.get("features") != list(FEATURES):
            raise CheckpointError(f"{folder}: a model of another kind or feature set than this latentcut's lite0 verifier")
        try:
            return cls(arrays["components"], arrays["centre"], arrays["mean"], arrays["scale"], arrays["coef"],
                       cfg["intercept"], cfg["keep"], cfg["add"],
                       {k: v for k, v in cfg.items() if k not in ("architecture", "features", "window", "size",
                                                              "intercept", "keep", "add")})
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"{folder}: an incomplete lite0 verifier model ({exc})") from None


class Lite0Verifier(Verifier):
    """Re-examines every accepted hard cut and every weak peak (decision in [``low``, 1)) with a
    logistic regression over Lite0 features, colour histograms and the curve's shape around it
    (:mod:`latentcut.detection.lite0_verifier`). ``reject_below`` None re-examines every hard cut;
    a number only those whose decision is below it. ``model``: a model folder, default the shipped
    one. ``weights``: Lite0's safetensors file (default ``$LATENTCUT_WEIGHTS_DIR``)."""

    name = "lite0"

    def __init__(self, low: float = 0.5, reject_below: float | None = None, model: str | None = None,
                 weights: str | None = None, device: str | None = None):
        super().__init__(low, reject_below)
        self.model = model
        self.weights = weights
        self.device = device

    def check_params(self) -> None:
        super().check_params()
        if self.model is not None and not isinstance(self.model, (str, os.PathLike)):
            raise TypeError(f"model must be a model folder path, not {type(self.model).__name__}")

    def candidates(self, result):
        weak, doubtful = super().candidates(result)
        if self.reject_below is None:
            pos = {int(p): i for i, p in enumerate(result.curve.indices)}
            doubtful = np.asarray([pos[c.frame.frame] for c in result.cuts
                                   if not c.is_gradual and c.frame.frame in pos], np.int64)
        return weak, doubtful

    def _fitted(self) -> VerifierModel:
        if getattr(self, "model_", None) is None:
            self.model_ = VerifierModel.load(self.model or SHIPPED)
        return self.model_

    def _encoder(self):
        if getattr(self, "encoder_", None) is None:
            try:
                self.encoder_ = Lite0Encoder(weights=self.weights, size=SIZE, pca=None, device=self.device).prepare()
            except WeightsError:
                raise LatentcutError("the lite0 verifier needs EfficientNet-Lite0's weights: give them as "
                                     "'lite0,weights=FILE' (e.g. ../shared/weights/tf-efficientnet-lite0-imagenet.safetensors) "
                                     "or put the file in $LATENTCUT_WEIGHTS_DIR") from None
        return self.encoder_

    def features(self, path: str | os.PathLike, result, positions, weak=None) -> np.ndarray:
        """(len(positions), len(FEATURES) + 1280): the :data:`FEATURES` of the candidates at these curve
        positions, then the absolute difference of the unit Lite0 features of the frames either side.
        ``weak``: per position, whether it is a weak peak (default: as :meth:`candidates` says)."""
        positions = np.asarray(positions, np.int64)
        curve = result.curve
        n = len(curve)
        if not len(positions):
            return np.zeros((0, len(FEATURES) + DIM))
        if weak is None:
            weak = np.isin(positions, self.candidates(result)[0])
        want = window_positions(positions, n)
        frames = self.window_frames(path, curve, want, (SIZE, SIZE))
        cnn = self._encoder().features(frames)
        cnn = cnn / (np.linalg.norm(cnn, axis=1, keepdims=True) + 1e-9)
        hist = colour_histograms(frames)
        at = {int(p): i for i, p in enumerate(want)}
        shape = curve_features(curve, np.asarray(result.decision, np.float64), positions, weak)
        rows = []
        for p, own in zip(positions.tolist(), shape):
            win = [at[min(max(p + k, 0), n - 1)] for k in WINDOW]
            rows.append(np.r_[own, window_features(hist[win], cnn[win]),
                              np.abs(cnn[win[WINDOW.index(0)]] - cnn[win[WINDOW.index(-1)]])])
        return np.asarray(rows, np.float64)

    def confirm(self, path, result, positions):
        m = self._fitted()
        weak = np.isin(positions, self.candidates(result)[0])  # confirm() stands alone (the contract calls it so)
        prob = m.probability(self.features(path, result, positions, weak))
        self.probabilities_ = prob
        return np.where(weak, prob >= m.add, prob >= m.keep)

