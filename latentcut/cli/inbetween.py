"""`latentcut inbetween`."""
from __future__ import annotations

import os
import re

from latentcut.cli.common import int_at_least
from latentcut.errors import LatentcutError


def add_parser(sub) -> None:
    ib = sub.add_parser("inbetween", help="the frames between two key frames, as PNGs (VAE latents or 3D convolutions)")
    ib.add_argument("a", metavar="A", help="image file, VIDEO@FRAME or VIDEO@SECONDSs")
    ib.add_argument("b", metavar="B")
    ib.add_argument("--model", required=True, metavar="MODEL_DIR",
                    help="a VAE model folder (--method latent) or an in-betweener's (--method 3dconv)")
    ib.add_argument("--method", choices=["latent", "3dconv"], default="latent",
                    help="latent: decode interpolated VAE latents; 3dconv: the 3D-convolution in-betweener")
    ib.add_argument("--steps", type=int_at_least(1), default=8)
    ib.add_argument("--endpoints", action="store_true", help="include the reconstructions of A and B")
    ib.add_argument("--scale", type=int_at_least(1), default=4, help="enlarge the PNGs by this factor (default 4)")
    ib.add_argument("-o", "--output", required=True, metavar="DIR",
                    help="folder for inbetween_000.png, ...; a run replaces the frames of latentcut's last run there")
    ib.add_argument("--overwrite", action="store_true", help="also replace files of these names that latentcut did not write")
    ib.set_defaults(func=run)


_FRAME = re.compile(r"inbetween_\d{3,}\.png")


def _ref_file(ref: str) -> str:
    """The file part of an image path or VIDEO@FRAME reference."""
    return ref if os.path.exists(ref) or "@" not in ref else ref.rpartition("@")[0]


def run(args) -> int:
    from latentcut.extras import require

    require("vae", "in-betweening")
    from PIL import Image

    from latentcut.encoders.vae import VAEEncoder
    from latentcut.io.atomic import atomic_path, check_outputs
    from latentcut.io.folders import output_set
    from latentcut.io.images import read_frame
    from latentcut.io.ledger import Ledger

    ins = {"A": _ref_file(args.a), "B": _ref_file(args.b), "--model": args.model}
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        raise LatentcutError(f"-o {args.output}: is a file, not a folder")
    names = [os.path.join(args.output, f"inbetween_{i:03d}.png") for i in range(args.steps + 2)]  # at most
    for path in names:
        check_outputs(ins, {"-o": path})
    ledger = Ledger(args.output)
    taken = [p for p in names if os.path.lexists(p) and not ledger.owns(p)]
    if taken and not args.overwrite:
        raise LatentcutError(f"{taken[0]}: already exists{f' (and {len(taken) - 1} more)' if len(taken) > 1 else ''} "
                             "and latentcut did not write it; choose another folder or give --overwrite")
    if args.method == "3dconv":
        from latentcut.inbetween.methods import Conv3dInbetween

        method = Conv3dInbetween(args.model)
        size = (method.size, method.size)
        a, la = read_frame(args.a, size)
        b, lb = read_frame(args.b, size)
        imgs = method.inbetween(a, b, args.steps)
        if args.endpoints:
            imgs = [a, *imgs, b]
    else:
        enc = VAEEncoder.load(args.model)
        a, la = read_frame(args.a, enc.frame_size)
        b, lb = read_frame(args.b, enc.frame_size)
        imgs = enc.interpolate(a, b, args.steps, args.endpoints)

    names = names[: len(imgs)]
    with output_set():  # the run's frames replace the last run's together
        for path, img in zip(names, imgs):
            with atomic_path(path) as tmp:
                Image.fromarray(img).resize((img.shape[1] * args.scale, img.shape[0] * args.scale),
                                            Image.Resampling.NEAREST).save(tmp, format="PNG")
    stale = [p for p in ledger.mine() if p not in names and _FRAME.fullmatch(os.path.basename(p))]
    for p in stale:  # a longer earlier run's frames: two runs never mix in one folder
        os.unlink(p)
    ledger.record(names)
    print(f"{len(imgs)} in-between frames from {la} to {lb} in {args.output}/")
    return 0
