"""The lite0 encoder's backends (timm and NumPy give the same vectors), its weights checks, and a
query that never imports torch."""
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import WEIGHTS

from latentcut.encoders import create_encoder
from latentcut.encoders.timm_features import WeightsError
from latentcut.io.tensors import load_tensors, save_tensors
from latentcut.registry import PluginError

LITE0 = os.path.join(WEIGHTS, "tf-efficientnet-lite0-imagenet.safetensors")
needs_weights = pytest.mark.skipif(not os.path.exists(LITE0), reason="../shared/weights is not available")


@needs_weights
def test_lite0_backends_give_the_same_vectors():
    frames = np.random.default_rng(2).integers(0, 256, (6, 128, 128, 3), dtype=np.uint8)
    vec = {b: create_encoder(f"lite0,backend={b}", weights=LITE0).transform(frames).mean for b in ("numpy", "torch")}
    assert vec["numpy"].shape == (6, 256)
    np.testing.assert_allclose(vec["numpy"], vec["torch"], atol=1e-4 * np.abs(vec["torch"]).max())
    auto = create_encoder("lite0", weights=LITE0).prepare()
    assert hasattr(auto, "numpy_net_") and not hasattr(auto, "net_")  # prepared for a query: no torch yet
    np.testing.assert_allclose(auto.transform(frames[:2]).mean, vec["numpy"][:2], atol=1e-6)
    assert not hasattr(auto, "net_")
    auto.transform(frames)  # a batch: torch
    assert hasattr(auto, "net_")


@needs_weights
def test_lite0_refuses_weights_that_are_not_lite0(tmp_path):
    tensors, _ = load_tensors(LITE0, framework="numpy")
    lite1ish = dict(tensors)
    for k in [k for k in tensors if k.startswith("blocks.2.1.")]:
        lite1ish[k.replace("blocks.2.1.", "blocks.2.2.")] = tensors[k]
    save_tensors(str(tmp_path / "deeper.safetensors"), lite1ish)
    with pytest.raises(WeightsError, match="blocks per stage"):
        create_encoder("lite0,backend=numpy", weights=str(tmp_path / "deeper.safetensors")).prepare()
    save_tensors(str(tmp_path / "other.safetensors"), {"conv.weight": np.zeros((2, 2), np.float32)})
    with pytest.raises(WeightsError, match="not for tf_efficientnet_lite0"):
        create_encoder("lite0,backend=numpy", weights=str(tmp_path / "other.safetensors")).prepare()
    (tmp_path / "w.pth").write_bytes(b"\x80\x04not read")
    with pytest.raises(WeightsError, match="pickled checkpoints are never loaded"):
        create_encoder("lite0,backend=numpy", weights=str(tmp_path / "w.pth")).prepare()


def test_lite0_backend_is_checked_where_it_is_set(monkeypatch):
    with pytest.raises(PluginError, match="backend must be one of auto, numpy, torch"):
        create_encoder("lite0,backend=onnx")
    with pytest.raises(PluginError, match="needs backend torch"):
        create_encoder("lite0,backend=numpy,device=cuda")
    monkeypatch.delenv("LATENTCUT_WEIGHTS_DIR", raising=False)
    with pytest.raises(WeightsError, match="never downloads"):
        create_encoder("lite0,backend=numpy").prepare()


@needs_weights
def test_a_query_never_imports_torch(tmp_path):
    """The cold one-shot query of issue 27: a library made with torch, queried without it."""
    from latentcut.retrieval.library import SceneLibrary

    lib = SceneLibrary(str(tmp_path / "lib"), encoder=f"lite0,weights={LITE0}")
    lib.add_rows("/videos/a.mp4", "a" * 64, (24.0, 48, 2.0), [(1, 0, 24, 0.0, 1.0, b""), (2, 24, 48, 1.0, 2.0, b"")],
                 np.array([0, 1]), np.array([10, 30]), np.array([0.4, 1.25]),
                 lib.encoder().transform(np.random.default_rng(3).integers(0, 256, (2, 128, 128, 3), np.uint8)).mean)
    lib.close()
    code = ("import sys, numpy as np\n"
            "from latentcut.retrieval.library import SceneLibrary\n"
            f"lib = SceneLibrary({str(tmp_path / 'lib')!r}, create=False)\n"
            "hits = lib.query_pictures([np.random.default_rng(0).integers(0, 256, (90, 160, 3), np.uint8)], k=1)\n"
            "assert hits and hits[0], hits\n"
            "print(sorted(m for m in ('torch', 'timm', 'torchvision') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@needs_weights
def test_without_torch_lite0_runs_on_numpy_and_torch_is_asked_for_by_name(monkeypatch):
    import latentcut.encoders.lite0 as lite0
    from latentcut.extras import MissingExtraError

    monkeypatch.setattr(lite0, "missing", lambda extra: ["timm"])
    monkeypatch.setattr(lite0, "require", lambda extra, what: (_ for _ in ()).throw(MissingExtraError(what)))
    enc = create_encoder("lite0", weights=LITE0)
    assert enc.transform(np.zeros((9, 128, 128, 3), np.uint8)).mean.shape == (9, 256)
    assert not hasattr(enc, "net_")
    with pytest.raises(MissingExtraError, match="lite0 encoder with backend 'torch'"):
        create_encoder("lite0,backend=torch", weights=LITE0).prepare()
