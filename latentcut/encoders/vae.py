"""Repro-VAE and β-VAE: a convolutional VAE whose latent Gaussians are the embeddings.

The architecture is the Repro-VAE paper's: 64x64 RGB in; 4 conv layers (32, 64, 128, 256
channels, 3x3, stride 1), each followed by 2x2 average pooling and LeakyReLU; linear layers to
μ and log σ²; the decoder mirrors it (linear -> 256x4x4 -> transposed convs with ReLU, no batch
norm, no final tanh). Loss: MSE reconstruction (summed per image, averaged over the batch)
+ β KL(q(z|x) || N(0, I)) + τ KL(q(z|x) || q(z|x̂)), the reprojection term.

The reprojection term is KL(sg[q(z|x)] || q(z|x̂)): the posterior of the real frame is the fixed
target (stop-gradient), the posterior of the reconstruction is pulled onto it, with gradients
through the decoder (via x̂) and through the encoder's pass over x̂. Letting gradients into the
target side as well would let the term drag the data posterior toward the posterior of a
blurry reconstruction, or shrink both variances to make them agree, instead of asking the
decoder for reconstructions that keep the frame's identity in latent space. τ = 0 is the plain
β-VAE. Direction: KL(target || reprojection), the same direction as the prior term.
"""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass

import numpy as np

from ..checkpoint import CheckpointError, check_state_dict, file_sha256, load_tensors, read_config, save_model
from ..embeddings import Embeddings
from ..errors import LatentcutError
from ..registry import check_bool, check_number
from ..video import sample_frames
from .base import Encoder, check_frames
from .vae_loss import kl_diag, moment_matched_mean, vae_loss  # noqa: F401 - the loss lives beside the model

ARCHITECTURE = "latentcut.conv-vae"
FORMAT_VERSION = 1


@dataclass
class VAEConfig:
    """Everything that builds and trains the model (pythae style: config apart from code)."""

    input_size: int = 64
    channels: int = 3
    latent_dim: int = 10
    hidden: tuple[int, ...] = (32, 64, 128, 256)
    pooling: str = "avg"  # avg | max | none (stride-2 convolutions instead)
    activation: str = "leakyrelu"  # leakyrelu | relu | elu
    beta: float = 4.0
    tau: float = 200.0  # weight of the reprojection term; 0 gives the plain β-VAE
    alpha: float = 0.0  # weight of the in-betweening term (consecutive triplets); 0 = off

    def __post_init__(self):
        if isinstance(self.hidden, (int, np.integer)) and not isinstance(self.hidden, bool):
            self.hidden = (self.hidden,)  # one layer, as a spec string's "hidden=32" reads
        if isinstance(self.hidden, str):  # "32,64,128,256" or, inside a spec string, "32/64/128/256"
            self.hidden = re.split(r"[,/x\s]+", self.hidden.strip())
        try:
            self.hidden = tuple(int(h) for h in self.hidden)
        except (TypeError, ValueError):
            raise ValueError(f"hidden must be channel counts like 32/64/128/256, not {self.hidden!r}") from None
        if not self.hidden or not all(1 <= h <= 4096 for h in self.hidden):
            raise ValueError(f"hidden must be 1 to 8 channel counts of 1..4096, not {self.hidden!r}")
        if self.pooling not in ("avg", "max", "none"):
            raise ValueError(f"pooling must be avg, max or none, not {self.pooling!r}")
        if self.activation not in ("leakyrelu", "relu", "elu"):
            raise ValueError(f"activation must be leakyrelu, relu or elu, not {self.activation!r}")
        if self.input_size % (2 ** len(self.hidden)) or self.input_size < 2 ** len(self.hidden):
            raise ValueError(f"size {self.input_size} must be a multiple of {2 ** len(self.hidden)} "
                             f"(2 to the number of layers, {len(self.hidden)})")
        if self.latent_dim < 1:
            raise ValueError("latent_dim must be >= 1")

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "VAEConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def build_model(cfg: VAEConfig):
    import torch
    from torch import nn

    def act():
        return {"leakyrelu": lambda: nn.LeakyReLU(0.2), "relu": nn.ReLU, "elu": nn.ELU}[cfg.activation]()

    class ConvVAE(nn.Module):
        def __init__(self):
            super().__init__()
            layers, c = [], cfg.channels
            for h in cfg.hidden:
                if cfg.pooling == "none":
                    layers += [nn.Conv2d(c, h, 3, 2, 1), act()]
                else:
                    pool = nn.AvgPool2d(2) if cfg.pooling == "avg" else nn.MaxPool2d(2)
                    layers += [nn.Conv2d(c, h, 3, 1, 1), pool, act()]
                c = h
            self.encoder = nn.Sequential(*layers, nn.Flatten())
            self.side = cfg.input_size // 2 ** len(cfg.hidden)
            flat = c * self.side * self.side
            self.fc_mu = nn.Linear(flat, cfg.latent_dim)
            self.fc_logvar = nn.Linear(flat, cfg.latent_dim)
            dec = [nn.Linear(cfg.latent_dim, flat), nn.Unflatten(1, (c, self.side, self.side)), nn.ReLU()]
            rev = list(cfg.hidden[::-1][1:]) + [cfg.channels]
            for i, h in enumerate(rev):
                dec.append(nn.ConvTranspose2d(c, h, 4, 2, 1))
                if i < len(rev) - 1:
                    dec.append(nn.ReLU())
                c = h
            self.decoder = nn.Sequential(*dec)

        def encode(self, x):
            h = self.encoder(x)
            return self.fc_mu(h), self.fc_logvar(h)

        def decode(self, z):
            return self.decoder(z)

        def forward(self, x):
            mu, logvar = self.encode(x)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            return self.decode(z), mu, logvar

    return ConvVAE()


def frames_to_tensor(frames: np.ndarray, device=None):
    """(B, H, W, C) uint8 -> (B, C, H, W) float in [0, 1], channels_last (faster here and on GPUs)."""
    import torch

    t = torch.from_numpy(np.ascontiguousarray(frames))
    if device is not None:
        t = t.to(device, non_blocking=True)
    return t.permute(0, 3, 1, 2).float().div_(255.0).contiguous(memory_format=torch.channels_last)


def pick_device(device: str | None = None) -> str:
    import torch

    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


class VAEEncoder(Encoder):
    """Embeddings from a convolutional VAE: μ and log σ² per frame.

    With ``model`` (a folder written by ``latentcut train`` or :meth:`save`) it is ready to use;
    without, it learns on the video being analysed (self-training, the paper's unsupervised
    premise) within the budget below, and caches the model by video content and config so a
    second run reuses it. Other parameters set the architecture and training (:class:`VAEConfig`).

    Self-training defaults differ from the paper's long-training recipe (Adam lr 1e-4, batch 256):
    a budget of about a minute and a half on two CPU cores is ~100 steps at batch 256, too few to
    learn at lr 1e-4. Sampling at most 1536 frames, batch 64 and lr 1e-3 give ~300 steps, which
    ranks cuts as well as longer runs on our clips (benchmarks/ablation.py).
    """

    name = "repro-vae"
    requires_fit = True
    probabilistic = True
    cacheable = True
    default_tau = 200.0

    def __init__(
        self,
        model: str | None = None,
        latent_dim: int = 10,
        beta: float = 4.0,
        tau: float | None = None,
        alpha: float = 0.0,
        hidden: str | tuple = (32, 64, 128, 256),
        pooling: str = "avg",
        activation: str = "leakyrelu",
        size: int = 64,
        epochs: int = 12,
        max_frames: int = 1536,
        max_minutes: float = 1.5,
        batch_size: int = 64,
        lr: float = 1e-3,
        seed: int = 0,
        device: str | None = None,
        cache: bool = True,
    ):
        self.model = model
        self.latent_dim = latent_dim
        self.beta = beta
        self.tau = tau
        self.alpha = alpha
        self.hidden = hidden
        self.pooling = pooling
        self.activation = activation
        self.size = size
        self.epochs = epochs
        self.max_frames = max_frames
        self.max_minutes = max_minutes
        self.batch_size = batch_size
        self.lr = lr
        self.seed = seed
        self.device = device
        self.cache = cache
        self.color = "rgb"

    @property
    def frame_size(self) -> tuple[int, int]:
        """The model's input size: from the loaded or given model folder, else ``size``."""
        if hasattr(self, "cfg_"):
            return (self.cfg_.input_size, self.cfg_.input_size)
        if self.model:
            side = read_config(self.model, ARCHITECTURE).get("model", {}).get("input_size", self.size)
            return (int(side), int(side))
        return (int(self.size), int(self.size))

    # -- configuration -----------------------------------------------------------------------

    def vae_config(self) -> VAEConfig:
        return VAEConfig(input_size=int(self.size), latent_dim=int(self.latent_dim), hidden=self.hidden,
                         pooling=self.pooling, activation=self.activation, beta=float(self.beta),
                         tau=float(self.tau_), alpha=float(self.alpha))

    @property
    def tau_(self) -> float:
        """The reprojection weight in force: ``tau``, or the family's default (200 or 0) when None."""
        return self.default_tau if self.tau is None else self.tau


    def config(self) -> dict:
        """What determines the embeddings: the model folder's identity if given, else the
        architecture and the training recipe (the model is then learned from the video)."""
        if self.model:
            return {"name": self.name, "model": os.path.abspath(self.model), "model_id": _folder_id(self.model)}
        p = self.get_params()
        for k in ("model", "device", "cache"):
            p.pop(k, None)
        p["tau"] = self.tau_
        p["hidden"] = "/".join(str(h) for h in VAEConfig(hidden=self.hidden, input_size=2 ** 10).hidden)
        return {"name": self.name, **p}

    def check_params(self) -> None:
        """ValueError naming the first bad parameter (called where parameters are set)."""
        check_number("latent_dim", self.latent_dim, 1, 4096, integer=True)
        for k in ("beta", "alpha"):
            check_number(k, getattr(self, k), 0.0)
        if self.tau is not None:
            check_number("tau", self.tau, 0.0)
        check_number("size", self.size, 8, 1024, integer=True)
        check_number("epochs", self.epochs, 1, integer=True)
        check_number("max_frames", self.max_frames, 2, integer=True)
        if self.max_minutes is not None:
            check_number("max_minutes", self.max_minutes, 0.0, lo_open=True)
        check_number("batch_size", self.batch_size, 1, integer=True)
        check_number("lr", self.lr, 0.0, 1.0, lo_open=True)
        check_number("seed", self.seed, 0, integer=True)
        check_bool("cache", self.cache)
        if self.device is not None and not (self.device in ("cpu", "cuda") or str(self.device).startswith("cuda:")):
            raise ValueError(f"device must be cpu, cuda or cuda:N, not {self.device!r}")
        if self.model is not None and not isinstance(self.model, str):
            raise ValueError(f"model must be a folder path, not {self.model!r}")
        self.vae_config()  # hidden, pooling, activation, and size against the number of layers

    def fingerprint(self) -> str:
        """Identity of the embedding space: the weights' content for a model folder (wherever it
        lies), else the recipe that trains one."""
        from ..cache import config_key

        c = self.config()
        c.pop("model", None)
        return config_key(c)

    # -- state ----------------------------------------------------------------------------------

    def is_fitted(self) -> bool:
        return hasattr(self, "net_") or bool(self.model)

    def _ensure_model(self):
        if not hasattr(self, "net_"):
            if not self.model:
                raise LatentcutError(f"{self.name}: no model: give model=FOLDER or fit it first")
            self._load(self.model)
        return self.net_

    def _load(self, folder: str) -> None:
        import torch

        cfg_dict = read_config(folder, ARCHITECTURE)
        try:
            cfg = VAEConfig.from_dict(cfg_dict.get("model", {}))
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"{folder}: bad model config ({exc})") from None
        net = build_model(cfg)
        tensors, _ = load_tensors(os.path.join(folder, "model.safetensors"))
        check_state_dict(folder, net.state_dict(), tensors)
        net.load_state_dict(tensors)
        device = pick_device(self.device)
        net.to(device).to(memory_format=torch.channels_last).eval()
        self.net_, self.cfg_, self.device_ = net, cfg, device
        ref = cfg_dict.get("reference")
        if ref:
            try:
                self.reference_ = Embeddings(np.asarray(ref["mean"], np.float32), np.asarray(ref["logvar"], np.float32))
            except Exception as exc:
                raise CheckpointError(f"{folder}: bad reference embeddings in config ({exc})") from None

    def save(self, folder: str, extra: dict | None = None) -> None:
        """Write the model folder (``config.json`` + ``model.safetensors`` + manifest) as one atomic unit."""
        from ..training import model_config

        net = self._ensure_model()
        save_model(folder, model_config(self.cfg_, getattr(self, "reference_", None), {"encoder": self.name, **(extra or {})}),
                   net.state_dict())

    @classmethod
    def load(cls, folder: str, device: str | None = None) -> "VAEEncoder":
        enc = cls(model=folder, device=device)
        enc._load(folder)
        return enc

    # -- learning ---------------------------------------------------------------------------------

    def fit(self, frames: np.ndarray, video_bounds=None, out_dir: str | None = None, progress: bool | None = None,
            resume: bool = False, extra: dict | None = None) -> "VAEEncoder":
        """Train a new model on frames (N, H, W, 3) uint8 at this encoder's size. With ``out_dir``
        a checkpoint is written every epoch, and ``resume`` continues the one found there."""
        from ..training import TrainOptions, encode_frames, reference_sample, train_vae

        try:
            cfg = self.vae_config()
        except (TypeError, ValueError) as exc:
            raise LatentcutError(f"{self.name}: {exc}") from None
        frames = check_frames(frames, self.frame_size)
        opts = TrainOptions(epochs=self.epochs, max_minutes=self.max_minutes, batch_size=self.batch_size,
                            lr=self.lr, seed=self.seed, device=self.device, max_frames=self.max_frames)
        net, history = train_vae(cfg, frames, opts, out_dir=out_dir, resume=resume,
                                 video_bounds=video_bounds, progress=progress, extra_config={"encoder": self.name, **(extra or {})})
        self.net_, self.cfg_, self.device_ = net.eval(), cfg, pick_device(self.device)
        self.history_ = history
        self.reference_ = encode_frames(net, reference_sample(frames), self.device_)
        return self

    def reference_embeddings(self) -> Embeddings | None:
        if self.model and not hasattr(self, "net_"):
            self._ensure_model()
        return getattr(self, "reference_", None)

    def fit_video(self, reader, cache_dir: str | None = None) -> "VAEEncoder":
        """Self-training on the video being analysed, through the model cache under ``cache_dir``
        (default: the cache root). A cache that cannot be written costs a warning, not the run."""
        import warnings

        from ..cache import CACHE_MARK, model_cache_dir

        folder = model_cache_dir(reader.path, self.config(), cache_dir) if self.cache else None
        if folder and os.path.exists(os.path.join(folder, "config.json")):
            try:
                self._load(folder)
                return self
            except CheckpointError:
                pass  # a damaged cache entry is retrained, never trusted
        frames = sample_frames(reader, self.max_frames)
        self.fit(frames)
        if folder:
            try:
                self.save(folder, {"trained_on": os.path.basename(reader.path), "history": self.history_, CACHE_MARK: True})
            except OSError as exc:  # includes OutputError's causes: read-only cache, a file in the way
                warnings.warn(f"could not cache the self-trained model in {folder} ({exc}); going on without it", stacklevel=2)
            except LatentcutError as exc:
                warnings.warn(f"could not cache the self-trained model ({exc}); going on without it", stacklevel=2)
        return self

    # -- inference --------------------------------------------------------------------------------

    def transform(self, frames: np.ndarray) -> Embeddings:
        import torch

        net = self._ensure_model()
        frames = check_frames(frames, self.frame_size)
        mus, lvs = [], []
        cuda = self.device_.startswith("cuda")
        with torch.inference_mode(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
            for i in range(0, len(frames), 1024):
                x = frames_to_tensor(frames[i : i + 1024], self.device_)
                mu, lv = net.encode(x)
                mus.append(mu.float().cpu().numpy())
                lvs.append(lv.float().cpu().numpy())
        return Embeddings(np.concatenate(mus), np.concatenate(lvs))

    def interpolate(self, a: np.ndarray, b: np.ndarray, steps: int = 8, endpoints: bool = False) -> np.ndarray:
        """Frames decoded from latents spaced evenly between the means of frames ``a`` and ``b``
        ((H, W, 3) uint8 at the model's size): ``steps`` in-betweens, or ``steps`` frames from a
        to b inclusive with ``endpoints``."""
        emb = self.transform(np.stack([a, b]))
        ts = np.linspace(0, 1, steps) if endpoints else np.linspace(0, 1, steps + 2)[1:-1]
        return self.decode((1 - ts[:, None]) * emb.mean[0] + ts[:, None] * emb.mean[1])

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Latents (N, latent_dim) -> images (N, H, W, 3) uint8 (clipped: the decoder has no tanh)."""
        import torch

        net = self._ensure_model()
        with torch.inference_mode():
            x = net.decode(torch.as_tensor(np.asarray(z, np.float32), device=self.device_)).float()
        return (x.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).cpu().numpy()


class BetaVAEEncoder(VAEEncoder):
    """The plain β-VAE: Repro-VAE without the reprojection term (τ = 0)."""

    name = "beta-vae"
    default_tau = 0.0


def _folder_id(folder: str) -> str:
    """The weights' content hash: a model retrained in the same folder is another model."""
    try:
        return file_sha256(os.path.join(folder, "model.safetensors"))[:32]
    except OSError:
        return "missing"

