#!/usr/bin/env python
"""Frames per second of each encoder's transform (frames already decoded to its input size), on
the CPU and on CUDA when a GPU is present. Pretrained weights come from ../shared/weights.

    python benchmarks/encoder_speed.py [--frames 64]
"""
from __future__ import annotations

import argparse
import os
import time

from _common import ROOT

from latentcut.encoders import create_encoder
from latentcut.synthetic.pictures import synthetic_pictures

WEIGHTS = os.path.join(ROOT, "..", "shared", "weights")
ENCODERS = [
    ("pixel", "pixel", {}),
    ("repro-vae (inference)", "repro-vae", {}),
    ("shotnet (NumPy, no torch)", "shotnet", {}),
    ("shotnet (torch)", "shotnet,device=DEVICE", {}),
    ("lite0 128 (the library's)", "lite0", {"weights": "tf-efficientnet-lite0-imagenet.safetensors"}),
    ("timm:tf_efficientnet_lite0 224", "timm:tf_efficientnet_lite0", {"weights": "tf-efficientnet-lite0-imagenet.safetensors"}),
    ("xception 299", "xception", {"weights": "xception-imagenet-backbone.safetensors"}),
    ("xception 160", "xception,size=160", {"weights": "xception-imagenet-backbone.safetensors"}),
    ("xception 299 split (wide frames)", "xception,split=true", {"weights": "xception-imagenet-backbone.safetensors"}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=64)
    args = ap.parse_args()
    import torch

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, {os.cpu_count()} CPU cores" +
          (f", GPU: {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ", no GPU"))
    print(f"\n{'encoder':<34} {'device':<6} {'input':>9} {'dims':>6} {'frames/s':>9}")
    for label, spec, kw in ENCODERS:
        for dev in devices:
            kwargs = {k: os.path.join(WEIGHTS, v) for k, v in kw.items()}
            if "DEVICE" in spec:
                spec_here = spec.replace("DEVICE", dev)
            elif spec not in ("pixel", "shotnet"):
                spec_here, kwargs["device"] = spec, dev
            elif dev != "cpu":
                continue
            else:
                spec_here = spec
            enc = create_encoder(spec_here, **kwargs)
            frames = synthetic_pictures(enc.frame_size, n=args.frames)
            if enc.requires_fit:  # the VAE: an untrained model runs as fast as a trained one
                enc.fit(frames[:8], progress=False) if spec != "repro-vae" else _untrained(enc)
            enc.transform(frames[:4])
            t0 = time.perf_counter()
            emb = enc.transform(frames)
            fps = len(frames) / (time.perf_counter() - t0)
            size = "x".join(str(s) for s in enc.frame_size[::-1])
            print(f"{label:<34} {dev:<6} {size:>9} {emb.dim:>6} {fps:>9.1f}", flush=True)


def _untrained(enc) -> None:
    import torch

    from latentcut.encoders.vae import build_model, pick_device

    dev = pick_device(enc.device)
    enc.net_ = build_model(enc.vae_config()).to(dev).to(memory_format=torch.channels_last).eval()
    enc.cfg_, enc.device_ = enc.vae_config(), dev


if __name__ == "__main__":
    main()
