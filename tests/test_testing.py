"""latentcut.testing.check_component: it passes a sound third-party plugin and fails each broken one, naming the rule."""
import numpy as np
import pytest

from latentcut import Embeddings
from latentcut.detection.thresholders import Thresholder
from latentcut.detection.verifiers import Verifier
from latentcut.encoders import Encoder
from latentcut.registry import check_number
from latentcut.scoring.distances import Distance
from latentcut.testing import check_component, spec_of


class MeanColour(Encoder):
    """A sound plugin: each frame's mean colour, over a grid of ``cells`` x ``cells``."""

    name = "mean-colour"

    def __init__(self, cells: int = 2, scale: float = 1.0):
        self.cells = cells
        self.scale = scale

    def check_params(self):
        check_number("cells", self.cells, 1, 8, integer=True)
        check_number("scale", self.scale, 0.0, lo_open=True)

    @property
    def frame_size(self):
        return (8 * self.cells, 8 * self.cells)

    def transform(self, frames):
        n, h, w, c = frames.shape
        g = frames.reshape(n, self.cells, h // self.cells, self.cells, w // self.cells, c).mean(axis=(2, 4))
        return Embeddings((g.reshape(n, -1) / 255 * self.scale).astype(np.float32))


class Dims(MeanColour):
    """Broken: a tuple parameter that comes back from a spec as the string '2/2', which it then misreads."""

    name = "dims"

    def __init__(self, dims: tuple = (2, 2)):
        self.dims = dims

    def check_params(self):
        pass

    @property
    def frame_size(self):
        return (16, 16)

    def transform(self, frames):
        k = len(self.dims)  # 2 for the tuple, 3 for the string "2/2"
        return Embeddings(frames.reshape(len(frames), -1)[:, :k].astype(np.float32))


class BatchNormed(MeanColour):
    """Broken: each embedding depends on the other frames of its batch."""

    name = "batch-normed"

    def transform(self, frames):
        e = super().transform(frames).mean
        return Embeddings(e - e.mean(axis=0))


class WrongSize(MeanColour):
    """Broken: declares 8x8 frames but reads 16x16 ones."""

    name = "wrong-size"

    @property
    def frame_size(self):
        return (8, 8)

    def transform(self, frames):
        return Embeddings(frames.reshape(len(frames), 16, 16, 3).mean(axis=(1, 2)).astype(np.float32))


class Doubles(MeanColour):
    """Broken: float64 embeddings."""

    name = "doubles"

    def transform(self, frames):
        return Embeddings(super().transform(frames).mean.astype(np.float64))


class Rewrites(MeanColour):
    """Broken: stores a parameter other than as given."""

    name = "rewrites"

    def __init__(self, cells: int = 2, scale: float = 1.0):
        self.cells = int(cells)
        self.scale = round(float(scale), 1)


class Renames(MeanColour):
    """Broken: keeps a parameter under another name and hands back a copy."""

    name = "renames"

    def __init__(self, cells: int = 2, scale: float = 1.0):
        self.cells = cells
        self._scale = scale

    def get_params(self, deep=True):
        return {"cells": self.cells, "scale": (self._scale,)[0] if not hasattr(self._scale, "name") else repr(self._scale)}


class AcceptsAnything(MeanColour):
    """Broken when asked: it validates nothing."""

    name = "accepts-anything"

    def check_params(self):
        pass


class NotSelf(MeanColour):
    name = "not-self"

    def set_params(self, **params):
        super().set_params(**params)
        return None


class Constant(Distance):
    """Broken: not 0 for identical embeddings."""

    name = "constant"

    def _pairwise(self, a, b):
        return np.ones(max(len(a), len(b)))


class Lopsided(Distance):
    """Broken: says symmetric, is not."""

    name = "lopsided"

    def _pairwise(self, a, b):
        return np.maximum(a.mean - b.mean, 0).sum(axis=1).astype(np.float64)


class FloatCuts(Thresholder):
    """Broken: positions as floats."""

    name = "float-cuts"

    def fit(self, scores, fps=None, scale=None):
        self.threshold_ = 1.0
        return self

    def predict(self, scores, fps=None, scale=None):
        return np.flatnonzero(np.asarray(scores) > 1).astype(float)


class Inventive(Verifier):
    """Broken: adds a cut nobody asked about."""

    name = "inventive"

    def confirm(self, path, result, positions):
        return np.ones(len(positions), bool)

    def verify(self, path, result):
        from latentcut.detection.results import Cut

        return list(result.cuts) + [Cut(result.cuts[0].frame.__class__(1, 0.04, 25.0), 1.0)]


def test_a_sound_plugin_passes_and_its_spec_is_every_parameter():
    check_component(MeanColour, bad={"cells": 0, "scale": -1.0})
    check_component(MeanColour(cells=4, scale=0.5))
    assert spec_of(MeanColour(cells=4)) == "mean-colour,cells=4,scale=1.0"


@pytest.mark.parametrize("plugin,kwargs,rule", [
    (Dims, {}, "built from its spec string 'dims,dims=2/2'"),
    (BatchNormed, {}, "depend on its frame only"),
    (WrongSize, {}, r"transform\(\) of frames at its frame_size \(8, 8\) failed"),
    (Doubles, {}, "want float32"),
    (Rewrites(cells=2.0), {}, "__init__ must store its parameters as given"),
    (Renames, {}, "stores its parameters rewritten: scale"),
    (AcceptsAnything, {"bad": {"cells": 0}}, "accepted the bad value cells=0"),
    (NotSelf, {}, "must return the object itself"),
    (Constant, {}, "with itself must be 0"),
    (Lopsided, {}, r"symmetric = True but d\(a, b\) != d\(b, a\)"),
    (FloatCuts, {}, "increasing int64 frame positions"),
    (Inventive, {}, r"invented cuts \[1\]"),
], ids=lambda x: getattr(x, "name", None) or getattr(type(x), "name", None) or "")
def test_each_broken_plugin_fails_naming_its_rule(plugin, kwargs, rule):
    with pytest.raises(AssertionError, match=rule):
        check_component(plugin, **kwargs)


def test_something_that_is_no_plugin_is_a_type_error():
    with pytest.raises(TypeError, match="is not a latentcut plugin"):
        check_component(object())
