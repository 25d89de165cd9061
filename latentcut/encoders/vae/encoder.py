"""The ``repro-vae`` and ``beta-vae`` encoders: μ and log σ² of a convolutional VAE per frame.

The model, the paper's architecture and why the reprojection target is detached are described
in :mod:`.model`; training is in :mod:`.training`, the model folder in :mod:`.folder`.
"""
from __future__ import annotations

import os

import numpy as np

from latentcut.cache import CACHE_MARK, config_key, model_cache_dir
from latentcut.component import changed_params
from latentcut.encoders.base import Encoder, check_frames
from latentcut.embeddings import Embeddings
from latentcut.encoders.torch_io import is_device, pick_device
from latentcut.encoders.vae.folder import input_side, read_model, write_model
from latentcut.encoders.vae.model import VAEConfig
from latentcut.encoders.vae.training import SELF_TRAINING, TrainOptions, encode_frames, reference_sample, train_vae
from latentcut.errors import CheckpointError, LatentcutError
from latentcut.io.sampling import sample_frames
from latentcut.io.tensors import file_sha256
from latentcut.registry import check_bool, check_number
from latentcut.io.progress import status


class VAEEncoder(Encoder):
    """Embeddings from a convolutional VAE: μ and log σ² per frame.

    ``model`` says where the weights come from, always explicitly: ``"shipped"``, the model latentcut
    ships (``repro-vae`` only; its default); ``"self"``, learned on the video being analysed
    (self-training, the paper's unsupervised premise; ``beta-vae``'s default) within the budget below
    and cached by video content and config so a second run reuses it; or a folder written by
    ``latentcut train`` or :meth:`save`. ``None`` is the family's default. The other parameters set the
    architecture and training of a self-trained model (:class:`VAEConfig`); with a shipped model or a
    folder, which fix both, setting one to another value than its default is an error, not ignored.

    Self-training defaults differ from the paper's long-training recipe (Adam lr 1e-4, batch 256):
    a budget of about a minute and a half on two CPU cores is ~100 steps at batch 256, too few to
    learn at lr 1e-4. Sampling at most 1536 frames, batch 64 and lr 1e-3 give ~300 steps, which
    ranks cuts as well as longer runs on our clips (benchmarks/ablation.py).
    """

    name = "repro-vae"
    requires_fit = True
    probabilistic = True
    cacheable = True
    default_tau = VAEConfig.tau
    #: what ``model=None`` means for this family
    default_model = "shipped"

    def __init__(
        self,
        model: str | None = None,
        latent_dim: int = VAEConfig.latent_dim,
        beta: float = VAEConfig.beta,
        tau: float | None = None,
        alpha: float = VAEConfig.alpha,
        hidden: str = "/".join(map(str, VAEConfig.hidden)),
        pooling: str = VAEConfig.pooling,
        activation: str = VAEConfig.activation,
        size: int = VAEConfig.input_size,
        epochs: int = SELF_TRAINING.epochs,
        max_frames: int = SELF_TRAINING.max_frames,
        max_minutes: float = SELF_TRAINING.max_minutes,
        batch_size: int = SELF_TRAINING.batch_size,
        lr: float = SELF_TRAINING.lr,
        clip_grad: float | None = SELF_TRAINING.clip_grad,
        seed: int = SELF_TRAINING.seed,
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
        self.clip_grad = clip_grad
        self.seed = seed
        self.device = device
        self.cache = cache
        self.color = "rgb"

    @property
    def frame_size(self) -> tuple[int, int]:
        """The model's input size: from the loaded or given model folder, else ``size``."""
        if hasattr(self, "cfg_"):
            return (self.cfg_.input_size, self.cfg_.input_size)
        folder = None if self._recipe_clash() else self.model_folder()
        if folder:
            side = input_side(folder, self.size)
            return (side, side)
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
        trained_here = hasattr(self, "net_") and not hasattr(self, "loaded_from_")
        folder = None if trained_here else self.model_folder()
        if folder:
            return {"name": self.name, "model": os.path.abspath(folder), "model_id": _folder_id(folder)}
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
        if self.clip_grad is not None:
            check_number("clip_grad", self.clip_grad, 0.0, lo_open=True)
        check_number("seed", self.seed, 0, integer=True)
        check_bool("cache", self.cache)
        if self.device is not None and not is_device(self.device):
            raise ValueError(f"device must be cpu, cuda or cuda:N, not {self.device!r}")
        if self.model is not None and not isinstance(self.model, (str, os.PathLike)):
            raise ValueError(f"model must be 'shipped', 'self' or a folder path, not {self.model!r}")
        self.vae_config()  # hidden, pooling, activation, and size against the number of layers
        clash = self._recipe_clash()
        if clash:
            raise ValueError(clash)

    def _recipe_clash(self) -> str | None:
        recipe, choice = self.recipe_changes(), self._model_choice()
        if not recipe or choice == "self":
            return None
        given = ", ".join(f"{k}={v}" for k, v in recipe.items())
        where = "the shipped model" if choice == "shipped" else f"the model in {self.model}"
        return (f"model: {given} does not apply to {where}, which fixes the architecture and training; "
                "add model=self to train one with it on each video")

    def recipe_changes(self) -> dict:
        """The architecture and training parameters set to another value than the family's default."""
        out = {k: v for k, v in changed_params(self).items() if k not in ("model", "device", "cache", "tau", "hidden")}
        if self.tau_ != self.default_tau:
            out["tau"] = self.tau
        if VAEConfig(hidden=self.hidden, input_size=2 ** 10).hidden != VAEConfig(input_size=2 ** 10).hidden:
            out["hidden"] = self.hidden
        return out

    def _model_choice(self) -> str:
        m = self.default_model if self.model is None else os.fspath(self.model)
        return m if m in ("shipped", "self") else "folder"

    def fingerprint(self) -> str:
        """Identity of the embedding space: the weights' content for a model folder (wherever it
        lies), else the recipe that trains one."""
        c = self.config()
        c.pop("model", None)
        return config_key(c)

    # -- state ----------------------------------------------------------------------------------

    def model_folder(self) -> str | None:
        """The model folder in force: ``model``, the package's for ``"shipped"``; None for self-training."""
        choice = self._model_choice()
        if choice == "self":
            return None
        clash = self._recipe_clash()
        if clash:
            raise LatentcutError(f"{self.name}: {clash}")
        if choice == "shipped":
            folder = shipped_folder(self.name)
            if folder is None or not os.path.isdir(folder):
                raise LatentcutError(f"{self.name}: latentcut ships no trained model for it; use model=self (train on "
                                     "the video) or model=FOLDER (from `latentcut train`)")
            return folder
        return os.fspath(self.model)

    def is_fitted(self) -> bool:
        return hasattr(self, "net_") or bool(self.model_folder())

    def prepare(self):
        self._ensure_model()
        return self

    def _ensure_model(self):
        if not hasattr(self, "net_"):
            folder = self.model_folder()
            if not folder:
                raise LatentcutError(f"{self.name}: no model: give model=FOLDER or fit it first")
            self._load(folder)
        return self.net_

    def _load(self, folder: str) -> None:
        import torch

        net, cfg, reference, _ = read_model(folder)
        device = pick_device(self.device)
        net.to(device).to(memory_format=torch.channels_last).eval()
        self.net_, self.cfg_, self.device_ = net, cfg, device
        self.loaded_from_ = folder
        if reference is not None:
            self.reference_ = reference

    def save(self, folder: str, extra: dict | None = None) -> None:
        """Write the model folder (``config.json`` + ``model.safetensors`` + manifest) as one atomic unit."""
        net = self._ensure_model()
        write_model(folder, self.cfg_, net.state_dict(), getattr(self, "reference_", None), {"encoder": self.name, **(extra or {})})

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
        try:
            cfg = self.vae_config()
        except (TypeError, ValueError) as exc:
            raise LatentcutError(f"{self.name}: {exc}") from None
        frames = check_frames(frames, self.frame_size)
        opts = TrainOptions(epochs=self.epochs, max_minutes=self.max_minutes, batch_size=self.batch_size,
                            lr=self.lr, clip_grad=self.clip_grad, seed=self.seed, device=self.device, max_frames=self.max_frames)
        net, history = train_vae(cfg, frames, opts, out_dir=out_dir, resume=resume,
                                 video_bounds=video_bounds, progress=progress, extra_config={"encoder": self.name, **(extra or {})})
        self.net_, self.cfg_, self.device_ = net.eval(), cfg, pick_device(self.device)
        self.__dict__.pop("loaded_from_", None)
        self.history_ = history
        self.reference_ = encode_frames(net, reference_sample(frames), self.device_)
        return self

    def reference_embeddings(self) -> Embeddings | None:
        if not hasattr(self, "net_") and self.model_folder():
            self._ensure_model()
        return getattr(self, "reference_", None)

    def fit_video(self, reader, cache_dir: str | None = None) -> "VAEEncoder":
        """Self-training on the video being analysed, through the model cache under ``cache_dir``
        (default: the cache root). A cache that cannot be written costs a warning, not the run."""
        import warnings

        folder = model_cache_dir(reader.path, self.config(), cache_dir) if self.cache else None
        name = os.path.basename(reader.path)
        if folder and os.path.exists(os.path.join(folder, "config.json")):
            try:
                self._load(folder)
                status(f"{self.name}: using the model self-trained on {name} earlier ({folder})")
                return self
            except CheckpointError:
                pass  # a damaged cache entry is retrained, never trusted
        status(f"{self.name}: self-training on the frames of {name} "
               f"({'cached for next time in ' + folder if folder else 'not cached'})")
        frames = sample_frames(reader, self.max_frames)
        self.fit(frames)
        if folder:
            try:
                self.save(folder, {"trained_on": name, "history": self.history_, CACHE_MARK: True})
                status(f"{self.name}: self-trained model cached: {folder}")
            except OSError as exc:  # includes OutputError's causes: read-only cache, a file in the way
                warnings.warn(f"could not cache the self-trained model in {folder} ({exc}); going on without it", stacklevel=2)
            except LatentcutError as exc:
                warnings.warn(f"could not cache the self-trained model ({exc}); going on without it", stacklevel=2)
        return self

    # -- inference --------------------------------------------------------------------------------

    def transform(self, frames: np.ndarray) -> Embeddings:
        net = self._ensure_model()
        return encode_frames(net, check_frames(frames, self.frame_size), self.device_)

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
    default_model = "self"
    default_tau = 0.0


def _folder_id(folder: str) -> str:
    """The weights' content hash: a model retrained in the same folder is another model."""
    try:
        return file_sha256(os.path.join(folder, "model.safetensors"))[:32]
    except OSError:
        return "missing"


SHIPPED_MODELS = {"repro-vae": "repro-vae-v1"}


def shipped_folder(name: str) -> str | None:
    """Where the package keeps the model it ships for encoder ``name`` (None: it ships none)."""
    sub = SHIPPED_MODELS.get(name)
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", sub) if sub else None
