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

import importlib
import inspect
import math
from importlib import metadata
from typing import Any, Callable, Generic, TypeVar

from latentcut.errors import PluginError
from latentcut.extras import require

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


#: Class-level facts a plugin may declare, read by :meth:`Registry.metadata`.
METADATA_KEYS = ("probabilistic", "cacheable", "requires_fit", "default_size", "symmetric", "uses_variance", "degree")


class Registry(Generic[T]):
    """Name -> factory (usually a class) for one plugin family."""

    def __init__(self, kind: str, group: str, base: type | None = None):
        self.kind = kind  # "encoder", used in messages
        self.group = group  # entry point group
        self.base = base  # what an instance handed to create() must be
        self._items: dict[str, Callable[..., T]] = {}
        self._extras: dict[str, str] = {}
        self._entry_points_loaded = False

    def register(self, name: str, factory: "Callable[..., T] | str | None" = None, extra: str | None = None):
        """Register ``factory`` under ``name``; usable as a decorator. A ``"module:attr"`` string
        is imported on first use, so a family's heavy members cost nothing until asked for.
        ``extra`` names the optional install the plugin runs on (:mod:`latentcut.extras`): asking
        for it without those packages is one clear error, before anything is imported."""

        def deco(f):
            self._items[name] = f
            if extra:
                self._extras[name] = extra
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
            factory = self._items[name]
        except KeyError:
            known = ", ".join(self.names())
            raise PluginError(f"unknown {self.kind} {name!r}; known: {known}") from None
        if name in self._extras:
            require(self._extras[name], f"the {name} {self.kind}")
        if isinstance(factory, str):
            module, _, attr = factory.partition(":")
            factory = self._items[name] = getattr(importlib.import_module(module), attr)
        return factory

    def create(self, spec: "str | T", **overrides: Any) -> T:
        """Instantiate from a spec string, or take an instance (with ``overrides`` applied to a
        copy through ``set_params``). Parameter values are checked here, where they are set: a
        bad one is a PluginError naming the plugin and the parameter."""
        if not isinstance(spec, str):
            self._check_instance(spec)
            if not overrides:
                return spec
            import copy

            obj = copy.deepcopy(spec)
            name = getattr(obj, "name", type(obj).__name__)
            if not hasattr(obj, "set_params"):
                raise PluginError(f"{self.kind} {name!r} takes no parameters to override ({sorted(overrides)})")
            try:
                obj.set_params(**overrides)
            except ValueError as exc:
                raise PluginError(f"bad parameters for {self.kind} {name!r}: {exc}") from None
            return self._checked(obj, name)
        try:
            name, args, kwargs = parse_spec(spec)
        except PluginError as exc:  # say which family the spec was meant for
            raise PluginError(f"bad {self.kind} spec: {exc}") from None
        kwargs.update(overrides)
        factory = self.get(name)
        try:
            inspect.signature(factory).bind(*args, **kwargs)
        except TypeError as exc:  # the call does not fit the signature: the user's mistake
            raise PluginError(f"bad parameters for {self.kind} {name!r}: {exc}") from None
        except ValueError:  # no signature to check (a builtin): let the call itself decide
            pass
        return self._checked(factory(*args, **kwargs), name)

    def _check_instance(self, obj) -> None:
        """An object that is not this family's is the caller's mistake, said where it comes in."""
        if self.base is None or isinstance(obj, self.base):
            return
        hint = ""
        if type(obj).__module__.split(".")[0] == "scenedetect":
            hint = ("; PySceneDetect's detectors do not plug in here (run latentcut inside PySceneDetect's "
                    "SceneManager with latentcut.detection.scenemanager.LatentcutDetector instead)")
        raise TypeError(f"{self.kind} must be a registered name, a spec string such as 'name,param=value', or "
                        f"{'an' if self.base.__name__[0] in 'AEIOU' else 'a'} {self.base.__name__}, not {type(obj).__name__}{hint}")

    def _checked(self, obj: T, name: str) -> T:
        check = getattr(obj, "check_params", None)
        if callable(check):
            try:
                check()
            except ValueError as exc:
                raise PluginError(f"bad value for {self.kind} {name!r}: {exc}") from None
        return obj

    def metadata(self, name: str) -> dict[str, Any]:
        """What a plugin declares on its class (as timm keeps a pretrained config beside each
        model): read without instantiating it or importing what it runs on."""
        factory = self.get(name)
        out = {"name": name, "class": f"{getattr(factory, '__module__', '?')}.{getattr(factory, '__qualname__', factory)}",
               "doc": (inspect.getdoc(factory) or "").split("\n")[0]}
        try:
            out["defaults"] = {k: p.default for k, p in inspect.signature(factory).parameters.items()
                               if p.default is not inspect.Parameter.empty}
        except (TypeError, ValueError):
            out["defaults"] = {}
        if name in self._extras:
            out["extra"] = self._extras[name]
        for key in METADATA_KEYS:
            value = inspect.getattr_static(factory, key, None) if isinstance(factory, type) else None
            if value is not None and not isinstance(value, property):
                out[key] = value
        return out

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


# -- parameter checks, shared by every plugin's check_params ---------------------------------------


def check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, not {value!r}")


def check_number(name: str, value: Any, lo: float | None = None, hi: float | None = None, integer: bool = False,
                 lo_open: bool = False) -> None:
    """A finite number (an int if ``integer``) within [lo, hi] (or (lo, hi] with ``lo_open``)."""
    kind = "a whole number" if integer else "a number"
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or not math.isfinite(value):
        raise ValueError(f"{name} must be {kind}, not {value!r}")
    if lo is not None and (value <= lo if lo_open else value < lo):
        raise ValueError(f"{name} must be {'>' if lo_open else '>='} {lo}, not {value!r}")
    if hi is not None and value > hi:
        raise ValueError(f"{name} must be <= {hi}, not {value!r}")


def check_choice(name: str, value: Any, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}; not {value!r}")
