"""Maps drawn for people: the scatter plot coloured by shot or time, and posters of thumbnails tiled by map position."""
from __future__ import annotations

import numpy as np

from latentcut.io.atomic import atomic_path


def draw_map(coords: np.ndarray, path: str, colour: np.ndarray, colour_label: str, title: str = "",
             size: tuple[int, int] = (1200, 1000)) -> None:
    """Points coloured by shot or time, joined by the video's path through the map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    ax.plot(coords[:, 0], coords[:, 1], color="#999", lw=0.4, alpha=0.6, zorder=1)
    sc = ax.scatter(coords[:, 0], coords[:, 1], c=colour, cmap="turbo" if colour_label == "time (s)" else "tab20",
                    s=9, zorder=2, edgecolors="none")
    ax.scatter(coords[:1, 0], coords[:1, 1], marker="o", s=60, facecolors="none", edgecolors="k", zorder=3, label="start")
    ax.scatter(coords[-1:, 0], coords[-1:, 1], marker="s", s=60, facecolors="none", edgecolors="k", zorder=3, label="end")
    fig.colorbar(sc, ax=ax, label=colour_label, fraction=0.04)
    ax.legend(loc="best", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def poster(coords: np.ndarray, thumbs: np.ndarray, path: str, size: tuple[int, int] = (1920, 1080),
           cell: tuple[int, int] | None = None) -> None:
    """Thumbnails (N, h, w, 3) tiled on a grid by their 2D position: each grid cell shows the frame
    whose map position is nearest to it (each frame at most once), so neighbours on the map are
    neighbours on the poster."""
    from PIL import Image

    W, H = size
    th, tw = thumbs.shape[1:3]
    cw, ch = cell or (tw, th)
    cols, rows = max(1, W // cw), max(1, H // ch)
    canvas = Image.new("RGB", (W, H), (16, 16, 16))
    for ci, fi in poster_layout(coords, cols, rows):
        r, col = divmod(ci, cols)
        img = Image.fromarray(thumbs[fi])
        if (tw, th) != (cw, ch):
            img = img.resize((cw, ch), Image.Resampling.BOX)
        canvas.paste(img, (col * cw + (W - cols * cw) // 2, r * ch + (H - rows * ch) // 2))
    with atomic_path(path) as tmp:
        canvas.save(tmp, format="PNG")  # pragma: no mutate - PIL reads the format case-blind


def poster_layout(coords: np.ndarray, cols: int, rows: int) -> list[tuple[int, int]]:
    """(cell, frame) pairs: closest cell-frame pairs first, each cell and each frame at most once.
    Cells are numbered row by row; coordinates are scaled to the unit square first."""
    c = coords - coords.min(0)
    c = c / np.maximum(c.max(0), np.finfo(np.float64).tiny)  # no spread: all at 0
    gx, gy = np.meshgrid((np.arange(cols) + 0.5) / cols, (np.arange(rows) + 0.5) / rows)
    centres = np.stack([gx.ravel(), gy.ravel()], 1)
    d = ((centres[:, None, :] - c[None, :, :]) ** 2).sum(-1)  # cells x frames
    order = np.argsort(d, axis=None, kind="stable")  # pragma: no mutate - ("STABLE" is the same to numpy)
    cell_used = np.zeros(len(centres), bool)  # pragma: no mutate - float zeros serve as flags too
    frame_used = np.zeros(len(c), bool)  # pragma: no mutate
    out = []
    for flat in order:
        ci, fi = divmod(int(flat), len(c))
        if cell_used[ci] or frame_used[fi]:
            continue
        cell_used[ci] = frame_used[fi] = True
        out.append((ci, fi))
        if len(out) == min(len(centres), len(c)):  # pragma: no mutate - an early exit; the rest would be skipped
            break
    return out
