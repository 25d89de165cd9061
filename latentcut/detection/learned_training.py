"""Training the learned boundary detector on synthetic edits of unlabelled footage.

1. Single-shot stretches, found without labels: a deliberately over-sensitive detector (it
   calls a cut at far smaller jumps than the default) cuts each video, and what lies between its
   boundaries, trimmed by a margin, is taken as one shot. Over-cutting only wastes footage; a
   missed boundary would teach the model that a cut is not one, so the rule errs to the first.
   :func:`stretch_purity` measures how clean the stretches are on labelled clips.
2. Sequences spliced from stretches of different videos with random transitions and in-shot
   changes (:mod:`latentcut.synthetic.transitions`).
3. The encoder and distance make their score curves; :func:`~latentcut.detection.learned.curve_features`
   turns them into the model's input, and every frame inside a boundary's interval is a positive.
4. A small 1-D convolution network learns the boundaries (torch, CPU or CUDA), then is saved as
   a NumPy-loadable model folder.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from latentcut.detection.learned import BoundaryModel, BoundaryModelConfig, curve_features
from latentcut.detection.pipeline import ShotDetector
from latentcut.detection.thresholders import AdaptiveThreshold
from latentcut.encoders.torch_io import pick_device
from latentcut.io.video import VideoReader
from latentcut.scoring.curves import score_curve
from latentcut.scoring.yardstick import reference_scale, scale_of, video_sample
from latentcut.synthetic.transitions import splice

SYNTH_FPS = 24.0


@dataclass
class DetectorTrainOptions:
    encoder: str = "pixel"
    distance: str | None = None
    sequences: int = 1200  #: synthetic sequences to make
    shots_per_sequence: tuple[int, int] = (6, 14)
    steps: int = 2500
    batch: int = 32
    window: int = 192  #: frames per training window
    lr: float = 3e-3
    pos_weight: float = 2.0
    seed: int = 0
    device: str | None = None
    hidden: int = 32


def oversensitive_detector(encoder: str = "pixel") -> ShotDetector:
    """Cuts at a third of the default's jump sizes, with no minimum shot length."""
    thr = AdaptiveThreshold(ratio=1.2, min_score=0.15, strong_ratio=2.5, weak_score=0.04, min_shot_len=1,
                            sure_score=None)
    return ShotDetector(encoder, thresholder=thr, progress=False)


def stretches_of(result, margin: int, min_len: int) -> list[tuple[int, int]]:
    """[start, end) frame ranges between the result's boundaries, ``margin`` frames trimmed off each side."""
    edges = [0]
    for c in result.cuts:
        lo, hi = c.start.frame, c.end.frame  # a hard cut's are its frame
        edges += [lo, hi]
    edges.append(result.frames)
    out = []
    for a, b in zip(edges[0::2], edges[1::2]):
        a, b = a + margin, b - margin
        if b - a >= min_len:
            out.append((a, b))
    return out


def stretch_rules(encoder: str = "pixel") -> list[tuple[str, ShotDetector, float, int]]:
    """(kind, detector, margin in seconds, least margin in frames) of each way to find stretches.

    Two kinds: the clean ones between an over-sensitive detector's boundaries, and the "quiet"
    ones where the default detector, with no minimum shot length, sees nothing within half a
    second. The first kind alone is calm footage: the over-sensitive detector cuts fast action
    into pieces too short to keep, and a model that never saw action calls every pan a cut. The
    second kind brings the action back, at the price of the default's rare misses."""
    # the adaptive bar is pinned (the default's was 1.5 when the shipped model was trained), so the
    # recipe that remakes the shipped model does not drift when the default moves
    quiet_bar = AdaptiveThreshold(ratio=1.5, min_shot_len=1, sure_score=None)
    quiet = ShotDetector(encoder, thresholder=quiet_bar, progress=False)
    return [("clean", oversensitive_detector(encoder), 0.15, 2), ("quiet", quiet, 0.5, 3)]


def video_stretches(path: str, rules) -> tuple[np.ndarray, dict[str, list[tuple[int, int]]]] | None:
    """(every frame at the rules' encoder size, {kind: stretches}) of one video, decoded once;
    None for a video too short to hold a stretch."""
    enc = rules[0][1].encoder
    reader = VideoReader(path, size=enc.frame_size, color=enc.color)
    batch = reader.read_all()
    if len(batch.frames) < 24:
        return None
    emb = enc.transform(batch.frames)
    fps = reader.info.fps or SYNTH_FPS
    scored = rules[0][1].score_embeddings(emb, batch.times, batch.indices, info=reader.info)
    found = {}
    for kind, det, margin_s, least in rules:
        res = det.detect_scored(scored)
        found[kind] = stretches_of(res, max(least, int(round(margin_s * fps))), min_len=12)
    return batch.frames, found


def find_stretches(videos: list[str], encoder: str = "pixel", report=None, action: bool = True):
    """{video: (frames at the encoder's size, [(start, end), ...])} of single-shot stretches, of
    both kinds of :func:`stretch_rules` (only the clean kind without ``action``)."""
    rules = stretch_rules(encoder)
    if not action:
        rules = rules[:1]
    out = {}
    for path in videos:
        got = video_stretches(path, rules)
        if got is None:
            continue
        frames, found = got
        out[path] = (frames, [s for kind in found for s in found[kind]])
        if report:
            report(path, len(frames), len(out[path][1]))
    return out


def stretch_purity(clips) -> dict:
    """How clean the stretches are: on labelled clips ((path, ClipLabels) pairs), found exactly as
    for training, for each kind the share of stretches, and of their frames, that hold no
    labelled boundary."""
    rules = stretch_rules()
    out = {kind: {"stretches": 0, "clean": 0, "frames": 0, "clean_frames": 0} for kind, *_ in rules}
    for path, lab in clips:
        got = video_stretches(path, rules)
        for kind, stretches in (got[1] if got else {}).items():
            for a, b in stretches:
                # a cut at c splits [a, b) when a < c < b; a transition [lo, hi] when it overlaps it
                dirty = any(t.lo < b and t.hi > a and not (t.kind == "cut" and t.lo == a) for t in lab.boundaries)
                r = out[kind]
                r["stretches"] += 1
                r["frames"] += b - a
                r["clean"] += not dirty
                r["clean_frames"] += (b - a) * (not dirty)
    return {kind: {"stretches": r["stretches"], "clean_share": r["clean"] / max(r["stretches"], 1),
                   "frames": r["frames"], "clean_frame_share": r["clean_frames"] / max(r["frames"], 1)}
            for kind, r in out.items()}


def make_sequences(stretches: dict, n: int, rng, shots=(6, 14)):
    """Synthetic sequences of shots cut from stretches, neighbours always from different stretches."""
    pool = [(v, s) for v, (_, ss) in stretches.items() for s in ss]
    if len(pool) < 2:
        raise ValueError("too few single-shot stretches to splice (need footage with at least two shots)")
    for _ in range(n):
        k = int(rng.integers(shots[0], shots[1] + 1))
        picks, last = [], None
        while len(picks) < k:
            j = int(rng.integers(0, len(pool)))
            if j == last:
                continue
            v, (a, b) = pool[j]
            frames = stretches[v][0]
            # lengths from 1-frame-ish flashes of a shot up to 2.5 s, most of them short as in edits
            length = int(np.clip(np.round(np.exp(rng.uniform(np.log(4), np.log(60)))), 3, b - a))
            s0 = int(rng.integers(a, b - length + 1))
            picks.append(frames[s0 : s0 + length])
            last = j
        yield splice(picks, rng)


def sequence_example(seq, encoder, distance, k: int):
    """(features (T, C), targets (T,)) of one synthetic sequence."""
    emb = encoder.transform(seq.frames)
    n = len(emb)
    curve = score_curve(emb, distance, k, np.arange(n), np.arange(n) / SYNTH_FPS)
    scale = reference_scale(encoder, distance)
    sample = video_sample(emb)
    if len(sample) >= 2:
        scale = max(scale, scale_of(sample, distance))
    feats = curve_features(curve, scale, SYNTH_FPS)
    target = np.zeros(n, np.float32)
    for b in seq.boundaries:
        target[b.lo : min(b.hi, n - 1) + 1] = 1.0
    return feats, target


def build_dataset(stretches: dict, opts: DetectorTrainOptions, report=None):
    rng = np.random.default_rng(opts.seed)
    det = ShotDetector(opts.encoder, opts.distance, progress=False)
    k = det.span_frames(SYNTH_FPS)
    feats, targets = [], []
    for i, seq in enumerate(make_sequences(stretches, opts.sequences, rng, opts.shots_per_sequence)):
        f, t = sequence_example(seq, det.encoder, det.distance, k)
        feats.append(f)
        targets.append(t)
        if report and (i + 1) % 100 == 0:
            report(i + 1)
    return feats, targets, det


def _torch_model(cfg: BoundaryModelConfig):
    import torch
    from torch import nn

    layers, c = [], cfg.in_channels
    for d in cfg.dilations:
        layers += [nn.Conv1d(c, cfg.hidden, cfg.kernel, dilation=d, padding=d * (cfg.kernel - 1) // 2,
                             padding_mode="replicate"), nn.ReLU()]
        c = cfg.hidden
    layers.append(nn.Conv1d(c, 1, 1))
    net = nn.Sequential(*layers)
    torch.nn.init.constant_(net[-1].bias, -3.0)  # boundaries are rare: start near their base rate
    return net


def _weights_of(net, cfg: BoundaryModelConfig) -> dict[str, np.ndarray]:
    convs = [m for m in net if hasattr(m, "weight")]
    out = {}
    for i, m in enumerate(convs[:-1]):
        out[f"conv{i}.weight"] = m.weight.detach().cpu().numpy().astype(np.float32)
        out[f"conv{i}.bias"] = m.bias.detach().cpu().numpy().astype(np.float32)
    out["head.weight"] = convs[-1].weight.detach().cpu().numpy().astype(np.float32)
    out["head.bias"] = convs[-1].bias.detach().cpu().numpy().astype(np.float32)
    return out


def train_detector(feats, targets, opts: DetectorTrainOptions, info: dict | None = None,
                   progress: bool | None = None) -> BoundaryModel:
    import torch

    torch.manual_seed(opts.seed)
    device = pick_device(opts.device)
    cfg = BoundaryModelConfig(hidden=opts.hidden, encoder=opts.encoder, distance=opts.distance or "l1")
    net = _torch_model(cfg).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=opts.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, opts.steps)
    x_all = np.concatenate(feats).astype(np.float32)
    y_all = np.concatenate(targets).astype(np.float32)
    x_t = torch.from_numpy(x_all).to(device)
    y_t = torch.from_numpy(y_all).to(device)
    starts = np.cumsum([0] + [len(f) for f in feats])
    # windows never straddle two sequences
    ok = np.concatenate([np.arange(a, b - opts.window + 1) for a, b in zip(starts[:-1], starts[1:]) if b - a >= opts.window])
    if len(ok) == 0:
        raise ValueError(f"no synthetic sequence is {opts.window} frames long")
    rng = np.random.default_rng(opts.seed)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(opts.pos_weight, device=device))
    show = sys.stderr.isatty() if progress is None else progress
    t0 = time.perf_counter()
    offs = torch.arange(opts.window, device=device)
    for step in range(opts.steps):
        idx = torch.from_numpy(rng.choice(ok, opts.batch)).to(device)[:, None] + offs
        xb = x_t[idx].permute(0, 2, 1)  # (B, C, W)
        yb = y_t[idx]
        loss = loss_fn(net(xb)[:, 0], yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if show and (step % 100 == 0 or step == opts.steps - 1):
            print(f"\rtrain-detector: step {step + 1}/{opts.steps} loss {loss.item():.4f} "
                  f"({time.perf_counter() - t0:.0f} s)", end="", file=sys.stderr, flush=True)
    if show:
        print(file=sys.stderr)
    cfg.training = dict(info or {}, steps=opts.steps, batch=opts.batch, window=opts.window, lr=opts.lr,
                        pos_weight=opts.pos_weight, seed=opts.seed, sequences=opts.sequences,
                        frames=int(len(x_all)), positives=int(y_all.sum()), device=str(device),
                        seconds=round(time.perf_counter() - t0, 1))
    return BoundaryModel(cfg, _weights_of(net.cpu(), cfg))


def unlabelled_videos(folder: str) -> list[str]:
    exts = (".mp4", ".mkv", ".webm", ".mov", ".avi", ".gif", ".m4v")
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(exts))

