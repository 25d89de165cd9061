"""``lite0``: EfficientNet-Lite0 features for the scene library, run by timm (torch) or by NumPy
(:mod:`latentcut.encoders.efficientnet_lite`) from the same weights file."""
from __future__ import annotations

import os

import numpy as np

from latentcut.encoders.base import check_frames
from latentcut.encoders.efficientnet_lite import EfficientNetLite
from latentcut.encoders.timm_features import TimmEncoder, WeightsError, safetensors_only
from latentcut.errors import CheckpointError
from latentcut.extras import missing, require
from latentcut.io.tensors import load_tensors

SHIPPED_PCA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "lite0-pca256-v1.safetensors")


#: Lite0's blocks per stage, which NumPy weights must have (Lite1-4 have more)
LITE0_DEPTHS = (1, 2, 2, 3, 3, 4, 1)
#: up to this many frames, the ``auto`` backend runs NumPy: faster than torch for one or two
#: pictures and no torch import (benchmarks/query_latency.py); more go to torch when installed
NUMPY_FRAMES = 4
BACKENDS = ("auto", "numpy", "torch")


class Lite0Encoder(TimmEncoder):
    """EfficientNet-Lite0 features at 128x128, projected onto 256 principal components: the scene
    library's encoder (``benchmarks/retrieval_quality.py`` chose it; about 5 times faster than at
    Lite0's native 224, and no less robust to crops). ``pca="shipped"`` is the projection fitted on
    the shared unlabelled footage (``scripts/train-shipped-models.sh ... retrieval-pca``);
    ``pca=None`` keeps all 1,280 dimensions.

    ``backend``: ``torch`` (timm), ``numpy`` (:mod:`latentcut.encoders.efficientnet_lite`, the same
    features to float32 rounding, no torch needed) or ``auto``: NumPy for a few frames (a query
    starts in a fraction of a second) or when torch is not installed, torch for batches."""

    name = "lite0"
    default_size = 128
    weights_file = "tf-efficientnet-lite0-imagenet.safetensors"

    def __init__(self, weights: str | None = None, size: int | None = None, pca: int | str | None = "shipped",
                 batch_size: int = 64, device: str | None = None, download: bool = True, backend: str = "auto"):
        super().__init__("tf_efficientnet_lite0", weights, size, False, pca, batch_size, device, download)
        self.backend = backend

    def check_params(self) -> None:
        super().check_params()
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")
        if self.backend == "numpy" and self.device not in (None, "cpu"):
            raise ValueError(f"backend numpy runs on the CPU; device {self.device!r} needs backend torch")

    def get_params(self, deep: bool = True) -> dict:
        p = super().get_params()
        p.pop("model_name", None)
        p.pop("split", None)
        return p

    def _pca_path(self) -> str:
        return SHIPPED_PCA if self.pca == "shipped" else self.pca

    def _numpy_for(self, n: int) -> bool:
        """Whether ``n`` frames go through NumPy."""
        if self.backend != "auto":
            return self.backend == "numpy"
        if self.device not in (None, "cpu") or not self._weights_path():
            return False  # a GPU, or timm's download: torch's
        return n <= NUMPY_FRAMES or bool(missing("timm"))

    def prepare(self):
        # torch, when batches need it, loads at the first batch: a query never waits for it
        if self._numpy_for(1):
            self._numpy_net()
        else:
            self._ensure_model()
        return self

    def _ensure_model(self):
        if not hasattr(self, "net_"):
            require("timm", f"the {self.name} encoder with backend {self.backend!r}"
                    + ("" if self._weights_path() else " and no local weights file"))
        return super()._ensure_model()

    def _numpy_net(self) -> EfficientNetLite:
        if hasattr(self, "numpy_net_"):
            return self.numpy_net_
        weights = self._weights_path()
        if not weights:
            raise WeightsError(self._no_weights("no weights file was given, and the NumPy backend never downloads"))
        tensors, _ = load_tensors(safetensors_only(weights), framework="numpy")
        try:
            net = EfficientNetLite(tensors)
        except CheckpointError as exc:
            raise WeightsError(f"{weights}: these weights are not for {self.model_name} ({exc})") from None
        if net.depths != LITE0_DEPTHS or net.num_features != 1280:
            raise WeightsError(f"{weights}: these weights are not for {self.model_name} "
                               f"(blocks per stage {net.depths}, Lite0 has {LITE0_DEPTHS})")
        self.numpy_net_ = net
        return net

    def features(self, frames: np.ndarray) -> np.ndarray:
        if not self._numpy_for(len(frames)):
            self._ensure_model()  # a missing torch is the extra's one line, before torch is imported
            return super().features(frames)
        net = self._numpy_net()
        frames = check_frames(frames, self.frame_size)
        # a few frames at a time: NumPy's intermediate arrays outgrow the caches in large batches
        out = [net(frames[i : i + NUMPY_FRAMES].astype(np.float32) / 255.0) for i in range(0, len(frames), NUMPY_FRAMES)]
        return np.concatenate(out) if out else np.zeros((0, net.num_features), np.float32)
