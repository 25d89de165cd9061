#!/usr/bin/env python
"""How clean the learned detector's training material is: single-shot stretches found without
labels, checked against the labelled clips.

    python benchmarks/stretches.py [--labels ../shared/data/labels.json]

The learned detector trains on stretches of unlabelled footage that the stretch finder takes for
one shot each. Run on the labelled clips, the same finder shows how often a stretch in fact
holds a boundary (which would teach the model that a cut is not one).
"""
from __future__ import annotations

import argparse

from _common import DEFAULT_LABELS, clip_paths

from latentcut.detection.learned_training import stretch_purity


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    args = ap.parse_args()
    clips = clip_paths(args.labels)
    for kind, r in stretch_purity(clips).items():
        print(f"{kind:6} stretches: {r['stretches']:4d}, {r['frames']:6d} frames; holding no labelled boundary: "
              f"{r['clean_share']:.3f} of stretches, {r['clean_frame_share']:.3f} of frames")


if __name__ == "__main__":
    main()
