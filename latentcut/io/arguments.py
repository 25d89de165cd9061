"""Checks for the arguments of the public API, where they come in: a wrong type is a TypeError and
a wrong value a ValueError (a LatentcutError too), each naming the argument and what it takes, so
no mistake surfaces as an exception from deep inside the library or, worse, a silent wrong answer
(``stride=True`` is not 1, ``stride=1.5`` is not 1)."""
from __future__ import annotations

import numbers
import os

import numpy as np

from latentcut.errors import LatentcutError
from latentcut.io.durations import parse_duration


class ArgumentError(LatentcutError, ValueError):
    """A public argument with a value it cannot take."""


def _kind(value) -> str:
    return type(value).__name__


def path_arg(value, name: str = "path") -> str:
    """A file path: ``str`` or ``os.PathLike`` (bytes are decoded as the file system does)."""
    if not isinstance(value, (str, bytes, os.PathLike)):
        hint = ""
        if isinstance(value, (list, tuple)):
            hint = "; for several videos, call once per video"
        elif isinstance(value, np.ndarray):
            hint = "; decoded frames go to an encoder's transform(), then ShotDetector.detect_embeddings()"
        raise TypeError(f"{name} must be a video file's path (str or os.PathLike), not {_kind(value)}{hint}")
    try:
        path = os.fsdecode(value)
    except TypeError as exc:  # an os.PathLike whose __fspath__ gives neither str nor bytes
        raise TypeError(f"{name} must be a file path (str or os.PathLike): {exc}") from None
    if not path:
        raise ArgumentError(f"{name} is empty; give a video file's path")
    if "\0" in path:
        raise ArgumentError(f"{name} holds a NUL character, which no file name can")
    return path


def int_arg(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number (``True`` and ``1.0`` are not), within bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number (int), not {_kind(value)} {value!r}")
    v = int(value)
    if minimum is not None and v < minimum:
        raise ArgumentError(f"{name} must be >= {minimum}, not {v}")
    if maximum is not None and v > maximum:
        raise ArgumentError(f"{name} must be <= {maximum}, not {v}")
    return v


def bool_arg(value, name: str) -> bool:
    """``True`` or ``False`` (a string "false" is not False)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, not {_kind(value)} {value!r}")
    return bool(value)


def optional_bool(value, name: str) -> bool | None:
    return None if value is None else bool_arg(value, name)


def length_arg(value, name: str, allow_none: bool = False):
    """A length: frames (int), seconds (``"0.5s"``, a float of seconds) or a timecode string."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        raise TypeError(f"{name} must be frames (int), seconds (float or '0.5s') or a timecode string, "
                        f"not {_kind(value)}")
    try:
        parse_duration(value, name)
    except ValueError as exc:
        raise ArgumentError(str(exc)) from None
    return value


def position_arg(value, name: str):
    """A place in a video (``start``, ``end``, ``duration``): None, frames, seconds or a timecode."""
    if value is None:
        return None
    return length_arg(value, name)


def vectors_arg(value, name: str = "queries", ndims: tuple[int, ...] = (2, 3)):
    """A float array of query vectors, (N, D) or (views, N, D), every value finite."""
    try:
        a = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers, not {_kind(value)} ({exc})") from None
    if a.ndim not in ndims:
        raise ArgumentError(f"{name} must have {' or '.join(map(str, ndims))} dimensions, not shape {a.shape}")
    if not np.isfinite(a).all():
        raise ArgumentError(f"{name} holds NaN or infinite values")
    return a


def pictures_arg(value, name: str = "pictures") -> list:
    """Pictures: a sequence (or an (N, H, W, 3) array) of (H, W, 3) uint8 arrays, none empty."""
    if isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be a list of (H, W, 3) uint8 pictures, not {_kind(value)}; "
                        "a file goes to query_ref() or query_refs()")
    if not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be a list of (H, W, 3) uint8 pictures, not {_kind(value)}")
    out = []
    for i, p in enumerate(value):
        try:
            a = np.asarray(p)
        except (TypeError, ValueError):  # ragged nested lists
            raise ArgumentError(f"{name}[{i}] must be an (H, W, 3) picture, not {_kind(p)}") from None
        if a.ndim != 3 or a.shape[2] != 3 or a.size == 0:
            raise ArgumentError(f"{name}[{i}] must be an (H, W, 3) picture, not {_kind(p)} of shape {a.shape}")
        if a.dtype != np.uint8:
            raise ArgumentError(f"{name}[{i}] must be uint8 (0-255), not {a.dtype}")
        out.append(a)
    return out


def strings_arg(value, name: str) -> list[str]:
    """A list of strings (one string is not a list of its letters)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of strings, not {_kind(value)}")
    for i, v in enumerate(value):
        if not isinstance(v, (str, os.PathLike)):
            raise TypeError(f"{name}[{i}] must be a string, not {_kind(v)}")
    return [os.fspath(v) for v in value]


def store_args(folder, encoder, create, keyframes, strip) -> str:
    """The arguments a scene library or an archive is opened with; returns the folder as a str."""
    folder = path_arg(folder, "folder")
    if encoder is not None and not isinstance(encoder, str):
        raise TypeError(f"encoder must be an encoder spec string such as 'lite0' (a library stores it), "
                        f"not {_kind(encoder)}")
    bool_arg(create, "create")
    bool_arg(strip, "strip")
    if keyframes is not None and not isinstance(keyframes, dict):
        raise TypeError(f"keyframes must be a dict of keyframe settings or None, not {_kind(keyframes)}")
    return folder
