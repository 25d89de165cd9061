"""Training the 3D-convolution in-betweener adversarially, resumably, on CUDA when there is one.

The losses are the paper's (its equations 7-9): D_V tells real clips from generated ones, D_I
real middle frames from generated ones, and the generator is trained to fool both (non-saturating
logistic losses). An L1 term on the middle frames (``recon``) is added: a run of minutes on a CPU
does not reach the paper's hours of GPU training, and without it the generator learns the look of
footage long before it learns to connect the key frames. ``recon=0`` trains the paper's objective.
A checkpoint (weights, optimizer state, step, the random generators' states) is one model folder
written atomically every ``save_every`` steps, so ``resume`` continues where a run stopped.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch
import torch.nn.functional as F

from latentcut.encoders.torch_io import pick_device
from latentcut.inbetween.config import InbetweenConfig, InbetweenTrainOptions
from latentcut.inbetween.folder import load_checkpoint, save_checkpoint
from latentcut.inbetween.model import ImageDiscriminator, Inbetweener, VideoDiscriminator
from latentcut.io.checkpoint import check_training_folder
from latentcut.io.progress import bar as progress_bar


def to_video(clips: np.ndarray, device) -> torch.Tensor:
    """(B, T, S, S, 3) uint8 -> (B, 3, T, S, S) float in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(clips)).to(device).permute(0, 4, 1, 2, 3).float().div_(255)


def train_inbetween(clips: np.ndarray, cfg: InbetweenConfig, opts: InbetweenTrainOptions, out_dir: str,
                    resume: bool = False, progress: bool | None = None) -> dict:
    """Train on ``clips`` (N, T, S, S, 3) uint8 and save to ``out_dir``; returns the last step's losses."""
    if clips.ndim != 5 or clips.shape[1] != cfg.frames or clips.shape[2:4] != (cfg.size, cfg.size):
        raise ValueError(f"clips must be (N, {cfg.frames}, {cfg.size}, {cfg.size}, 3), not {clips.shape}")
    check_training_folder(out_dir, resume, option="out_dir")
    device = pick_device(opts.device)
    torch.manual_seed(opts.seed)
    gen, d_v, d_i = Inbetweener(cfg).to(device), VideoDiscriminator(cfg).to(device), ImageDiscriminator(cfg).to(device)
    opt_g = torch.optim.Adam(gen.parameters(), lr=opts.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam([*d_v.parameters(), *d_i.parameters()], lr=opts.lr, betas=(0.5, 0.999))
    step, history = 0, []
    first = 0
    if resume:
        state = load_checkpoint(out_dir, cfg, {"generator": gen, "video_d": d_v, "image_d": d_i},
                                {"opt_g": opt_g, "opt_d": opt_d}, device)
        if state is not None:
            step, history = state["step"], state["history"]
            first = step
    shown = progress_bar(opts.steps - step, "train in-betweener", "step", progress)
    t0 = time.perf_counter()
    losses: dict = {}
    try:
        while step < opts.steps:
            rng = np.random.default_rng([opts.seed, step])  # per step: a resumed run draws what an unbroken one would
            real = to_video(clips[rng.integers(0, len(clips), opts.batch)], device)
            x_s, x_e = real[:, :, 0], real[:, :, -1]
            fake = gen(x_s, x_e)
            mid = torch.from_numpy(rng.integers(1, cfg.frames - 1, opts.image_frames)).to(device)
            # discriminators
            d_loss = (F.softplus(-d_v(real)).mean() + F.softplus(d_v(fake.detach())).mean()
                      + F.softplus(-d_i(_frames(real, mid))).mean() + F.softplus(d_i(_frames(fake.detach(), mid))).mean())
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            # generator
            adv = F.softplus(-d_v(fake)).mean() + F.softplus(-d_i(_frames(fake, mid))).mean()
            rec = (fake[:, :, 1:-1] - real[:, :, 1:-1]).abs().mean()
            g_loss = opts.adversarial * adv + opts.recon * rec
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            step += 1
            losses = {"step": step, "d": d_loss.item(), "g_adv": adv.item(), "l1": rec.item()}
            if not np.isfinite(losses["d"] + losses["g_adv"] + losses["l1"]):
                raise FloatingPointError(f"training diverged at step {step}: {losses}")
            if shown is not None:
                shown.update(1)
            if step % opts.save_every == 0 or step == opts.steps:
                history.append(losses)
                save_checkpoint(out_dir, cfg, opts, gen, {"generator": gen, "video_d": d_v, "image_d": d_i},
                                {"opt_g": opt_g, "opt_d": opt_d}, step, history)
            if opts.max_minutes and time.perf_counter() - t0 > 60 * opts.max_minutes:
                history.append(losses)
                save_checkpoint(out_dir, cfg, opts, gen, {"generator": gen, "video_d": d_v, "image_d": d_i},
                                {"opt_g": opt_g, "opt_d": opt_d}, step, history)
                break
    finally:
        if shown is not None:
            shown.close()
    return dict(losses, seconds=time.perf_counter() - t0, steps_run=step - first, device=str(device), clips=len(clips),
                options=dataclasses.asdict(opts))


def _frames(video: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """(B, 3, T, S, S) at frame indices idx -> (B * len(idx), 3, S, S)."""
    sel = video.index_select(2, idx)
    b, c, k, h, w = sel.shape
    return sel.permute(0, 2, 1, 3, 4).reshape(b * k, c, h, w)
