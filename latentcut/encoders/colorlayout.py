"""The ``colorlayout`` encoder: MPEG-7's Colour Layout Descriptor, the one trace.moe searches
billions of anime frames with (through LIRE), here so latentcut can be compared with it in the
same run (``benchmarks/retrieval_quality.py``).

A frame is averaged over an 8x8 grid, turned to YCbCr, each channel's 8x8 DCT read in zigzag
order, and the first 21 luma and 6 of each chroma coefficient kept (LIRE's 33, one byte each
there). MPEG-7 compares two descriptors by a weighted distance that favours the low frequencies;
the weights are folded into the vector (each coefficient times the root of its weight), so L2
between vectors is that distance. The scene library compares by cosine: a constant last component,
far larger than any descriptor (``anchor``), makes cosine rank as L2 does (to within about
``(|x| / anchor)^2``: a descriptor's norm is a few units, the anchor 64).
"""
from __future__ import annotations

import numpy as np

from latentcut.embeddings import Embeddings
from latentcut.encoders.base import Encoder, check_frames
from latentcut.registry import check_bool, check_number

GRID = 8  #: the descriptor's grid
CELL = 4  #: pixels a grid cell averages, each way (frames are read at 32x32)
#: MPEG-7's weights of the zigzag coefficients kept for Y, Cb, Cr (21, 6, 6: LIRE's, trace.moe's): the DC and
#: first two AC terms of luma weigh 2, of Cr 4 and 2, Cb's DC 2
WEIGHTS = ((2, 2, 2) + (1,) * 18, (2, 1, 1, 1, 1, 1), (4, 2, 2, 1, 1, 1))
COEFFICIENTS = tuple(len(w) for w in WEIGHTS)
DC_STEP, AC_STEP = 8.0 / 64, 8.0 / 32  #: MPEG-7's 6-bit DC and 5-bit AC over -4..4


def _zigzag(n: int = GRID) -> np.ndarray:
    """(row, column) flat indices of an n x n block in JPEG's zigzag order."""
    order = sorted(((r, c) for r in range(n) for c in range(n)),
                   key=lambda rc: (sum(rc), rc[sum(rc) % 2 - 1]))  # odd diagonals run down, even ones up
    return np.asarray([r * n + c for r, c in order])


def _dct_matrix(n: int = GRID) -> np.ndarray:
    """The orthonormal DCT-II matrix: ``D @ block @ D.T`` is the 2-D transform."""
    k, i = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    d = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    d[0] /= np.sqrt(2.0)
    return d


def _weights() -> np.ndarray:
    return np.asarray(sum(WEIGHTS, ()), np.float64)


_YCBCR = np.asarray([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]], np.float32)


class ColorLayoutEncoder(Encoder):
    """MPEG-7's Colour Layout Descriptor (33 coefficients), weighted so L2 is its distance.

    anchor: the constant last component that makes cosine rank as L2 (0 leaves it out: 33 values,
    for an L2 index of one's own); mirror_safe is not claimed: a mirrored frame is a different
    layout, so the library's mirrored query view does the work.
    """

    name = "colorlayout"
    color = "rgb"

    def __init__(self, anchor: float = 64.0, quantize: bool = False):
        self.anchor = anchor
        self.quantize = quantize

    def check_params(self) -> None:
        check_number("anchor", self.anchor, 0.0)
        check_bool("quantize", self.quantize)

    @property
    def frame_size(self) -> tuple[int, int]:
        return (GRID * CELL, GRID * CELL)

    def descriptors(self, frames: np.ndarray) -> np.ndarray:
        """(N, 33) coefficients, unweighted: Y, Cb, Cr, each from the DC on (orthonormal DCT of
        values centred on mid-level, so a DC is 8 x the mean, -4..4); with ``quantize``, rounded to
        MPEG-7's 6-bit DC and 5-bit AC steps."""
        frames = check_frames(frames, self.frame_size)
        x = frames.astype(np.float32) / 255.0
        n = len(x)
        cells = x.reshape(n, GRID, CELL, GRID, CELL, 3).mean(axis=(2, 4))  # (N, 8, 8, 3)
        ycc = cells @ _YCBCR.T
        ycc[..., 0] -= 0.5  # every channel centred on mid-level: a descriptor's norm stays small beside the anchor
        d = _dct_matrix()
        coef = (d @ ycc.transpose(0, 3, 1, 2) @ d.T).reshape(n, 3, GRID * GRID)  # (N, channel, 64)
        zz = coef[:, :, _zigzag()]
        out = np.concatenate([zz[:, c, : COEFFICIENTS[c]] for c in range(3)], axis=1)
        if self.quantize:
            steps = np.concatenate([[DC_STEP] + [AC_STEP] * (k - 1) for k in COEFFICIENTS])
            out = np.round(out / steps) * steps
        return out.astype(np.float32)

    def transform(self, frames: np.ndarray) -> Embeddings:
        v = self.descriptors(frames) * np.sqrt(_weights()).astype(np.float32)
        if self.anchor:
            v = np.concatenate([v, np.full((len(v), 1), float(self.anchor), np.float32)], axis=1)
        return Embeddings(v)
