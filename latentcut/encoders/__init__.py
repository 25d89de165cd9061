"""Encoders: frames -> embeddings. ``create_encoder("pixel")``; third parties register through the
``latentcut.encoders`` entry point group."""
from __future__ import annotations

from ..registry import Registry
from .base import Encoder
from .pixel import PixelEncoder

encoders: Registry[Encoder] = Registry("encoder", "latentcut.encoders")
encoders.register("pixel", PixelEncoder)


def create_encoder(spec: "str | Encoder", **kwargs) -> Encoder:
    """An encoder by name or spec string (``"pixel,size=64,color=false"``), or an instance passed through."""
    return encoders.create(spec, **kwargs)


def list_encoders() -> list[str]:
    return encoders.names()


__all__ = ["Encoder", "PixelEncoder", "create_encoder", "encoders", "list_encoders"]
