"""`latentcut train`."""
from __future__ import annotations

import os

from latentcut.cli.common import float_in, int_at_least, shows_default
from latentcut.errors import LatentcutError


def add_parser(sub) -> None:
    t = sub.add_parser("train", help="train a Repro-VAE or beta-VAE on the frames of videos")
    t.add_argument("videos", nargs="+", metavar="VIDEO")
    t.add_argument("-o", "--output", required=True, metavar="MODEL_DIR", help="model folder (checkpoint every epoch)")
    t.add_argument("--encoder", default="repro-vae", help="repro-vae (default) or beta-vae")
    # the paper's long recipe (TrainOptions) and architecture (VAEConfig): stated there, read for --help
    for flag, kind, text in (("--epochs", int_at_least(1), "epochs"), ("--batch-size", int_at_least(1), "batch size"),
                             ("--lr", float_in(0.0, 1.0, lo_open=True), "Adam's learning rate"),
                             ("--seed", int_at_least(0), "seed"), ("--latent-dim", int_at_least(1), "latent dimensions"),
                             ("--beta", float_in(0.0), "weight of the prior term"),
                             ("--alpha", float_in(0.0), "in-betweening term weight (0: off)"),
                             ("--size", int_at_least(8), "frame side in pixels, a multiple of 16")):
        shows_default(t.add_argument(flag, type=kind, help=f"{text} (default: %(default_of)s)"), recipe_default)
    t.add_argument("--max-minutes", type=float_in(0.0, lo_open=True), help="stop after this many minutes (the last epoch is saved)")
    t.add_argument("--clip-grad", type=float_in(0.0, lo_open=True), metavar="NORM",
                   help="clip each step's gradient norm to NORM (steadies long Repro-VAE runs; default: off)")
    t.add_argument("--tau", type=float_in(0.0), help="reprojection weight (default: the encoder's, 200 for repro-vae, 0 for beta-vae)")
    t.add_argument("--max-frames", type=int_at_least(2), help="sample at most this many frames per video")
    t.add_argument("--device", help="cpu, cuda or cuda:N (default: cuda when available)")
    t.add_argument("--resume", action="store_true", help="continue the training saved in MODEL_DIR")
    t.set_defaults(func=run)


def recipe_default(dest: str):
    """The training recipe's default for an option: TrainOptions (epochs, batch size, lr, seed) or VAEConfig."""
    try:
        from latentcut.encoders.vae import TrainOptions, VAEConfig
    except ImportError:
        return "see latentcut[vae]"
    return getattr(TrainOptions, dest, None) if hasattr(TrainOptions, dest) else getattr(
        VAEConfig, {"size": "input_size"}.get(dest, dest))


def run(args) -> int:
    from latentcut.extras import require

    require("vae", "training a VAE")
    from latentcut.encoders import create_encoder
    from latentcut.encoders.vae import VAEEncoder
    from latentcut.encoders.vae.training import read_training_set
    from latentcut.io.atomic import check_outputs

    check_outputs({f"video {i + 1}": v for i, v in enumerate(args.videos)}, {"-o": args.output})
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        raise LatentcutError(f"-o {args.output}: is a file, not a model folder")
    for v in args.videos:
        if not os.path.exists(v):
            raise LatentcutError(f"{v}: no such file")
    from latentcut.io.checkpoint import check_training_folder

    check_training_folder(args.output, args.resume)  # before any frame is read
    # the recipe's training defaults (TrainOptions, not the self-training budget); the architecture's are the
    # encoder's own, so only what the user gave goes in
    training = {k: recipe_default(k) if getattr(args, k) is None else getattr(args, k)
                for k in ("epochs", "batch_size", "lr", "seed")}
    given = {k: getattr(args, k) for k in ("latent_dim", "beta", "alpha", "size", "tau", "device", "clip_grad")
             if getattr(args, k) is not None}
    enc = create_encoder(args.encoder, model="self", max_minutes=args.max_minutes, **training, **given)
    if not isinstance(enc, VAEEncoder):
        raise LatentcutError(f"encoder {args.encoder!r} is not trainable; use repro-vae or beta-vae")
    frames, bounds = read_training_set(args.videos, enc.frame_size, args.max_frames,
                                       report=lambda path, n: print(f"{path}: {n} frames for training"))
    enc.fit(frames, video_bounds=bounds, out_dir=args.output, resume=args.resume,
            extra={"trained_on": [os.path.basename(v) for v in args.videos],
                   "frames_per_video": args.max_frames or "all"})
    history = enc.history_
    last = history[-1] if history else {}
    print(f"trained {last.get('epoch', 0)} epochs on {len(frames)} frames ({last.get('seconds', 0):.0f} s); "
          f"loss {last.get('loss', float('nan')):.1f}, validation {last.get('val_loss', float('nan')):.1f}")
    print(f"model: {args.output} (config.json + model.safetensors); use it with "
          f"`latentcut detect VIDEO --encoder {enc.name} --model {args.output}`")
    return 0
