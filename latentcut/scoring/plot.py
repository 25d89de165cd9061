"""Pictures a person would rather look at than read: the score curve with its cuts."""
from __future__ import annotations

import numpy as np

from latentcut.io.atomic import atomic_path


def plot_curve(result, path: str, labels=None, width: int = 1600, height: int = 700) -> None:
    """Two panels: the score curve with detected cuts (and true ones from ``labels``), and the
    thresholder's decision curve with its threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = result.curve
    x = c.times
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(width / 100, height / 100), dpi=100, sharex=True,
                                   gridspec_kw={"height_ratios": [3, 2]})
    ax1.plot(x, c.scores, lw=0.8, color="#333", label="score (flash-robust)")
    ax1.plot(x, c.span, lw=0.6, color="#79a", alpha=0.7, label=f"gap score (k={c.k})")
    for cut in result.cuts:
        if cut.is_gradual:
            ax1.axvspan(cut.start.seconds, cut.end.seconds, color="#e63", alpha=0.25)
        else:
            ax1.axvline(cut.frame.seconds, color="#e63", lw=1.2, alpha=0.8)
    if labels is not None:
        times = np.interp([b.lo for b in labels.boundaries], c.indices, c.times)
        for t in times:
            ax1.axvline(t, color="#2a2", lw=1.0, ls="--", alpha=0.9)
        ax1.plot([], [], color="#2a2", ls="--", label="true boundary")
    ax1.plot([], [], color="#e63", label="detected")
    ax1.set_ylabel("distance")
    ax1.legend(loc="upper right", fontsize=8)
    ax1.set_title(f"{result.video.path}  ({result.settings.get('encoder')}, {result.settings.get('distance')}, "
                  f"{result.settings.get('thresholder')})", fontsize=9)
    ax2.plot(x, result.decision, lw=0.8, color="#536")
    if np.isfinite(result.threshold):
        ax2.axhline(result.threshold, color="#e63", lw=1, ls=":", label=f"threshold {result.threshold:.3g}")
        ax2.legend(loc="upper right", fontsize=8)
    ax2.set_ylabel("decision")
    ax2.set_xlabel("time (s)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


