"""Thresholders: a per-frame score curve -> cut positions.

Convention: ``scores[i]`` scores the change from frame i-1 to frame i (``scores[0]`` is ignored),
and a cut at ``i`` means frame ``i`` is the first frame of a new shot.

Every thresholder follows scikit-learn's verbs: ``fit(scores)`` learns ``threshold_`` on the curve
that ``decision_function`` returns; ``predict(scores)`` returns the cuts; ``fit_predict`` does both.
All of them keep cuts at least ``min_shot_len`` apart (frames as an int, seconds as ``"0.5s"``),
stronger cuts winning; ``adaptive``'s sure-jump and rapid-run rules yield to 2 frames (fan edits
cut that fast), so ``adaptive,sure_score=none`` is the strict form. The first and last shot may be shorter: a video that opens on a single
black frame has a real cut at 1.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from latentcut.component import Component
from latentcut.detection.spacing import DEFAULT_MIN_SHOT_LEN, min_spacing_frames, select_spaced, spaced_from
from latentcut.errors import ThresholdError
from latentcut.io.durations import DEFAULT_FPS, parse_duration
from latentcut.registry import Registry, check_number


def check_scores(scores) -> np.ndarray:
    """The 1-D score array of ``scores``: an array, or a ScoreCurve (whose ``scores`` it takes;
    thresholders that read the other curves get the whole curve)."""
    s = np.asarray(getattr(scores, "scores", scores), dtype=np.float64)
    if s.ndim != 1:
        raise ThresholdError(f"scores must be a 1-D curve, got shape {s.shape}")
    if not np.isfinite(s[1:]).all():
        raise ThresholdError("scores contain NaN or infinite values")
    return s


def local_contrast(scores: np.ndarray, window: int, floor: float | None = None) -> np.ndarray:
    """Each score over its neighbourhood's level: scores[i] / (2nd largest of scores[i-w..i+w] without i-1..i+1 + floor).

    The second largest rather than the mean, so held frames (anime drawn on twos and threes, with
    zero differences between drawings) do not make every drawing change look like a jump, and one
    other spike nearby (a second cut, a flash) does not hide a cut. ``floor`` keeps still scenes
    from turning noise into huge ratios; by default it is 1/20 of the curve's 99th percentile.
    """
    s = np.asarray(scores, np.float64).copy()
    s[0] = 0.0
    n = len(s)
    if floor is None:
        floor = 0.05 * float(np.percentile(s[1:], 99)) if n > 1 else 0.0
        floor = max(floor, 1e-12)
    w = max(int(window), 2)
    padded = np.pad(s, (w, w), constant_values=-np.inf)
    win = sliding_window_view(padded, 2 * w + 1).copy()
    win[:, w - 1 : w + 2] = -np.inf
    part = -np.partition(-win, 1, axis=1)[:, 1]
    level = np.where(np.isfinite(part), part, 0.0)
    return s / (np.maximum(level, 0.0) + floor)


def _yardstick(s: np.ndarray, scale: float | None) -> float:
    """The scale thresholds are fractions of: the encoder's (``scale``), else the curve's 99.5th
    percentile (never 0, so a flat curve has no jump at all rather than a division by zero)."""
    return float(scale) if scale else max(float(np.percentile(s[1:], 99.5)), 1e-12)


def running_median(x: np.ndarray, w: int) -> np.ndarray:
    """The median of x[i-w..i+w] for each i, the ends padded with the edge values."""
    padded = np.pad(np.asarray(x, np.float64), (w, w), mode="edge")
    return np.median(sliding_window_view(padded, 2 * w + 1), axis=1)


class Thresholder(Component, ABC):
    """Turns a score curve into cut positions, in scikit-learn's verbs: ``fit`` learns ``threshold_`` on a
    curve, ``predict`` gives the curve positions of cuts (one score per frame, the first ignored), at least
    ``min_shot_len`` apart, and ``decision_function`` the curve the threshold applies to."""

    name: ClassVar[str] = "thresholder"

    def __init__(self, min_shot_len: int | float | str | None = DEFAULT_MIN_SHOT_LEN):
        self.min_shot_len = min_shot_len

    def decision_function(self, scores, fps: float | None = None, scale: float | None = None) -> np.ndarray:
        """The curve that ``threshold_`` applies to (the raw scores unless a subclass transforms them)."""
        return check_scores(scores)

    @abstractmethod
    def fit(self, scores, fps: float | None = None, scale: float | None = None) -> "Thresholder":
        """Learn ``threshold_``. ``fps`` converts seconds to frames; ``scale`` is the encoder and
        distance's yardstick (:func:`latentcut.scoring.yardstick.reference_scale`), for thresholders that
        need an absolute floor."""

    def predict(self, scores, fps: float | None = None, scale: float | None = None) -> np.ndarray:
        if not hasattr(self, "threshold_"):
            raise ThresholdError(f"{self.name}: call fit() before predict()")
        d = self.decision_function(scores, fps, scale)
        cand = np.flatnonzero(d[1:] >= self.threshold_) + 1
        cand = cand[d[cand] > 0]
        return select_spaced(cand, d, min_spacing_frames(self.min_shot_len, fps))

    def fit_predict(self, scores, fps: float | None = None, scale: float | None = None) -> np.ndarray:
        return self.fit(scores, fps, scale).predict(scores, fps, scale)

    def check_params(self) -> None:
        """ValueError naming the first bad parameter (called where parameters are set)."""
        if self.min_shot_len is not None:
            parse_duration(self.min_shot_len, "min_shot_len")


class FixedThreshold(Thresholder):
    """A cut wherever the score reaches ``value``."""

    name = "fixed"

    def __init__(self, value: float = 0.1, min_shot_len: int | float | str | None = DEFAULT_MIN_SHOT_LEN):
        super().__init__(min_shot_len)
        self.value = value

    def check_params(self) -> None:
        super().check_params()
        check_number("value", self.value, 0.0)

    def fit(self, scores, fps=None, scale=None):
        check_scores(scores)
        self.threshold_ = float(self.value)
        return self


class TopN(Thresholder):
    """Exactly ``n`` cuts: the n highest scores that respect the minimum shot length."""

    name = "top-n"

    def __init__(self, n: int = 1, min_shot_len: int | float | str | None = DEFAULT_MIN_SHOT_LEN):
        super().__init__(min_shot_len)
        self.n = n

    def check_params(self) -> None:
        super().check_params()
        check_number("n", self.n, 0, integer=True)

    def fit(self, scores, fps=None, scale=None):
        self.cuts_ = self._top(scores, fps)
        s = check_scores(scores)
        self.threshold_ = float(s[self.cuts_].min()) if len(self.cuts_) else float("inf")
        return self

    def predict(self, scores, fps=None, scale=None):
        return self._top(scores, fps)

    def _top(self, scores, fps):
        s = check_scores(scores)
        n = int(self.n)
        if n < 0:
            raise ThresholdError(f"top-n: n must be >= 0, not {n}")
        pairs = len(s) - 1
        if n > pairs:
            raise ThresholdError(f"top-n: asked for {n} cuts but the video has only {max(pairs, 0)} frame pairs")
        if n == 0:
            return np.zeros(0, np.int64)
        cuts = select_spaced(np.arange(1, len(s)), s, min_spacing_frames(self.min_shot_len, fps), limit=n)
        if len(cuts) < n:
            raise ThresholdError(
                f"top-n: cannot place {n} cuts at least {min_spacing_frames(self.min_shot_len, fps)} frames apart "
                f"in {len(s)} frames (found room for {len(cuts)}); lower n or min_shot_len"
            )
        return cuts


class AdaptiveThreshold(Thresholder):
    """A cut where the score is large and stands out from its neighbourhood.

    Two ways to qualify, each on two numbers: the score as a fraction of the encoder's reference
    scale (the distance between unrelated pictures, so the same for every encoder and distance),
    and its local contrast (score over the level of its neighbourhood, see :func:`local_contrast`).

    - a big jump: at least ``min_score`` of the scale and ``ratio`` times the local level. Fast
      motion raises the local level, so a cut inside an action scene still counts while the
      motion itself does not;
    - a smaller jump from a still neighbourhood: at least ``weak_score`` of the scale and
      ``strong_ratio`` times the local level (a cut between two similar-looking shots);
    - a jump of at least ``sure_score`` of the scale, whatever its neighbourhood, at least 2
      frames from other cuts (see :meth:`sure`; ``none`` turns it off). Chosen by leave-one-clip-out
      cross-validation (0.85 in 22 of 23 folds): it finds the cuts of fan edits that cut every
      few frames, where each cut's neighbourhood is other cuts.

    ``ratio`` 1.5 and ``min_shot_len`` 0.1 s were chosen by leave-one-collection-out cross-validation on
    the 35 labelled clips (the same setting in all 21 folds; ``benchmarks/accuracy.py``).

    Flashes are suppressed before this by the detector's robust score. ``window`` is in seconds
    (or frames as an int) on each side. The decision curve is >= 1 exactly where a rule holds.
    Without a scale, fractions are taken of the curve's 99.5th percentile instead.
    """

    name = "adaptive"

    def __init__(
        self,
        ratio: float = 1.5,
        min_score: float = 0.4,
        strong_ratio: float = 5.0,
        weak_score: float = 0.1,
        window: float | int = 0.25,
        min_shot_len: int | float | str | None = "0.1s",
        rapid_ratio: float | None = None,
        sure_score: float | None = 0.85,
    ):
        super().__init__(min_shot_len)
        self.ratio = ratio
        self.min_score = min_score
        self.strong_ratio = strong_ratio
        self.weak_score = weak_score
        self.window = window
        self.rapid_ratio = rapid_ratio
        self.sure_score = sure_score

    def check_params(self) -> None:
        super().check_params()
        for k in ("ratio", "min_score", "strong_ratio", "weak_score"):
            check_number(k, getattr(self, k), 0.0, lo_open=True)
        check_number("window", self.window, 0.0, 60.0, lo_open=True)
        self._check_rule_bars()

    def _check_rule_bars(self) -> None:
        """The optional rules' bars: off (None) or a positive number."""
        for k in ("rapid_ratio", "sure_score"):
            if getattr(self, k) is not None:
                check_number(k, getattr(self, k), 0.0, lo_open=True)

    def _window(self, fps):
        return window_frames(self.window, fps)

    def decision_function(self, scores, fps=None, scale=None):
        return adaptive_decision(scores, self._window(fps), scale, self.ratio, self.min_score, self.strong_ratio,
                                 self.weak_score)

    def rapid(self, scores, fps=None, scale=None) -> np.ndarray:
        """Where a run of cuts is (``rapid_ratio``): a big jump standing ``rapid_ratio`` times above the
        *median* of its neighbourhood. Fan edits cut every 2-4 frames; then the second-largest score
        nearby is another cut and the contrast rule fails, but most frames between are still, so
        the median stays low, where fast motion raises it."""
        s = check_scores(scores)
        if self.rapid_ratio is None or len(s) < 3:
            return np.zeros(len(s), bool)
        ref = _yardstick(s, scale)
        med = running_median(s, self._window(fps))
        out = (s >= self.min_score * ref) & (s >= self.rapid_ratio * (med + 0.25 * self.weak_score * ref))
        out[0] = False
        return out

    def sure(self, scores, scale=None) -> np.ndarray:
        """Where a jump is too big to be anything but a cut (``sure_score``): at least that fraction
        of the distance between unrelated pictures, whatever its neighbourhood. The robust score has
        already discounted one-frame flashes; what is left that large is a change of picture, such as
        the cuts of a fan edit every 3 frames, which the contrast test cannot see among each other."""
        s = check_scores(scores)
        if self.sure_score is None or len(s) < 2:
            return np.zeros(len(s), bool)
        ref = _yardstick(s, scale)
        out = s >= self.sure_score * ref
        out[0] = False
        return out

    def predict(self, scores, fps=None, scale=None):
        cuts = super().predict(scores, fps, scale)
        fast = self.rapid(scores, fps, scale) | self.sure(scores, scale)
        if not fast.any():
            return cuts
        # cuts of a rapid run may be 2 frames apart: the minimum shot length yields to them
        extra = [int(i) for i in np.flatnonzero(fast) if spaced_from(int(i), cuts, 2)]
        extra = np.asarray(extra, np.int64)
        return np.sort(np.concatenate([cuts, select_spaced(extra, check_scores(scores), 2)]))

    def fit(self, scores, fps=None, scale=None):
        check_scores(scores)
        self.threshold_ = 1.0
        return self


def window_frames(window: float | int, fps: float | None) -> int:
    """A neighbourhood's half-width in frames: ``window`` frames (an int) or seconds."""
    if isinstance(window, int):
        return window
    return max(3, int(round(float(window) * (fps or DEFAULT_FPS))))


def adaptive_decision(scores, window: int, scale: float | None, ratio: float, min_score: float, strong_ratio: float,
                      weak_score: float) -> np.ndarray:
    """The adaptive rules' decision curve (see :class:`AdaptiveThreshold`): >= 1 exactly where a big jump
    (``min_score`` of the scale, ``ratio`` times its neighbourhood) or a jump from a still neighbourhood
    (``weak_score``, ``strong_ratio``) is."""
    s = check_scores(scores)
    if len(s) < 2:
        return np.zeros_like(s)
    ref = _yardstick(s, scale)
    a = s / ref
    con = local_contrast(s, window, floor=0.25 * weak_score * ref)
    d = np.maximum(np.minimum(con / ratio, a / min_score), np.minimum(con / strong_ratio, a / weak_score))
    d[0] = 0.0
    return d


class KMeansThreshold(Thresholder):
    """k-means with k = 2 on the peaks of the adaptive decision curve: no threshold to choose.

    Plain k-means on raw per-frame distances puts every frame with motion in the "cut" cluster.
    Here it runs (exactly, in 1-D, on a log scale) on the local maxima of the adaptive decision
    curve, where motion has already been discounted, and the boundary between the two clusters
    becomes the threshold. A video with no cut still splits in two, so the split is trusted only
    when the clusters are apart (the upper one's smallest peak at least ``separation`` times the
    lower one's largest) and lands within a factor ``1/floor`` of the adaptive bar; otherwise the
    adaptive bar stands.
    """

    name = "kmeans"

    def __init__(
        self,
        floor: float = 0.5,
        separation: float = 1.5,
        window: float | int = 0.25,
        min_shot_len: int | float | str | None = DEFAULT_MIN_SHOT_LEN,
    ):
        super().__init__(min_shot_len)
        self.floor = floor
        self.separation = separation
        self.window = window

    def check_params(self) -> None:
        super().check_params()
        check_number("floor", self.floor, 0.0, 1.0, lo_open=True)
        check_number("separation", self.separation, 1.0)
        check_number("window", self.window, 0.0, 60.0, lo_open=True)

    def decision_function(self, scores, fps=None, scale=None):
        """The adaptive rules' curve at their defaults (:class:`AdaptiveThreshold`'s); the split of its peaks is
        the threshold."""
        rules = AdaptiveThreshold()
        return adaptive_decision(scores, window_frames(self.window, fps), scale, rules.ratio, rules.min_score,
                                 rules.strong_ratio, rules.weak_score)

    def fit(self, scores, fps=None, scale=None):
        d = self.decision_function(scores, fps, scale)
        peaks = local_maxima(d)
        vals = d[peaks]
        # Peaks far below the bar are compression noise and still frames; left in, they would
        # form the lower cluster on their own and drag the split down into the motion.
        vals = np.log(vals[vals >= 0.25])
        split = kmeans_1d_split(vals) if len(vals) >= 2 else None
        self.threshold_ = 1.0
        if split is not None:
            lower, upper = vals[vals < split], vals[vals >= split]
            if len(lower) and len(upper) and upper.min() - lower.max() >= np.log(self.separation):
                self.threshold_ = float(np.clip(np.exp(split), self.floor, 1.0 / self.floor))
        return self


def local_maxima(d: np.ndarray) -> np.ndarray:
    if len(d) < 2:
        return np.zeros(0, np.int64)
    x = d.copy()
    x[0] = -np.inf
    left = np.r_[-np.inf, x[:-1]]
    right = np.r_[x[1:], -np.inf]
    return np.flatnonzero((x >= left) & (x > right) & (x > 0))


def kmeans_1d_split(values: np.ndarray) -> float | None:
    """Exact 2-means in one dimension: the boundary (midpoint of the two centroids) minimising the
    within-cluster sum of squares, or None if every split leaves the clusters overlapping."""
    v = np.sort(np.asarray(values, np.float64))
    n = len(v)
    if n < 2 or v[-1] - v[0] <= 0:
        return None
    csum = np.cumsum(v)
    csq = np.cumsum(v * v)
    k = np.arange(1, n)  # left cluster sizes
    left_mean = csum[:-1] / k
    right_mean = (csum[-1] - csum[:-1]) / (n - k)
    sse = (csq[:-1] - k * left_mean**2) + ((csq[-1] - csq[:-1]) - (n - k) * right_mean**2)
    best = int(np.argmin(sse))
    lo_mean, hi_mean = left_mean[best], right_mean[best]
    return float((lo_mean + hi_mean) / 2.0)


thresholders: Registry[Thresholder] = Registry("thresholder", "latentcut.thresholders", Thresholder)
thresholders.register("learned", "latentcut.detection.learned:LearnedThreshold")
for _cls in (TopN, KMeansThreshold, FixedThreshold, AdaptiveThreshold):
    thresholders.register(_cls.name, _cls)


def create_thresholder(spec: "str | Thresholder", **kwargs) -> Thresholder:
    """A thresholder by name or spec string (``"adaptive,ratio=1.5"``), or an instance passed through."""
    return thresholders.create(spec, **kwargs)


def list_thresholders() -> list[str]:
    """The registered thresholders' names, entry points included."""
    return thresholders.names()
