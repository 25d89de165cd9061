"""Pictures a person would rather look at than read: the score curve with its cuts.

With labels, each boundary is drawn by what it is: a hit (found, green), a false alarm (found, not
true, red) or a miss (true, not found, orange), each marked with its frame number, matched as
``latentcut eval`` matches them (2 frames of tolerance).
"""
from __future__ import annotations

import numpy as np

from latentcut.evaluation.boundaries import match
from latentcut.evaluation.labels import Interval
from latentcut.io.atomic import atomic_path

HIT, FALSE_ALARM, MISS, FOUND = "#1a9641", "#d7191c", "#fd8d3c", "#e63"
TOLERANCE = 2


def classify(result, labels, tolerance: int = TOLERANCE) -> tuple[list[int], list[int], list[int]]:
    """(hits, false alarms, misses): indices into ``result.cuts`` for the first two, into
    ``labels.boundaries`` for the misses. A cut near an ``uncertain`` frame is no false alarm."""
    pred = [c.interval() for c in result.cuts]
    pairs = match(pred, labels.boundaries, tolerance)
    hit = sorted(i for i, _ in pairs)
    found = {j for _, j in pairs}
    unsure = [Interval(u, u) for u in labels.uncertain]
    false = [i for i in range(len(pred)) if i not in set(hit)
             and not any(pred[i].distance_to(u) <= tolerance for u in unsure)]
    miss = [j for j in range(len(labels.boundaries)) if j not in found]
    return hit, false, miss


def draw_curve(result, labels=None, width: int = 1600, height: int = 700):
    """The figure (matplotlib): score curve with the boundaries over the thresholder's decision curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = result.curve
    x = c.times
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(width / 100, height / 100), dpi=100, sharex=True,
                                   gridspec_kw={"height_ratios": [3, 2]})
    ax1.plot(x, c.scores, lw=0.8, color="#333", label="score (flash-robust)")
    ax1.plot(x, c.span_scores, lw=0.6, color="#79a", alpha=0.7, label=f"span score ({c.span_frames} frames)")
    top = float(np.nanmax(c.scores)) if len(c) else 1.0
    colour = {i: FOUND for i in range(len(result.cuts))}
    if labels is not None:
        hit, false, miss = classify(result, labels)
        colour.update({i: HIT for i in hit})
        colour.update({i: FALSE_ALARM for i in false})
        for j in miss:
            b = labels.boundaries[j]
            t = float(np.interp(b.lo, c.indices, c.times))
            ax1.axvline(t, color=MISS, lw=1.4, ls="--")
            ax1.annotate(str(b.lo), (t, top), xytext=(2, -10), textcoords="offset points", fontsize=7, color=MISS,
                         rotation=90, va="top")
        ax1.plot([], [], color=HIT, label=f"hit ({len(hit)})")
        ax1.plot([], [], color=FALSE_ALARM, label=f"false alarm ({len(false)})")
        ax1.plot([], [], color=MISS, ls="--", label=f"miss ({len(miss)})")
    else:
        ax1.plot([], [], color=FOUND, label="detected")
    for i, cut in enumerate(result.cuts):
        col = colour[i]
        if cut.is_gradual:
            ax1.axvspan(cut.start.seconds, cut.end.seconds, color=col, alpha=0.25)
        else:
            ax1.axvline(cut.frame.seconds, color=col, lw=1.2, alpha=0.85)
        ax1.annotate(str(cut.frame.frame), (cut.frame.seconds, top), xytext=(2, 0), textcoords="offset points",
                     fontsize=7, color=col, rotation=90, va="top")
    ax1.set_ylabel("distance")
    ax1.legend(loc="upper right", fontsize=8)
    ax1.set_title(f"{result.video.path}  ({result.settings.get('encoder')}, {result.settings.get('distance')}, "
                  f"{result.settings.get('thresholder')})", fontsize=9)
    ax2.plot(x, result.decision, lw=0.8, color="#536")
    if np.isfinite(result.threshold):
        ax2.axhline(result.threshold, color=FOUND, lw=1, ls=":", label=f"threshold {result.threshold:.3g}")
        ax2.legend(loc="upper right", fontsize=8)
    ax2.set_ylabel("decision")
    ax2.set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def plot_curve(result, path: str, labels=None, width: int = 1600, height: int = 700) -> None:
    """:func:`draw_curve` written to ``path`` as PNG."""
    import matplotlib.pyplot as plt

    fig = draw_curve(result, labels, width, height)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
