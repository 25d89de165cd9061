"""The base every plugin shares (encoders, distances, thresholders), in scikit-learn's manner.

Parameters are stored as given in ``__init__`` (no work, no validation there), read back with
``get_params`` and changed with ``set_params``, so ``sklearn.base.clone`` works; ``check_params``
validates them where they are used; learned state ends in ``_``. The spec string of a component
(its ``repr``) recreates it through its registry.

A component may also declare per-frame metrics (``metric_keys``, as PySceneDetect's detectors do)
and return them from :meth:`Component.frame_metrics`: they become extra columns of the curve CSV.
"""
from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np


def set_params(obj: Any, **params: Any) -> Any:
    """scikit-learn style: set ``__init__`` parameters by name; an unknown name is a ValueError."""
    valid = obj.get_params() if hasattr(obj, "get_params") else get_params(obj)
    for k, v in params.items():
        if k not in valid:
            raise ValueError(f"{getattr(obj, 'name', type(obj).__name__)} has no parameter {k!r} "
                             f"(it has {', '.join(sorted(valid)) or 'none'})")
        setattr(obj, k, v)
    return obj


def get_params(obj: Any) -> dict[str, Any]:
    """scikit-learn style: the __init__ parameters and their current values."""
    sig = inspect.signature(type(obj).__init__)
    out = {}
    for name, p in sig.parameters.items():
        if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        out[name] = getattr(obj, name, p.default)
    return out


def changed_params(obj: Any) -> dict[str, Any]:
    """The ``__init__`` parameters whose values differ from their defaults."""
    sig = inspect.signature(type(obj).__init__)
    params = obj.get_params() if hasattr(obj, "get_params") else get_params(obj)
    return {k: v for k, v in params.items() if k in sig.parameters and v != sig.parameters[k].default}


def describe(obj: Any) -> str:
    """A spec string that recreates ``obj``: its registered name and non-default parameters."""
    parts = [getattr(obj, "name", type(obj).__name__)]
    for k, v in changed_params(obj).items():
        if isinstance(v, (tuple, list)):
            v = "/".join(map(str, v))  # a spec string's list separator (commas part parameters)
        parts.append(f"{k}={v}")
    return ",".join(parts)


class Component:
    """Parameters by ``__init__``, scikit-learn's verbs for them, and optional per-frame metrics."""

    name: ClassVar[str] = "component"
    #: Names of the per-frame values :meth:`frame_metrics` returns (curve CSV columns).
    metric_keys: ClassVar[tuple[str, ...]] = ()

    def get_params(self, deep: bool = True) -> dict:
        return get_params(self)

    def set_params(self, **params):
        return set_params(self, **params)

    def check_params(self) -> None:
        """ValueError naming the first bad parameter (called where parameters are set)."""

    def frame_metrics(self, result) -> dict[str, np.ndarray]:
        """One value per row of ``result.curve`` for each of :attr:`metric_keys` (default: none)."""
        return {}

    def __repr__(self) -> str:
        return describe(self)
