"""`latentcut train-inbetween`."""
from __future__ import annotations

import json

from latentcut.cli.common import float_in, int_at_least, help_formatter
from latentcut.cli.inputs import expand_inputs
from latentcut.errors import LatentcutError

EXAMPLES = """examples:
  latentcut train-inbetween ../shared/data/unlabelled -o my-inbetweener            # the small CPU default
  latentcut train-inbetween videos/ -o big --channels 128 --base 64 --units 3 --steps 20000 --device cuda
  latentcut train-inbetween videos/ -o my-inbetweener --steps 3000 --resume       # go on from the checkpoint
  latentcut inbetween film.mp4@120 film.mp4@135 --method 3dconv --model my-inbetweener -o tween/
"""


def add_parser(sub) -> None:
    t = sub.add_parser("train-inbetween", help="train the 3D-convolution in-betweener on single-shot stretches of videos",
                       epilog=EXAMPLES, formatter_class=help_formatter())
    t.add_argument("videos", nargs="+", metavar="VIDEO|FOLDER")
    t.add_argument("-o", "--output", required=True, metavar="MODEL_DIR")
    t.add_argument("--frames", type=int_at_least(4), default=16, help="frames a clip, both key frames included")
    t.add_argument("--size", type=int, choices=[32, 64, 128], default=64, help="frame side in pixels")
    t.add_argument("--channels", type=int_at_least(1), default=32, help="latent channels")
    t.add_argument("--base", type=int_at_least(1), default=16, help="first/last convolution widths")
    t.add_argument("--units", type=int_at_least(1), default=1, help="gated units per temporal stage")
    t.add_argument("--fusion", choices=["gated", "additive", "naive"], default="gated",
                   help="gated (the paper's), additive (its no-fusion ablation) or naive (no latent generator)")
    t.add_argument("--steps", type=int_at_least(1), default=1500)
    t.add_argument("--batch", type=int_at_least(1), default=8)
    t.add_argument("--lr", type=float_in(0.0, 1.0, lo_open=True), default=2e-4)
    t.add_argument("--recon", type=float_in(0.0), default=10.0, help="weight of the L1 term on the middle frames (0: the paper's adversarial objective alone)")
    t.add_argument("--max-minutes", type=float_in(0.0, lo_open=True), help="stop (and save) after this long")
    t.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda when there is one")
    t.add_argument("--seed", type=int_at_least(0), default=0)
    t.add_argument("--resume", action="store_true", help="continue the checkpoint in MODEL_DIR")
    t.set_defaults(func=run, handles_quiet=True)


def run(args) -> int:
    from latentcut.extras import require

    require("vae", "training the in-betweener")
    from latentcut.inbetween.config import InbetweenConfig, InbetweenTrainOptions
    from latentcut.inbetween.data import clips_of
    from latentcut.inbetween.training import train_inbetween
    from latentcut.io.atomic import check_outputs
    from latentcut.io.checkpoint import check_training_folder
    from latentcut.io.progress import status

    videos = expand_inputs(args.videos)
    check_outputs({f"video {i + 1}": v for i, v in enumerate(videos)}, {"-o": args.output})
    check_training_folder(args.output, args.resume)  # before the stretch search, not after it
    try:
        cfg = InbetweenConfig(size=args.size, frames=args.frames, channels=args.channels, base=args.base,
                              units=args.units, fusion=args.fusion)
    except ValueError as exc:
        raise LatentcutError(str(exc)) from None
    opts = InbetweenTrainOptions(steps=args.steps, batch=args.batch, lr=args.lr, recon=args.recon, seed=args.seed,
                                 device=args.device, max_minutes=args.max_minutes)
    status(f"finding single-shot stretches in {len(videos)} videos")
    clips = clips_of(videos, cfg.frames, cfg.size)
    if not len(clips):
        raise LatentcutError(f"no single-shot stretch of {cfg.frames} frames in the videos given")
    status(f"{len(clips)} clips of {cfg.frames} frames; training ({args.steps} steps)")
    out = train_inbetween(clips, cfg, opts, args.output, resume=args.resume, progress=False if args.quiet else None)
    if not args.quiet:
        print(json.dumps({k: v for k, v in out.items() if k != "options"}))
        print(f"wrote {args.output}")
    return 0
