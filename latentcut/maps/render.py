"""Maps drawn for people: the scatter plot coloured by shot or time, and posters of thumbnails tiled by map position."""
from __future__ import annotations

import numpy as np

from latentcut.io.atomic import atomic_path


#: shots get a legend entry each up to this many; more get a colour bar with whole-number ticks
LEGEND_SHOTS = 24


def draw_map_figure(coords: np.ndarray, colour: np.ndarray, colour_label: str, title: str = "",
                    size: tuple[int, int] = (1200, 1000)):
    """The map as a matplotlib figure: points coloured by shot (discrete colours, a legend entry a
    shot) or by time (a colour bar), joined by the video's path through the map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap

    fig, ax = plt.subplots(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    ax.plot(coords[:, 0], coords[:, 1], color="#999", lw=0.4, alpha=0.6, zorder=1)
    if colour_label == "shot":
        shots = np.asarray(colour, int)
        ids = np.unique(shots)
        palette = plt.get_cmap("tab20").colors
        cmap = ListedColormap([palette[(k - 1) % len(palette)] for k in range(int(ids.min()), int(ids.max()) + 1)])
        norm = BoundaryNorm(np.arange(ids.min() - 0.5, ids.max() + 1.5), cmap.N)
        if len(ids) <= LEGEND_SHOTS:
            for k in ids:
                sel = shots == k
                ax.scatter(coords[sel, 0], coords[sel, 1], color=cmap(norm(k)), s=9, zorder=2, edgecolors="none",
                           label=f"shot {k}")
        else:
            sc = ax.scatter(coords[:, 0], coords[:, 1], c=shots, cmap=cmap, norm=norm, s=9, zorder=2, edgecolors="none")
            ticks = np.unique(np.linspace(ids.min(), ids.max(), min(len(ids), 12)).round().astype(int))
            fig.colorbar(sc, ax=ax, label="shot", fraction=0.04, ticks=ticks)
    else:
        sc = ax.scatter(coords[:, 0], coords[:, 1], c=colour, cmap="turbo", s=9, zorder=2, edgecolors="none")
        fig.colorbar(sc, ax=ax, label=colour_label, fraction=0.04)
    ax.scatter(coords[:1, 0], coords[:1, 1], marker="o", s=60, facecolors="none", edgecolors="k", zorder=3, label="start")
    ax.scatter(coords[-1:, 0], coords[-1:, 1], marker="s", s=60, facecolors="none", edgecolors="k", zorder=3, label="end")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False,
              ncol=1 + (len(ax.get_legend_handles_labels()[0]) > 26))
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return fig


def draw_map(coords: np.ndarray, path: str, colour: np.ndarray, colour_label: str, title: str = "",
             size: tuple[int, int] = (1200, 1000)) -> None:
    """:func:`draw_map_figure` written to ``path`` as PNG."""
    import matplotlib.pyplot as plt

    fig = draw_map_figure(coords, colour, colour_label, title, size)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def poster(coords: np.ndarray, thumbs: np.ndarray, path: str, size: tuple[int, int] = (1920, 1080),
           cell: tuple[int, int] | None = None, captions: list[str] | None = None) -> None:
    """Thumbnails (N, h, w, 3) tiled on a grid by their 2D position: each grid cell shows the frame
    whose map position is nearest to it (each frame at most once), so neighbours on the map are
    neighbours on the poster. ``captions`` (one per thumbnail, e.g. its timecode) are printed on
    each tile's lower left corner."""
    from PIL import Image, ImageDraw

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
        x, y = col * cw + (W - cols * cw) // 2, r * ch + (H - rows * ch) // 2
        canvas.paste(img, (x, y))
        if captions is not None:
            draw = ImageDraw.Draw(canvas)
            box = draw.textbbox((0, 0), captions[fi])
            draw.rectangle((x, y + ch - (box[3] - box[1]) - 4, x + box[2] - box[0] + 4, y + ch), fill=(0, 0, 0))
            draw.text((x + 2, y + ch - (box[3] - box[1]) - 3), captions[fi], fill=(255, 255, 255))
    with atomic_path(path) as tmp:
        canvas.save(tmp, format="PNG")


def poster_layout(coords: np.ndarray, cols: int, rows: int) -> list[tuple[int, int]]:
    """(cell, frame) pairs: closest cell-frame pairs first, each cell and each frame at most once.
    Cells are numbered row by row; coordinates are scaled to the unit square first."""
    c = coords - coords.min(0)
    c = c / np.maximum(c.max(0), np.finfo(np.float64).tiny)  # no spread: all at 0
    gx, gy = np.meshgrid((np.arange(cols) + 0.5) / cols, (np.arange(rows) + 0.5) / rows)
    centres = np.stack([gx.ravel(), gy.ravel()], 1)
    d = ((centres[:, None, :] - c[None, :, :]) ** 2).sum(-1)  # cells x frames
    order = np.argsort(d, axis=None, kind="stable")
    cell_used = np.zeros(len(centres), bool)
    frame_used = np.zeros(len(c), bool)
    out = []
    for flat in order:
        ci, fi = divmod(int(flat), len(c))
        if cell_used[ci] or frame_used[fi]:
            continue
        cell_used[ci] = frame_used[fi] = True
        out.append((ci, fi))
        if len(out) == min(len(centres), len(c)):
            break
    return out
