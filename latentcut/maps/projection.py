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

from latentcut.embeddings import principal_components
from latentcut.encoders import create_encoder
from latentcut.errors import LatentcutError
from latentcut.extras import require
from latentcut.io.progress import bar as progress_bar
from latentcut.io.progress import status
from latentcut.io.video import VideoReader


@dataclass
class FrameMap:
    """A video's frames on a plane: decoded indices, times, shot numbers (1-based) and (x, y)."""

    indices: np.ndarray
    times: np.ndarray
    shots: np.ndarray
    coords: np.ndarray


#: the encoder a map is drawn from unless told: its shots stand further apart than the detection
#: encoder's (benchmarks/map_quality.py)
MAP_ENCODER = "shotnet"


def map_video(result, method: str = "pca", max_points: int = 5000, seed: int = 0, encoder=None) -> FrameMap:
    """The map of a DetectionResult: at most ``max_points`` frames spread evenly over the video,
    each with the shot it belongs to. ``encoder`` (an Encoder or a spec, e.g. :data:`MAP_ENCODER`)
    embeds those frames afresh from the video; without it the map is drawn from the detection's
    own embeddings (``detect(..., keep_embeddings=True)``)."""
    if encoder is None and result.embeddings is None:
        raise ValueError("the result has no embeddings: detect(..., keep_embeddings=True), or give an encoder")
    idx, times = result.curve.indices, result.curve.times
    sel = subsample(len(idx), max_points)
    if encoder is None:
        x = result.embeddings.mean[sel]
    else:
        x = embed_frames(result.video.path, idx[sel], create_encoder(encoder))
    coords = frame_map(x, method, seed=seed)
    shots = np.searchsorted([s.start.frame for s in result.shots], idx[sel], side="right")
    return FrameMap(idx[sel], times[sel], shots, coords)


def embed_frames(path, indices, encoder, batch: int = 256) -> np.ndarray:
    """The encoder's vectors (their means) of the frames ``indices`` (decoded numbers, ascending) of a video."""
    want = set(int(i) for i in indices)
    encoder.prepare()
    out, pending = [], []
    for b in VideoReader(path, size=encoder.frame_size, color=encoder.color).batches():
        pending.extend(f for f, i in zip(b.frames, b.indices) if int(i) in want)
        if len(pending) >= batch:
            out.append(encoder.transform(np.stack(pending)).mean)
            pending = []
    if pending:
        out.append(encoder.transform(np.stack(pending)).mean)
    x = np.concatenate(out) if out else np.zeros((0, 1), np.float32)
    if len(x) != len(want):
        raise LatentcutError(f"{path}: {len(want) - len(x)} of the map's frames no longer decode")
    return x


def subsample(n: int, max_points: int) -> np.ndarray:
    # (n == max_points gives the same either way)
    return np.arange(n) if n <= max_points else np.linspace(0, n - 1, max_points).round().astype(int)


def frame_map(x: np.ndarray, method: str = "pca", seed: int = 0, **kw) -> np.ndarray:
    """(N, D) embeddings -> (N, 2) coordinates."""
    x = np.asarray(x, np.float32)
    if len(x) < 3:
        return np.zeros((len(x), 2), np.float32)
    if method == "pca":
        mean, comps = principal_components(x, min(2, x.shape[1]))
        out = np.zeros((len(x), 2), np.float32)
        out[:, : len(comps)] = (x - mean) @ comps.T
        return out
    if method == "umap":
        import warnings

        require("map", "the umap map")

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # umap warns about TensorFlow on import and n_jobs with a seed
            import umap

            status(f"UMAP of {len(x)} frames (the first run in a Python compiles numba's code: about 30 s)")
            reducer = umap.UMAP(n_components=2, n_neighbors=min(15, len(x) - 1), random_state=seed, **kw)
            return reducer.fit_transform(x).astype(np.float32)
    if method == "autoencoder":
        require("vae", "the autoencoder map")
        return autoencoder_map(x, seed=seed, **kw)
    raise ValueError(f"unknown map method {method!r}: umap, pca or autoencoder")


def autoencoder_map(x: np.ndarray, seed: int = 0, pca_dims: int = 256, steps: int = 600, spread: float = 0.5,
                    eps: float = 1e-3, triplet_weight: float = 1.0) -> np.ndarray:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    n = len(x)
    mean, comps = principal_components(x, min(pca_dims, n, x.shape[1]))
    p = (np.asarray(x, np.float32) - mean) @ comps.T
    p = (p / (p.std() + 1e-8)).astype(np.float32)
    data = torch.from_numpy(p)
    d = data.shape[1]
    enc = nn.Sequential(nn.Linear(d, 64), nn.ELU(), nn.Linear(64, 2), nn.Tanh())
    dec = nn.Sequential(nn.Linear(2, 64), nn.ELU(), nn.Linear(64, d))
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=3e-3)
    rng = np.random.default_rng(seed)
    batch = min(256, n - 2)
    shown = progress_bar(steps, "map autoencoder", "step")
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
        if shown is not None:
            shown.update(1)
    if shown is not None:
        shown.close()
    with torch.no_grad():
        return enc(data).numpy().astype(np.float32)


