"""The Python API is a public boundary too: generated arguments of every type go into ``detect``,
``ShotDetector``, ``gaussian_kl``, the scene library and its queries. Every call ends in a
result or in a LatentcutError / TypeError / ValueError whose message names the argument, never
in an exception from inside the library, and no input file changes."""
import contextlib
import hashlib
import os

import numpy as np
import pytest
from conftest import colour_frames, write_video
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import latentcut
from latentcut import LatentcutError
from latentcut.scoring.distances import gaussian_kl

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
ALLOWED = (LatentcutError, TypeError, ValueError)

anything = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6), st.sampled_from(["2", "0.5s", "pixel", "l1", "fixed,value=0.2", "nope,x=1", "", "00:00:01"]),
    st.just(b"bytes"), st.just([1, 2]), st.just(np.zeros(3)), st.just(np.int64(2)), st.just(object()), st.just({"a": 1}),
)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    d = tmp_path_factory.mktemp("api")
    return write_video(d / "v.mp4", colour_frames([(200, 40, 40), (40, 200, 40)], 12, h=32, w=32))


def _digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _names_it(exc, *words):
    text = str(exc)
    return any(w in text for w in words)


#: the word a message must hold for each argument (a plugin family's errors name the family)
WORDS = {"encoder": ("encoder",), "distance": ("distance",), "thresholder": ("thresholder",),
         "fades": ("fade finder", "fades"), "verifier": ("verifier",)}
DETECTOR_ARGS = ["encoder", "distance", "thresholder", "span", "gradual", "stride", "batch_size", "progress", "cache",
                 "verifier", "fades", "drop_short", "merge_last", "short_ends"]


@SETTINGS
@given(name=st.sampled_from(DETECTOR_ARGS), value=anything)
def test_scene_detector_arguments(video, name, value):
    before = _digest(video)
    try:
        with contextlib.chdir(os.path.dirname(video)):  # a cache folder named by a generated value lands there
            det = latentcut.ShotDetector(**{name: value, **({"progress": False} if name != "progress" else {})})
            det.detect(video)
    except ALLOWED as exc:
        assert _names_it(exc, *WORDS.get(name, (name,))), (name, value, exc)
    assert _digest(video) == before


@SETTINGS
@given(name=st.sampled_from(["start_time", "end_time", "duration", "callback", "path"]), value=anything)
def test_detect_arguments(video, name, value):
    before = _digest(video)
    kwargs = {"progress": False, "cache": False}
    try:
        if name == "path":
            latentcut.detect(value, **kwargs)
        else:
            latentcut.detect(video, **{name: value}, **kwargs)
    except ALLOWED as exc:
        word = {"start_time": "start", "end_time": "end", "path": "path"}.get(name, name)
        shown = os.fsdecode(value) if isinstance(value, bytes) else str(value)
        assert _names_it(exc, word, shown, "range"), (name, value, exc)
    assert _digest(video) == before


def test_a_bytes_path_and_a_pathlike_work(video):
    import pathlib

    a = latentcut.detect(os.fsencode(video), progress=False)
    b = latentcut.detect(pathlib.Path(video), progress=False)
    assert a.cut_frames == b.cut_frames == [12]


def test_pyscenedetect_detectors_are_told_where_they_belong(video):
    scenedetect = pytest.importorskip("scenedetect")
    with pytest.raises(TypeError, match="encoder must be .*SceneManager"):
        latentcut.detect(video, scenedetect.AdaptiveDetector())


def test_wrong_types_that_used_to_change_the_result_are_refused(video):
    for bad in (True, 1.5, "2", np.float64(2.0)):
        with pytest.raises(TypeError, match="stride must be a whole number"):
            latentcut.detect(video, stride=bad)
    assert latentcut.detect(video, stride=np.int64(2), progress=False).cut_frames == [12]


# -- gaussian_kl ----------------------------------------------------------------------------------

reals = st.floats(allow_nan=True, allow_infinity=True, width=64)


@SETTINGS
@given(mp=reals, lp=reals, mq=reals, lq=reals, clip=st.one_of(st.none(), st.floats(0.5, 50)))
def test_gaussian_kl_is_exact_non_negative_or_refuses(mp, lp, mq, lq, clip):
    args = [np.array([[v]]) for v in (mp, lp, mq, lq)]
    if not all(np.isfinite(v) for v in (mp, lp, mq, lq)):
        with pytest.raises(latentcut.LatentcutError, match=r"(mu|lv)_(p|q) holds NaN or infinite"):
            gaussian_kl(*args, logvar_clip=clip)
        return
    kl = gaussian_kl(*args, logvar_clip=clip)
    assert kl.shape == (1,) and not np.isnan(kl).any() and kl[0] >= 0


@settings(max_examples=200, deadline=None)
@given(mp=st.floats(-1e6, 1e6), mq=st.floats(-1e6, 1e6), lp=st.floats(-200, 200), lq=st.floats(-200, 200))
def test_gaussian_kl_matches_torch_without_clipping(mp, mq, lp, lq):
    torch = pytest.importorskip("torch")
    P = torch.distributions.Normal(torch.tensor(mp, dtype=torch.float64), torch.exp(torch.tensor(lp / 2, dtype=torch.float64)))
    Q = torch.distributions.Normal(torch.tensor(mq, dtype=torch.float64), torch.exp(torch.tensor(lq / 2, dtype=torch.float64)))
    want = float(torch.distributions.kl_divergence(P, Q))
    got = float(gaussian_kl(np.array([mp]), np.array([lp]), np.array([mq]), np.array([lq])))
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_gaussian_kl_beyond_the_old_clip_and_huge_means():
    one = lambda v: np.array([[float(v)]])  # noqa: E731
    # log-variances past +-30: exact (e^100 / 2 ...), where the old clip gave 5.7e25
    exact = gaussian_kl(one(0), one(50), one(1), one(-50))[0]
    assert exact == pytest.approx(0.5 * (np.exp(100.0) + np.exp(50.0) - 100 - 1), rel=1e-12)
    assert gaussian_kl(one(0), one(50), one(1), one(-50), logvar_clip=30)[0] == pytest.approx(
        0.5 * (np.exp(60.0) + np.exp(30.0) - 60 - 1), rel=1e-12)
    # means beyond 1e154 whose KL still fits float64
    kl = gaussian_kl(one(1e154), one(0), one(-1e154), one(10))[0]
    assert np.isfinite(kl) and kl == pytest.approx(2 * (1e308 * np.exp(-10.0)), rel=1e-9)
    assert gaussian_kl(one(1e308), one(0), one(-1e308), one(1e308))[0] == pytest.approx(0.5e308, rel=1e-12)
    assert gaussian_kl(one(0), one(0), one(0), one(0))[0] == 0.0
    # only a value beyond float64 is inf
    assert gaussian_kl(one(0), one(1e308), one(0), one(-1e308))[0] == np.inf
    assert gaussian_kl(one(1e308), one(0), one(-1e308), one(-10))[0] == np.inf


def test_the_kl_distances_clip_visibly_and_stay_finite():
    d = latentcut.create_distance("gaussian-kl")
    assert d.get_params() == {"logvar_clip": 30.0}
    exact = latentcut.create_distance("gaussian-kl,logvar_clip=None")
    a = latentcut.Embeddings(np.zeros((1, 1)), np.full((1, 1), 50.0))
    b = latentcut.Embeddings(np.ones((1, 1)), np.full((1, 1), -50.0))
    assert exact.pairwise(a, b)[0] == pytest.approx(gaussian_kl(a.mean, a.logvar, b.mean, b.logvar)[0])
    assert d.pairwise(a, b)[0] < exact.pairwise(a, b)[0]
    far = latentcut.Embeddings(np.zeros((1, 1)), np.full((1, 1), 1e308))
    near = latentcut.Embeddings(np.zeros((1, 1)), np.full((1, 1), -1e308))
    for name in ("gaussian-kl,logvar_clip=None", "symmetric-kl,logvar_clip=None"):
        out = latentcut.create_distance(name).pairwise(far, near)
        assert np.isfinite(out).all() and out[0] == np.finfo(np.float64).max
    with pytest.raises(LatentcutError, match="logvar_clip must be > 0"):
        latentcut.create_distance("gaussian-kl,logvar_clip=-1")


# -- the scene library ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def library(video, tmp_path_factory):
    pytest.importorskip("faiss")
    from latentcut.retrieval.library import SceneLibrary

    lib = SceneLibrary(tmp_path_factory.mktemp("lib") / "lib", encoder="pixel,size=16")
    lib.add(video, progress=False)
    return lib


QUERIES = {
    "search_many": ("queries", "k", "exclude"), "search": ("vector", "k", "exclude"),
    "query_pictures": ("pictures", "k", "mirror"), "query_frames": ("frames", "mirror"),
    "query_ref": ("ref", "k", "mirror"), "query_refs": ("refs", "k", "mirror"), "query_clip": ("video", "k"),
    "query_shot": ("shot_id", "k"),
}
GOOD = {"queries": np.ones((2, 768), np.float32), "vector": np.ones(768, np.float32), "k": 3, "exclude": None,
        "pictures": [np.zeros((20, 30, 3), np.uint8)], "frames": [np.zeros((20, 30, 3), np.uint8)], "mirror": True,
        "shot_id": 1}


@SETTINGS
@given(method=st.sampled_from(sorted(QUERIES)), which=st.integers(0, 2), value=anything)
def test_library_queries(library, video, method, which, value):
    names = QUERIES[method]
    name = names[which % len(names)]
    good = dict(GOOD, ref=f"{video}@3", refs=[f"{video}@3"], video=video)
    kwargs = {n: good[n] for n in names}
    kwargs[name] = value
    before = _digest(video)
    try:
        getattr(library, method)(**kwargs)
    except ALLOWED as exc:
        assert _names_it(exc, name, "library", "vector", "dimensions", "picture", "no shot", "frame", "video", "file"), (
            method, name, value, exc)
    assert _digest(video) == before


@SETTINGS
@given(name=st.sampled_from(["folder", "encoder", "create", "keyframes", "strip"]), value=anything)
def test_library_arguments(tmp_path_factory, name, value):
    pytest.importorskip("faiss")
    from latentcut.retrieval.library import SceneLibrary

    where = tmp_path_factory.mktemp("l")
    kwargs = {"folder": where / "lib", "encoder": "pixel,size=16"}
    kwargs[name] = value
    try:
        with contextlib.chdir(where):  # a folder named by a generated value lands there
            SceneLibrary(**kwargs).close()
    except ALLOWED as exc:
        assert _names_it(exc, name, "library", "encoder", "keyframe", "weights", str(value)), (name, value, exc)
