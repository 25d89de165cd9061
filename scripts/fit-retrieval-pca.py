"""The projection the ``lite0`` library encoder ships with: EfficientNet-Lite0 features of frames
of a collection (every ``every``-th frame, prepared as library keyframes are), onto their first
256 principal components. It cuts a library's vectors from 1,280 to 256 dimensions (5 KB to
1 KB a keyframe) for a recall@1 change inside the benchmark's noise (docs/benchmarks.md: search quality).

    python scripts/fit-retrieval-pca.py -o lite0-pca256.safetensors [--weights W] VIDEOS...
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from latentcut.encoders.lite0 import Lite0Encoder
from latentcut.io.video import VideoReader, probe
from latentcut.retrieval.borders import prepare, work_size


def collection_pictures(videos, every: int, size: tuple[int, int]) -> np.ndarray:
    out = []
    for n, path in enumerate(videos, 1):
        w, h = probe(path).display_size
        for batch in VideoReader(path, size=work_size(h, w)).batches():
            out += [prepare(f, size) for f, i in zip(batch.frames, batch.indices) if int(i) % every == 0]
        print(f"\rframes from {n}/{len(videos)} videos: {len(out)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return np.stack(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python scripts/fit-retrieval-pca.py", description=__doc__.split("\n")[0])
    ap.add_argument("videos", nargs="+")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--weights", help="EfficientNet-Lite0 weights (default: $LATENTCUT_WEIGHTS_DIR or timm's download)")
    ap.add_argument("--every", type=int, default=12, help="every N-th frame of each video (default 12)")
    ap.add_argument("--components", type=int, default=256)
    args = ap.parse_args(argv)
    enc = Lite0Encoder(weights=args.weights, pca=args.components)
    frames = collection_pictures(sorted(args.videos), args.every, enc.frame_size)
    enc.fit(frames)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    enc.save_pca(args.output)
    print(f"{args.output}: {enc.pca_components_.shape[0]} components of {enc.pca_components_.shape[1]}-d features "
          f"from {len(frames)} frames of {len(args.videos)} videos")
    return 0


if __name__ == "__main__":
    sys.exit(main())
