"""Training shotnet (:mod:`latentcut.encoders.shotnet`) without labels: frames of one shot are the same picture, other shots are not.

Each step takes shots from a few videos (so most negatives are other shots of the same video,
the hard ones) and, for each, two frames up to ``neighbour`` frames apart; each frame goes
through the changes a screenshot or a re-encode brings (crops, mirroring, bars, colour shifts,
blur, a smaller copy, noise, burned-in text). The loss is InfoNCE between the two views, both
ways (SimCLR's), plus, with ``reprojection`` > 0, the reprojection idea carried to augmented
views: the KL between the two views' unit-variance Gaussians, which for deterministic vectors is
half their squared distance. Shots come from latentcut's own default detector, so nothing here
needs a label. It lives here, beside the path, because it needs both the detector and the
library's border stripping.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass

import numpy as np

from latentcut.detection.pipeline import detect
from latentcut.encoders.shotnet.model import ARCHITECTURE, ShotNetConfig, parameter_shapes, torch_net
from latentcut.encoders.torch_io import is_device, pick_device
from latentcut.errors import LatentcutError
from latentcut.io.progress import bar
from latentcut.io.video import VideoReader
from latentcut.retrieval.borders import prepare, work_size

STORE = 80  #: frames are kept at this side, so a crop still has pixels to give at the input size


@dataclass
class ShotNetTraining:
    """How a shotnet is trained (recorded whole in the model's config)."""

    steps: int = 800
    budget: float | None = None  #: seconds; training stops at whichever of steps and budget comes first
    batch: int = 64  #: shots a step (two views each)
    videos_per_step: int = 8  #: shots of one step come from this many videos (hard negatives)
    lr: float = 2e-3
    temperature: float = 0.1
    reprojection: float = 0.0  #: weight of the KL between the two views' Gaussians
    neighbour: int = 12  #: the two frames of a pair are at most this many frames apart
    max_frames: int = 2000  #: frames kept a video (evenly spread), bounding memory on long videos
    seed: int = 0
    device: str | None = None

    def __post_init__(self):
        for name in ("steps", "batch", "videos_per_step", "max_frames"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)!r}")
        if self.neighbour < 0:
            raise ValueError(f"neighbour must be 0 or more, not {self.neighbour!r}")
        if not (self.lr > 0 and self.temperature > 0 and self.reprojection >= 0):
            raise ValueError("lr and temperature must be positive and reprojection 0 or more")
        if self.device is not None and not is_device(self.device):
            raise ValueError(f"device must be cpu, cuda or cuda:N, not {self.device!r}")


# -- data -----------------------------------------------------------------------------------------------

@dataclass
class Footage:
    frames: list  #: per video, (N, STORE, STORE, 3) uint8
    shots: list  #: per video, (S, 2) int: [start, end) in that video's kept frames
    names: list


def load_footage(paths, max_frames: int = 2000, progress=None) -> Footage:
    """Each video's frames at STORE x STORE and its shots, from latentcut's default detector. A
    video that cannot be read is skipped with a note (a batch goes on past a bad file)."""
    frames, shots, names = [], [], []
    for path in paths:
        try:
            result = detect(path, progress=False)
            info = result.video
            # the library strips each picture's flat borders before its encoder sees it, at the same
            # working size (retrieval.embedding.embed_video): so do we
            reader = VideoReader(path, size=work_size(info.display_size[1], info.display_size[0]))
            got = np.stack([prepare(f, (STORE, STORE)) for b in reader.batches() for f in b.frames])
        except LatentcutError as exc:
            print(f"latentcut: skipping {path}: {exc}")
            continue
        n = len(got)
        bounds = sorted({0, n, *(min(n, int(s.start.frame)) for s in result.shots)})
        keep = np.arange(n) if n <= max_frames else np.linspace(0, n - 1, max_frames).round().astype(int)
        # shots in kept-frame numbers: a kept frame belongs to the shot its original index lies in
        shot_of = np.searchsorted(bounds, keep, side="right") - 1
        edges = np.flatnonzero(np.diff(shot_of)) + 1
        starts, ends = np.r_[0, edges], np.r_[edges, len(keep)]
        frames.append(got[keep])
        shots.append(np.stack([starts, ends], 1))
        names.append(os.path.basename(str(path)))
        if progress:
            progress(f"{len(names)}/{len(paths)} videos, {sum(len(s) for s in shots)} shots")
    if sum(len(s) for s in shots) < 2:
        raise LatentcutError("training shotnet needs at least two shots in the given videos")
    return Footage(frames, shots, names)


def sample_pairs(footage: Footage, opts: ShotNetTraining, rng: np.random.Generator):
    """(video, frame a, frame b) for ``batch`` distinct shots, taken from ``videos_per_step`` videos."""
    nv = len(footage.frames)
    order = rng.permutation(nv)
    per = max(1, -(-opts.batch // min(opts.videos_per_step, nv)))
    chosen = []
    for v in order:
        s = footage.shots[v]
        for k in rng.permutation(len(s))[:per]:
            chosen.append((v, *s[k]))
        if len(chosen) >= opts.batch:
            break
    out = []
    for v, start, end in chosen[: opts.batch]:
        a = int(rng.integers(start, end))
        lo, hi = max(start, a - opts.neighbour), min(end - 1, a + opts.neighbour)
        b = a if rng.random() < 0.3 else int(rng.integers(lo, hi + 1))
        out.append((v, a, b))
    return out


# -- the changes a frame goes through (batched, on the training device) ----------------------------------

def _text_bank(n: int, side: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2, side, side) float: masks of white text and of its dark outline near the bottom."""
    from PIL import Image, ImageDraw, ImageFont

    words = ["we", "never", "knew", "what", "the", "night", "would", "bring", "again", "I", "told",
             "you", "so", "run", "now", "wait", "for", "me", "this", "time"]
    out = np.zeros((n, 2, side, side), np.float32)
    big = side * 4
    for i in range(n):
        img = Image.new("RGB", (big, big))
        draw = ImageDraw.Draw(img)
        try:
            font = ImageFont.load_default(size=int(big * rng.uniform(0.06, 0.1)))
        except TypeError:
            font = ImageFont.load_default()
        line = " ".join(rng.choice(words, int(rng.integers(2, 5))))
        box = draw.textbbox((0, 0), line, font=font)
        x = (big - (box[2] - box[0])) // 2 + int(rng.integers(-big // 10, big // 10 + 1))
        y = int(big * rng.uniform(0.76, 0.88))
        draw.text((x, y), line, font=font, fill=(255, 0, 0), stroke_width=max(1, big // 120), stroke_fill=(0, 255, 0))
        a = np.asarray(img.resize((side, side), Image.Resampling.BOX), np.float32) / 255
        out[i, 0], out[i, 1] = a[..., 0], a[..., 1]
    return out


class Augment:
    """The screenshot changes, applied to a batch (B, 3, STORE, STORE) in [0, 1] -> (B, 3, size, size)."""

    def __init__(self, size: int, device, rng: np.random.Generator):
        import torch

        self.size, self.device = size, device
        self.gen = torch.Generator(device="cpu").manual_seed(int(rng.integers(2**31)))
        self.text = torch.from_numpy(_text_bank(64, size, rng)).to(device)

    def _u(self, n, lo, hi):
        import torch

        return (torch.rand(n, generator=self.gen) * (hi - lo) + lo).to(self.device)

    def _p(self, n, p):
        import torch

        return (torch.rand(n, generator=self.gen) < p).to(self.device)

    def __call__(self, x):
        import torch
        from torch.nn import functional as F
        from torchvision.ops import roi_align

        b, s = len(x), x.shape[-1]
        # a crop (70-100 % of each side, now and then down to 55 %), slightly off the frame's aspect
        side = torch.where(self._p(b, 0.5), self._u(b, 0.55, 1.0), self._u(b, 0.85, 1.0))
        aspect = self._u(b, 0.9, 1.1)
        w, h = (side * aspect).clamp(max=1.0) * s, (side / aspect).clamp(max=1.0) * s
        x0, y0 = self._u(b, 0, 1) * (s - w), self._u(b, 0, 1) * (s - h)
        boxes = torch.stack([torch.arange(b, device=self.device, dtype=x.dtype), x0, y0, x0 + w, y0 + h], 1)
        x = roi_align(x, boxes, output_size=self.size, spatial_scale=1.0, sampling_ratio=2, aligned=True)
        n = self.size
        flip = self._p(b, 0.5)[:, None, None, None]
        x = torch.where(flip, x.flip(-1), x)
        # brightness, contrast, a colour cast, saturation
        gain = torch.where(self._p(b, 0.8), self._u(b, 0.6, 1.4), torch.ones(b, device=self.device))
        offset = torch.where(self._p(b, 0.8), self._u(b, -0.16, 0.16), torch.zeros(b, device=self.device))
        cast = 1 + (torch.rand(b, 3, generator=self.gen).to(self.device) - 0.5) * 0.2
        grey = x.mean(1, keepdim=True)
        sat = torch.where(self._p(b, 0.3), self._u(b, 0.5, 1.4), torch.ones(b, device=self.device))[:, None, None, None]
        x = grey + (x - grey) * sat
        x = x * (gain[:, None] * cast)[:, :, None, None] + offset[:, None, None, None]
        # blur, or a smaller copy brought back up
        blur = self._p(b, 0.3)
        if blur.any():
            sigma = float(self._u(1, 0.4, 1.6))
            r = torch.arange(-3, 4, device=self.device, dtype=x.dtype)
            k = torch.exp(-(r**2) / (2 * sigma**2))
            k = (k / k.sum()).view(1, 1, 1, 7).repeat(3, 1, 1, 1)
            y = F.conv2d(F.pad(x[blur], (3, 3, 0, 0), mode="replicate"), k, groups=3)
            y = F.conv2d(F.pad(y, (0, 0, 3, 3), mode="replicate"), k.transpose(2, 3), groups=3)
            x = x.clone()
            x[blur] = y
        small = self._p(b, 0.3)
        if small.any():
            m = int(self._u(1, 14, 36))
            y = F.interpolate(F.interpolate(x[small], size=m, mode="area"), size=n, mode="bilinear", align_corners=False)
            x = x.clone()
            x[small] = y
        # bars or a border the stripping left: the picture shrunk into a flat frame of any colour
        framed = self._p(b, 0.12).nonzero().flatten().tolist()
        if framed:
            x = x.clone()
            for i in framed:
                fh, fw = (n, int(n * float(self._u(1, 0.7, 0.95)))) if float(self._u(1, 0, 1)) < 0.5 else \
                    (int(n * float(self._u(1, 0.7, 0.95))), n)
                inner = F.interpolate(x[i : i + 1], size=(fh, fw), mode="area")
                canvas = torch.rand(3, generator=self.gen).to(self.device).view(1, 3, 1, 1).expand(1, 3, n, n).clone()
                t, l = (n - fh) // 2, (n - fw) // 2
                canvas[:, :, t : t + fh, l : l + fw] = inner
                x[i] = canvas[0]
        # burned-in subtitles: white text in a dark outline
        subs = self._p(b, 0.25)
        if subs.any():
            pick = torch.randint(len(self.text), (int(subs.sum()),), generator=self.gen).to(self.device)
            masks = self.text[pick]
            y = x[subs]
            y = y * (1 - masks[:, 1:2]) * (1 - masks[:, 0:1]) + masks[:, 0:1]
            x = x.clone()
            x[subs] = y
        # sensor or codec noise
        noise = self._u(b, 0, 0.03) * self._p(b, 0.3)
        x = x + torch.randn(x.shape, generator=self.gen).to(self.device) * noise[:, None, None, None]
        return x.clamp(0, 1)


# -- the loop ---------------------------------------------------------------------------------------------

def train_shotnet(paths, config: ShotNetConfig | None = None, options: ShotNetTraining | None = None,
                  progress: bool | None = None, footage: Footage | None = None):
    """Train a shotnet on videos; returns (state dict of numpy arrays, config dict for its model folder)."""
    import torch
    from torch.nn import functional as F

    config = config or ShotNetConfig()
    opts = options or ShotNetTraining()
    rng = np.random.default_rng(opts.seed)
    torch.manual_seed(opts.seed)
    device = pick_device(opts.device)
    if footage is None:
        footage = load_footage(list(paths), opts.max_frames)
    net = torch_net(config).to(device)
    optim = torch.optim.AdamW(net.parameters(), lr=opts.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda k: min(1.0, (k + 1) / 50) * 0.5 * (1 + math.cos(math.pi * min(k, opts.steps) / opts.steps)))
    augment = Augment(config.size, device, rng)
    stores = [torch.from_numpy(f) for f in footage.frames]
    history, t0 = [], time.monotonic()
    shown = bar(opts.steps, "training shotnet", "step", progress)
    done, window = 0, []

    def record():
        history.append({"step": done, "loss": round(float(np.mean(window)), 5), "seconds": round(time.monotonic() - t0, 1)})
        window.clear()

    try:
        for _ in range(opts.steps):
            if opts.budget and time.monotonic() - t0 > opts.budget:
                break
            pairs = sample_pairs(footage, opts, rng)
            a = torch.stack([stores[v][i] for v, i, _ in pairs])
            bb = torch.stack([stores[v][j] for v, _, j in pairs])
            views = torch.cat([a, bb]).to(device).permute(0, 3, 1, 2).float().div_(255)
            z = net(augment(views))
            za, zb = z[: len(pairs)], z[len(pairs) :]
            logits = za @ zb.T / opts.temperature
            target = torch.arange(len(pairs), device=device)
            loss = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
            if opts.reprojection:
                loss = loss + opts.reprojection * 0.5 * (za - zb).pow(2).sum(1).mean()
            optim.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            optim.step()
            sched.step()
            done += 1
            window.append(loss.item())
            if done % 50 == 0:
                record()
            if shown:
                shown.update(1)
        if window:
            record()
    finally:
        if shown:
            shown.close()
    state = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
    assert set(state) == set(parameter_shapes(config))
    recipe = {k: v for k, v in asdict(opts).items() if k != "device"}
    cfg = {"architecture": ARCHITECTURE, "model": config.to_dict(),
           "training": {**recipe, "steps_done": done, "device": device, "seconds": round(time.monotonic() - t0, 1),
                        "videos": footage.names, "shots": int(sum(len(s) for s in footage.shots)),
                        "frames": int(sum(len(f) for f in footage.frames)), "history": history}}
    if done < opts.steps:
        print(f"latentcut: shotnet training stopped by its {opts.budget:.0f} s budget after {done} of {opts.steps} steps")
    return state, cfg
