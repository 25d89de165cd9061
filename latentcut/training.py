"""Training a VAE: on CUDA when there is a GPU (bf16 autocast, channels_last, frames kept on the
GPU as uint8 when they fit), else on the CPU with all cores. Seeded; a validation split; an
atomic checkpoint after every epoch; ``resume`` continues after an interruption; budgets in
epochs and minutes.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

from .atomic import atomic_write
from .checkpoint import CheckpointError, load_tensors, read_config, save_model, save_tensors
from .encoders.vae import ARCHITECTURE, FORMAT_VERSION, VAEConfig, build_model, frames_to_tensor, pick_device, vae_loss

STATE = "training.json"
OPTIMIZER = "optimizer.safetensors"


@dataclass
class TrainOptions:
    epochs: int = 30
    max_minutes: float | None = None
    batch_size: int = 256
    lr: float = 1e-4
    seed: int = 0
    device: str | None = None
    max_frames: int | None = None
    val_fraction: float = 0.05
    threads: int | None = None


def _optimizer_tensors(opt) -> tuple[dict, dict]:
    sd = opt.state_dict()
    tensors = {f"state.{i}.{k}": v for i, st in sd["state"].items() for k, v in st.items() if hasattr(v, "shape")}
    return tensors, {"param_groups": json.dumps(sd["param_groups"])}


def _load_optimizer(opt, folder: str) -> None:
    import torch

    tensors, meta = load_tensors(os.path.join(folder, OPTIMIZER))
    state: dict = {}
    for key, v in tensors.items():
        _, i, name = key.split(".", 2)
        state.setdefault(int(i), {})[name] = v
    groups = json.loads(meta["param_groups"])
    opt.load_state_dict({"state": state, "param_groups": groups})
    for st in opt.state.values():
        for k, v in st.items():
            if isinstance(v, torch.Tensor) and k != "step":
                st[k] = v.to(next(iter(opt.param_groups[0]["params"])).device)


def train_vae(
    cfg: VAEConfig,
    frames: np.ndarray,
    opts: TrainOptions,
    out_dir: str | None = None,
    resume: bool = False,
    video_bounds: list[int] | None = None,
    progress: bool | None = None,
):
    """Train on frames (N, H, W, 3) uint8; returns (model, history). ``video_bounds`` are the start
    indices of each video in ``frames`` (in-betweening triplets never straddle two videos)."""
    import torch

    device = pick_device(opts.device)
    cuda = device.startswith("cuda")
    if not cuda:
        torch.set_num_threads(opts.threads or os.cpu_count() or 1)
    torch.manual_seed(opts.seed)
    n = len(frames)
    if n < 2:
        raise ValueError(f"need at least 2 frames to train, got {n}")
    rng = np.random.default_rng(opts.seed)
    perm = rng.permutation(n)
    n_val = int(round(n * opts.val_fraction)) if n >= 20 else 0
    val_idx, train_idx = np.sort(perm[:n_val]), np.sort(perm[n_val:])

    net = build_model(cfg).to(device).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), lr=opts.lr)
    history: list[dict] = []
    start_epoch = 0
    if resume and out_dir and os.path.exists(os.path.join(out_dir, STATE)):
        start_epoch, history = _resume(out_dir, cfg, net, opt)

    # Frames stay uint8 until a batch is taken: 4x less memory, and on a GPU they live there.
    data = torch.from_numpy(np.ascontiguousarray(frames))
    if cuda:
        free = torch.cuda.mem_get_info()[0]
        data = data.to(device) if data.numel() < 0.3 * free else data.pin_memory()

    triplets = cfg.alpha > 0
    centres = _triplet_centres(train_idx, video_bounds, n) if triplets else None
    bar = None
    if progress is None:
        progress = sys.stderr.isatty()
    steps_per_epoch = max(1, int(np.ceil((len(centres) * 3 if triplets else len(train_idx)) / opts.batch_size)))
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=(opts.epochs - start_epoch) * steps_per_epoch, unit="step", desc="train", dynamic_ncols=True)
    t0 = time.perf_counter()
    stopped = False
    try:
        for epoch in range(start_epoch, opts.epochs):
            net.train()
            # Shuffle and noise seeded per epoch: a resumed run repeats an uninterrupted one exactly.
            g = np.random.default_rng([opts.seed, epoch])
            torch.manual_seed(int(g.integers(2**62)))
            sums: dict[str, float] = {}
            seen = 0
            if triplets:
                order = g.permutation(centres)
                per = max(1, opts.batch_size // 3)
                batches = [np.stack([order[i : i + per] - 1, order[i : i + per], order[i : i + per] + 1], 1).ravel()
                           for i in range(0, len(order), per)]
            else:
                order = g.permutation(train_idx)
                batches = [order[i : i + opts.batch_size] for i in range(0, len(order), opts.batch_size)]
            for idx in batches:
                x = frames_to_tensor_from(data, idx, device)
                with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
                    terms = vae_loss(net, x, cfg, triplets=triplets)
                opt.zero_grad(set_to_none=True)
                terms["loss"].backward()
                opt.step()
                for k, v in terms.items():
                    sums[k] = sums.get(k, 0.0) + float(v.detach()) * len(idx)
                seen += len(idx)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix({k: f"{v / seen:.3g}" for k, v in sums.items()}, refresh=False)
                if opts.max_minutes and time.perf_counter() - t0 > 60 * opts.max_minutes:
                    stopped = True
                    break
            record = {"epoch": epoch + 1, **{k: v / max(seen, 1) for k, v in sums.items()}}
            if len(val_idx):
                record["val_loss"] = _evaluate(net, data, val_idx, cfg, device, opts.batch_size)
            record["seconds"] = round(time.perf_counter() - t0, 2)
            history.append(record)
            if out_dir:
                _checkpoint(out_dir, cfg, net, opt, history, opts)
            if stopped:
                break
    finally:
        if bar is not None:
            bar.close()
    net.eval()
    return net, history


def frames_to_tensor_from(data, idx, device):
    import torch

    sel = data[torch.as_tensor(idx, dtype=torch.long, device=data.device)]
    if sel.device.type != "cuda" and str(device).startswith("cuda"):
        sel = sel.to(device, non_blocking=True)
    return sel.permute(0, 3, 1, 2).float().div_(255.0).contiguous(memory_format=torch.channels_last)


def _evaluate(net, data, idx, cfg, device, batch_size) -> float:
    import torch

    net.eval()
    total = 0.0
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=str(device).startswith("cuda")):
        gen = torch.random.get_rng_state()
        torch.manual_seed(12345)  # the same noise each epoch: validation losses compare
        for i in range(0, len(idx), batch_size):
            x = frames_to_tensor_from(data, idx[i : i + batch_size], device)
            total += float(vae_loss(net, x, cfg)["loss"]) * len(x)
        torch.random.set_rng_state(gen)
    net.train()
    return total / len(idx)


def _triplet_centres(train_idx, bounds, n) -> np.ndarray:
    starts = set(bounds or [0])
    ends = {b - 1 for b in (bounds or [])[1:]} | {n - 1}
    ok = [i for i in train_idx if i not in starts and i not in ends and 0 < i < n - 1]
    if not ok:
        raise ValueError("in-betweening needs runs of at least 3 consecutive frames")
    return np.asarray(ok)


def _checkpoint(out_dir, cfg, net, opt, history, opts) -> None:
    epoch = history[-1]["epoch"]
    tensors, meta = _optimizer_tensors(opt)
    save_tensors(os.path.join(out_dir, OPTIMIZER), tensors, {**meta, "epoch": epoch})
    save_model(out_dir, {"architecture": ARCHITECTURE, "format_version": FORMAT_VERSION, "model": cfg.to_dict()},
               net.state_dict(), {"epoch": epoch})
    with atomic_write(os.path.join(out_dir, STATE), encoding="utf-8") as f:
        json.dump({"epoch": epoch, "history": history, "options": asdict(opts)}, f, indent=1)


def _resume(out_dir, cfg, net, opt) -> tuple[int, list]:
    from .checkpoint import check_state_dict

    saved = read_config(out_dir, ARCHITECTURE)
    if VAEConfig.from_dict(saved.get("model", {})) != cfg:
        raise CheckpointError(f"{out_dir}: holds a model with another configuration; cannot resume it with this one "
                              f"(saved {saved.get('model')})")
    with open(os.path.join(out_dir, STATE), encoding="utf-8") as f:
        state = json.load(f)
    tensors, meta = load_tensors(os.path.join(out_dir, "model.safetensors"))
    check_state_dict(out_dir, net.state_dict(), tensors)
    net.load_state_dict(tensors)
    epoch = int(state["epoch"])
    try:
        _load_optimizer(opt, out_dir)
    except (CheckpointError, KeyError, ValueError):
        import warnings

        warnings.warn(f"{out_dir}: optimizer state unreadable; resuming with a fresh optimizer", stacklevel=3)
    if meta.get("epoch") and int(meta["epoch"]) != epoch:
        raise CheckpointError(f"{out_dir}: weights are from epoch {meta['epoch']} but the training state says {epoch}")
    return epoch, state.get("history", [])
