"""Registries by name for encoders, distances and thresholders, open to third parties.

A plugin package adds to a registry through Python entry points, e.g. in its pyproject.toml::

    [project.entry-points."latentcut.encoders"]
    my-encoder = "my_package.module:MyEncoder"

Names are resolved lazily: entry points are only imported when a name is not built in.
A spec string names a plugin and its parameters in one go, as the command line takes it:
``"pixel"``, ``"fixed,value=0.3"``, ``"top-n,n=5,min_shot_len=0.5s"``, ``"timm:resnet18,weights=w.safetensors"``
(the part after ``:`` is passed as the first positional argument).
"""
from __future__ import annotations

import inspect
from importlib import metadata
from typing import Any, Callable, Generic, TypeVar

from .errors import PluginError

T = TypeVar("T")


def parse_value(text: str) -> Any:
    """Command-line literal: int, float, bool, none, else the string itself."""
    low = text.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("none", "null"):
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def parse_spec(spec: str) -> tuple[str, list[Any], dict[str, Any]]:
    """``"name[:arg][,key=value...]"`` -> (name, args, kwargs)."""
    parts = [p.strip() for p in spec.split(",")]
    head, rest = parts[0], parts[1:]
    if not head:
        raise PluginError(f"empty plugin name in {spec!r}")
    args: list[Any] = []
    name = head
    if ":" in head:
        name, arg = head.split(":", 1)
        args.append(arg)
    kwargs: dict[str, Any] = {}
    for item in rest:
        if not item:
            continue
        if "=" not in item:
            raise PluginError(f"bad parameter {item!r} in {spec!r}: expected key=value")
        k, v = item.split("=", 1)
        kwargs[k.strip().replace("-", "_")] = parse_value(v.strip())
    return name.strip(), args, kwargs


class Registry(Generic[T]):
    """Name -> factory (usually a class) for one plugin family."""

    def __init__(self, kind: str, group: str):
        self.kind = kind  # "encoder", used in messages
        self.group = group  # entry point group
        self._items: dict[str, Callable[..., T]] = {}
        self._entry_points_loaded = False

    def register(self, name: str, factory: Callable[..., T] | None = None):
        """Register ``factory`` under ``name``; usable as a decorator."""

        def deco(f):
            self._items[name] = f
            return f

        return deco(factory) if factory is not None else deco

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in metadata.entry_points(group=self.group):
            if ep.name in self._items:
                continue
            try:
                self._items[ep.name] = ep.load()
            except Exception as exc:  # a broken plugin must not break the built-ins
                self._items[ep.name] = _broken(self.kind, ep, exc)

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(self._items)

    def get(self, name: str) -> Callable[..., T]:
        if name not in self._items:
            self._load_entry_points()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(self.names())
            raise PluginError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def create(self, spec: "str | T", **overrides: Any) -> T:
        """Instantiate from a spec string (or pass an instance through unchanged)."""
        if not isinstance(spec, str):
            return spec
        name, args, kwargs = parse_spec(spec)
        kwargs.update(overrides)
        factory = self.get(name)
        try:
            return factory(*args, **kwargs)
        except TypeError as exc:
            raise PluginError(f"bad parameters for {self.kind} {name!r}: {exc}") from None

    def __contains__(self, name: str) -> bool:
        try:
            self.get(name)
            return True
        except PluginError:
            return False


def _broken(kind: str, ep, exc: Exception):
    def factory(*args, **kwargs):
        raise PluginError(f"{kind} plugin {ep.name!r} ({ep.value}) failed to load: {exc}")

    return factory


def get_params(obj: Any) -> dict[str, Any]:
    """scikit-learn style: the __init__ parameters and their current values."""
    sig = inspect.signature(type(obj).__init__)
    out = {}
    for name, p in sig.parameters.items():
        if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        out[name] = getattr(obj, name, p.default)
    return out


def describe(obj: Any) -> str:
    """A spec string that recreates ``obj``: its registered name and non-default parameters."""
    sig = inspect.signature(type(obj).__init__)
    parts = [getattr(obj, "name", type(obj).__name__)]
    params = obj.get_params() if hasattr(obj, "get_params") else get_params(obj)
    for k, v in params.items():
        if k in sig.parameters and v != sig.parameters[k].default:
            parts.append(f"{k}={v}")
    return ",".join(parts)
