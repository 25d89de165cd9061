"""The plugin contract, for anyone who writes a plugin: ``check_component(MyEncoder)`` in a test.

In the manner of scikit-learn's ``check_estimator``, one function checks what latentcut relies on in
each of the five families (encoders, distances, thresholders, verifiers, fade finders):

- parameters: ``get_params`` lists the ``__init__`` parameters as given, ``set_params`` returns the
  object and refuses an unknown name, a copy built from ``get_params`` is equal;
- the spec string: every parameter written out (``name,key=value,...``, as the command line takes it)
  builds a component that writes the same spec and gives the same outputs, so a value a spec cannot
  carry (a tuple that comes back a string the plugin then misreads) is found here, not by a user;
  bad values (``bad=``) are refused with an error naming the parameter;
- the family's verbs: shapes and dtypes, and outputs that do not depend on how the input was cut into
  batches.

Each broken rule is an ``AssertionError`` naming the plugin and the rule.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from latentcut.component import get_params as _signature_params
from latentcut.detection.fades import FadeFinder
from latentcut.detection.pipeline import ShotDetector
from latentcut.detection.results import Cut
from latentcut.detection.thresholders import Thresholder
from latentcut.detection.verifiers import Verifier
from latentcut.embeddings import Embeddings
from latentcut.encoders import Encoder
from latentcut.errors import PluginError
from latentcut.registry import parse_spec
from latentcut.scoring.distances import Distance
from latentcut.synthetic.demo import make_demo_clip

FAMILIES = {Encoder: "encoder", Distance: "distance", Thresholder: "thresholder", Verifier: "verifier",
            FadeFinder: "fade finder"}


def family_of(obj) -> str:
    for base, kind in FAMILIES.items():
        if isinstance(obj, base):
            return kind
    raise TypeError(f"{type(obj).__name__} is not a latentcut plugin: it derives from none of "
                    f"{', '.join(b.__name__ for b in FAMILIES)}")


def check_component(component, *, bad: dict[str, Any] | None = None, fit_frames: np.ndarray | None = None,
                    video: str | os.PathLike | None = None) -> None:
    """Check a plugin class or instance against latentcut's contract (see the module's text).

    ``bad``: parameter values the plugin must refuse (each alone, with an error naming it).
    ``fit_frames``: frames to fit an encoder that learns (``requires_fit``) before it transforms.
    ``video``: a video for a verifier to look at (default: a synthetic clip made for the check)."""
    obj = component() if isinstance(component, type) else component
    kind = family_of(obj)
    who = f"{kind} {getattr(obj, 'name', type(obj).__name__)!r}"
    _check_params(obj, who)
    again = _from_spec(obj, who)
    for key, value in (bad or {}).items():
        _check_refused(obj, who, key, value)
    if kind == "verifier":
        _check_verifier(obj, who, video)
        return
    verbs = {"encoder": _check_encoder, "distance": _check_distance, "thresholder": _check_thresholder,
             "fade finder": _check_fade_finder}
    args = (fit_frames,) if kind == "encoder" else ()
    mine = verbs[kind](obj, who, *args)
    try:
        theirs = verbs[kind](again, who, *args)
    except AssertionError as exc:
        raise _fail(who, f"built from its spec string {spec_of(obj)!r}, it breaks the contract: {exc}") from None
    if np.shape(mine) != np.shape(theirs) or not np.allclose(np.asarray(mine, np.float64),
                                                                 np.asarray(theirs, np.float64), rtol=1e-5, atol=1e-6,
                                                                 equal_nan=True):
        raise _fail(who, f"built from its spec string {spec_of(obj)!r}, it gives other outputs: a parameter "
                         "does not survive the spec (store values a spec can carry, e.g. '8/16' for a list)")


class _Mark:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<value of {self.name}>"


def _fail(who: str, rule: str) -> AssertionError:
    return AssertionError(f"{who}: {rule}")


def _check_params(obj, who: str) -> None:
    params = obj.get_params()
    if not isinstance(params, dict):
        raise _fail(who, f"get_params() returned {type(params).__name__}, not a dict")
    declared = set(_signature_params(obj))
    if set(params) != declared:
        raise _fail(who, f"get_params() names {sorted(params)}, but __init__ takes {sorted(declared)}")
    # scikit-learn's rule: __init__ stores each value as given (no conversion, no checks), so any value
    # comes back from get_params() as that very object
    marks = {k: _Mark(k) for k in declared}
    try:
        marked = type(obj)(**marks).get_params()
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        raise _fail(who, f"__init__ must store its parameters as given and check them in check_params(), "
                         f"but it did work on them ({type(exc).__name__}: {exc})") from None
    rewritten = sorted(k for k in declared if marked.get(k) is not marks[k])
    if rewritten:
        raise _fail(who, f"stores its parameters rewritten: {', '.join(rewritten)} do not come back from get_params() "
                         "as given")
    try:
        twin = type(obj)(**params)
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        raise _fail(who, f"cannot be rebuilt from get_params() ({type(exc).__name__}: {exc})") from None
    if not _same(twin.get_params(), params):
        raise _fail(who, f"stores its parameters rewritten: {params} came back as {twin.get_params()}")
    if obj.set_params(**params) is not obj:
        raise _fail(who, "set_params() must return the object itself")
    if not _same(obj.get_params(), params):
        raise _fail(who, "set_params(**get_params()) changed the parameters")
    try:
        obj.set_params(no_such_parameter=1)
    except ValueError:
        pass
    else:
        raise _fail(who, "set_params() accepted a parameter it does not have")


def spec_of(obj) -> str:
    """Every parameter written out, as a user types a spec: ``name,key=value,...`` (lists joined by ``/``)."""
    parts = [obj.name]
    for k, v in obj.get_params().items():
        if isinstance(v, (tuple, list)):
            v = "/".join(map(str, v))
        parts.append(f"{k}={'none' if v is None else v}")
    return ",".join(parts)


def _from_spec(obj, who: str):
    """The component its fully written-out spec builds (parameters whose text a spec cannot hold left as they are)."""
    params = obj.get_params()
    kept = {k: v for k, v in params.items() if isinstance(v, str) and ("," in v or "=" in v)}
    spec = spec_of(type(obj)(**{k: v for k, v in params.items() if k not in kept}))
    name, args, kwargs = parse_spec(spec)
    if name != obj.name or args:
        raise _fail(who, f"its name {obj.name!r} does not survive a spec string ({spec!r} reads as {name!r})")
    try:
        again = type(obj)(**kwargs, **kept)
        again.check_params()
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        raise _fail(who, f"the spec {spec!r} does not build it back ({type(exc).__name__}: {exc})") from None
    if spec_of(type(again)(**{k: v for k, v in again.get_params().items() if k not in kept})) != spec:
        raise _fail(who, f"the spec {spec!r} builds one whose spec is {spec_of(again)!r}")
    return again


def _check_refused(obj, who: str, key: str, value) -> None:
    trial = type(obj)(**obj.get_params())
    try:
        trial.set_params(**{key: value})
        trial.check_params()
    except (ValueError, TypeError, PluginError) as exc:
        if key not in str(exc):
            raise _fail(who, f"refused {key}={value!r} without naming {key!r}: {exc}") from None
        return
    raise _fail(who, f"accepted the bad value {key}={value!r}")


def _same(a, b) -> bool:
    """Equal and of the same kind: a tuple that comes back a string, or a bool that comes back 1, is not the same."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)):
        return a == b or (np.isnan(a) and np.isnan(b))
    return type(a) is type(b) and a == b


def _check_encoder(enc, who: str, fit_frames):
    size = enc.frame_size
    if not (isinstance(size, tuple) and len(size) == 2 and all(isinstance(s, (int, np.integer)) and s > 0 for s in size)):
        raise _fail(who, f"frame_size must be (height, width) in whole pixels, not {size!r}")
    if enc.color not in ("rgb", "gray"):
        raise _fail(who, f"color must be 'rgb' or 'gray', not {enc.color!r}")
    rng = np.random.default_rng(0)
    channels = 3 if enc.color == "rgb" else 1
    if enc.requires_fit and not enc.is_fitted():
        if fit_frames is None:
            raise _fail(who, "learns from frames (requires_fit): give check_component fit_frames=")
        enc.fit(fit_frames)
    frames = rng.integers(0, 256, (7, *size, channels), dtype=np.uint8)
    try:
        e = enc.transform(frames)
    except Exception as exc:  # noqa: BLE001
        raise _fail(who, f"transform() of frames at its frame_size {size} failed ({type(exc).__name__}: {exc})") from None
    if not isinstance(e, Embeddings):
        raise _fail(who, f"transform() must return latentcut.Embeddings, not {type(e).__name__}")
    if len(e) != len(frames) or e.mean.dtype != np.float32:
        raise _fail(who, f"transform() of {len(frames)} frames gave {len(e)} rows of {e.mean.dtype} (want float32)")
    if (e.logvar is not None) != bool(enc.probabilistic):
        raise _fail(who, f"probabilistic is {enc.probabilistic} but transform() {'gives' if e.logvar is not None else 'gives no'} log-variances")
    parts = Embeddings.concat([enc.transform(frames[i:i + 3]) for i in range(0, len(frames), 3)])
    one = Embeddings.concat([enc.transform(frames[i:i + 1]) for i in range(len(frames))])
    for name, other in (("batches of 3", parts), ("one frame at a time", one)):
        if not np.allclose(other.mean, e.mean, rtol=1e-4, atol=1e-5):
            raise _fail(who, f"transform() in {name} differs from one batch: an embedding must depend on its frame only")
    return e.mean


def _check_distance(dist, who: str):
    rng = np.random.default_rng(0)
    a = Embeddings(rng.normal(size=(6, 4)).astype(np.float32), (rng.normal(size=(6, 4)) * 0.1).astype(np.float32))
    b = Embeddings(rng.normal(size=(6, 4)).astype(np.float32), (rng.normal(size=(6, 4)) * 0.1).astype(np.float32))
    d = np.asarray(dist.pairwise(a, b))
    if d.shape != (6,) or not np.isfinite(d).all() or (d < 0).any():
        raise _fail(who, f"pairwise() of 6 rows must give 6 finite values >= 0, got {d!r}")
    if (np.abs(dist.pairwise(a, a)) > 1e-6).any():
        raise _fail(who, "pairwise() of an embedding with itself must be 0")
    if dist.symmetric and not np.allclose(dist.pairwise(b, a), d, rtol=1e-6):
        raise _fail(who, "declares symmetric = True but d(a, b) != d(b, a)")
    split = np.concatenate([dist.pairwise(a[:2], b[:2]), dist.pairwise(a[2:], b[2:])])
    if not np.allclose(split, d, rtol=1e-6):
        raise _fail(who, "pairwise() differs when the rows come in two batches")
    if not np.allclose(dist.one_to_many(a[0], b), [dist.pairwise(a[0], b[j])[0] for j in range(6)], rtol=1e-6):
        raise _fail(who, "one_to_many() disagrees with pairwise()")
    c = dist.consecutive(a)
    if len(c) != len(a) or c[0] != 0:
        raise _fail(who, "consecutive() must give one score per frame, 0 for the first")
    return d


def _check_thresholder(thr, who: str):
    rng = np.random.default_rng(0)
    s = rng.random(200) * 0.1
    s[[50, 120]] = 5.0
    cuts = thr.fit(s, fps=25.0, scale=1.0).predict(s, fps=25.0, scale=1.0)
    if not hasattr(thr, "threshold_"):
        raise _fail(who, "fit() must set threshold_")
    cuts = np.asarray(cuts)
    if cuts.dtype != np.int64 or (np.diff(cuts) <= 0).any() or ((cuts < 1) | (cuts >= 200)).any():
        raise _fail(who, f"predict() must give increasing int64 frame positions in 1..199, got {cuts!r}")
    d = np.asarray(thr.decision_function(s, 25.0, 1.0))
    if d.shape != s.shape:
        raise _fail(who, f"decision_function() must give one value per score, got shape {d.shape}")
    return cuts


def _check_fade_finder(finder, who: str):
    c = np.r_[np.full(10, 0.2), np.linspace(0.2, 0.0, 8), np.zeros(10)].astype(np.float32)
    found = finder.find(c)
    for b in found:
        if not (0 <= b.start <= b.end < len(c)):
            raise _fail(who, f"find() gave a boundary outside the curve: {b}")
    if [b.start for b in found] != sorted(b.start for b in found):
        raise _fail(who, "find() must give boundaries in order")
    return [(b.start, b.end) for b in found]


def _check_verifier(ver, who: str, video) -> None:
    with tempfile.TemporaryDirectory(prefix="latentcut-check-") as tmp:
        path = os.fspath(video) if video is not None else os.path.join(tmp, "clip.mp4")
        if video is None:
            make_demo_clip(path, size=(128, 96))
        result = ShotDetector(progress=False, thresholder="adaptive,ratio=4").detect(path)
        weak, doubtful = ver.candidates(result)
        asked = np.unique(np.concatenate([weak, doubtful])).astype(np.int64)
        if len(asked):
            yes = np.asarray(ver.confirm(path, result, asked))
            if yes.shape != asked.shape or yes.dtype != bool:
                raise _fail(who, f"confirm() of {len(asked)} positions must give as many booleans, got {yes!r}")
        cuts = ver.verify(path, result)
    if not all(isinstance(c, Cut) for c in cuts):
        raise _fail(who, "verify() must give latentcut Cut objects")
    frames = [c.frame.frame for c in cuts]
    allowed = set(result.cut_frames) | {int(result.curve.indices[p]) for p in weak}
    if not set(frames) <= allowed:
        raise _fail(who, f"verify() invented cuts {sorted(set(frames) - allowed)} it was not asked about")
    if frames != sorted(frames) or len(set(frames)) != len(frames):
        raise _fail(who, f"verify() must give cuts in order, each once: {frames}")
