"""Pretrained timm encoders (weights from ../shared/weights) and the on-disk embedding cache."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import WEIGHTS, clip, needs_shared

import latentcut
from latentcut.cache import EmbeddingCache
from latentcut.cli import main
from latentcut.encoders import create_encoder
from latentcut.encoders.timm_features import WeightsError
from latentcut.synthetic.pictures import synthetic_pictures

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE = json.load(open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "timm_reference.json")))
needs_weights = pytest.mark.skipif(not os.path.isdir(WEIGHTS), reason="../shared/weights is not available")


@needs_weights
@pytest.mark.parametrize("case", sorted(REFERENCE))
def test_features_match_the_reference(case):
    ref = REFERENCE[case]
    enc = create_encoder(ref["spec"], weights=os.path.join(WEIGHTS, ref["weights"]))
    assert enc.frame_size == (ref["size"], ref["size"])
    f = enc.features(synthetic_pictures(enc.frame_size, n=2, seed=0))
    assert f.shape == (2, ref["dim"])
    np.testing.assert_allclose(f[:, :8], ref["first8"], rtol=2e-3, atol=2e-4)
    np.testing.assert_allclose(np.linalg.norm(f, axis=1), ref["norm"], rtol=2e-3)


@needs_weights
def test_split_halves_and_pca():
    w = os.path.join(WEIGHTS, "tf-efficientnet-lite0-imagenet.safetensors")
    enc = create_encoder("timm:tf_efficientnet_lite0,size=64,split=true", weights=w)
    assert enc.frame_size == (64, 128)
    wide = synthetic_pictures((64, 128), n=3)
    whole = enc.features(wide)
    single = create_encoder("timm:tf_efficientnet_lite0,size=64", weights=w)
    np.testing.assert_allclose(whole, np.concatenate([single.features(wide[:, :, :64]), single.features(wide[:, :, 64:])], 1),
                               rtol=1e-4, atol=1e-5)
    assert whole.shape == (3, 2560) and enc.features(wide[:0]).shape == (0, 2560)  # no frames: no rows, same width
    assert single.features(wide[:0, :, :64]).shape == (0, 1280)
    pca = create_encoder("timm:tf_efficientnet_lite0,size=64,pca=4", weights=w)
    assert pca.requires_fit and not pca.is_fitted()
    frames = synthetic_pictures((64, 64), n=12)
    e = pca.fit(frames).transform(frames)
    assert e.dim == 4 and abs(float(e.mean.mean())) < 1e-3


@needs_weights
def test_pca_fitted_on_a_collection_round_trips(tmp_path):
    w = os.path.join(WEIGHTS, "tf-efficientnet-lite0-imagenet.safetensors")
    frames = synthetic_pictures((64, 64), n=12)
    fitted = create_encoder("timm:tf_efficientnet_lite0,size=64,pca=5", weights=w).fit(frames)
    fitted.save_pca(str(tmp_path / "pca.safetensors"))
    loaded = create_encoder(f"timm:tf_efficientnet_lite0,size=64,pca={tmp_path / 'pca.safetensors'}", weights=w)
    assert not loaded.requires_fit
    np.testing.assert_allclose(loaded.transform(frames).mean, fitted.transform(frames).mean, rtol=1e-5, atol=1e-6)


def test_missing_or_wrong_weights_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("LATENTCUT_WEIGHTS_DIR", raising=False)
    with pytest.raises(WeightsError, match="no weights.*--weights PATH.*Random features are never used"):
        create_encoder("xception,download=false,size=64").transform(synthetic_pictures((64, 64), n=1))
    bad = tmp_path / "w.pth"
    bad.write_bytes(b"not really")
    with pytest.raises(WeightsError, match="must be a .safetensors file"):
        create_encoder("xception,size=64", weights=str(bad)).transform(synthetic_pictures((64, 64), n=1))
    if os.path.isdir(WEIGHTS):
        lite = os.path.join(WEIGHTS, "tf-efficientnet-lite0-imagenet.safetensors")
        with pytest.raises(WeightsError, match="not for this model"):
            create_encoder("xception,size=64", weights=lite).transform(synthetic_pictures((64, 64), n=1))
    with pytest.raises(latentcut.LatentcutError, match="unknown timm model"):
        create_encoder("timm:no_such_net").frame_size


def test_cache_reuses_identical_embeddings_without_encoding(tmp_path, monkeypatch, cut_video):
    v = cut_video  # a synthetic clip: the cache's tests need nothing from ../shared
    det = latentcut.ShotDetector("pixel", cache=str(tmp_path), progress=False)
    first = det.detect(v)
    assert len(EmbeddingCache(str(tmp_path)).entries()) == 1
    det2 = latentcut.ShotDetector("pixel", cache=str(tmp_path), progress=False)
    monkeypatch.setattr(det2.encoder, "transform", lambda f: (_ for _ in ()).throw(AssertionError("encoded again")))
    second = det2.detect(v)
    np.testing.assert_array_equal(first.curve.scores, second.curve.scores)
    np.testing.assert_array_equal(first.curve.times, second.curve.times)
    assert first.cut_frames == second.cut_frames == [24, 48]
    # another config is another entry
    latentcut.ShotDetector("pixel,size=16", cache=str(tmp_path), progress=False).detect(v)
    assert len(EmbeddingCache(str(tmp_path)).entries()) == 2


def test_corrupt_cache_entry_is_detected_and_recomputed(tmp_path, cut_video):
    v = cut_video
    first = latentcut.ShotDetector("pixel", cache=str(tmp_path), progress=False).detect(v)
    (entry,) = EmbeddingCache(str(tmp_path)).entries()
    data = bytearray(open(entry, "rb").read())
    data[-100] ^= 0xFF  # flip bits inside the stored numbers: the checksum must catch it
    open(entry, "wb").write(bytes(data))
    with pytest.warns(UserWarning, match="unusable.*recomputing"):
        again = latentcut.ShotDetector("pixel", cache=str(tmp_path), progress=False).detect(v)
    np.testing.assert_array_equal(first.curve.scores, again.curve.scores)
    open(entry, "wb").write(bytes(data[:200]))  # truncated
    with pytest.warns(UserWarning, match="unusable"):
        latentcut.ShotDetector("pixel", cache=str(tmp_path), progress=False).detect(v)
    assert EmbeddingCache(str(tmp_path)).get(os.path.basename(entry)[:-12]) is not None


def test_two_processes_filling_the_cache_at_once(tmp_path, cut_video):
    code = ("import sys, latentcut; r = latentcut.ShotDetector('pixel', cache=sys.argv[2], progress=False)"
            ".detect(sys.argv[1]); print(r.cut_frames)")
    env = dict(os.environ, PYTHONPATH=ROOT)
    procs = [subprocess.Popen([sys.executable, "-c", code, cut_video, str(tmp_path / "c")], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all(o[0].strip() == "[24, 48]" for o in outs)
    (entry,) = EmbeddingCache(str(tmp_path / "c")).entries()
    assert not [f for f in os.listdir(os.path.dirname(entry)) if f.endswith(".tmp")]
    r = latentcut.ShotDetector("pixel", cache=str(tmp_path / "c"), progress=False).detect(cut_video)
    assert r.cut_frames == [24, 48]


@needs_shared
def test_cli_weights_cache_dir_and_clear(tmp_path, capsys):
    v = clip("anime-issue236.mkv")
    w = os.path.join(WEIGHTS, "tf-efficientnet-lite0-imagenet.safetensors")
    args = ["detect", v, "--encoder", "timm:tf_efficientnet_lite0,size=128", "--weights", w, "--cache-dir", str(tmp_path), "-q",
            "-o", str(tmp_path / "o.json")]
    assert main(args) == 0
    assert [c["frame"] for c in json.loads((tmp_path / "o.json").read_text())["cuts"]] == [19]
    assert main(["cache", "info", "--cache-dir", str(tmp_path)]) == 0
    assert "1 embedding entries" in capsys.readouterr().out
    assert main(["cache", "clear", "--cache-dir", str(tmp_path)]) == 0
    assert "removed 1 embedding entries" in capsys.readouterr().out
    assert main(["detect", v, "--encoder", "xception", "--weights", str(tmp_path / "none.safetensors")]) == 2


@needs_shared
@needs_weights
def test_pca_fitted_on_the_video_is_saved_with_its_embeddings(tmp_path):
    w = os.path.join(WEIGHTS, "tf-efficientnet-lite0-imagenet.safetensors")
    spec = "timm:tf_efficientnet_lite0,size=64,pca=6"
    first = latentcut.ShotDetector(create_encoder(spec, weights=w), cache=str(tmp_path), progress=False)
    first.detect(clip("anime-issue236.mkv"))
    again = latentcut.ShotDetector(create_encoder(spec, weights=w), cache=str(tmp_path), progress=False)
    again.detect(clip("anime-issue236.mkv"))
    assert again.encoder.is_fitted()  # the projection came back with the cached embeddings
    np.testing.assert_array_equal(again.encoder.pca_components_, first.encoder.pca_components_)
