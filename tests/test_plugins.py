"""The plugin contract, checked on every registered plugin (built in and from entry points), in the
manner of scikit-learn's check_estimator: clone, get/set params, spec string round trip, the
verbs and their shapes, and a clear error for a bad parameter."""
import os

import numpy as np
import pytest
from conftest import WEIGHTS
from sklearn.base import clone

from latentcut import Embeddings
from latentcut.component import describe
from latentcut.detection.fades import fade_finders
from latentcut.detection.thresholders import thresholders
from latentcut.detection.verifiers import verifiers
from latentcut.encoders import encoders
from latentcut.errors import LatentcutError, PluginError
from latentcut.testing import check_component
from latentcut.scoring.distances import distances

#: A non-default setting per plugin, to round-trip through a spec string.
VARIANT = {
    "pixel": {"size": 16, "color": False}, "repro-vae": {"model": "self", "latent_dim": 3, "hidden": "8/16", "size": 16, "tau": 5.0},
    "beta-vae": {"beta": 2.0, "hidden": "8/16", "size": 16, "model": "self"}, "xception": {"size": 64, "split": True},
    "timm": {"size": 64, "pca": 4}, "fixed": {"value": 0.3}, "top-n": {"n": 3, "min_shot_len": 2},
    "adaptive": {"ratio": 2.0, "window": 4, "rapid_ratio": 5.0}, "kmeans": {"floor": 0.25, "min_shot_len": "0.5s"},
    "learned": {"threshold": 0.8, "min_shot_len": 2}, "fades": {"flat": 0.02, "min_len": 4},
    "transnetv2": {"low": 0.5, "threshold": 0.7}, "shotnet": {"batch_size": 16},
    "colorlayout": {"anchor": 0.0, "quantize": True},
}
#: A bad value per plugin (one clear error), where the plugin has parameters.
BAD = {"pixel": {"size": "abc"}, "repro-vae": {"latent_dim": 0}, "beta-vae": {"size": 30}, "xception": {"size": 3},
       "timm": {"batch_size": 0}, "fixed": {"value": float("nan")}, "top-n": {"n": -1}, "adaptive": {"ratio": 0}, "learned": {"threshold": 1.5},
       "kmeans": {"separation": 0.5}, "fades": {"min_len": 0}, "transnetv2": {"threshold": 2.0},
       "shotnet": {"batch_size": 0}, "colorlayout": {"anchor": -1.0}}

PLUGINS = [("encoder", encoders, n) for n in encoders.names()] + \
          [("distance", distances, n) for n in distances.names()] + \
          [("thresholder", thresholders, n) for n in thresholders.names()] + \
          [("fade finder", fade_finders, n) for n in fade_finders.names()] + \
          [("verifier", verifiers, n) for n in verifiers.names()]


@pytest.mark.parametrize("kind,registry,name", PLUGINS, ids=[f"{k}:{n}" for k, _, n in PLUGINS])
def test_contract(kind, registry, name):
    obj = registry.create(name)
    assert obj.name == name or name == "timm"
    params = obj.get_params()
    # clone (scikit-learn's own): parameters stored as given, nothing rewritten
    twin = clone(obj)
    assert type(twin) is type(obj) and twin.get_params() == params and twin is not obj
    # get / set round trip, and set_params returns the object
    assert obj.set_params(**params) is obj and obj.get_params() == params
    variant = VARIANT.get(name, {})
    if variant:
        changed = registry.create(name, **variant)
        for k, v in variant.items():
            assert changed.get_params()[k] == v, k
        again = registry.create(describe(changed))  # the spec string recreates it
        assert again.get_params() == changed.get_params()
        assert registry.create(obj, **variant).get_params() == changed.get_params()  # instance + overrides
        assert obj.get_params() == params  # ... applied to a copy
        with pytest.raises(PluginError, match=f"bad value for {kind} '{name}'"):
            registry.create(name, **BAD[name])
    with pytest.raises(PluginError, match=f"bad parameters for {kind} '{name}'"):
        registry.create(name, no_such_parameter=1)
    with pytest.raises(ValueError, match="has no parameter"):
        obj.set_params(no_such_parameter=1)
    _verbs(kind, obj)


def _verbs(kind, obj):
    """The family's verbs, through the contract the package ships (latentcut.testing)."""
    rng = np.random.default_rng(0)
    if kind == "encoder" and obj.name in ("xception", "timm", "lite0"):
        weights = os.path.join(WEIGHTS, "tf-efficientnet-lite0-imagenet.safetensors" if obj.name in ("timm", "lite0")
                               else "xception-imagenet-backbone.safetensors")
        if not os.path.exists(weights):
            with pytest.raises(LatentcutError):
                obj.set_params(download=False, size=32).transform(np.zeros((1, 32, 32, 3), np.uint8))
            return
        if obj.name == "timm":
            obj.set_params(weights=weights, size=32, model_name="tf_efficientnet_lite0")
        elif obj.name == "xception":
            obj.set_params(weights=weights, size=32)
        else:  # lite0 keeps its size: its PCA was fitted at it
            obj.set_params(weights=weights)
    fit_frames = None
    if kind == "encoder" and obj.requires_fit and not obj.is_fitted():
        obj.set_params(epochs=1, size=16, hidden="8/16", batch_size=8)
        fit_frames = rng.integers(0, 256, (20, *obj.frame_size, 3), dtype=np.uint8)
    check_component(obj, bad=BAD.get(obj.name), fit_frames=fit_frames)


def test_metadata_is_read_from_the_class_without_building_anything(monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "timm", raising=False)
    meta = encoders.metadata("xception")
    assert meta["cacheable"] is True and meta["probabilistic"] is False and meta["default_size"] == 299
    assert meta["defaults"]["split"] is False and "timm" not in sys.modules
    assert encoders.metadata("repro-vae")["probabilistic"] is True and encoders.metadata("repro-vae")["requires_fit"] is True
    assert distances.metadata("gaussian-kl")["degree"] == 2 and distances.metadata("l1")["symmetric"] is True
    assert thresholders.metadata("adaptive")["defaults"]["ratio"] == 1.5
    assert encoders.create("xception").frame_size == (299, 299) and "timm" not in sys.modules


def _result_with(thresholder):
    from latentcut import ShotDetector
    from latentcut.io.video import VideoInfo

    det = ShotDetector("pixel", thresholder=thresholder, gradual=False, progress=False)
    rng = np.random.default_rng(0)
    emb = Embeddings(np.repeat(rng.normal(size=(3, 4)), 10, axis=0).astype(np.float32))
    info = VideoInfo("x.mp4", 8, 8, 0, 10.0, 3.0, 30, "h264")
    return det, det.detect_embeddings(emb, np.arange(30) / 10, info=info)


def test_declared_per_frame_metrics_join_the_result_and_wrong_ones_are_refused():
    from latentcut.detection.thresholders import FixedThreshold

    class Marked(FixedThreshold):
        metric_keys = ("margin",)

        def frame_metrics(self, result):
            return {"margin": result.decision - self.threshold_}

    det, r = _result_with(Marked(value=0.5))
    assert list(r.metrics) == ["margin"] and r.cut_frames == [10, 20]
    np.testing.assert_allclose(r.metrics["margin"], r.decision - 0.5)
    for bad, message in (({"other": np.zeros(30)}, "does not declare"), ({"margin": np.zeros(29)}, "one value per analysed"),
                         ({"margin": np.zeros((30, 2))}, "one value per analysed")):
        class Wrong(FixedThreshold):
            metric_keys = ("margin",)

            def frame_metrics(self, result, bad=bad):
                return bad

        with pytest.raises(LatentcutError, match=message):
            _result_with(Wrong(value=0.5))

    class Clash(FixedThreshold):
        metric_keys = ("score",)

        def frame_metrics(self, result):
            return {"score": np.zeros(len(result.curve))}

    with pytest.raises(LatentcutError, match="already a column"):
        _result_with(Clash(value=0.5))
    assert _result_with(FixedThreshold(value=0.5))[1].metrics == {}


def test_heavy_families_load_on_first_use_only():
    import subprocess
    import sys

    code = ("import sys, latentcut; from latentcut.encoders import encoders; "
            "assert 'latentcut.encoders.vae' not in sys.modules and 'latentcut.encoders.timm_features' not in sys.modules; "
            "from latentcut.encoders import VAEEncoder; assert encoders.get('repro-vae') is VAEEncoder; "
            "print(type(encoders.create('pixel')).__name__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "PixelEncoder", r.stderr


