"""Encoders: frames -> embeddings. ``create_encoder("pixel")``; third parties register through the
``latentcut.encoders`` entry point group."""
from __future__ import annotations

from latentcut.encoders.base import Encoder
from latentcut.encoders.pixel import PixelEncoder
from latentcut.encoders.timm_features import TimmEncoder, XceptionEncoder
from latentcut.encoders.vae import BetaVAEEncoder, VAEEncoder
from latentcut.registry import Registry

encoders: Registry[Encoder] = Registry("encoder", "latentcut.encoders")
encoders.register("pixel", PixelEncoder)
encoders.register("repro-vae", VAEEncoder)
encoders.register("beta-vae", BetaVAEEncoder)
encoders.register("xception", XceptionEncoder)
encoders.register("timm", TimmEncoder)


def create_encoder(spec: "str | Encoder", **kwargs) -> Encoder:
    """An encoder by name or spec string (``"pixel,size=64,color=false"``), or an instance passed through."""
    return encoders.create(spec, **kwargs)


def list_encoders() -> list[str]:
    return encoders.names()


__all__ = ["BetaVAEEncoder", "Encoder", "PixelEncoder", "TimmEncoder", "VAEEncoder", "XceptionEncoder", "create_encoder", "encoders", "list_encoders"]
