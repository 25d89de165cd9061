"""Training a VAE: on CUDA when there is a GPU (bf16 autocast, channels_last, frames kept on the
GPU as uint8 when they fit), else on the CPU with all cores. Seeded; a validation split; an
atomic checkpoint after every epoch; ``resume`` continues after an interruption; budgets in
epochs and minutes.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

from latentcut.embeddings import Embeddings
from latentcut.encoders.torch_io import frames_to_tensor, is_device, pick_device
from latentcut.encoders.vae.folder import model_config
from latentcut.encoders.vae.loss import vae_loss
from latentcut.encoders.vae.model import ARCHITECTURE, VAEConfig, build_model
from latentcut.errors import CheckpointError, LatentcutError
from latentcut.io.checkpoint import (
    OPTIMIZER,
    STATE,
    WEIGHTS,
    check_state_dict,
    check_training_folder,
    read_config,
    save_model,
)
from latentcut.io.sampling import evenly_spaced, sample_frames
from latentcut.io.tensors import load_tensors
from latentcut.io.video import VideoReader
from latentcut.io.progress import setting as progress_setting


class TrainingError(LatentcutError):
    """Training cannot start: a bad setting, too few frames, no such device."""


#: Settings a resumed run must share with the run it continues, or its weights would differ from
#: an uninterrupted run's (epochs may grow: that is what resuming is for).
_RESUME_KEYS = ("batch_size", "lr", "clip_grad", "seed", "val_fraction")
REFERENCE_FRAMES = 64


@dataclass
class TrainOptions:
    epochs: int = 30
    max_minutes: float | None = None
    batch_size: int = 256
    lr: float = 1e-4
    #: largest gradient norm per step (None: unclipped); the reprojection term's gradients can
    #: jump by orders of magnitude in one step, and Adam then walks the weights off a cliff
    clip_grad: float | None = None
    seed: int = 0
    device: str | None = None
    max_frames: int | None = None
    val_fraction: float = 0.05
    threads: int | None = None


#: The self-training budget (``--encoder repro-vae,model=self``): about a minute and a half on two CPU
#: cores. The paper's recipe (lr 1e-4, batch 256) learns nothing in ~100 steps; at most 1536 frames,
#: batch 64 and lr 1e-3 give ~300 steps, which rank cuts as well as longer runs (benchmarks/ablation.py).
SELF_TRAINING = TrainOptions(epochs=12, max_minutes=1.5, batch_size=64, lr=1e-3, max_frames=1536)


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


def check_options(opts: TrainOptions) -> None:
    """One clear error per bad training setting, before any work."""
    if not isinstance(opts.epochs, int) or opts.epochs < 1:
        raise TrainingError(f"epochs must be a whole number >= 1, not {opts.epochs!r}")
    if not isinstance(opts.batch_size, int) or opts.batch_size < 1:
        raise TrainingError(f"batch size must be a whole number >= 1, not {opts.batch_size!r}")
    if not (isinstance(opts.lr, (int, float)) and np.isfinite(opts.lr) and opts.lr > 0):
        raise TrainingError(f"learning rate must be a positive number, not {opts.lr!r}")
    if opts.clip_grad is not None and not (isinstance(opts.clip_grad, (int, float)) and opts.clip_grad > 0
                                           and np.isfinite(opts.clip_grad)):
        raise TrainingError(f"clip_grad must be a positive number, not {opts.clip_grad!r}")
    if opts.max_minutes is not None and not (np.isfinite(opts.max_minutes) and opts.max_minutes > 0):
        raise TrainingError(f"max minutes must be a positive number, not {opts.max_minutes!r}")
    if opts.max_frames is not None and (not isinstance(opts.max_frames, int) or opts.max_frames < 2):
        raise TrainingError(f"max frames must be a whole number >= 2, not {opts.max_frames!r}")
    if not 0 <= opts.val_fraction < 1:
        raise TrainingError(f"validation fraction must be within [0, 1), not {opts.val_fraction!r}")
    if opts.device is not None and not is_device(opts.device):
        raise TrainingError(f"device must be cpu, cuda or cuda:N, not {opts.device!r}")


def stack_training_set(parts: list[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """Frames of several videos as one training set, with the index where each video starts
    (so in-betweening triplets never straddle two videos)."""
    if not parts:
        raise TrainingError("no videos to train on")
    bounds = [int(b) for b in np.cumsum([0] + [len(p) for p in parts[:-1]])]
    return np.concatenate(parts), bounds


def read_training_set(videos: list[str], size: tuple[int, int], max_frames: int | None = None,
                      report=None) -> tuple[np.ndarray, list[int]]:
    """Decode the videos at ``size`` (at most ``max_frames`` spread over each) into one training set."""
    parts = []
    for path in videos:
        reader = VideoReader(path, size=size, color="rgb")
        frames = sample_frames(reader, max_frames) if max_frames else reader.read_all().frames
        parts.append(frames)
        if report is not None:
            report(path, len(frames))
    return stack_training_set(parts)


def frames_digest(frames: np.ndarray) -> str:
    """Identity of a training set: a resumed run must see the very frames the first run saw."""
    h = hashlib.sha256(str(frames.shape).encode())
    h.update(np.ascontiguousarray(frames).data)
    return h.hexdigest()[:32]


def reference_sample(frames: np.ndarray, n: int = REFERENCE_FRAMES) -> np.ndarray:
    """The frames whose embeddings set a trained model's yardstick (spread evenly over the set)."""
    return frames[evenly_spaced(len(frames), n)]


def encode_frames(net, frames: np.ndarray, device) -> Embeddings:
    """(N, H, W, 3) uint8 -> Embeddings (μ, log σ²) with the network in eval mode."""
    import torch

    was_training = net.training
    net.eval()
    mus, lvs = [], []
    with torch.inference_mode(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=str(device).startswith("cuda")):
        for i in range(0, len(frames), 1024):
            mu, lv = net.encode(frames_to_tensor(frames[i : i + 1024], device))
            mus.append(mu.float().cpu().numpy())
            lvs.append(lv.float().cpu().numpy())
    net.train(was_training)
    return Embeddings(np.concatenate(mus), np.concatenate(lvs))


def train_vae(
    cfg: VAEConfig,
    frames: np.ndarray,
    opts: TrainOptions,
    out_dir: str | None = None,
    resume: bool = False,
    video_bounds: list[int] | None = None,
    progress: bool | None = None,
    extra_config: dict | None = None,
):
    """Train on frames (N, H, W, 3) uint8; returns (model, history). ``video_bounds`` are the start
    indices of each video in ``frames`` (in-betweening triplets never straddle two videos).

    With ``out_dir`` the model folder is written as one atomic unit after every epoch (weights,
    optimizer, training state, reference embeddings, ``extra_config``); ``resume`` continues it,
    and an existing folder is never overwritten without ``resume``."""
    import torch

    check_options(opts)
    n = len(frames)
    if n < 2:
        raise TrainingError(f"need at least 2 frames to train, got {n}")
    digest = frames_digest(frames)
    if out_dir:
        _check_out_dir(out_dir, resume)
    device = pick_device(opts.device)
    cuda = device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        raise TrainingError(f"device {device!r} asked for, but PyTorch sees no CUDA GPU here")
    if not cuda:
        torch.set_num_threads(opts.threads or os.cpu_count() or 1)
    torch.manual_seed(opts.seed)
    rng = np.random.default_rng(opts.seed)
    perm = rng.permutation(n)
    n_val = int(round(n * opts.val_fraction)) if n >= 20 else 0
    val_idx, train_idx = np.sort(perm[:n_val]), np.sort(perm[n_val:])

    net = build_model(cfg).to(device).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), lr=opts.lr)
    history: list[dict] = []
    start_epoch = 0
    if resume and out_dir and os.path.exists(os.path.join(out_dir, STATE)):
        start_epoch, history = _resume(out_dir, cfg, net, opt, opts, digest)
    ref_frames = reference_sample(frames)

    # Frames stay uint8 until a batch is taken: 4x less memory, and on a GPU they live there.
    data = torch.from_numpy(np.ascontiguousarray(frames))
    if cuda:
        free = torch.cuda.mem_get_info()[0]
        data = data.to(device) if data.numel() < 0.3 * free else data.pin_memory()

    triplets = cfg.alpha > 0
    centres = _triplet_centres(train_idx, video_bounds, n) if triplets else None
    bar = None
    # off a terminal, one status line per epoch (unless progress=False asks for silence)
    if progress is None:
        progress = progress_setting()  # the command line's -q, or the pipeline's progress=False
    status = progress is None and not sys.stderr.isatty()
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
                if opts.clip_grad:
                    torch.nn.utils.clip_grad_norm_(net.parameters(), opts.clip_grad)
                opt.step()
                step = {k: float(v.detach()) for k, v in terms.items()}
                if not math.isfinite(step["loss"]):
                    kept = f"; the last finished epoch is kept in {out_dir}" if out_dir and history else ""
                    raise TrainingError(f"training diverged in epoch {epoch + 1} (the loss became {step['loss']}){kept}; "
                                        f"a lower learning rate (now {opts.lr:g}) usually helps")
                for k, v in step.items():
                    sums[k] = sums.get(k, 0.0) + v * len(idx)
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
                _checkpoint(out_dir, cfg, net, opt, history, opts, digest,
                            encode_frames(net, ref_frames, device), extra_config)
            if status:
                terms_text = ", ".join(f"{k} {v:.4g}" for k, v in record.items() if k not in ("epoch", "seconds"))
                saved = f"; saved in {out_dir}" if out_dir else ""
                print(f"latentcut: train: epoch {epoch + 1}/{opts.epochs}: {terms_text} ({record['seconds']:.0f} s{saved})",
                      file=sys.stderr, flush=True)
            if stopped:
                if progress or status:  # the bar stops short: say why, on its own line
                    done = epoch + 1 - start_epoch
                    say = (f"latentcut: train: stopped by the {opts.max_minutes:g}-minute budget after {done} of "
                           f"{opts.epochs - start_epoch} epochs (each epoch's steps counted on the bar)")
                    if bar is not None:
                        bar.set_description("train (budget reached)")
                        bar.write(say, file=sys.stderr)
                    else:
                        print(say, file=sys.stderr, flush=True)
                break
    finally:
        if bar is not None:
            bar.close()
    net.eval()
    return net, history


def frames_to_tensor_from(data, idx, device):
    import torch

    return frames_to_tensor(data[torch.as_tensor(idx, dtype=torch.long, device=data.device)], device)


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
        raise TrainingError("in-betweening needs runs of at least 3 consecutive frames")
    return np.asarray(ok)


def _check_out_dir(out_dir: str, resume: bool) -> None:
    check_training_folder(out_dir, resume, option="out_dir")


def _checkpoint(out_dir, cfg, net, opt, history, opts, digest, reference, extra_config) -> None:
    epoch = history[-1]["epoch"]
    tensors, meta = _optimizer_tensors(opt)
    save_model(out_dir, model_config(cfg, reference, extra_config), net.state_dict(), {"epoch": epoch},
               optimizer=(tensors, {**meta, "epoch": epoch}),
               training={"epoch": epoch, "history": history, "options": asdict(opts), "frames": digest})


def _resume(out_dir, cfg, net, opt, opts, digest) -> tuple[int, list]:
    saved = read_config(out_dir, ARCHITECTURE)  # also verifies every file against the manifest
    try:
        saved_cfg = VAEConfig.from_dict(saved.get("model", {}))
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{out_dir}: bad model config ({exc})") from None
    if saved_cfg != cfg:
        raise CheckpointError(f"{out_dir}: holds a model with another configuration; cannot resume it with this one "
                              f"(saved {saved.get('model')})")
    try:
        with open(os.path.join(out_dir, STATE), encoding="utf-8") as f:
            state = json.load(f)
        epoch = int(state["epoch"])
        history = list(state.get("history", []))
        saved_opts = dict(state.get("options", {}))
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{out_dir}/{STATE}: unreadable training state ({type(exc).__name__}: {exc})") from None
    changed = [f"{k} {saved_opts[k]!r} -> {getattr(opts, k)!r}" for k in _RESUME_KEYS
               if k in saved_opts and saved_opts[k] != getattr(opts, k)]
    if changed:
        raise CheckpointError(f"{out_dir}: resume with the settings it was trained with ({', '.join(changed)})")
    if state.get("frames") not in (None, digest):
        raise CheckpointError(f"{out_dir}: was trained on other frames (other videos or --max-frames); "
                              "resume with the same training set")
    tensors, meta = load_tensors(os.path.join(out_dir, WEIGHTS))
    check_state_dict(out_dir, net.state_dict(), tensors)
    net.load_state_dict(tensors)
    try:
        _load_optimizer(opt, out_dir)
    except (KeyError, ValueError, TypeError) as exc:
        raise CheckpointError(f"{out_dir}/{OPTIMIZER}: unreadable optimizer state ({exc})") from None
    if meta.get("epoch") and int(meta["epoch"]) != epoch:
        raise CheckpointError(f"{out_dir}: weights are from epoch {meta['epoch']} but the training state says {epoch}")
    return epoch, history
