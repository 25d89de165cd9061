"""The ``pixel`` encoder: the resized frame itself as a vector, the baseline every learned encoder must beat."""
from __future__ import annotations

import numpy as np

from latentcut.encoders.base import LUMA, Encoder, check_frames, parse_size
from latentcut.embeddings import Embeddings
from latentcut.registry import check_bool


class PixelEncoder(Encoder):
    """Frame pixels scaled to [0, 1], flattened.

    size: frame side (``32``) or ``"WxH"``; color: RGB (3 values per pixel) or luma only.
    center: subtract each frame's mean colour, so that a change of overall colour or brightness
    with no change of picture (a flat colour wash, a grey ramp) does not count; fades to black
    still do, because the picture's contrast goes with them.
    """

    name = "pixel"

    def __init__(self, size: int | str | tuple = 32, color: bool = True, center: bool = True):
        self.size = size
        self.center = center
        self._color = color
        self.color = "rgb" if color else "gray"

    def get_params(self, deep: bool = True) -> dict:
        return {"size": self.size, "color": self._color, "center": self.center}

    def set_params(self, **params):
        color = params.pop("color", self._color)
        super().set_params(**params)
        self._color = color
        self.color = "rgb" if color else "gray"
        return self

    def check_params(self) -> None:
        parse_size(self.size)
        check_bool("center", self.center)
        check_bool("color", self._color)

    @property
    def frame_size(self) -> tuple[int, int]:
        return parse_size(self.size)

    def transform(self, frames: np.ndarray) -> Embeddings:
        frames = check_frames(frames, self.frame_size)
        x = frames.astype(np.float32)
        if self.color == "gray" and x.shape[-1] == 3:
            x = (x @ LUMA)[..., None]
        x *= 1.0 / 255.0
        if self.center:
            x -= x.mean(axis=(1, 2), keepdims=True)
        return Embeddings(x.reshape(len(x), -1))
