"""Encoders: frames -> embeddings. ``create_encoder("pixel")``; third parties register through the
``latentcut.encoders`` entry point group.

The VAE and timm families are imported when first asked for, so importing this package (which
the embedding type, the cache and the pipeline do) stays light and free of cycles.
"""
from __future__ import annotations

from latentcut.encoders.base import Encoder
from latentcut.encoders.pixel import PixelEncoder
from latentcut.registry import Registry

encoders: Registry[Encoder] = Registry("encoder", "latentcut.encoders", Encoder)
encoders.register("pixel", PixelEncoder)
encoders.register("repro-vae", "latentcut.encoders.vae.encoder:VAEEncoder", extra="vae")
encoders.register("beta-vae", "latentcut.encoders.vae.encoder:BetaVAEEncoder", extra="vae")
encoders.register("xception", "latentcut.encoders.timm_features:XceptionEncoder", extra="timm")
encoders.register("timm", "latentcut.encoders.timm_features:TimmEncoder", extra="timm")
encoders.register("lite0", "latentcut.encoders.lite0:Lite0Encoder")  # NumPy without torch
encoders.register("shotnet", "latentcut.encoders.shotnet.encoder:ShotNetEncoder")
encoders.register("colorlayout", "latentcut.encoders.colorlayout:ColorLayoutEncoder")

_LAZY = {"VAEEncoder": "repro-vae", "BetaVAEEncoder": "beta-vae", "XceptionEncoder": "xception", "TimmEncoder": "timm", "Lite0Encoder": "lite0", "ShotNetEncoder": "shotnet"}


def __getattr__(name):
    if name in _LAZY:
        return encoders.get(_LAZY[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def create_encoder(spec: "str | Encoder", **kwargs) -> Encoder:
    """An encoder by name or spec string (``"pixel,size=64,color=false"``), or an instance passed through."""
    return encoders.create(spec, **kwargs)


def list_encoders() -> list[str]:
    """The registered encoders' names, entry points included."""
    return encoders.names()


__all__ = ["BetaVAEEncoder", "Encoder", "Lite0Encoder", "PixelEncoder", "ShotNetEncoder", "TimmEncoder", "VAEEncoder", "XceptionEncoder", "create_encoder", "encoders", "list_encoders"]
