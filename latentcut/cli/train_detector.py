"""`latentcut train-detector`: the learned boundary detector, from unlabelled videos."""
from __future__ import annotations

import os

from latentcut.cli.common import int_at_least
from latentcut.errors import LatentcutError


def add_parser(sub) -> None:
    t = sub.add_parser("train-detector", help="train the learned boundary detector on synthetic edits of unlabelled videos",
                       description="Find single-shot stretches in the videos (no labels needed), splice them into "
                       "synthetic cuts, dissolves, fades, wipes and short shots with in-shot look-alikes, and train "
                       "the small network that `--thresholder learned,model=MODEL_DIR` uses.")
    t.add_argument("videos", nargs="+", metavar="VIDEO", help="videos or folders of videos")
    t.add_argument("-o", "--output", required=True, metavar="MODEL_DIR", help="model folder to write")
    t.add_argument("--encoder", default="pixel", help="the encoder whose score curves it learns from (default pixel)")
    t.add_argument("--distance", help="distance (default: the encoder's default)")
    t.add_argument("--sequences", type=int_at_least(10), default=1200, help="synthetic sequences (default 1200)")
    t.add_argument("--steps", type=int_at_least(1), default=3000, help="training steps (default 3000)")
    t.add_argument("--seed", type=int_at_least(0), default=0)
    t.add_argument("--device", help="cpu, cuda or cuda:N (default: cuda when available)")
    t.set_defaults(handles_quiet=True, func=run)


def run(args) -> int:
    from latentcut.extras import require

    require("vae", "training the boundary detector")
    from latentcut.detection.learned_training import (
        DetectorTrainOptions,
        build_dataset,
        find_stretches,
        train_detector,
        unlabelled_videos,
    )
    from latentcut.io.atomic import check_outputs

    videos = []
    for v in args.videos:
        if os.path.isdir(v):
            videos += unlabelled_videos(v)
        elif os.path.exists(v):
            videos.append(v)
        else:
            raise LatentcutError(f"{v}: no such file or folder")
    if not videos:
        raise LatentcutError("no videos to learn from")
    check_outputs({f"video {i + 1}": v for i, v in enumerate(videos)}, {"-o": args.output})
    if os.path.exists(args.output) and (not os.path.isdir(args.output) or os.listdir(args.output)):
        raise LatentcutError(f"-o {args.output}: exists and is not an empty folder; choose a new one")
    say = (lambda *a: None) if args.quiet else print
    stretches = find_stretches(videos, args.encoder,
                               report=lambda p, n, k: say(f"{os.path.basename(p)}: {n} frames, {k} single-shot stretches"))
    total = sum(len(s) for _, s in stretches.values())
    say(f"{total} single-shot stretches from {len(stretches)} videos")
    opts = DetectorTrainOptions(encoder=args.encoder, distance=args.distance, sequences=args.sequences,
                                steps=args.steps, seed=args.seed, device=args.device)
    try:
        feats, targets, _ = build_dataset(stretches, opts, report=lambda i: say(f"made {i}/{opts.sequences} sequences"))
        model = train_detector(feats, targets, opts, info={"videos": [os.path.basename(v) for v in videos],
                                                            "stretches": total},
                               progress=None if not args.quiet else False)
    except ValueError as exc:
        raise LatentcutError(str(exc)) from None
    model.save(args.output)
    t = model.config.training
    say(f"trained on {t['frames']} synthetic frames ({t['positives']} inside boundaries) in {t['seconds']:.0f} s "
        f"on {t['device']}")
    say(f"model: {args.output}; use it with `latentcut detect VIDEO --thresholder learned,model={args.output}`")
    return 0
