"""`latentcut map`."""
from __future__ import annotations

import os

from latentcut.cli.common import add_detect_options, check_outputs, detector_from_args, input_files, int_at_least, wxh
from latentcut.errors import LatentcutError


EXAMPLES = """examples:
  latentcut map film.mp4                       # writes film-map.png here: PCA of shotnet's vectors, coloured by shot
  latentcut map film.mp4 --method umap -o m.png --poster poster.png   # UMAP (latentcut[map]) and a thumbnail poster
  latentcut map film.mp4 --csv coords.csv --color time
"""


def add_parser(sub) -> None:
    from latentcut.cli.common import help_formatter

    mp = sub.add_parser("map", help="a 2D map of a video's frames (PCA, UMAP or the autoencoder), and a poster",
                        epilog=EXAMPLES, formatter_class=help_formatter(),
                        description="Draw each frame of a video as a point, near the frames that look like it.")
    mp.add_argument("video", help="the video file")
    mp.add_argument("-o", "--output", metavar="MAP.png",
                    help="the map picture (default: VIDEO_NAME-map.png here, unless --csv or --poster is given)")
    mp.add_argument("--method", choices=["pca", "umap", "autoencoder"], default="pca",
                    help="pca (default: in the core install, instant, and as good on the benchmark, docs/maps.md), "
                         "umap (latentcut[map]; about 30 s to compile the first time) or autoencoder (latentcut[vae])")
    mp.add_argument("--color", choices=["shot", "time"], default="shot", help="colour the points by shot (default) or time")
    mp.add_argument("--map-encoder", metavar="SPEC", default=None,
                    help="the encoder the map is drawn from (default shotnet, whose shots stand further apart; "
                         "'detector': the shot detector's own embeddings, no second pass over the video)")
    mp.add_argument("--csv", metavar="COORDS.csv", help="write frame, time, shot, x, y")
    mp.add_argument("--poster", metavar="POSTER.png", help="thumbnails tiled on a grid by their map position")
    mp.add_argument("--poster-size", type=wxh, default="1920x1080", help="poster size WxH (default 1920x1080)")
    mp.add_argument("--size", type=wxh, default="1200x1000", help="map image size WxH (default 1200x1000)")
    mp.add_argument("--max-points", type=int_at_least(3), default=5000, help="frames on the map, spread evenly (default 5000)")
    add_detect_options(mp)
    mp.set_defaults(func=run)


def run(args) -> int:
    from latentcut.extras import require

    if args.method == "umap":
        require("map", "--method umap")
    elif args.method == "autoencoder":
        require("vae", "--method autoencoder")
    from latentcut.component import describe
    from latentcut.encoders import create_encoder
    from latentcut.io.atomic import atomic_write
    from latentcut.io.timecode import format_seconds
    from latentcut.io.thumbnails import thumbnails
    from latentcut.maps.projection import MAP_ENCODER, map_video
    from latentcut.maps.render import draw_map, poster

    if not (args.output or args.csv or args.poster):
        args.output = os.path.splitext(os.path.basename(args.video))[0] + "-map.png"
        if os.path.lexists(args.output):
            raise LatentcutError(f"{args.output}: already exists; latentcut does not replace it (give -o MAP.png)")
    check_outputs(input_files(args, video=args.video), {"-o": args.output, "--csv": args.csv, "--poster": args.poster})
    det = detector_from_args(args)
    spec = args.map_encoder or MAP_ENCODER
    own = spec == "detector"
    encoder = None if own else create_encoder(spec).prepare()  # a bad spec or model fails before the detection
    result = det.detect(args.video, keep_embeddings=own)
    m = map_video(result, args.method, args.max_points, encoder=encoder)
    by_time = args.color == "time"
    title = (f"{os.path.basename(args.video)}: {len(m.indices)} frames, {len(result.shots)} shots, "
             f"{args.method} of {result.settings['encoder'] if own else describe(encoder)}")
    if args.output:
        draw_map(m.coords, args.output, m.times if by_time else m.shots, "time (s)" if by_time else "shot", title, args.size)
    if args.csv:
        with atomic_write(args.csv, encoding="utf-8") as f:
            f.write("frame,time,shot,x,y\n")
            for i, t, s_, c in zip(m.indices, m.times, m.shots, m.coords):
                f.write(f"{int(i)},{t:.6f},{int(s_)},{c[0]:.6f},{c[1]:.6f}\n")
    if args.poster:
        poster(m.coords, thumbnails(args.video, m.indices), args.poster, args.poster_size,
               captions=[format_seconds(t) for t in m.times])
    for what, path in (("map", args.output), ("coordinates", args.csv), ("poster", args.poster)):
        if path:
            print(f"wrote {what}: {path}")
    return 0
