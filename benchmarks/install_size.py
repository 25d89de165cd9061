#!/usr/bin/env python
"""Disk size of a fresh virtual environment holding latentcut's core install, beside one holding
PySceneDetect as its users install it (``scenedetect[opencv-headless]``), made in the same run.

    python benchmarks/install_size.py [--scenedetect 0.7.2] [--keep DIR]

Each venv is made with this Python's ``venv`` and filled by pip (pip itself counted in both).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

from _common import ROOT


def size_mb(folder: str) -> float:
    total = 0
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total / 2**20


def venv_with(folder: str, *packages: str) -> float:
    subprocess.run([sys.executable, "-m", "venv", folder], check=True)
    if packages:
        subprocess.run([os.path.join(folder, "bin", "pip"), "install", "-q", *packages], check=True)
    return size_mb(folder)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenedetect", default="0.7.2", help="the PySceneDetect release to compare with")
    ap.add_argument("--keep", help="make the venvs here and keep them (default: a temporary folder)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or tmp
        core = venv_with(os.path.join(where, "latentcut-core"), ROOT)
        peer = venv_with(os.path.join(where, "scenedetect"), f"scenedetect[opencv-headless]=={args.scenedetect}")
        base = venv_with(os.path.join(where, "empty"))
    print("| install | MB | without an empty venv's pip |")
    print("| --- | --- | --- |")
    print(f"| latentcut (core: `pip install latentcut`) | {core:.0f} | {core - base:.0f} |")
    print(f"| PySceneDetect {args.scenedetect} (`scenedetect[opencv-headless]`) | {peer:.0f} | {peer - base:.0f} |")
    print(f"\nlatentcut's core is {core / peer:.2f}x PySceneDetect's")


if __name__ == "__main__":
    main()
