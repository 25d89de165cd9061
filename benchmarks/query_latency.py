#!/usr/bin/env python
"""What one screenshot query costs a user, whole: a cold one-shot command (a new process imports
the encoder, loads its model and the index, then searches), the same command when a query server
is running (``latentcut index serve``), and a request to that server from a running program.

    LATENTCUT_WEIGHTS_DIR=../../shared/weights python benchmarks/query_latency.py
        [--encoders lite0 lite0,backend=torch shotnet colorlayout] [--clips 6] [--cold 5] [--requests 200]

Each encoder gets a library of the first ``--clips`` labelled clips; the queries are frames of
those clips, as PNG files. Peak memory is the largest resident set of a cold one-shot process.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np
from _common import DEFAULT_LABELS, clip_paths
from PIL import Image

from latentcut.io.thumbnails import thumbnails
from latentcut.retrieval.library import SceneLibrary
from latentcut.retrieval.server import SERVER_FILE

CLI = [sys.executable, "-m", "latentcut.cli"]


#: the command as a user runs it, reporting its own peak resident memory (MB) on its last stderr line: VmHWM,
#: which starts afresh at exec (ru_maxrss would carry over the forking parent's, this benchmark's, pages)
ONE_SHOT = ("import sys\nfrom latentcut.cli import main\nrc = main(sys.argv[1:])\n"
            "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0].split()[1]\n"
            "print(int(hwm) / 1024, file=sys.stderr)\nsys.exit(rc)")


def one_shot(lib: str, image: str, *extra: str) -> tuple[float, float]:
    """(seconds, peak MB) of one ``latentcut index query`` process, start to exit."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", ONE_SHOT, "index", "query", lib, "--image", image, "--json", "-k", "5",
                        *extra], check=True, capture_output=True, text=True)
    return time.perf_counter() - t0, float(r.stderr.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoders", nargs="+", default=["lite0", "shotnet", "colorlayout"])
    ap.add_argument("--clips", type=int, default=6)
    ap.add_argument("--cold", type=int, default=5, help="one-shot runs per encoder")
    ap.add_argument("--requests", type=int, default=200, help="server requests per encoder")
    ap.add_argument("--labels", default=DEFAULT_LABELS)
    args = ap.parse_args()
    clips = [p for p, _ in clip_paths(args.labels)][: args.clips]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        pngs = []
        for i, c in enumerate(clips):  # a frame from the middle of each clip, as a PNG a user would hand in
            frame = thumbnails(c, [40], (270, 480))[0]
            buf = io.BytesIO()
            Image.fromarray(frame).save(buf, format="PNG")
            path = os.path.join(tmp, f"q{i}.png")
            with open(path, "wb") as f:
                f.write(buf.getvalue())
            pngs.append((path, buf.getvalue()))
        for n, spec in enumerate(args.encoders):
            folder = os.path.join(tmp, f"lib-{n}-{spec.split(',')[0]}")
            lib = SceneLibrary(folder, encoder=spec)
            for c in clips:
                lib.add(c, progress=False)
            keys = lib.keyframe_count()
            lib.close()
            runs = [one_shot(folder, pngs[i % len(pngs)][0], "--no-server") for i in range(args.cold)]
            cold, peak = [t for t, _ in runs], max(m for _, m in runs)
            server = subprocess.Popen([*CLI, "index", "serve", folder, "--port", "0", "-q"])
            record = os.path.join(folder, SERVER_FILE)
            t0 = time.perf_counter()
            while not os.path.exists(record) and server.poll() is None and time.perf_counter() - t0 < 120:
                time.sleep(0.05)
            ready = time.perf_counter() - t0
            with open(record, encoding="utf-8") as f:
                rec = json.load(f)
            url = f"http://{rec['host']}:{rec['port']}/query?k=5"
            lat = []
            for i in range(args.requests):
                body = pngs[i % len(pngs)][1]
                t1 = time.perf_counter()
                with urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST")) as r:
                    json.load(r)
                lat.append(time.perf_counter() - t1)
            via = [one_shot(folder, pngs[i % len(pngs)][0])[0] for i in range(args.cold)]
            server.terminate()
            server.wait(30)
            lat_ms = np.asarray(lat) * 1000
            rows.append((spec, keys, np.median(cold), peak, ready, np.median(via), np.percentile(lat_ms, 50),
                         np.percentile(lat_ms, 95)))
            print(f"{spec}: done", file=sys.stderr, flush=True)
    print(f"\n{len(clips)} clips a library; one-shot times are the median of {args.cold} runs, server requests "
          f"{args.requests}\n")
    print("| encoder | keyframes | cold one-shot command | its peak memory | server ready after | one-shot command, "
          "server running | request to the server p50 / p95 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for spec, keys, cold, peak, ready, via, p50, p95 in rows:
        print(f"| {spec} | {keys} | {cold:.2f} s | {peak:.0f} MB | {ready:.1f} s | {via:.2f} s | "
              f"{p50:.1f} / {p95:.1f} ms |")
    base = rows[0][2]
    for spec, *_rest in rows[1:]:
        print(f"cold one-shot, {spec} vs {rows[0][0]}: {_rest[1] / base:.2f}x the time")


if __name__ == "__main__":
    main()
