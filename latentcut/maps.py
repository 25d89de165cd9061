"""2D maps of a video's frames, and posters: thumbnails tiled by their place on the map.

Methods: ``umap`` (umap-learn), ``pca`` (fast), and ``autoencoder``, the frame-map write-up's own:
PCA (to 256 dimensions), then a small dense autoencoder down to a 2D tanh code, with a regulariser
keeping the code centred with a set spread, trained with a temporal triplet term: for
consecutive frames A, B, C the log-ratio log((ε + |A−B|²) / (ε + |B−C|²)) of the inputs should
hold for their 2D codes too, so the video's path keeps its rhythm on the map.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .atomic import atomic_path
from .plots import draw_map  # noqa: F401 - drawing lives with the other plots; kept importable here


@dataclass
class FrameMap:
    """A video's frames on a plane: decoded indices, times, shot numbers (1-based) and (x, y)."""

    indices: np.ndarray
    times: np.ndarray
    shots: np.ndarray
    coords: np.ndarray


def map_video(result, method: str = "umap", max_points: int = 5000, seed: int = 0) -> FrameMap:
    """The map of a DetectionResult made with ``keep_embeddings``: at most ``max_points`` frames
    spread evenly over the video, each with the shot it belongs to."""
    if result.embeddings is None:
        raise ValueError("the result has no embeddings: detect(..., keep_embeddings=True)")
    idx, times = result.curve.indices, result.curve.times
    sel = subsample(len(idx), max_points)
    coords = frame_map(result.embeddings.mean[sel], method, seed=seed)
    shots = np.searchsorted([s.start.frame for s in result.scenes], idx[sel], side="right")
    return FrameMap(idx[sel], times[sel], shots, coords)


def subsample(n: int, max_points: int) -> np.ndarray:
    # (n == max_points gives the same either way)
    return np.arange(n) if n <= max_points else np.linspace(0, n - 1, max_points).round().astype(int)  # pragma: no mutate


def frame_map(x: np.ndarray, method: str = "umap", seed: int = 0, **kw) -> np.ndarray:
    """(N, D) embeddings -> (N, 2) coordinates."""
    x = np.asarray(x, np.float32)
    if len(x) < 3:
        return np.zeros((len(x), 2), np.float32)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(x).astype(np.float32)
    if method == "umap":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # umap warns about TensorFlow on import and n_jobs with a seed
            import umap

            reducer = umap.UMAP(n_components=2, n_neighbors=min(15, len(x) - 1), random_state=seed, **kw)
            return reducer.fit_transform(x).astype(np.float32)
    if method == "autoencoder":
        return autoencoder_map(x, seed=seed, **kw)
    raise ValueError(f"unknown map method {method!r}: umap, pca or autoencoder")


def autoencoder_map(x: np.ndarray, seed: int = 0, pca_dims: int = 256, steps: int = 600, spread: float = 0.5,
                    eps: float = 1e-3, triplet_weight: float = 1.0) -> np.ndarray:
    import torch
    from sklearn.decomposition import PCA
    from torch import nn

    torch.manual_seed(seed)
    n = len(x)
    p = PCA(n_components=min(pca_dims, n, x.shape[1]), random_state=seed).fit_transform(x)  # pragma: no mutate
    p = (p / (p.std() + 1e-8)).astype(np.float32)  # pragma: no mutate - full SVD: no randomness; 1e-8 only guards 0
    data = torch.from_numpy(p)
    d = data.shape[1]
    enc = nn.Sequential(nn.Linear(d, 64), nn.ELU(), nn.Linear(64, 2), nn.Tanh())
    dec = nn.Sequential(nn.Linear(2, 64), nn.ELU(), nn.Linear(64, d))
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=3e-3)
    rng = np.random.default_rng(seed)
    batch = min(256, n - 2)
    for _ in range(steps):
        b = torch.from_numpy(rng.integers(1, n - 1, batch))
        xa, xb, xc = data[b - 1], data[b], data[b + 1]
        za, zb, zc = enc(xa), enc(xb), enc(xc)
        recon = ((dec(zb) - xb) ** 2).mean()
        # keep the code centred with a set spread (else tanh codes drift to the corners)
        reg = zb.mean(0).pow(2).sum() + (zb.std(0) - spread).pow(2).sum()
        lr_in = torch.log((eps + (xa - xb).pow(2).sum(1)) / (eps + (xb - xc).pow(2).sum(1)))
        lr_code = torch.log((eps + (za - zb).pow(2).sum(1)) / (eps + (zb - zc).pow(2).sum(1)))
        loss = recon + reg + triplet_weight * (lr_in - lr_code).pow(2).mean() * 0.1
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return enc(data).numpy().astype(np.float32)


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
