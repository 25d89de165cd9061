"""The 3D-convolution in-betweener's configuration (the model's) apart from its training's."""
from __future__ import annotations

from dataclasses import dataclass

ARCHITECTURE = "latentcut.inbetween-3dconv"
FORMAT_VERSION = 1
FUSIONS = ("gated", "additive", "naive")


@dataclass
class InbetweenConfig:
    """What builds the model. ``frames`` counts both key frames; ``fusion``: ``gated`` (the paper's
    gates g_s, g_e), ``additive`` (its no-fusion ablation: the key frames' encodings added to every
    unit's input) or ``naive`` (no latent generator: the key frames' encodings, repeated in time,
    go straight to the video generator)."""

    size: int = 64
    frames: int = 16
    channels: int = 32  #: latent channels (the CPU-sized default)
    base: int = 16  #: channels of the frame encoder's and video generator's first/last layers
    units: int = 1  #: residual gated units per temporal stage
    stages: int = 3  #: coarse to fine in time: T/4 -> T/2 -> T with 3
    noise: float = 1.0  #: scale of the per-unit noise
    fusion: str = "gated"

    def __post_init__(self):
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}, not {self.fusion!r}")
        if self.size not in (32, 64, 128):
            raise ValueError(f"size must be 32, 64 or 128, not {self.size}")
        if self.stages < 1 or self.frames % (2 ** (self.stages - 1)) or self.frames < 4:
            raise ValueError(f"frames ({self.frames}) must be at least 4 and divisible by 2^(stages-1) = "
                             f"{2 ** (self.stages - 1)}")
        for name in ("channels", "base", "units"):
            if not 1 <= getattr(self, name) <= 1024:
                raise ValueError(f"{name} must be 1..1024, not {getattr(self, name)}")

    @property
    def latent_side(self) -> int:
        return 8


@dataclass
class InbetweenTrainOptions:
    steps: int = 1500
    batch: int = 8
    lr: float = 2e-4
    adversarial: float = 1.0  #: weight of the generator's adversarial terms (the paper's eqs 7-9)
    recon: float = 10.0  #: weight of an L1 term on the middle frames (not the paper's: short CPU runs need it)
    image_frames: int = 3  #: middle frames the image discriminator sees per clip
    seed: int = 0
    device: str | None = None
    save_every: int = 250
    max_minutes: float | None = None
