"""Old import paths kept for one release: each warns once and hands out the names of their new home."""
from __future__ import annotations

import importlib
import sys
import warnings


def moved(old: str, *new: str) -> None:
    """Fill module ``old`` with every name of the modules ``new`` and warn that it moved."""
    warnings.warn(f"{old} has moved to {' and '.join(new)}; the old path will be removed in the next release",
                  DeprecationWarning, stacklevel=3)
    namespace = sys.modules[old].__dict__
    for name in new:
        for key, value in vars(importlib.import_module(name)).items():
            if not key.startswith("__"):
                namespace.setdefault(key, value)
