"""Pretrained CNN features from timm: ``xception`` (timm's ``legacy_xception``, the frame-map
write-up's baseline, 2048-d pooled features) and ``timm:<model_name>`` for any timm model.

Weights come from a local safetensors file (``weights=PATH``), or from timm's usual pretrained
download when the machine is online; with neither, a clear error says how to provide them:
features of a randomly initialised network are never returned. Pickled checkpoints are refused.

Frames are decoded straight to the model's input size (the whole frame, no centre crop: a
scene detector must see the borders) and normalised with the model's own mean and std.
Options: ``split`` cuts wide frames into left and right squares whose features are concatenated
(2 x 2048 = 4096-d for Xception); ``pca=N`` projects onto N principal components fitted on the
video (or ``pca=FILE.safetensors``, a projection fitted on a collection with :meth:`save_pca`).
"""
from __future__ import annotations

import os
from typing import ClassVar

import numpy as np

from latentcut.embeddings import principal_components
from latentcut.encoders.base import Encoder, check_frames
from latentcut.embeddings import Embeddings
from latentcut.encoders.torch_io import frames_to_tensor, is_device, pick_device
from latentcut.errors import CheckpointError, LatentcutError
from latentcut.io.sampling import sample_frames
from latentcut.io.tensors import file_id, load_tensors, save_tensors
from latentcut.registry import check_bool, check_number

#: Classifier parameter names across timm families, dropped from full checkpoints.
_HEAD_PREFIXES = ("classifier.", "fc.", "head.fc.", "head.", "last_linear.")


class WeightsError(LatentcutError):
    """No usable weights for a pretrained encoder."""


class TimmEncoder(Encoder):
    """Pooled features of a pretrained timm model (classifier removed)."""

    name = "timm"
    cacheable = True

    def __init__(
        self,
        model_name: str = "legacy_xception",
        weights: str | None = None,
        size: int | None = None,
        split: bool = False,
        pca: int | str | None = None,
        batch_size: int = 32,
        device: str | None = None,
        download: bool = True,
    ):
        self.model_name = model_name
        self.weights = weights
        self.size = size
        self.split = split
        self.pca = pca
        self.batch_size = batch_size
        self.device = device
        self.download = download
        self.color = "rgb"

    def check_params(self) -> None:
        """ValueError naming the first bad parameter (called where parameters are set)."""
        if not isinstance(self.model_name, str) or not self.model_name:
            raise ValueError(f"model_name must be a timm model name, not {self.model_name!r}")
        if self.weights is not None and not isinstance(self.weights, str):
            raise ValueError(f"weights must be a file path, not {self.weights!r}")
        if self.size is not None:
            check_number("size", self.size, 16, 1024, integer=True)
        check_bool("split", self.split)
        check_bool("download", self.download)
        if self.pca is not None and not isinstance(self.pca, str):
            check_number("pca", self.pca, 1, 65536, integer=True)
        check_number("batch_size", self.batch_size, 1, integer=True)
        if self.device is not None and not is_device(self.device):
            raise ValueError(f"device must be cpu, cuda or cuda:N, not {self.device!r}")

    @property
    def requires_fit(self) -> bool:  # only a PCA fitted on the video needs fitting
        return isinstance(self.pca, int) and not isinstance(self.pca, bool)

    default_size: ClassVar[int | None] = None  #: the input side when known without asking timm

    @property
    def side(self) -> int:
        if self.size:
            return int(self.size)
        if self.default_size:
            return self.default_size  # no timm import: a cache hit decodes and embeds nothing
        import timm

        try:
            cfg = timm.get_pretrained_cfg(self.model_name)
        except Exception:
            cfg = None
        if cfg is None:
            raise LatentcutError(f"unknown timm model {self.model_name!r}")
        return int(cfg.input_size[-1])

    @property
    def frame_size(self) -> tuple[int, int]:
        s = self.side
        return (s, 2 * s) if self.split else (s, s)

    def config(self) -> dict:
        weights = self._weights_path()
        c = {"name": self.name, "model_name": self.model_name, "size": self.side, "split": bool(self.split),
             "pca": self.pca, "weights": file_id(weights) if weights else "timm-pretrained"}
        if isinstance(self.pca, str):
            c["pca"] = file_id(self._pca_path())
        return c

    #: the file name a weights folder (``$LATENTCUT_WEIGHTS_DIR``) holds this model's weights under
    weights_file: ClassVar[str | None] = None

    def _weights_path(self) -> str | None:
        """``weights``, else this model's file in ``$LATENTCUT_WEIGHTS_DIR`` when it is there."""
        if self.weights:
            return self.weights
        folder = os.environ.get("LATENTCUT_WEIGHTS_DIR")
        if folder and self.weights_file and os.path.isfile(os.path.join(folder, self.weights_file)):
            return os.path.join(folder, self.weights_file)
        return None

    def _pca_path(self) -> str:
        return self.pca

    # -- model ------------------------------------------------------------------------------------

    def prepare(self):
        self._ensure_model()
        return self

    def _ensure_model(self):
        if hasattr(self, "net_"):
            return self.net_
        import timm
        import torch


        if timm.get_pretrained_cfg(self.model_name) is None and self.model_name not in timm.list_models():
            raise LatentcutError(f"unknown timm model {self.model_name!r}")
        weights = self._weights_path()
        if weights:
            net = timm.create_model(self.model_name, pretrained=False, num_classes=0)
            _load_weights(net, weights)
        elif self.download:
            if not _hub_reachable():
                raise WeightsError(self._no_weights("no weights file was given, and the model hub cannot be reached"))
            try:
                net = timm.create_model(self.model_name, pretrained=True, num_classes=0)
            except Exception as exc:
                raise WeightsError(self._no_weights(f"the pretrained download failed: {type(exc).__name__}: {exc}")) from None
        else:
            raise WeightsError(self._no_weights("no weights file was given"))
        data = timm.data.resolve_data_config({}, model=net)
        device = pick_device(self.device)
        net = net.to(device).eval()
        if device == "cpu":
            net = net.to(memory_format=torch.channels_last)  # measured faster on this CPU
        self.net_, self.device_ = net, device
        self.norm_ = (np.asarray(data["mean"], np.float32), np.asarray(data["std"], np.float32))
        return net

    def _no_weights(self, why: str) -> str:
        return (f"{self.name} ({self.model_name}): no weights ({why}). Give a local safetensors file: "
                f"--weights PATH (e.g. ../shared/weights/{self.weights_file or 'xception-imagenet-backbone.safetensors'}), "
                f"a folder holding it as $LATENTCUT_WEIGHTS_DIR, or run where timm can download its pretrained "
                f"weights. Random features are never used.")

    # -- features ------------------------------------------------------------------------------------

    def features(self, frames: np.ndarray) -> np.ndarray:
        """Raw pooled features (before any PCA): (B, D), or (B, 2D) with ``split``."""
        import torch

        net = self._ensure_model()
        frames = check_frames(frames, self.frame_size)
        if self.split:
            s = self.side
            frames = np.concatenate([frames[:, :, :s], frames[:, :, s:]])  # left halves, then right halves
        mean, std = self.norm_
        out = []
        cuda = self.device_.startswith("cuda")
        with torch.inference_mode(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
            for i in range(0, len(frames), self.batch_size):
                x = frames_to_tensor(frames[i : i + self.batch_size], self.device_)
                x = (x - torch.from_numpy(mean).to(x.device)[:, None, None]) / torch.from_numpy(std).to(x.device)[:, None, None]
                out.append(net(x).float().cpu().numpy())
        if not out:  # no frames: no rows, of the width the network gives
            out = [np.zeros((0, int(net.num_features)), np.float32)]
        f = np.concatenate(out)
        if self.split:
            half = len(f) // 2
            f = np.concatenate([f[:half], f[half:]], axis=1)
        return f

    def transform(self, frames: np.ndarray) -> Embeddings:
        f = self.features(frames)
        if self.pca is not None:
            comp, mu = self._pca()
            f = (f - mu) @ comp.T
        return Embeddings(f.astype(np.float32))

    # -- PCA ---------------------------------------------------------------------------------------

    def _pca(self):
        if hasattr(self, "pca_components_"):
            return self.pca_components_, self.pca_mean_
        if isinstance(self.pca, str):
            tensors, _ = load_tensors(self._pca_path(), framework="numpy")
            try:
                self.pca_components_ = tensors["components"]
                self.pca_mean_ = tensors["mean"]
            except KeyError as exc:
                raise CheckpointError(f"{self._pca_path()}: not a PCA file (missing {exc})") from None
            return self.pca_components_, self.pca_mean_
        raise LatentcutError(f"{self.name}: the PCA is not fitted; call fit() on frames first")

    def is_fitted(self) -> bool:
        return not self.requires_fit or hasattr(self, "pca_components_")

    def fit(self, frames: np.ndarray) -> "TimmEncoder":
        """Fit the PCA (``pca=N``) on frames, or on a collection's frames."""
        if not self.requires_fit:
            return self
        f = self.features(frames)
        n = min(int(self.pca), len(f), f.shape[1])
        self.pca_mean_, self.pca_components_ = principal_components(f, n)
        return self

    def fit_video(self, reader, cache_dir: str | None = None, max_frames: int = 512) -> "TimmEncoder":

        return self.fit(sample_frames(reader, max_frames))

    def cache_state(self) -> dict:
        if self.requires_fit and hasattr(self, "pca_components_"):
            return {"pca_components": self.pca_components_, "pca_mean": self.pca_mean_}
        return {}

    def restore_cache_state(self, state: dict) -> None:
        if self.requires_fit and "pca_components" in state:
            self.pca_components_, self.pca_mean_ = state["pca_components"], state["pca_mean"]

    def save_pca(self, path: str) -> None:
        import torch

        comp, mu = self._pca()
        save_tensors(path, {"components": torch.from_numpy(comp), "mean": torch.from_numpy(mu)},
                     {"model_name": self.model_name})


class XceptionEncoder(TimmEncoder):
    """timm ``legacy_xception`` without its classifier: 2048-d pooled features, 299x299 input."""

    name = "xception"
    default_size = 299
    weights_file = "xception-imagenet-backbone.safetensors"

    def __init__(self, weights: str | None = None, size: int | None = None, split: bool = False,
                 pca: int | str | None = None, batch_size: int = 32, device: str | None = None, download: bool = True):
        super().__init__("legacy_xception", weights, size, split, pca, batch_size, device, download)

    def get_params(self, deep: bool = True) -> dict:
        p = super().get_params()
        p.pop("model_name", None)
        return p


def safetensors_only(path: str) -> str:
    """``path``, if it names a safetensors file: a pickled checkpoint is never opened."""
    if not str(path).endswith(".safetensors"):
        raise WeightsError(f"{path}: weights must be a .safetensors file (pickled checkpoints are never loaded)")
    return path


def _load_weights(net, path: str) -> None:
    """Load a safetensors state dict, dropping a classifier if the file has one; every other key
    must match."""
    tensors, _ = load_tensors(safetensors_only(path))
    expected = net.state_dict()
    tensors = {k: v for k, v in tensors.items() if k in expected or not k.startswith(_HEAD_PREFIXES)}
    # BatchNorm's step counters are bookkeeping, not weights; converted checkpoints often omit them.
    missing = [k for k in expected if k not in tensors and not k.endswith("num_batches_tracked")]
    extra = [k for k in tensors if k not in expected]
    wrong = [k for k in expected if k in tensors and tuple(tensors[k].shape) != tuple(expected[k].shape)]
    if missing or extra or wrong:
        raise WeightsError(f"{path}: these weights are not for this model "
                           f"({len(missing)} missing, {len(extra)} unexpected, {len(wrong)} of another shape; "
                           f"e.g. {(missing or extra or wrong)[:2]})")
    for k in expected:
        if k not in tensors:
            tensors[k] = expected[k]
    net.load_state_dict(tensors, strict=True)


def _hub_reachable(host: str = "huggingface.co", timeout: float = 3.0) -> bool:
    """Whether timm's download can start: offline, the hub client retries for about a minute
    before it gives up, and a user would wait that long for an error."""
    import socket

    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"):
        return True  # the hub client then answers from its own cache at once
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False
